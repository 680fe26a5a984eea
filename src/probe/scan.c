/*
 * The public scan API: targets (parsing and resolution), running every
 * target from one loop with a cap on connections per host and overall,
 * and access for the report writers.
 *
 * Name resolution uses getaddrinfo() before the loop starts; it is the one
 * blocking step left (c-ares will replace it with the DNS checks).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "probe/engine.h"
#include "scan_internal.h"
#include "wire/starttls.h"

int
ta_starttls_known(const char *name)
{
	return name && ta_st_known(name);
}

const char *
ta_starttls_names(void)
{
	return ta_st_names();
}

const char *
ta_strerror(int err)
{
	switch (err) {
	case TA_OK:
		return "success";
	case TA_EDECODE:
		return "malformed data from the peer";
	case TA_ENOSPC:
		return "buffer limit reached";
	case TA_EINVAL:
		return "invalid argument";
	case TA_ENOMEM:
		return "out of memory";
	case TA_ETIMEOUT:
		return "timed out";
	case TA_ECONNECT:
		return "connection failed";
	case TA_ECLOSED:
		return "connection closed by peer";
	case TA_ERESOLVE:
		return "name does not resolve";
	case TA_EPROTO:
		return "protocol violation by peer";
	case TA_ESYS:
		return "system call failed";
	default:
		return "internal error";
	}
}

void
ta_config_default(struct ta_config *cfg)
{
	*cfg = (struct ta_config){
	        .connect_timeout_ms = 5000,
	        .read_timeout_ms = 5000,
	        .retries = 1,
	        .max_conns_per_host = 4,
	        .max_conns_total = 256,
	        .family = TA_FAMILY_ANY,
	        .sni = NULL,
	};
}

struct ta_scan *
ta_scan_new(const struct ta_config *cfg)
{
	struct ta_scan *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	if (cfg)
		s->cfg = *cfg;
	else
		ta_config_default(&s->cfg);
	if (!s->cfg.max_conns_per_host)
		s->cfg.max_conns_per_host = 1;
	if (!s->cfg.max_conns_total)
		s->cfg.max_conns_total = 1;
	if (s->cfg.sni) {
		snprintf(s->sni, sizeof s->sni, "%s", s->cfg.sni);
		s->has_sni = true;
	}
	s->cfg.sni = NULL;
	if (s->cfg.starttls) {
		snprintf(s->starttls, sizeof s->starttls, "%s", s->cfg.starttls);
		s->cfg.starttls = NULL;
	}
	s->trace = getenv("TLSAUDIT_TRACE") != NULL;
	snprintf(s->focus_profile, sizeof s->focus_profile, "%s",
	         s->cfg.profile ? s->cfg.profile : "hkcert-intermediate");
	s->cfg.profile = NULL;
	s->certctx = ta_cert_ctx_new(s->cfg.ca_file, s->ca_err, sizeof s->ca_err);
	s->cfg.ca_file = NULL; /* not kept: the store is loaded */
	if (ta_loop_init(&s->loop) != TA_OK) {
		free(s);
		return NULL;
	}
	return s;
}

static void
target_free(struct ta_target *t)
{
	struct ta_job *j = t->jobs;

	while (j) {
		struct ta_job *next = j->next;

		j->ops->free(j);
		j = next;
	}
	for (size_t i = 0; i < t->ng13_seed; i++)
		free(t->g13_seed_win[i]);
	for (size_t i = 0; i < t->res.nchains; i++) {
		free(t->res.chains[i].der);
		free(t->res.chains[i].ocsp);
		ta_chain_free(t->res.chains[i].analysis);
		free(t->res.chains[i].analysis);
	}
	free(t);
}

void
ta_scan_free(struct ta_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntargets; i++)
		target_free(s->targets[i]);
	free(s->targets);
	if (s->report_state_free)
		s->report_state_free(s->report_state);
	ta_cert_ctx_free(s->certctx);
	ta_loop_free(&s->loop);
	free(s);
}

/* The dialogue and service name of a target: its own "/proto", else
 * --starttls, else what its port usually speaks. */
static void
set_service(struct ta_scan *s, struct ta_target *t, const char *proto)
{
	const char *want = proto && *proto ? proto : s->starttls[0] ? s->starttls : NULL;
	const struct ta_st_ops *ops;
	const char *implicit = ta_st_implicit_service(t->res.port);

	if (want && (strcmp(want, "tls") == 0 || strcmp(want, "none") == 0))
		ops = NULL;
	else if (want)
		ops = ta_st_find(want);
	else
		ops = ta_st_for_port(t->res.port);
	t->st_ops = ops;
	if (ops) {
		snprintf(t->res.service, sizeof t->res.service, "%s", ops->name);
		snprintf(t->res.starttls.proto, sizeof t->res.starttls.proto, "%s", ops->name);
	} else {
		snprintf(t->res.service, sizeof t->res.service, "%s", implicit ? implicit : "tls");
	}
	t->res.starttls.offered = TA_UNKNOWN;
}

static struct ta_target *
new_target(struct ta_scan *s, const char *host, uint16_t port)
{
	struct ta_target *t;

	if (s->ntargets == s->captargets) {
		size_t cap = s->captargets ? s->captargets * 2 : 16;
		struct ta_target **v = realloc(s->targets, cap * sizeof *v);

		if (!v)
			return NULL;
		s->targets = v;
		s->captargets = cap;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->scan = s;
	snprintf(t->res.host, sizeof t->res.host, "%s", host);
	t->res.port = port;
	ta_timer_init(&t->hold_timer, NULL);
	s->targets[s->ntargets++] = t;
	return t;
}

static bool
valid_hostname(const char *h)
{
	size_t len = strlen(h), label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/* A printable copy of user text for a one-line message: control bytes and
 * non-ASCII become '?', and long text is cut. */
static void
printable(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 4 < cap; in++)
		out[n++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
	if (*in && n + 4 >= cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

int
ta_parse_target(const char *spec, uint16_t default_port, char *host, size_t hostcap, uint16_t *port,
                char *err, size_t errlen)
{
	const char *h = spec, *p = NULL;
	char shown[104];
	bool bracketed = false;
	size_t hlen;

	if (!spec || !*spec) {
		snprintf(err, errlen, "empty target");
		return TA_EINVAL;
	}
	printable(spec, shown, sizeof shown);
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close) {
			snprintf(err, errlen, "target '%s': missing ']'", shown);
			return TA_EINVAL;
		}
		bracketed = true;
		h = spec + 1;
		hlen = (size_t)(close - h);
		if (close[1] == ':')
			p = close + 2;
		else if (close[1] != '\0') {
			snprintf(err, errlen, "target '%s': junk after ']'", shown);
			return TA_EINVAL;
		}
	} else {
		const char *colon = strchr(spec, ':');

		if (colon && strchr(colon + 1, ':')) {
			hlen = strlen(spec); /* bare IPv6 address */
		} else if (colon) {
			hlen = (size_t)(colon - spec);
			p = colon + 1;
		} else {
			hlen = strlen(spec);
		}
	}
	if (hlen == 0) {
		snprintf(err, errlen, "target '%s': no host", shown);
		return TA_EINVAL;
	}
	if (hlen > 253 || hlen >= hostcap) {
		snprintf(err, errlen, "target '%s': host longer than 253 characters", shown);
		return TA_EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (p) {
		unsigned long v = 0;
		size_t k;

		/* digits only: no sign, no spaces, no hex */
		for (k = 0; p[k] >= '0' && p[k] <= '9' && k < 6; k++)
			v = v * 10 + (unsigned long)(p[k] - '0');
		if (k == 0 || p[k] != '\0' || v < 1 || v > 65535) {
			snprintf(err, errlen, "target '%s': port must be a number from 1 to 65535",
			         shown);
			return TA_EINVAL;
		}
		*port = (uint16_t)v;
	} else {
		*port = default_port;
	}
	{
		struct in6_addr a6;
		struct in_addr a4;
		bool v6 = inet_pton(AF_INET6, host, &a6) == 1;

		if (bracketed && !v6) {
			snprintf(err, errlen, "target '%s': brackets are for IPv6 addresses only",
			         shown);
			return TA_EINVAL;
		}
		if (!v6 && inet_pton(AF_INET, host, &a4) != 1 && !valid_hostname(host)) {
			char hs[104];

			printable(host, hs, sizeof hs);
			snprintf(err, errlen, "target '%s': '%s' is not a host name or address",
			         shown, hs);
			return TA_EINVAL;
		}
	}
	return TA_OK;
}

int
ta_scan_add_target(struct ta_scan *s, const char *spec, uint16_t default_port, char *err,
                   size_t errlen)
{
	char host[256], portstr[8], proto[16] = "", base[300];
	uint16_t port;
	struct addrinfo hints = {0}, *res = NULL, *ai;
	struct in6_addr a6;
	struct in_addr a4;
	bool literal;
	int rc;
	const char *slash = spec ? strrchr(spec, '/') : NULL;

	if (slash) {
		char shown[104];

		printable(spec, shown, sizeof shown);
		if ((size_t)(slash - spec) >= sizeof base || strlen(slash + 1) >= sizeof proto ||
		    !ta_st_known(slash + 1)) {
			snprintf(err, errlen, "target '%s': unknown protocol after '/' (known: %s)",
			         shown, ta_st_names());
			return TA_EINVAL;
		}
		memcpy(base, spec, (size_t)(slash - spec));
		base[slash - spec] = '\0';
		snprintf(proto, sizeof proto, "%s", slash + 1);
		spec = base;
	}
	{
		/* with a dialogue, a target without a port gets its usual one */
		const char *want = proto[0] ? proto : s->starttls;
		const struct ta_st_ops *ops = want[0] ? ta_st_find(want) : NULL;

		if (ops)
			default_port = ops->default_port;
	}
	TA_TRY(ta_parse_target(spec, default_port, host, sizeof host, &port, err, errlen));
	literal = inet_pton(AF_INET6, host, &a6) == 1 || inet_pton(AF_INET, host, &a4) == 1;
	snprintf(portstr, sizeof portstr, "%u", port);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = s->cfg.family == TA_FAMILY_V4   ? AF_INET
	                  : s->cfg.family == TA_FAMILY_V6 ? AF_INET6
	                                                  : AF_UNSPEC;
	hints.ai_flags = literal ? AI_NUMERICHOST : 0;
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0 || !res) {
		struct ta_target *t = new_target(s, host, port);

		if (!t)
			return TA_ENOMEM;
		t->res.ok = false;
		t->resolve_failed = true;
		set_service(s, t, proto);
		snprintf(t->res.error, sizeof t->res.error, "cannot resolve '%.120s': %s", host,
		         rc ? gai_strerror(rc) : "no address");
		return TA_OK;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct ta_target *t;
		char ip[INET6_ADDRSTRLEN];
		bool dup = false;

		if (ai->ai_addrlen > sizeof t->addr)
			continue;
		if (ai->ai_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip,
			          sizeof ip);
		else if (ai->ai_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, ip,
			          sizeof ip);
		else
			continue;
		for (size_t i = 0; i < s->ntargets; i++)
			if (s->targets[i]->res.port == port &&
			    strcmp(s->targets[i]->res.ip, ip) == 0 &&
			    strcmp(s->targets[i]->res.host, host) == 0)
				dup = true;
		if (dup)
			continue;
		t = new_target(s, host, port);
		if (!t) {
			freeaddrinfo(res);
			return TA_ENOMEM;
		}
		set_service(s, t, proto);
		memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
		t->addrlen = ai->ai_addrlen;
		snprintf(t->res.ip, sizeof t->res.ip, "%s", ip);
		if (s->has_sni)
			snprintf(t->sni, sizeof t->sni, "%s", s->sni);
		else if (!literal)
			snprintf(t->sni, sizeof t->sni, "%s", host);
	}
	freeaddrinfo(res);
	return TA_OK;
}

static void
start_targets(struct ta_scan *s)
{
	/* Start targets while connection slots are free; the rest wait, so a
	 * list of thousands does not open thousands of jobs at once. */
	while (s->next_start < s->ntargets &&
	       (s->targets_live == 0 ||
	        s->targets_live * s->cfg.max_conns_per_host < s->cfg.max_conns_total)) {
		struct ta_target *t = s->targets[s->next_start++];

		if (t->resolve_failed)
			continue;
		t->started = true;
		t->start_ms = ta_loop_now(&s->loop);
		s->targets_live++;
		ta_plan_start(t);
	}
}

static void
on_tick(struct ta_timer *tm)
{
	struct ta_scan *s = (struct ta_scan *)((char *)tm - offsetof(struct ta_scan, tick));

	start_targets(s);
	if (s->next_start < s->ntargets)
		ta_timer_start(&s->loop, &s->tick, 20);
}

int
ta_scan_run(struct ta_scan *s)
{
	ta_timer_init(&s->tick, on_tick);
	start_targets(s);
	if (s->next_start < s->ntargets)
		TA_TRY(ta_timer_start(&s->loop, &s->tick, 20));
	return ta_loop_run(&s->loop);
}

const char *
ta_scan_trust_error(const struct ta_scan *s)
{
	return s->certctx ? NULL : s->ca_err;
}

size_t
ta_scan_target_count(const struct ta_scan *s)
{
	return s->ntargets;
}

size_t
ta_scan_error_count(const struct ta_scan *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->ntargets; i++)
		if (!s->targets[i]->res.ok)
			n++;
	return n;
}

const struct ta_result *
ta_scan_result(const struct ta_scan *s, size_t i)
{
	return i < s->ntargets ? &s->targets[i]->res : NULL;
}
