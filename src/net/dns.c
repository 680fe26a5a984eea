/*
 * c-ares on the loop (contract in dns.h).  c-ares tells us which sockets to
 * watch through its socket-state callback; each gets a ta_watch of its own
 * (struct fdw), and ares_process_fd() runs when one is ready.  One ta_timer
 * follows ares_timeout().  Queries are built by src/wire/dnsrr.c and sent
 * with ares_send(); answers come back as raw bytes and are parsed there too.
 *
 * Everything with a callback pending is a job on d->jobs, so that
 * ta_dns_free() can release what c-ares does not own.  Completions c-ares
 * reports while we are inside ares_send() or ares_cancel() wait on
 * d->later, run from a zero-delay timer: a callback never runs inside the
 * call that started its lookup.  d->depth counts our entry points on the
 * stack; ta_dns_free() called within one only marks d dying, and the last
 * one out destroys it.
 */
#include "net/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

struct job {
	struct job *prev, *next; /* on d->jobs */
	struct job *lnext;       /* on d->later */
	void (*run_later)(struct job *j);
	void (*release)(struct job *j); /* free, calling nobody back */
};

/* One socket c-ares asked us to watch. */
struct fdw {
	struct ta_watch w;
	struct ta_dns *d;
	struct fdw *next;
};

struct ta_dns {
	struct ta_loop *loop;
	ares_channel ch;
	bool ch_ok;
	struct ta_timer timer;       /* c-ares timeouts */
	struct ta_timer later_timer; /* runs d->later */
	struct fdw *fds;
	struct job *jobs;
	struct job *later, **later_tail;
	unsigned depth;     /* our entry points on the stack */
	bool submitting;    /* completions must wait for the loop */
	bool dying;         /* ta_dns_free() was called within a callback */
	bool fail;          /* a watch or timer could not be set: cancel all */
	bool failed_cancel; /* ARES_ECANCELLED now means that */
};

static void
job_link(struct ta_dns *d, struct job *j, void (*release)(struct job *))
{
	j->release = release;
	j->lnext = NULL;
	j->prev = NULL;
	j->next = d->jobs;
	if (d->jobs)
		d->jobs->prev = j;
	d->jobs = j;
}

static void
job_unlink(struct ta_dns *d, struct job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else if (d->jobs == j)
		d->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

static void
later_push(struct ta_dns *d, struct job *j, void (*run)(struct job *))
{
	j->run_later = run;
	j->lnext = NULL;
	*d->later_tail = j;
	d->later_tail = &j->lnext;
}

static void
copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void say(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

/* ---- the loop side ---------------------------------------------------- */

static void destroy(struct ta_dns *d);

static void
enter(struct ta_dns *d)
{
	d->depth++;
}

static void
drain_later(struct ta_dns *d)
{
	while (!d->dying && d->later) {
		struct job *j = d->later;

		d->later = j->lnext;
		if (!d->later)
			d->later_tail = &d->later;
		j->lnext = NULL;
		j->run_later(j);
	}
}

static int
arm_timeout(struct ta_dns *d)
{
	struct timeval tv, *tp = ares_timeout(d->ch, NULL, &tv);
	uint64_t ms;

	if (!tp) {
		ta_timer_stop(d->loop, &d->timer);
		return TA_OK;
	}
	/* ares_timeout() rounds down to the millisecond: one more, so that
	 * c-ares sees the deadline passed when the timer fires */
	ms = (uint64_t)tp->tv_sec * 1000u + ((uint64_t)tp->tv_usec + 999u) / 1000u + 1u;
	return ta_timer_start(d->loop, &d->timer, ms);
}

static void
leave(struct ta_dns *d)
{
	if (d->depth > 1) {
		d->depth--;
		return;
	}
	while (!d->dying) {
		if (d->fail) {
			bool was = d->submitting;

			d->fail = false;
			d->failed_cancel = true;
			d->submitting = true;
			ares_cancel(d->ch);
			d->submitting = was;
			d->failed_cancel = false;
			continue;
		}
		if (d->later && d->later_timer.idx == SIZE_MAX &&
		    ta_timer_start(d->loop, &d->later_timer, 0) != TA_OK) {
			drain_later(d); /* no timer to be had: better now than never */
			continue;
		}
		if (arm_timeout(d) != TA_OK) {
			d->fail = true;
			continue;
		}
		break;
	}
	d->depth = 0;
	if (d->dying)
		destroy(d);
}

static void
on_sock(struct ta_watch *w, uint32_t events)
{
	struct fdw *f = container_of(w, struct fdw, w);
	struct ta_dns *d = f->d;
	ares_socket_t fd = w->fd;

	enter(d);
	ares_process_fd(d->ch, (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? fd : ARES_SOCKET_BAD,
	                (events & EPOLLOUT) ? fd : ARES_SOCKET_BAD);
	leave(d);
}

static void
on_timer(struct ta_timer *t)
{
	struct ta_dns *d = container_of(t, struct ta_dns, timer);

	enter(d);
	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	leave(d);
}

static void
on_later(struct ta_timer *t)
{
	struct ta_dns *d = container_of(t, struct ta_dns, later_timer);

	enter(d);
	drain_later(d);
	leave(d);
}

/* c-ares: start, change or stop watching fd.  Called before it closes one. */
static void
on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct ta_dns *d = data;
	struct fdw **pp, *f;

	for (pp = &d->fds; *pp && (*pp)->w.fd != fd; pp = &(*pp)->next)
		;
	f = *pp;
	if (!readable && !writable) {
		if (!f)
			return;
		*pp = f->next;
		ta_watch_del(d->loop, &f->w);
		ta_loop_defer_free(d->loop, f); /* an event for it may be pending */
		return;
	}
	if (!f) {
		f = calloc(1, sizeof *f);
		if (!f) {
			d->fail = true;
			return;
		}
		ta_watch_init(&f->w, fd, on_sock);
		f->d = d;
		f->next = d->fds;
		d->fds = f;
	}
	if (ta_watch_set(d->loop, &f->w, (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u)) !=
	    TA_OK)
		d->fail = true;
}

/* ---- resolver addresses ----------------------------------------------- */

struct rsv {
	int family;
	struct in_addr v4;
	struct in6_addr v6;
	uint16_t port;
};

static void
shown(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 4 < cap; i++)
		out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (k + 4 >= cap && n > k) {
		out[k++] = '.';
		out[k++] = '.';
		out[k++] = '.';
	}
	out[k] = '\0';
}

static int
parse_one(const char *s, size_t n, struct rsv *r, char *err, size_t errlen)
{
	const char *h = s, *p = NULL;
	size_t hlen = n, plen = 0, colons = 0;
	bool bracketed = false;
	char sh[80], host[64];

	shown(s, n, sh, sizeof sh);
	if (n == 0) {
		say(err, errlen, "resolver: empty address in the list");
		return TA_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		colons += s[i] == ':';
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close) {
			say(err, errlen, "resolver '%s': missing ']'", sh);
			return TA_EINVAL;
		}
		bracketed = true;
		h = s + 1;
		hlen = (size_t)(close - h);
		if (close + 1 < s + n) {
			if (close[1] != ':') {
				say(err, errlen, "resolver '%s': junk after ']'", sh);
				return TA_EINVAL;
			}
			p = close + 2;
			plen = (size_t)(s + n - p);
		}
	} else if (colons == 1) {
		const char *colon = memchr(s, ':', n);

		hlen = (size_t)(colon - s);
		p = colon + 1;
		plen = (size_t)(s + n - p);
	}
	if (hlen == 0 || hlen >= sizeof host) {
		say(err, errlen, "resolver '%s': not an IP address", sh);
		return TA_EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*r = (struct rsv){.port = 53};
	if (inet_pton(AF_INET6, host, &r->v6) == 1)
		r->family = AF_INET6;
	else if (!bracketed && inet_pton(AF_INET, host, &r->v4) == 1)
		r->family = AF_INET;
	else {
		say(err, errlen,
		    bracketed ? "resolver '%s': not an IPv6 address between '[' and ']'"
		              : "resolver '%s': not an IP address (give a resolver's address, not "
		                "a name)",
		    sh);
		return TA_EINVAL;
	}
	if (p) {
		unsigned long v = 0;
		size_t k;

		for (k = 0; k < plen && k < 6 && p[k] >= '0' && p[k] <= '9'; k++)
			v = v * 10 + (unsigned long)(p[k] - '0');
		if (k == 0 || k != plen || v < 1 || v > 65535) {
			say(err, errlen, "resolver '%s': port must be a number from 1 to 65535",
			    sh);
			return TA_EINVAL;
		}
		r->port = (uint16_t)v;
	}
	return TA_OK;
}

static int
parse_list(const char *spec, struct rsv *out, size_t *n, char *err, size_t errlen)
{
	const char *s = spec;

	*n = 0;
	if (!spec || !*spec) {
		say(err, errlen, "resolver: no address given");
		return TA_EINVAL;
	}
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (*n == TA_DNS_MAX_RESOLVERS) {
			say(err, errlen, "resolver: more than %d addresses", TA_DNS_MAX_RESOLVERS);
			return TA_EINVAL;
		}
		TA_TRY(parse_one(s, len, &out[*n], err, errlen));
		(*n)++;
		if (!comma)
			return TA_OK;
		s = comma + 1;
	}
}

int
ta_dns_parse_resolver(const char *spec, char *err, size_t errlen)
{
	struct rsv r[TA_DNS_MAX_RESOLVERS];
	size_t n;

	return parse_list(spec, r, &n, err, errlen);
}

/* ---- the channel ------------------------------------------------------ */

int
ta_dns_new(struct ta_loop *loop, const char *resolver, unsigned timeout_ms, unsigned tries,
           struct ta_dns **out, char *err, size_t errlen)
{
	struct ares_addr_port_node nodes[TA_DNS_MAX_RESOLVERS];
	struct rsv rs[TA_DNS_MAX_RESOLVERS];
	struct ares_options o;
	struct ta_dns *d;
	size_t n = 0;
	int rc;

	if (!loop || !out) {
		say(err, errlen, "DNS: no loop");
		return TA_EINVAL;
	}
	*out = NULL;
	timeout_ms = timeout_ms ? timeout_ms : TA_DNS_TIMEOUT_DEFAULT;
	tries = tries ? tries : TA_DNS_TRIES_DEFAULT;
	if (timeout_ms > 60000 || tries > 10) {
		say(err, errlen, "DNS: timeout must be at most 60000 ms and tries at most 10");
		return TA_EINVAL;
	}
	if (resolver)
		TA_TRY(parse_list(resolver, rs, &n, err, errlen));
	d = calloc(1, sizeof *d);
	if (!d) {
		say(err, errlen, "DNS: out of memory");
		return TA_ENOMEM;
	}
	d->loop = loop;
	d->later_tail = &d->later;
	ta_timer_init(&d->timer, on_timer);
	ta_timer_init(&d->later_timer, on_later);
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		say(err, errlen, "DNS: c-ares: %s", ares_strerror(rc));
		free(d);
		return TA_ERESOLVE;
	}
	memset(&o, 0, sizeof o);
	/* NOCHECKRESP: SERVFAIL and REFUSED come to us as answers, where
	 * c-ares 1.18 would retry and then report "connection refused" */
	o.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
	o.timeout = (int)timeout_ms;
	o.tries = (int)tries;
	o.ednspsz = TA_DNS_EDNS_SIZE;
	o.sock_state_cb = on_sock_state;
	o.sock_state_cb_data = d;
	rc = ares_init_options(&d->ch, &o,
	                       ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	                               ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB);
	if (rc != ARES_SUCCESS) {
		say(err, errlen, "DNS: c-ares: %s", ares_strerror(rc));
		ares_library_cleanup();
		free(d);
		return rc == ARES_ENOMEM ? TA_ENOMEM : TA_ERESOLVE;
	}
	d->ch_ok = true;
	if (n > 0) {
		for (size_t i = 0; i < n; i++) {
			memset(&nodes[i], 0, sizeof nodes[i]);
			nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
			nodes[i].family = rs[i].family;
			if (rs[i].family == AF_INET)
				memcpy(&nodes[i].addr.addr4, &rs[i].v4, sizeof rs[i].v4);
			else
				memcpy(&nodes[i].addr.addr6, &rs[i].v6, sizeof rs[i].v6);
			nodes[i].udp_port = rs[i].port;
			nodes[i].tcp_port = rs[i].port;
		}
		rc = ares_set_servers_ports(d->ch, nodes);
		if (rc != ARES_SUCCESS) {
			say(err, errlen, "DNS: c-ares: %s", ares_strerror(rc));
			destroy(d);
			return rc == ARES_ENOMEM ? TA_ENOMEM : TA_ERESOLVE;
		}
	}
	*out = d;
	return TA_OK;
}

static void
destroy(struct ta_dns *d)
{
	d->dying = true;
	d->depth = 1;
	if (d->ch_ok)
		ares_destroy(d->ch); /* every query's callback: ARES_EDESTRUCTION */
	d->later = NULL;
	d->later_tail = &d->later;
	while (d->jobs)
		d->jobs->release(d->jobs);
	while (d->fds) { /* c-ares closed its sockets above; just in case */
		struct fdw *f = d->fds;

		d->fds = f->next;
		ta_watch_del(d->loop, &f->w);
		ta_loop_defer_free(d->loop, f);
	}
	ta_timer_stop(d->loop, &d->timer);
	ta_timer_stop(d->loop, &d->later_timer);
	if (d->ch_ok)
		ares_library_cleanup();
	free(d);
}

void
ta_dns_free(struct ta_dns *d)
{
	if (!d)
		return;
	if (d->depth > 0) {
		d->dying = true; /* the outermost leave() finishes */
		return;
	}
	destroy(d);
}

/* ---- records ---------------------------------------------------------- */

static int
dec_addr(const struct ta_dnsmsg *m, const struct ta_dnsrr *rec, struct ta_dns_rr *rr)
{
	(void)m;
	if (rec->type == TA_DNS_TYPE_A) {
		rr->addr.family = AF_INET;
		TA_TRY(ta_dns_rdata_a(rec, rr->addr.addr));
	} else {
		rr->addr.family = AF_INET6;
		TA_TRY(ta_dns_rdata_aaaa(rec, rr->addr.addr));
	}
	if (!inet_ntop(rr->addr.family, rr->addr.addr, rr->addr.text, sizeof rr->addr.text))
		return TA_EINTERNAL;
	return TA_OK;
}

static int
dec_target(const struct ta_dnsmsg *m, const struct ta_dnsrr *rec, struct ta_dns_rr *rr)
{
	TA_TRY(ta_dns_rdata_name(m, rec, rr->target.name, sizeof rr->target.name));
	rr->target.host = ta_dns_name_is_host(rr->target.name);
	return TA_OK;
}

static int
dec_mx(const struct ta_dnsmsg *m, const struct ta_dnsrr *rec, struct ta_dns_rr *rr)
{
	TA_TRY(ta_dns_rdata_mx(m, rec, &rr->mx.preference, rr->mx.exchange,
	                       sizeof rr->mx.exchange));
	rr->mx.host = ta_dns_name_is_host(rr->mx.exchange);
	return TA_OK;
}

static int
dec_txt(const struct ta_dnsmsg *m, const struct ta_dnsrr *rec, struct ta_dns_rr *rr)
{
	struct ta_dns_txtinfo info;

	(void)m;
	TA_TRY(ta_dns_rdata_txt(rec, rr->txt.text, sizeof rr->txt.text, &info));
	rr->txt.nstrings = info.nstrings;
	rr->txt.rawlen = info.rawlen;
	rr->txt.clean = info.clean;
	rr->txt.cut = info.cut;
	return TA_OK;
}

static int
dec_caa(const struct ta_dnsmsg *m, const struct ta_dnsrr *rec, struct ta_dns_rr *rr)
{
	struct ta_dns_caa_rd c;
	bool clean_tag, clean_value;
	int rt, rv;

	(void)m;
	TA_TRY(ta_dns_rdata_caa(rec, &c));
	rr->caa.flags = c.flags;
	rr->caa.critical = c.flags & 0x80;
	rt = ta_dns_escape(rr->caa.tag, sizeof rr->caa.tag, c.tag, &clean_tag);
	rv = ta_dns_escape(rr->caa.value, sizeof rr->caa.value, c.value, &clean_value);
	rr->caa.clean = clean_tag && clean_value;
	rr->caa.cut = rt != TA_OK || rv != TA_OK;
	return TA_OK;
}

static int
dec_tlsa(const struct ta_dnsmsg *m, const struct ta_dnsrr *rec, struct ta_dns_rr *rr)
{
	struct ta_dns_tlsa_rd t;
	size_t n;

	(void)m;
	TA_TRY(ta_dns_rdata_tlsa(rec, &t));
	rr->tlsa.usage = t.usage;
	rr->tlsa.selector = t.selector;
	rr->tlsa.mtype = t.mtype;
	rr->tlsa.rawlen = ta_rd_left(&t.data);
	n = rr->tlsa.rawlen < TA_DNS_TLSA_MAX ? rr->tlsa.rawlen : TA_DNS_TLSA_MAX;
	memcpy(rr->tlsa.data, t.data.p, n);
	rr->tlsa.len = n;
	rr->tlsa.cut = n < rr->tlsa.rawlen;
	return TA_OK;
}

/* The types we parse: a table, one decoder each. */
static const struct rtype {
	uint16_t type;
	const char *name;
	int (*decode)(const struct ta_dnsmsg *m, const struct ta_dnsrr *rec, struct ta_dns_rr *rr);
} rtypes[] = {
        {TA_DNS_TYPE_A, "A", dec_addr},           {TA_DNS_TYPE_AAAA, "AAAA", dec_addr},
        {TA_DNS_TYPE_CNAME, "CNAME", dec_target}, {TA_DNS_TYPE_NS, "NS", dec_target},
        {TA_DNS_TYPE_PTR, "PTR", dec_target},     {TA_DNS_TYPE_MX, "MX", dec_mx},
        {TA_DNS_TYPE_TXT, "TXT", dec_txt},        {TA_DNS_TYPE_CAA, "CAA", dec_caa},
        {TA_DNS_TYPE_TLSA, "TLSA", dec_tlsa},
};

static const struct rtype *
rtype_find(uint16_t type)
{
	for (size_t i = 0; i < sizeof rtypes / sizeof rtypes[0]; i++)
		if (rtypes[i].type == type)
			return &rtypes[i];
	return NULL;
}

const char *
ta_dns_type_name(uint16_t type)
{
	const struct rtype *rt = rtype_find(type);

	return rt ? rt->name : NULL;
}

uint16_t
ta_dns_type_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof rtypes / sizeof rtypes[0]; i++)
		if (ta_dns_name_eq(rtypes[i].name, name))
			return rtypes[i].type;
	return 0;
}

const char *
ta_dns_status_name(enum ta_dns_status s)
{
	static const char *const names[] = {
	        [TA_DNS_OK] = "ok",
	        [TA_DNS_NXDOMAIN] = "nxdomain",
	        [TA_DNS_NODATA] = "nodata",
	        [TA_DNS_SERVFAIL] = "servfail",
	        [TA_DNS_REFUSED] = "refused",
	        [TA_DNS_TIMEOUT] = "timeout",
	        [TA_DNS_BADRESP] = "badresp",
	        [TA_DNS_ERROR] = "error",
	        [TA_DNS_CANCELLED] = "cancelled",
	};

	if ((unsigned)s < sizeof names / sizeof names[0] && names[s])
		return names[s];
	return "unknown";
}

/* ---- queries ---------------------------------------------------------- */

struct dq {
	struct job j;
	struct ta_dns *d;
	ta_dns_cb cb;
	void *arg;
	uint16_t type;
	int late_status; /* a completion waiting on d->later */
	uint8_t *late_buf;
	size_t late_len;
	char name[TA_DNS_HOST_MAX + 2];
};

static void
dq_free(struct dq *q)
{
	job_unlink(q->d, &q->j);
	free(q->late_buf);
	free(q);
}

static void
dq_release(struct job *j)
{
	dq_free(container_of(j, struct dq, j));
}

static void
from_ares(struct ta_dns_answer *a, int status, char *err, size_t errlen)
{
	switch (status) {
	case ARES_ETIMEOUT:
		a->status = TA_DNS_TIMEOUT;
		say(err, errlen, "no answer from the resolver (timed out)");
		break;
	case ARES_ECONNREFUSED:
		a->status = TA_DNS_ERROR;
		say(err, errlen, "no connection to the resolver (refused or unreachable)");
		break;
	case ARES_ESERVFAIL:
		a->status = TA_DNS_SERVFAIL;
		say(err, errlen, "the resolver failed (SERVFAIL)");
		break;
	case ARES_EREFUSED:
		a->status = TA_DNS_REFUSED;
		say(err, errlen, "the resolver refused the query (REFUSED)");
		break;
	case ARES_EBADRESP:
		a->status = TA_DNS_BADRESP;
		say(err, errlen, "malformed answer from the resolver");
		break;
	case ARES_ENOMEM:
		a->status = TA_DNS_ERROR;
		say(err, errlen, "out of memory");
		break;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		a->status = TA_DNS_CANCELLED;
		say(err, errlen, "cancelled");
		break;
	default:
		a->status = TA_DNS_ERROR;
		say(err, errlen, "DNS: %s", ares_strerror(status));
		break;
	}
}

static bool
rec_matches(const struct ta_dnsrr *rec, uint16_t type, const char *name)
{
	return rec->type == type && rec->rclass == TA_DNS_CLASS_IN &&
	       ta_dns_name_eq(rec->owner, name);
}

/* Parse an answer into *a; returns the records (for free()) or NULL. */
static struct ta_dns_rr *
from_message(struct ta_dns_answer *a, const struct dq *q, const uint8_t *abuf, size_t alen,
             char *canon, char *err, size_t errlen)
{
	const struct rtype *rt = rtype_find(q->type);
	struct ta_dnsrr_it it;
	struct ta_dnsmsg m;
	struct ta_dnsrr rec;
	struct ta_dns_rr *rr;
	size_t n = 0, i = 0;
	bool got;
	int rc;

	rc = ta_dnsmsg_parse(abuf, alen, &m);
	if (rc != TA_OK) {
		a->status = TA_DNS_BADRESP;
		say(err, errlen, "malformed answer from the resolver (%s)", ta_strerror(rc));
		return NULL;
	}
	a->ad = m.h.ad;
	a->aa = m.h.aa;
	a->tc = m.h.tc;
	a->rcode = m.h.rcode;
	if (!m.h.qr || m.h.opcode != 0 || m.qtype != q->type || m.qclass != TA_DNS_CLASS_IN ||
	    !ta_dns_name_eq(m.qname, q->name)) {
		a->status = TA_DNS_BADRESP;
		say(err, errlen, "the resolver answered another question");
		return NULL;
	}
	switch (m.h.rcode) {
	case TA_DNS_RCODE_NOERROR:
	case TA_DNS_RCODE_NXDOMAIN:
		break;
	case TA_DNS_RCODE_SERVFAIL:
		a->status = TA_DNS_SERVFAIL;
		say(err, errlen, "the resolver failed (SERVFAIL)");
		return NULL;
	case TA_DNS_RCODE_REFUSED:
		a->status = TA_DNS_REFUSED;
		say(err, errlen, "the resolver refused the query (REFUSED)");
		return NULL;
	default:
		a->status = TA_DNS_ERROR;
		say(err, errlen, "the resolver answered with RCODE %u", m.h.rcode);
		return NULL;
	}
	rc = ta_dnsmsg_follow(&m, canon, TA_DNS_NAME_TEXT, &a->cnames);
	if (rc != TA_OK) {
		a->status = TA_DNS_BADRESP;
		if (rc == TA_EPROTO)
			say(err, errlen, "more than %d CNAMEs in a row, or a CNAME loop",
			    TA_DNS_MAX_CNAME);
		else
			say(err, errlen, "malformed CNAME record (%s)", ta_strerror(rc));
		return NULL;
	}
	a->name = canon;
	if (m.h.rcode == TA_DNS_RCODE_NXDOMAIN) {
		a->status = TA_DNS_NXDOMAIN;
		say(err, errlen, "no such name (NXDOMAIN)");
		return NULL;
	}
	ta_dnsrr_it_init(&it, &m);
	while ((rc = ta_dnsrr_next(&it, &rec, &got)) == TA_OK && got)
		n += rec_matches(&rec, q->type, canon);
	if (rc == TA_OK && n == 0) {
		a->status = TA_DNS_NODATA;
		say(err, errlen, "no %s record", rt->name);
		return NULL;
	}
	if (n > TA_DNS_MAX_RR) {
		a->truncated = true;
		n = TA_DNS_MAX_RR;
	}
	rr = rc == TA_OK ? calloc(n, sizeof *rr) : NULL;
	if (rc == TA_OK && !rr) {
		a->status = TA_DNS_ERROR;
		say(err, errlen, "out of memory");
		return NULL;
	}
	ta_dnsrr_it_init(&it, &m);
	while (rc == TA_OK && i < n && (rc = ta_dnsrr_next(&it, &rec, &got)) == TA_OK && got) {
		if (!rec_matches(&rec, q->type, canon))
			continue;
		rr[i].type = rec.type;
		rr[i].ttl = rec.ttl;
		rc = rt->decode(&m, &rec, &rr[i]);
		i++;
	}
	if (rc != TA_OK) {
		free(rr);
		a->status = TA_DNS_BADRESP;
		say(err, errlen, "malformed %s record (%s)", rt->name, ta_strerror(rc));
		return NULL;
	}
	a->n = n;
	a->rr = rr;
	return rr;
}

static void
deliver(struct dq *q, int status, const uint8_t *abuf, size_t alen)
{
	struct ta_dns_answer a = {
	        .status = TA_DNS_OK,
	        .rcode = -1,
	        .qname = q->name,
	        .qtype = q->type,
	        .name = q->name,
	};
	char canon[TA_DNS_NAME_TEXT], err[200];
	struct ta_dns_rr *rr = NULL;

	err[0] = '\0';
	if (status != ARES_SUCCESS || !abuf)
		from_ares(&a, status != ARES_SUCCESS ? status : ARES_EBADRESP, err, sizeof err);
	else
		rr = from_message(&a, q, abuf, alen, canon, err, sizeof err);
	a.error = err;
	q->cb(q->arg, &a);
	free(rr);
	dq_free(q);
}

static void
dq_later(struct job *j)
{
	struct dq *q = container_of(j, struct dq, j);

	deliver(q, q->late_status, q->late_buf, q->late_len);
}

static void
on_ares(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dq *q = arg;
	struct ta_dns *d = q->d;

	(void)timeouts;
	if (d->dying || status == ARES_EDESTRUCTION) {
		dq_free(q);
		return;
	}
	if (status == ARES_ECANCELLED && d->failed_cancel)
		status = ARES_ENOMEM;
	if (d->submitting) {
		q->late_status = status;
		if (abuf && alen > 0) {
			q->late_buf = malloc((size_t)alen);
			if (q->late_buf) {
				memcpy(q->late_buf, abuf, (size_t)alen);
				q->late_len = (size_t)alen;
			} else {
				q->late_status = ARES_ENOMEM;
			}
		}
		later_push(d, &q->j, dq_later);
		return;
	}
	deliver(q, status, abuf, alen > 0 ? (size_t)alen : 0);
}

int
ta_dns_query(struct ta_dns *d, const char *name, uint16_t type, ta_dns_cb cb, void *arg)
{
	uint8_t qbuf[TA_DNS_QUERY_MAX];
	struct dq *q;
	size_t qlen, n;
	uint16_t id;
	bool was;

	if (!d || d->dying || !name || !cb || !rtype_find(type))
		return TA_EINVAL;
	n = strlen(name);
	if (n > TA_DNS_HOST_MAX + 1)
		return TA_EINVAL;
	if (RAND_bytes((unsigned char *)&id, sizeof id) != 1)
		return TA_EINTERNAL;
	TA_TRY(ta_dns_query_build(qbuf, sizeof qbuf, id, name, type, TA_DNS_EDNS_SIZE, &qlen));
	q = calloc(1, sizeof *q);
	if (!q)
		return TA_ENOMEM;
	q->d = d;
	q->cb = cb;
	q->arg = arg;
	q->type = type;
	if (n > 0 && name[n - 1] == '.')
		n--;
	memcpy(q->name, name, n);
	q->name[n] = '\0';
	job_link(d, &q->j, dq_release);
	enter(d);
	was = d->submitting;
	d->submitting = true;
	ares_send(d->ch, qbuf, (int)qlen, on_ares, q);
	d->submitting = was;
	leave(d);
	return TA_OK;
}

/* ---- A and AAAA together ---------------------------------------------- */

struct rs {
	struct job j;
	struct ta_dns *d;
	ta_dns_addr_cb cb;
	void *arg;
	uint16_t port;
	unsigned pending;
	bool asked[2]; /* 0: A, 1: AAAA */
	struct {
		enum ta_dns_status status;
		char error[200];
		bool ad;
		bool truncated;
		size_t n;
	} part[2];
	struct ta_dns_addr addr[2 * TA_DNS_MAX_RR]; /* part i from i * TA_DNS_MAX_RR */
	char name[TA_DNS_HOST_MAX + 2];
	char canon[TA_DNS_NAME_TEXT];
};

static void
rs_release(struct job *j)
{
	struct rs *r = container_of(j, struct rs, j);

	job_unlink(r->d, &r->j);
	free(r);
}

static void
set_addr(struct ta_dns_addr *o, int family, const void *addr, uint16_t port)
{
	memset(o, 0, sizeof *o);
	o->family = family;
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&o->sa;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, addr, 4);
		o->salen = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&o->sa;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, addr, 16);
		o->salen = sizeof *s;
	}
	inet_ntop(family, addr, o->text, sizeof o->text);
}

static void
rs_finish(struct rs *r)
{
	struct ta_dns_addrs out = {.status = TA_DNS_OK, .error = "", .ad = true, .name = r->name};
	ta_dns_addr_cb cb = r->cb;
	void *arg = r->arg;
	int nodata = 0, asked = 0;
	int first_bad = -1, nx = -1;

	if (r->part[0].n < TA_DNS_MAX_RR && r->part[1].n > 0)
		memmove(&r->addr[r->part[0].n], &r->addr[TA_DNS_MAX_RR],
		        r->part[1].n * sizeof r->addr[0]);
	out.n = r->part[0].n + r->part[1].n;
	out.addr = r->addr;
	if (r->canon[0])
		out.name = r->canon;
	for (int i = 0; i < 2; i++) {
		if (!r->asked[i])
			continue;
		asked++;
		out.ad &= r->part[i].ad;
		out.truncated |= r->part[i].truncated;
		if (r->part[i].status == TA_DNS_NXDOMAIN && nx < 0)
			nx = i;
		else if (r->part[i].status == TA_DNS_NODATA ||
		         (r->part[i].status == TA_DNS_OK && r->part[i].n == 0))
			nodata++;
		else if (r->part[i].status != TA_DNS_OK && first_bad < 0)
			first_bad = i;
	}
	if (asked == 0)
		out.ad = false;
	if (out.n == 0) {
		int i = nx >= 0 ? nx : first_bad;

		if (i >= 0) {
			out.status = r->part[i].status;
			out.error = r->part[i].error;
		} else {
			out.status = TA_DNS_NODATA;
			out.error = "no address record";
		}
	}
	cb(arg, &out);
	rs_release(&r->j);
}

static void
rs_later(struct job *j)
{
	rs_finish(container_of(j, struct rs, j));
}

static void
rs_store(struct rs *r, int i, const struct ta_dns_answer *a)
{
	struct ta_dns_addr *o = &r->addr[i * TA_DNS_MAX_RR];

	r->part[i].status = a->status;
	copy_text(r->part[i].error, sizeof r->part[i].error, a->error);
	r->part[i].ad = a->ad;
	r->part[i].truncated = a->truncated;
	for (size_t k = 0; a->status == TA_DNS_OK && k < a->n && k < TA_DNS_MAX_RR; k++)
		set_addr(&o[r->part[i].n++], a->rr[k].addr.family, a->rr[k].addr.addr, r->port);
	if (!r->canon[0] && (a->status == TA_DNS_OK || a->status == TA_DNS_NODATA))
		copy_text(r->canon, sizeof r->canon, a->name);
	if (--r->pending == 0)
		rs_finish(r);
}

static void
rs_on_a(void *arg, const struct ta_dns_answer *a)
{
	rs_store(arg, 0, a);
}

static void
rs_on_aaaa(void *arg, const struct ta_dns_answer *a)
{
	rs_store(arg, 1, a);
}

int
ta_dns_resolve(struct ta_dns *d, const char *name, int family, uint16_t port, ta_dns_addr_cb cb,
               void *arg)
{
	uint8_t bin[16], qbuf[TA_DNS_QUERY_MAX];
	size_t n, qlen;
	struct rs *r;
	int rc = TA_OK;

	if (!d || d->dying || !name || !cb || (family != 0 && family != 4 && family != 6))
		return TA_EINVAL;
	n = strlen(name);
	if (n > TA_DNS_HOST_MAX + 1)
		return TA_EINVAL;
	r = calloc(1, sizeof *r);
	if (!r)
		return TA_ENOMEM;
	r->d = d;
	r->cb = cb;
	r->arg = arg;
	r->port = port;
	memcpy(r->name, name, n + 1);
	if (n > 0 && r->name[n - 1] == '.' && n > 1)
		r->name[n - 1] = '\0';
	for (int i = 0; i < 2; i++)
		r->part[i].status = TA_DNS_OK;
	job_link(d, &r->j, rs_release);
	enter(d);
	if (inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1) {
		int fam = strchr(name, ':') ? AF_INET6 : AF_INET;
		int i = fam == AF_INET ? 0 : 1;

		if ((fam == AF_INET && family == 6) || (fam == AF_INET6 && family == 4)) {
			rc = TA_EINVAL;
		} else {
			r->asked[i] = true;
			r->part[i].n = 1;
			set_addr(&r->addr[i * TA_DNS_MAX_RR], fam, bin, port);
			later_push(d, &r->j, rs_later);
		}
	} else if (ta_dns_query_build(qbuf, sizeof qbuf, 0, name, TA_DNS_TYPE_A, 0, &qlen) !=
	           TA_OK) {
		rc = TA_EINVAL;
	} else {
		/* one extra count until both are asked (answers come from the
		 * loop only, but r must not look finished in between) */
		r->pending = 1;
		if (family != 6) {
			rc = ta_dns_query(d, name, TA_DNS_TYPE_A, rs_on_a, r);
			if (rc == TA_OK) {
				r->asked[0] = true;
				r->pending++;
			}
		}
		if (family != 4 && rc == TA_OK) {
			int rc6 = ta_dns_query(d, name, TA_DNS_TYPE_AAAA, rs_on_aaaa, r);

			if (rc6 == TA_OK) {
				r->asked[1] = true;
				r->pending++;
			} else if (r->asked[0]) { /* reported with the answer to A */
				r->asked[1] = true;
				r->part[1].status = TA_DNS_ERROR;
				say(r->part[1].error, sizeof r->part[1].error,
				    "AAAA query not sent (%s)", ta_strerror(rc6));
			} else {
				rc = rc6;
			}
		}
		r->pending--;
	}
	if (rc != TA_OK && r->pending == 0) {
		rs_release(&r->j);
		leave(d);
		return rc;
	}
	leave(d);
	return TA_OK;
}

/* ---- CAA, climbing ---------------------------------------------------- */

struct co {
	struct job j;
	struct ta_dns *d;
	struct ta_dns_result *out;
	void (*done)(void *arg);
	void *arg;
	size_t pos; /* the name asked now: host + pos */
	char host[TA_DNS_HOST_MAX + 2];
};

static void
co_release(struct job *j)
{
	struct co *c = container_of(j, struct co, j);

	job_unlink(c->d, &c->j);
	free(c);
}

static void
co_finish(struct co *c)
{
	void (*done)(void *) = c->done;
	void *arg = c->arg;

	c->out->tested = true;
	co_release(&c->j);
	done(arg);
}

static void
co_answer(void *arg, const struct ta_dns_answer *a)
{
	struct co *c = arg;
	struct ta_dns_result *out = c->out;
	const char *name = c->host + c->pos, *dot;
	int rc;

	if (a->status == TA_DNS_OK && a->n > 0) {
		copy_text(out->caa_domain, sizeof out->caa_domain, name);
		for (size_t i = 0; i < a->n && i < TA_MAX_CAA; i++) {
			out->caa[i].flags = a->rr[i].caa.flags;
			copy_text(out->caa[i].tag, sizeof out->caa[i].tag, a->rr[i].caa.tag);
			copy_text(out->caa[i].value, sizeof out->caa[i].value, a->rr[i].caa.value);
			out->ncaa = i + 1;
		}
		out->caa_truncated = a->n > TA_MAX_CAA || a->truncated;
		co_finish(c);
		return;
	}
	if (a->status != TA_DNS_OK && a->status != TA_DNS_NODATA && a->status != TA_DNS_NXDOMAIN) {
		say(out->error, sizeof out->error, "CAA lookup for %.100s: %s", name, a->error);
		co_finish(c);
		return;
	}
	dot = strchr(name, '.');
	if (!dot) { /* that was a TLD: the root is not asked */
		co_finish(c);
		return;
	}
	c->pos = (size_t)(dot + 1 - c->host);
	rc = ta_dns_query(c->d, c->host + c->pos, TA_DNS_TYPE_CAA, co_answer, c);
	if (rc != TA_OK) {
		say(out->error, sizeof out->error, "CAA lookup for %.100s: not sent (%s)",
		    c->host + c->pos, ta_strerror(rc));
		co_finish(c);
	}
}

int
ta_dns_caa(struct ta_dns *d, const char *host, struct ta_dns_result *out, void (*done)(void *arg),
           void *arg)
{
	uint8_t bin[16], qbuf[TA_DNS_QUERY_MAX];
	size_t n, qlen;
	struct co *c;
	int rc;

	if (!d || d->dying || !host || !out || !done)
		return TA_EINVAL;
	n = strlen(host);
	if (n > TA_DNS_HOST_MAX + 1 || inet_pton(AF_INET, host, bin) == 1 ||
	    inet_pton(AF_INET6, host, bin) == 1 ||
	    ta_dns_query_build(qbuf, sizeof qbuf, 0, host, TA_DNS_TYPE_CAA, 0, &qlen) != TA_OK)
		return TA_EINVAL;
	c = calloc(1, sizeof *c);
	if (!c)
		return TA_ENOMEM;
	*out = (struct ta_dns_result){0};
	c->d = d;
	c->out = out;
	c->done = done;
	c->arg = arg;
	if (host[n - 1] == '.')
		n--;
	memcpy(c->host, host, n);
	c->host[n] = '\0';
	job_link(d, &c->j, co_release);
	rc = ta_dns_query(d, c->host, TA_DNS_TYPE_CAA, co_answer, c);
	if (rc != TA_OK)
		co_release(&c->j);
	return rc;
}
