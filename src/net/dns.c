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
 *
 * This file owns the channel: the jobs, the entry points, the resolver
 * addresses, ta_dns_new() and ta_dns_free().  One query and its answer
 * are dns_query.c's, A with AAAA dns_resolve.c's, the CAA climb
 * dns_caa.c's (they share dns_int.h).
 */
#include "net/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "net/dns_int.h"

/* One socket c-ares asked us to watch. */
struct fdw {
	struct ta_watch w;
	struct ta_dns *d;
	struct fdw *next;
};

void
ta_dns_job_link(struct ta_dns *d, struct job *j, void (*release)(struct job *))
{
	j->release = release;
	j->lnext = NULL;
	j->prev = NULL;
	j->next = d->jobs;
	if (d->jobs)
		d->jobs->prev = j;
	d->jobs = j;
}

void
ta_dns_job_unlink(struct ta_dns *d, struct job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else if (d->jobs == j)
		d->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

void
ta_dns_later_push(struct ta_dns *d, struct job *j, void (*run)(struct job *))
{
	j->run_later = run;
	j->lnext = NULL;
	*d->later_tail = j;
	d->later_tail = &j->lnext;
}

void
ta_dns_copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
ta_dns_say(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

/* ---- the loop side ---------------------------------------------------- */

static void destroy(struct ta_dns *d);

void
ta_dns_enter(struct ta_dns *d)
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

void
ta_dns_leave(struct ta_dns *d)
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

	ta_dns_enter(d);
	ares_process_fd(d->ch, (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? fd : ARES_SOCKET_BAD,
	                (events & EPOLLOUT) ? fd : ARES_SOCKET_BAD);
	ta_dns_leave(d);
}

static void
on_timer(struct ta_timer *t)
{
	struct ta_dns *d = container_of(t, struct ta_dns, timer);

	ta_dns_enter(d);
	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	ta_dns_leave(d);
}

static void
on_later(struct ta_timer *t)
{
	struct ta_dns *d = container_of(t, struct ta_dns, later_timer);

	ta_dns_enter(d);
	drain_later(d);
	ta_dns_leave(d);
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
		ta_dns_say(err, errlen, "resolver: empty address in the list");
		return TA_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		colons += s[i] == ':';
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close) {
			ta_dns_say(err, errlen, "resolver '%s': missing ']'", sh);
			return TA_EINVAL;
		}
		bracketed = true;
		h = s + 1;
		hlen = (size_t)(close - h);
		if (close + 1 < s + n) {
			if (close[1] != ':') {
				ta_dns_say(err, errlen, "resolver '%s': junk after ']'", sh);
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
		ta_dns_say(err, errlen, "resolver '%s': not an IP address", sh);
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
		ta_dns_say(err, errlen,
		           bracketed ? "resolver '%s': not an IPv6 address between '[' and ']'"
		                     : "resolver '%s': not an IP address (give a resolver's "
		                       "address, not "
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
			ta_dns_say(err, errlen,
			           "resolver '%s': port must be a number from 1 to 65535", sh);
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
		ta_dns_say(err, errlen, "resolver: no address given");
		return TA_EINVAL;
	}
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (*n == TA_DNS_MAX_RESOLVERS) {
			ta_dns_say(err, errlen, "resolver: more than %d addresses",
			           TA_DNS_MAX_RESOLVERS);
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
		ta_dns_say(err, errlen, "DNS: no loop");
		return TA_EINVAL;
	}
	*out = NULL;
	timeout_ms = timeout_ms ? timeout_ms : TA_DNS_TIMEOUT_DEFAULT;
	tries = tries ? tries : TA_DNS_TRIES_DEFAULT;
	if (timeout_ms > 60000 || tries > 10) {
		ta_dns_say(err, errlen,
		           "DNS: timeout must be at most 60000 ms and tries at most 10");
		return TA_EINVAL;
	}
	if (resolver)
		TA_TRY(parse_list(resolver, rs, &n, err, errlen));
	d = calloc(1, sizeof *d);
	if (!d) {
		ta_dns_say(err, errlen, "DNS: out of memory");
		return TA_ENOMEM;
	}
	d->loop = loop;
	d->later_tail = &d->later;
	ta_timer_init(&d->timer, on_timer);
	ta_timer_init(&d->later_timer, on_later);
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		ta_dns_say(err, errlen, "DNS: c-ares: %s", ares_strerror(rc));
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
		ta_dns_say(err, errlen, "DNS: c-ares: %s", ares_strerror(rc));
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
			ta_dns_say(err, errlen, "DNS: c-ares: %s", ares_strerror(rc));
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
		d->dying = true; /* the outermost ta_dns_leave() finishes */
		return;
	}
	destroy(d);
}
