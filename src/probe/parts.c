/*
 * What runs beside a target's probes and keeps it open: the CAA lookup of
 * its name (once per name), its HTTP checks (HTTPS by port, /https,
 * --http-port, or found by ALPN when the probes end), and the address
 * records --max-conns counts connections by.
 */
#include <arpa/inet.h>
#include <ctype.h>
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

/* The CAA lookup of a name has ended: every target of the name that
 * started meanwhile takes a copy. */
static void
caa_done(void *arg)
{
	struct ta_caa_lookup *c = arg;
	struct ta_target *w = c->waiters;

	c->done = true;
	c->waiters = NULL;
	while (w) {
		struct ta_target *next = w->caa_next;

		w->res.dns = *c->res;
		w->caa_next = NULL;
		ta_target_part_done(w);
		w = next;
	}
}

void
ta_target_start_caa(struct ta_target *t, struct ta_caa_lookup *c)
{
	struct ta_scan *s = t->scan;

	if (c->done) {
		t->res.dns = *c->res;
		return;
	}
	if (!s->dns || (!c->started && !c->res && !(c->res = calloc(1, sizeof *c->res)))) {
		/* no resolver, or no memory: this target goes without (the next
		 * of the name tries again) */
		t->res.dns.tested = true;
		snprintf(t->res.dns.error, sizeof t->res.dns.error, "%s",
		         s->dns ? "out of memory" : s->dns_err);
		return;
	}
	t->parts++;
	t->caa_next = c->waiters;
	c->waiters = t;
	if (c->started)
		return;
	c->started = true;
	if (ta_dns_caa(s->dns, c->name, c->res, caa_done, c) != TA_OK) {
		c->res->tested = true;
		snprintf(c->res->error, sizeof c->res->error, "the CAA lookup could not start");
		caa_done(c);
	}
}

void
ta_caa_release(struct ta_caa_lookup *c)
{
	if (!c || --c->refs > 0)
		return;
	free(c->res);
	c->res = NULL;
}

/* FNV-1a of a text, case folded. */
static size_t
text_hash(const char *p, bool fold)
{
	uint64_t h = 1469598103934665603ull;

	for (; *p; p++)
		h = (h ^ (unsigned char)(fold ? tolower((unsigned char)*p) : *p)) *
		    1099511628211ull;
	return (size_t)h;
}

/* One CAA lookup per name (case folded) over the specs that need one. */
int
ta_scan_assign_caa(struct ta_scan *s)
{
	size_t cap = 16, n = 0;
	struct ta_caa_lookup **tab;

	if (s->cfg.no_dns)
		return TA_OK;
	while (cap < 2 * s->nspecs)
		cap *= 2;
	tab = calloc(cap, sizeof *tab);
	if (!tab)
		return TA_ENOMEM;
	for (size_t i = 0; i < s->nspecs; i++) {
		struct ta_spec *sp = &s->specs[i];
		size_t k = text_hash(sp->host, true) & (cap - 1);

		if (ta_host_is_literal(sp->host) || sp->error || !caa_applies(sp->host))
			continue;
		while (tab[k] && strcasecmp(tab[k]->name, sp->host) != 0)
			k = (k + 1) & (cap - 1);
		if (!tab[k]) {
			tab[k] = calloc(1, sizeof **tab);
			if (!tab[k])
				break; /* the table is freed below; the run reports ENOMEM */
			snprintf(tab[k]->name, sizeof tab[k]->name, "%s", sp->host);
			n++;
		}
		tab[k]->refs++;
		sp->caa = tab[k];
	}
	/* the scan keeps them all, to free them at its end */
	s->caas = calloc(n ? n : 1, sizeof *s->caas);
	for (size_t k = 0; k < cap; k++)
		if (tab[k] && s->caas)
			s->caas[s->ncaas++] = tab[k];
		else if (tab[k])
			free(tab[k]);
	free(tab);
	if (!s->caas) {
		for (size_t i = 0; i < s->nspecs; i++)
			s->specs[i].caa = NULL;
		return TA_ENOMEM;
	}
	return TA_OK;
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

/* Every spec's address record: targets on the same address share one,
 * so --max-conns counts the address's connections across the run. */
int
ta_scan_assign_hosts(struct ta_scan *s)
{
	s->hosts_cap = 16;
	while (s->hosts_cap < 2 * s->nspecs)
		s->hosts_cap *= 2;
	s->hosts = calloc(s->hosts_cap, sizeof *s->hosts);
	if (!s->hosts)
		return TA_ENOMEM;
	for (size_t i = 0; i < s->nspecs; i++) {
		struct ta_spec *sp = &s->specs[i];
		size_t k = text_hash(sp->addr.ip, false) & (s->hosts_cap - 1);

		if (!sp->addr.len)
			continue; /* not resolved: never connects */
		while (s->hosts[k] && strcmp(s->hosts[k]->ip, sp->addr.ip) != 0)
			k = (k + 1) & (s->hosts_cap - 1);
		if (!s->hosts[k]) {
			s->hosts[k] = calloc(1, sizeof **s->hosts);
			if (!s->hosts[k])
				return TA_ENOMEM;
			snprintf(s->hosts[k]->ip, sizeof s->hosts[k]->ip, "%s", sp->addr.ip);
		}
		sp->hostrec = s->hosts[k];
	}
	return TA_OK;
}
