/*
 * What runs beside a target's probes and keeps it open: the CAA lookup of
 * its name (once per name), its HTTP checks (HTTPS by port, /https,
 * --http-port, or found by ALPN when the probes end), and the address
 * records --max-conns counts connections by.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert/cert.h"
#include "net/dns.h"
#include "net/http.h"
#include "probe/engine.h"
#include "scan_int.h"

bool
ta_host_is_literal(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET6, host, &a6) == 1 || inet_pton(AF_INET, host, &a4) == 1;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* No CAA lookup for a single label (localhost, a TLD) or the special-use
 * names of RFC 6761 that never reach public DNS. */
static bool
caa_applies(const char *host)
{
	return strchr(host, '.') && !ends_with(host, ".localhost") &&
	       !ends_with(host, ".invalid") && !ends_with(host, ".local");
}

static void
http_done(void *arg)
{
	ta_target_part_done(arg);
}

/* The CAA lookup of a name is made once: every other target of the name
 * waits for it and takes a copy. */
static void
caa_done(void *arg)
{
	struct ta_target *owner = arg, *w = owner->caa_next;

	while (w) {
		struct ta_target *next = w->caa_next;

		w->res.dns = owner->res.dns;
		w->caa_next = NULL;
		ta_target_part_done(w);
		w = next;
	}
	owner->caa_next = NULL;
	ta_target_part_done(owner);
}

void
ta_scan_start_caa(struct ta_scan *s)
{
	if (s->cfg.no_dns)
		return;
	for (size_t i = 0; i < s->ntargets; i++) {
		struct ta_target *t = s->targets[i];
		bool seen = false;

		if (ta_host_is_literal(t->res.host) || t->resolve_failed ||
		    !caa_applies(t->res.host))
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			struct ta_target *o = s->targets[j];

			if (strcmp(o->res.host, t->res.host) != 0 || !o->caa_owner)
				continue;
			/* wait for the lookup of the first target of the name */
			seen = true;
			t->parts++;
			t->caa_next = o->caa_next;
			o->caa_next = t;
		}
		if (seen)
			continue;
		if (!s->dns) {
			t->res.dns.tested = true;
			snprintf(t->res.dns.error, sizeof t->res.dns.error, "%s", s->dns_err);
			continue;
		}
		t->parts++;
		t->caa_owner = true;
		if (ta_dns_caa(s->dns, t->res.host, &t->res.dns, caa_done, t) != TA_OK) {
			t->parts--;
			t->caa_owner = false;
			t->res.dns.tested = true;
			snprintf(t->res.dns.error, sizeof t->res.dns.error,
			         "the CAA lookup could not start");
		}
	}
}

/* A TLS service of no other kind (not STARTTLS, not LDAPS, IMAPS...). */
static bool
plain_tls(const struct ta_target *t)
{
	return !t->st_ops && strcmp(t->res.service, "tls") == 0;
}

static void
start_http(struct ta_target *t)
{
	struct ta_scan *s = t->scan;
	struct ta_http_check_req req = {
	        .host = t->res.host,
	        .ip = t->res.ip,
	        .https_port = t->res.port,
	        .http_port = s->cfg.http_port ? (uint16_t)s->cfg.http_port : 80,
	        .timeout_ms = s->cfg.read_timeout_ms * 2,
	};

	t->http_started = true;
	if (!s->http)
		s->http = ta_http_new(&s->loop, ta_cert_default_dir());
	t->parts++;
	if (!s->http || ta_http_check(s->http, &req, &t->res.http, http_done, t) != TA_OK) {
		t->parts--;
		t->res.http.tested = true;
		snprintf(t->res.http.error, sizeof t->res.http.error,
		         "the HTTP checks could not start");
	}
}

/* HTTPS by its port (443, 8443...) or by the user's word (/https, or
 * --http-port for a TLS service on any port): HTTP checks alongside the
 * probes. */
void
ta_target_start_http(struct ta_target *t)
{
	struct ta_scan *s = t->scan;

	if (s->cfg.no_http)
		return;
	if (s->cfg.http_port && plain_tls(t))
		snprintf(t->res.service, sizeof t->res.service, "https");
	if (strcmp(t->res.service, "https") == 0)
		start_http(t);
}

void
ta_target_probes_done(struct ta_target *t)
{
	struct ta_scan *s = t->scan;
	bool web = false;

	s->targets_live--;
	for (size_t i = 0; i < t->res.features.nalpn; i++)
		web |= strcmp(t->res.features.alpn[i], "http/1.1") == 0 ||
		       strcmp(t->res.features.alpn[i], "h2") == 0;
	if (web && !s->cfg.no_http && !t->http_started && !t->abort && plain_tls(t)) {
		/* a web server on a port of no known service: it said so */
		snprintf(t->res.service, sizeof t->res.service, "https");
		start_http(t);
	}
	ta_target_part_done(t);
}

/* FNV-1a of an address text. */
static size_t
host_hash(const char *ip)
{
	uint64_t h = 1469598103934665603ull;

	for (; *ip; ip++)
		h = (h ^ (unsigned char)*ip) * 1099511628211ull;
	return (size_t)h;
}

/* Every target's address record: targets on the same address share one,
 * so --max-conns counts the address's connections across the run. */
int
ta_scan_assign_hosts(struct ta_scan *s)
{
	s->hosts_cap = 16;
	while (s->hosts_cap < 2 * s->ntargets)
		s->hosts_cap *= 2;
	s->hosts = calloc(s->hosts_cap, sizeof *s->hosts);
	if (!s->hosts)
		return TA_ENOMEM;
	for (size_t i = 0; i < s->ntargets; i++) {
		struct ta_target *t = s->targets[i];
		size_t k = host_hash(t->res.ip) & (s->hosts_cap - 1);

		if (!t->res.ip[0])
			continue; /* not resolved: never connects */
		while (s->hosts[k] && strcmp(s->hosts[k]->ip, t->res.ip) != 0)
			k = (k + 1) & (s->hosts_cap - 1);
		if (!s->hosts[k]) {
			s->hosts[k] = calloc(1, sizeof **s->hosts);
			if (!s->hosts[k])
				return TA_ENOMEM;
			snprintf(s->hosts[k]->ip, sizeof s->hosts[k]->ip, "%s", t->res.ip);
		}
		t->host = s->hosts[k];
	}
	return TA_OK;
}
