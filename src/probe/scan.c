/*
 * The public scan API: targets (parsing), running every target from one
 * loop with a cap on connections per address and overall, and handing each
 * finished target to the consumer.
 *
 * Names are resolved when the scan runs (resolve.c); CAA lookups and the
 * HTTP checks run on the same loop beside the probes (parts.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert/cert.h"
#include "net/dns.h"
#include "net/http.h"
#include "probe/engine.h"
#include "probe/pace.h"
#include "scan_int.h"
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
	s->planner = &ta_probe_plan;
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
	if (s->cfg.resolver) {
		snprintf(s->resolver, sizeof s->resolver, "%s", s->cfg.resolver);
		s->cfg.resolver = NULL;
	}
	if (s->cfg.starttls) {
		snprintf(s->starttls, sizeof s->starttls, "%s", s->cfg.starttls);
		s->cfg.starttls = NULL;
	}
	s->trace = getenv("TLSAUDIT_TRACE") != NULL;
	snprintf(s->focus_profile, sizeof s->focus_profile, "%s",
	         s->cfg.profile ? s->cfg.profile : "hkcert-intermediate");
	s->cfg.profile = NULL;
	if (s->cfg.ca_file)
		snprintf(s->ca_file, sizeof s->ca_file, "%s", s->cfg.ca_file);
	s->certctx = ta_cert_ctx_new(s->cfg.ca_file, s->ca_err, sizeof s->ca_err);
	s->cfg.ca_file = NULL; /* not kept: the store is loaded */
	if (ta_loop_init(&s->loop) != TA_OK) {
		free(s);
		return NULL;
	}
	return s;
}

void
ta_target_free(struct ta_target *t)
{
	if (!t)
		return;
	ta_target_drop_exchanges(t);
	struct ta_job *j = t->jobs;

	while (j) {
		struct ta_job *next = j->next;

		j->ops->free(j);
		j = next;
	}
	for (size_t i = 0; i < t->ng13_seed; i++)
		free(t->g13_seed_win[i]);
	ta_result_release(&t->res);
	free(t);
}

void
ta_scan_free(struct ta_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntargets; i++)
		ta_target_free(s->targets[i]); /* NULL for those handed on */
	free(s->targets);
	for (size_t i = 0; i < s->nspecs; i++)
		ta_spec_release(&s->specs[i]);
	free(s->specs);
	if (s->seen)
		ta_seen_free(s->seen);
	free(s->seen);
	for (size_t i = 0; i < s->ncaas; i++) {
		if (s->caas[i])
			free(s->caas[i]->res);
		free(s->caas[i]);
	}
	free(s->caas);
	for (size_t i = 0; i < s->hosts_cap; i++)
		free(s->hosts[i]);
	free(s->hosts);
	free(s->mails);
	if (s->report_state_free)
		s->report_state_free(s->report_state);
	ta_cert_ctx_free(s->certctx);
	ta_loop_free(&s->loop);
	free(s);
}

/* The dialogue and service name of a target: its own "/proto", else
 * --starttls, else what its port usually speaks. */
void
ta_target_set_service(struct ta_scan *s, struct ta_target *t, const char *proto)
{
	const char *want = proto && *proto ? proto : s->starttls[0] ? s->starttls : NULL;
	const struct ta_st_ops *ops;
	const char *implicit = ta_st_implicit_service(t->res.port);

	if (want &&
	    (strcmp(want, "tls") == 0 || strcmp(want, "none") == 0 || strcmp(want, "https") == 0))
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
		snprintf(t->res.service, sizeof t->res.service, "%s",
		         want && strcmp(want, "https") == 0 ? "https"
		         : implicit                         ? implicit
		                                            : "tls");
	}
	t->res.starttls.offered = TA_UNKNOWN;
}

struct ta_target *
ta_target_alloc(struct ta_scan *s, const char *host, uint16_t port)
{
	struct ta_target *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->scan = s;
	snprintf(t->res.host, sizeof t->res.host, "%s", host);
	t->res.port = port;
	t->res.groups13.vidx = t->res.groups12.vidx = -1;
	t->res.groups13.server_order = t->res.groups12.server_order = TA_UNKNOWN;
	t->res.groups_server_order = TA_UNKNOWN;
	ta_timer_init(&t->hold_timer, NULL);
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
ta_target_line(char *line, size_t len, char **spec, char *err, size_t errlen)
{
	char *p = line, *e;

	*spec = NULL;
	if (strnlen(line, len) != len) {
		snprintf(err, errlen, "line has a NUL byte (not a text file?)");
		return TA_EINVAL;
	}
	if (len > TA_TARGET_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes", TA_TARGET_LINE_MAX);
		return TA_EINVAL;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strcspn(p, "#\r\n");
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	if (*p)
		*spec = p;
	return TA_OK;
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
	if (!literal) {
		/* resolved when the scan runs (ta_scan_run) */
		struct ta_spec *sp = ta_spec_new(s, host, port);

		if (!sp)
			return TA_ENOMEM;
		sp->needs_resolve = true;
		snprintf(sp->proto, sizeof sp->proto, "%s", proto);
		snprintf(sp->sni, sizeof sp->sni, "%s", s->has_sni ? s->sni : host);
		return TA_OK;
	}
	snprintf(portstr, sizeof portstr, "%u", port);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0 || !res || (s->cfg.family == TA_FAMILY_V4 && res->ai_family != AF_INET) ||
	    (s->cfg.family == TA_FAMILY_V6 && res->ai_family != AF_INET6)) {
		struct ta_spec *sp = ta_spec_new(s, host, port);

		if (res)
			freeaddrinfo(res);
		if (!sp)
			return TA_ENOMEM;
		snprintf(sp->proto, sizeof sp->proto, "%s", proto);
		ta_spec_fail(sp, "%s",
		             rc ? gai_strerror(rc) : "the address is not of the family asked for");
		return TA_OK;
	}
	ai = res;
	{
		struct ta_spec *sp;
		char ip[INET6_ADDRSTRLEN];
		bool dup;

		if (ai->ai_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip,
			          sizeof ip);
		else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, ip,
			          sizeof ip);
		if (!s->seen && !(s->seen = calloc(1, sizeof *s->seen))) {
			freeaddrinfo(res);
			return TA_ENOMEM;
		}
		sp = ta_spec_new(s, host, port);
		if (!sp) {
			freeaddrinfo(res);
			return TA_ENOMEM;
		}
		snprintf(sp->proto, sizeof sp->proto, "%s", proto);
		ta_spec_set_address(sp, ai->ai_addr, ai->ai_addrlen, ip);
		if (s->has_sni)
			snprintf(sp->sni, sizeof sp->sni, "%s", s->sni);
		freeaddrinfo(res);
		/* the same host, address and port twice: scanned once */
		if (ta_seen_add(s->seen, s->specs, s->nspecs - 1, &dup) != TA_OK || dup) {
			s->nspecs--;
			return dup ? TA_OK : TA_ENOMEM;
		}
	}
	return TA_OK;
}

int
ta_scan_add_named(struct ta_scan *s, const char *host, uint16_t port, const char *proto)
{
	struct ta_spec *sp;

	/* the MX hosts of a few domains: a short list */
	for (size_t i = 0; i < s->nspecs; i++)
		if (s->specs[i].needs_resolve && s->specs[i].port == port &&
		    strcasecmp(s->specs[i].host, host) == 0)
			return TA_OK;
	sp = ta_spec_new(s, host, port);
	if (!sp)
		return TA_ENOMEM;
	sp->needs_resolve = true;
	snprintf(sp->proto, sizeof sp->proto, "%s", proto);
	snprintf(sp->sni, sizeof sp->sni, "%s", host);
	return TA_OK;
}

int
ta_scan_add_mail_domain(struct ta_scan *s, const char *domain, char *err, size_t errlen)
{
	char shown[104], d[256];
	struct ta_mail_result *v;
	size_t len = domain ? strlen(domain) : 0;

	printable(domain ? domain : "", shown, sizeof shown);
	if (len && domain[len - 1] == '.')
		len--; /* a final dot is allowed */
	if (len == 0 || len > 253) {
		snprintf(err, errlen, "mail domain '%s': not a domain name", shown);
		return TA_EINVAL;
	}
	memcpy(d, domain, len);
	d[len] = '\0';
	if (ta_host_is_literal(d) || !strchr(d, '.') || !valid_hostname(d)) {
		snprintf(err, errlen, "mail domain '%s': not a domain name", shown);
		return TA_EINVAL;
	}
	v = realloc(s->mails, (s->nmails + 1) * sizeof *v);
	if (!v)
		return TA_ENOMEM;
	s->mails = v;
	memset(&v[s->nmails], 0, sizeof v[0]);
	snprintf(v[s->nmails].domain, sizeof v[0].domain, "%s", d);
	s->nmails++;
	return TA_OK;
}

size_t
ta_scan_mail_count(const struct ta_scan *s)
{
	return s->nmails;
}

const struct ta_mail_result *
ta_scan_mail(const struct ta_scan *s, size_t i)
{
	return i < s->nmails ? &s->mails[i] : NULL;
}

void
ta_scan_set_consumer(struct ta_scan *s, const struct ta_scan_consumer *c)
{
	s->consumer = *c;
}

/* The endpoint of spec i as the consumer names it. */
static struct ta_endpoint
endpoint_of(const struct ta_scan *s, size_t i)
{
	const struct ta_spec *sp = &s->specs[i];
	struct ta_endpoint e = {sp->host, sp->port, sp->proto[0] ? sp->proto : s->starttls,
	                        sp->addr.len ? sp->addr.ip : "", sp->seq};

	return e;
}

/* Hand every finished target on, in the order they finished: the mail
 * domains take what they need (DANE), then the consumer, then it is freed
 * (when there is a consumer: without one the results stay for
 * ta_scan_result). */
static void
on_done(struct ta_timer *tm)
{
	struct ta_scan *s = (struct ta_scan *)((char *)tm - offsetof(struct ta_scan, done_timer));

	while (s->done_head) {
		struct ta_target *t = s->done_head;
		struct ta_endpoint e;

		s->done_head = t->done_next;
		t->emitted = true;
		s->ndone++;
		if (!t->res.ok)
			s->nerrors++;
		ta_mail_target_done(s, &t->res);
		ta_caa_release(s->specs[t->index].caa);
		s->specs[t->index].caa = NULL;
		ta_spec_release(&s->specs[t->index]);
		if (!s->consumer.target)
			continue;
		e = endpoint_of(s, t->index);
		s->consumer.target(s->consumer.arg, t->index, &e, &t->res);
		s->targets[t->index] = NULL;
		ta_timer_stop(&s->loop, &t->hold_timer);
		ta_target_free(t);
	}
}

void
ta_target_part_done(struct ta_target *t)
{
	struct ta_scan *s = t->scan;

	if (t->parts == 0 || --t->parts > 0 || t->emitted)
		return;
	t->done_next = s->done_head;
	s->done_head = t;
	if (s->done_timer.idx == SIZE_MAX)
		(void)ta_timer_start(&s->loop, &s->done_timer, 0);
}

/* The target of spec i, made as it starts. */
static struct ta_target *
make_target(struct ta_scan *s, size_t i)
{
	struct ta_spec *sp = &s->specs[i];
	struct ta_target *t = ta_target_alloc(s, sp->host, sp->port);

	if (!t)
		return NULL;
	t->index = i;
	t->parts = 1; /* the probes; the HTTP checks and CAA lookup add theirs */
	t->host = sp->hostrec;
	snprintf(t->proto, sizeof t->proto, "%s", sp->proto);
	snprintf(t->sni, sizeof t->sni, "%s", sp->sni);
	ta_target_set_service(s, t, sp->proto);
	if (sp->addr.len) {
		memcpy(&t->addr, &sp->addr.sa, sp->addr.len);
		t->addrlen = sp->addr.len;
		snprintf(t->res.ip, sizeof t->res.ip, "%s", sp->addr.ip);
	}
	if (sp->error || !sp->addr.len) {
		t->resolve_failed = true;
		snprintf(t->res.error, sizeof t->res.error, "%s",
		         sp->error ? sp->error : "no address");
	}
	s->targets[i] = t;
	return t;
}

static void
start_targets(struct ta_scan *s)
{
	/* Start targets while connection slots are free; the rest wait, so a
	 * list of thousands does not open thousands of jobs at once. */
	ta_loop_update(&s->loop); /* start times from now, not the loop's last wake */
	while (s->next_start < s->ntargets &&
	       (s->targets_live == 0 ||
	        s->targets_live * s->cfg.max_conns_per_host < s->cfg.max_conns_total)) {
		size_t i = s->next_start++;
		struct ta_endpoint e = endpoint_of(s, i);
		struct ta_target *t;
		int have =
		        s->consumer.have ? s->consumer.have(s->consumer.arg, i, &e) : TA_HAVE_NONE;

		if (have != TA_HAVE_NONE) {
			/* the consumer has it already (a resumed run) */
			s->ndone++;
			if (have == TA_HAVE_ERROR)
				s->nerrors++;
			ta_caa_release(s->specs[i].caa);
			s->specs[i].caa = NULL;
			ta_spec_release(&s->specs[i]);
			s->consumer.target(s->consumer.arg, i, &e, NULL);
			continue;
		}
		t = make_target(s, i);
		if (!t) {
			s->oom = true; /* the run ends with TA_ENOMEM; this one is not reported */
			continue;
		}
		if (t->resolve_failed) {
			ta_target_part_done(t); /* nothing to scan: its error is the result */
			continue;
		}
		if (s->specs[i].caa)
			ta_target_start_caa(t, s->specs[i].caa);
		t->started = true;
		t->start_ms = ta_loop_now(&s->loop);
		s->targets_live++;
		ta_target_start_http(t);
		s->planner->start(t);
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
ta_resolver_check(const char *spec, char *err, size_t errlen)
{
	return ta_dns_parse_resolver(spec, err, errlen);
}

int
ta_scan_run(struct ta_scan *s)
{
	bool need_dns = false;
	int rc;

	for (size_t i = 0; i < s->nspecs; i++)
		need_dns |= s->specs[i].needs_resolve ||
		            (!s->cfg.no_dns && !ta_host_is_literal(s->specs[i].host));
	need_dns |= s->nmails > 0;
	if (need_dns && ta_dns_new(&s->loop, s->resolver[0] ? s->resolver : NULL, 0, 0, &s->dns,
	                           s->dns_err, sizeof s->dns_err) != TA_OK)
		s->dns = NULL;
	if (s->nmails) {
		/* MX, MTA-STS, TLS-RPT and TLSA first: the MX hosts are targets */
		ta_mail_discover(s);
		rc = ta_loop_run(&s->loop);
		if (rc == TA_OK)
			rc = ta_mail_add_targets(s, ta_scan_add_named);
		if (rc != TA_OK)
			goto out;
	}
	if (s->cfg.nshards > 1)
		ta_spec_keep_shard(s, s->cfg.shard, s->cfg.nshards);
	rc = ta_scan_resolve_names(s);
	if (rc == TA_OK)
		rc = ta_scan_assign_hosts(s);
	if (rc == TA_OK)
		rc = ta_scan_assign_caa(s);
	if (rc == TA_OK && !(s->targets = calloc(s->nspecs ? s->nspecs : 1, sizeof *s->targets)))
		rc = TA_ENOMEM;
	if (rc == TA_OK) {
		s->ntargets = s->nspecs;
		/* each target ends once its probes have (parts), or others too */
		ta_timer_init(&s->done_timer, on_done);
		ta_timer_init(&s->tick, on_tick);
		ta_timer_init(&s->rate_timer, NULL);
		ta_pace_start(s);
		start_targets(s);
		if (s->next_start < s->ntargets)
			rc = ta_timer_start(&s->loop, &s->tick, 20);
		if (rc == TA_OK)
			rc = ta_loop_run(&s->loop);
		if (rc == TA_OK && s->oom)
			rc = TA_ENOMEM;
		if (rc == TA_OK && ta_scan_interrupted(s)) {
			/* the targets that finished before the signal still go on;
			 * those in flight stay unreported */
			on_done(&s->done_timer);
			rc = TA_EINTR;
		}
		ta_pace_end(s);
		ta_mail_finish(s);
		if (s->consumer.end)
			s->consumer.end(s->consumer.arg, s->mails, s->nmails);
	}
out:
	ta_http_free(s->http);
	s->http = NULL;
	ta_dns_free(s->dns);
	s->dns = NULL;
	return rc;
}

const char *
ta_scan_trust_error(const struct ta_scan *s)
{
	return s->certctx ? NULL : s->ca_err;
}

size_t
ta_scan_target_count(const struct ta_scan *s)
{
	return s->nspecs;
}

size_t
ta_scan_error_count(const struct ta_scan *s)
{
	size_t n = 0;

	if (s->consumer.target)
		return s->nerrors; /* the targets are gone */
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i] && !s->targets[i]->res.ok)
			n++;
	return n;
}

const struct ta_result *
ta_scan_result(const struct ta_scan *s, size_t i)
{
	return i < s->ntargets && s->targets[i] ? &s->targets[i]->res : NULL;
}
