/*
 * Discovery (probe/discover.h): the addresses given, their expansion, and
 * one probe per address and port on one event loop.  A probe is one TCP
 * connection (two at most: see the header) that either sends a ClientHello
 * or runs the port's STARTTLS dialogue and then sends one.  The answer is
 * read through the wire parsers only: records (RFC 8446 5.1), alerts (6),
 * the first handshake message, which must be a ServerHello (4.1.3), SSLv2
 * records, and the dialogues of wire/starttls.h.  Nothing is kept of a
 * probe once it has been handed on, so memory follows the connections in
 * flight, not the size of the range.
 *
 * Addresses, names and ports are discover_addr.c's.
 */
#include "probe/discover.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "net/conn.h"
#include "net/loop.h"
#include "probe/discover_int.h"
#include "probe/engine.h"
#include "probe/kinds.h"
#include "wire/starttls.h"
#include "wire/text.h"
#include "wire/tls.h"

#define IN_CAP       (5 + TA_RECORD_MAX) /* input buffered per connection */
#define HS_CAP       (4 + 16384)         /* the first handshake message, reassembled */
#define PROGRESS_MS  500
#define MAX_WARNINGS 4 /* warning alerts before the answer, as OpenSSL allows */

struct probe {
	struct ta_disc *d;
	struct probe *prev, *next; /* in flight */
	struct probe *qnext;       /* waiting for a second try */
	uint64_t addr_idx;
	struct sockaddr_storage sa;
	socklen_t salen;
	char addr[TA_DISC_ADDR_TEXT];
	const char *host;
	const struct ta_st_ops *ops; /* this try's dialogue, NULL: a hello first */
	bool tried_hello, tried_dialogue;
	bool st_active, got_bytes, started;
	int again;
	unsigned warnings;
	struct ta_conn *conn;
	struct ta_st st;
	uint8_t *hs;
	size_t hslen;
	char first_try[120]; /* what the first try found, for the detail */
	struct ta_disc_result res;
};

/* ------------------------------------------------------------------ */
/* the run */

int
ta_disc_new(const struct ta_disc_cfg *cfg, struct ta_disc **out)
{
	struct ta_disc *d = calloc(1, sizeof *d);
	struct rlimit rl;

	if (!d)
		return TA_ENOMEM;
	d->cfg = *cfg;
	if (!d->cfg.rate)
		d->cfg.rate = 1;
	if (!d->cfg.max_hosts)
		d->cfg.max_hosts = TA_DISC_HOSTS_DEFAULT;
	if (d->cfg.max_hosts > TA_DISC_HOSTS_LIMIT)
		d->cfg.max_hosts = TA_DISC_HOSTS_LIMIT;
	if (!d->cfg.connect_timeout_ms)
		d->cfg.connect_timeout_ms = 2000;
	if (!d->cfg.read_timeout_ms)
		d->cfg.read_timeout_ms = 3000;
	if (!d->cfg.per_host)
		d->cfg.per_host = 4;
	if (d->cfg.per_host > 255)
		d->cfg.per_host = 255; /* inflight counters are bytes */
	if (!d->cfg.total)
		d->cfg.total = 256;
	/* leave descriptors for the loop, DNS and the output */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)d->cfg.total + 64)
		d->cfg.total = rl.rlim_cur > 96 ? (unsigned)rl.rlim_cur - 64 : 32;
	if (ta_loop_init(&d->loop) != TA_OK) {
		free(d);
		return TA_ESYS;
	}
	d->loop_ok = true;
	d->nports = ta_disc_default_ports(d->ports, TA_DISC_PORTS_MAX);
	*out = d;
	return TA_OK;
}

static void
probe_free(struct probe *p)
{
	free(p->hs);
	free(p);
}

void
ta_disc_free(struct ta_disc *d)
{
	if (!d)
		return;
	while (d->live) {
		struct probe *p = d->live;

		d->live = p->next;
		ta_conn_abort(p->conn);
		probe_free(p);
	}
	while (d->qhead) {
		struct probe *p = d->qhead;

		d->qhead = p->qnext;
		probe_free(p);
	}
	if (d->loop_ok)
		ta_loop_free(&d->loop);
	free(d->inputs);
	free(d->ranges);
	free(d->inflight);
	free(d);
}

int
ta_disc_catch_signals(struct ta_disc *d)
{
	return ta_loop_stop_on_signals(&d->loop);
}

const struct ta_disc_stats *
ta_disc_stats(const struct ta_disc *d)
{
	return &d->st;
}

size_t
ta_disc_ninputs(const struct ta_disc *d)
{
	return d->ninputs;
}

const struct ta_disc_input *
ta_disc_input(const struct ta_disc *d, size_t i)
{
	return i < d->ninputs ? &d->inputs[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* one probe's bytes */

/* Our ClientHello: TLS 1.0 to 1.3 with an x25519 share, common suites,
 * groups and schemes (an old server picks what it knows; any answer in
 * TLS, an alert too, is what discovery looks for). */
static int
write_hello(const struct probe *p, struct ta_wr *w)
{
	static const uint16_t versions[] = {TA_TLS13, TA_TLS12, TA_TLS11, TA_TLS10};
	static const uint16_t groups[] = {29, 23, 24, 25, 30, 256, 257};
	uint16_t suites[3 + 128], sigs[96];
	uint8_t share[64];
	size_t nsuites = 0, sharelen = 0;
	struct ta_hello h;

	memset(&h, 0, sizeof h);
	ta_u16_push(suites, &nsuites, 3 + 128, 0x1301);
	ta_u16_push(suites, &nsuites, 3 + 128, 0x1302);
	ta_u16_push(suites, &nsuites, 3 + 128, 0x1303);
	for (size_t i = 0; i < ta_npopular_suites; i++)
		ta_u16_push(suites, &nsuites, 3 + 128, ta_popular_suites[i]);
	ta_random(h.random, sizeof h.random);
	h.version = TA_TLS12;
	h.session_id_len = 32; /* middlebox compatibility, RFC 8446 D.4 */
	ta_random(h.session_id, 32);
	h.suites = suites;
	h.nsuites = nsuites;
	h.sni = p->host;
	h.groups = groups;
	h.ngroups = sizeof groups / sizeof groups[0];
	h.ec_point_formats = true;
	h.nsigalgs = ta_list_sigalgs(sigs, 96, false);
	h.sigalgs = sigs;
	h.versions = versions;
	h.nversions = sizeof versions / sizeof versions[0];
	h.key_share_ext = true;
	if (ta_keyshare_make(29, share, sizeof share, &sharelen) == TA_OK) {
		h.shares[0] = (struct ta_key_share){29, share, sharelen};
		h.nshares = 1;
	}
	h.psk_modes = true;
	h.reneg_info = true;
	h.ems = true;
	h.pad_to = 512; /* RFC 7685: hellos of 256..511 bytes upset some servers */
	return ta_hello_write(&h, w);
}

static int
send_hello(struct probe *p, struct ta_conn *c)
{
	uint8_t buf[TA_HELLO_MAX_BYTES + 5];
	struct ta_wr w;

	ta_wr_init(&w, buf, sizeof buf);
	TA_TRY(write_hello(p, &w));
	p->tried_hello = true;
	return ta_conn_send(c, buf, w.len);
}

static int
not_tls(struct probe *p, const char *why)
{
	if (p->res.status == TA_DISC_STARTTLS) {
		snprintf(p->res.detail, sizeof p->res.detail, "after STARTTLS: %s", why);
		return TA_CONN_DONE;
	}
	p->res.status = TA_DISC_NOT_TLS;
	snprintf(p->res.detail, sizeof p->res.detail, "%.119s%.80s", p->first_try, why);
	return TA_CONN_DONE;
}

static int
is_tls(struct probe *p)
{
	if (p->res.status == TA_DISC_STARTTLS) {
		p->res.tls_answer = true;
		return TA_CONN_DONE;
	}
	p->res.status = TA_DISC_TLS;
	p->res.proto = "tls";
	return TA_CONN_DONE;
}

/* The first handshake message: a ServerHello, or not TLS. */
static int
on_handshake(struct probe *p, const uint8_t *b, size_t n)
{
	struct ta_server_hello sh;
	struct ta_rd r, body;
	uint8_t type;
	int rc;

	if (!p->hs && !(p->hs = malloc(HS_CAP))) {
		p->res.status = TA_DISC_ERROR;
		snprintf(p->res.detail, sizeof p->res.detail, "out of memory");
		return TA_CONN_DONE;
	}
	if (n > HS_CAP - p->hslen)
		return not_tls(p, "a first handshake message larger than a record");
	memcpy(p->hs + p->hslen, b, n);
	p->hslen += n;
	ta_rd_init(&r, p->hs, p->hslen);
	rc = ta_handshake_parse(&r, &type, &body);
	if (rc == TA_ENOSPC)
		return p->hslen >= 4 && (((size_t)p->hs[1] << 16) | ((size_t)p->hs[2] << 8) |
		                         p->hs[3]) > HS_CAP - 4
		               ? not_tls(p, "a first handshake message larger than a record")
		               : TA_CONN_MORE;
	if (rc != TA_OK || type != TA_HS_SERVER_HELLO)
		return not_tls(p, "the first handshake message is not a ServerHello");
	if (ta_server_hello_parse(body, &sh) != TA_OK)
		return not_tls(p, "a malformed ServerHello");
	p->res.version = sh.hrr ? TA_TLS13 : sh.version;
	p->res.hrr = sh.hrr;
	return is_tls(p);
}

static int
on_ssl2(struct probe *p, struct ta_conn *c)
{
	struct ta_ssl2_server_hello sh;
	struct ta_rd r;
	int rc;

	ta_rd_init(&r, c->in, c->inlen);
	rc = ta_ssl2_server_hello_parse(&r, &sh);
	if (rc == TA_ENOSPC)
		return TA_CONN_MORE;
	if (rc != TA_OK && rc != TA_EPROTO)
		return not_tls(p, "a malformed SSLv2 record");
	p->res.version = TA_SSL2; /* a SERVER-HELLO or an ERROR: SSLv2 either way */
	return is_tls(p);
}

/* A greeting where a TLS answer should be: try the dialogue it names. */
static bool
greeting(struct probe *p, struct ta_conn *c)
{
	const struct ta_st_ops *ops;

	if (p->res.status == TA_DISC_STARTTLS || c->inlen < 5 ||
	    (c->in[0] >= TA_CT_CCS && c->in[0] <= TA_CT_HEARTBEAT) || c->in[0] >= 0x80)
		return false;
	ops = ta_st_recognise(c->in, c->inlen);
	if (!ops || p->tried_dialogue)
		return false;
	p->again = AGAIN_DIALOGUE;
	p->ops = ops;
	snprintf(p->first_try, sizeof p->first_try, "a %s greeting instead of TLS; ", ops->label);
	p->res.status = TA_DISC_NOT_TLS;
	snprintf(p->res.detail, sizeof p->res.detail, "a %s greeting instead of TLS", ops->label);
	return true;
}

static int
tls_data(struct probe *p, struct ta_conn *c)
{
	struct ta_rd r;
	int verdict = TA_CONN_MORE;

	if (greeting(p, c))
		return TA_CONN_DONE;
	if (!p->hslen && ta_looks_ssl2(c->in, c->inlen))
		return on_ssl2(p, c);
	ta_rd_init(&r, c->in, c->inlen);
	while (verdict == TA_CONN_MORE) {
		struct ta_record rec;
		struct ta_alert a;
		int rc = ta_record_parse(&r, &rec);

		if (rc == TA_ENOSPC)
			break;
		if (rc != TA_OK)
			return not_tls(p, "not a TLS record");
		switch (rec.type) {
		case TA_CT_ALERT:
			if (ta_alert_parse(rec.body, &a) != TA_OK)
				return not_tls(p, "a malformed alert");
			if (a.level == 1 && a.desc != TA_ALERT_CLOSE_NOTIFY &&
			    ++p->warnings <= MAX_WARNINGS)
				break; /* a warning: the answer may follow */
			p->res.has_alert = true;
			p->res.alert = a.desc;
			return is_tls(p);
		case TA_CT_HANDSHAKE:
			verdict = on_handshake(p, rec.body.p, ta_rd_left(&rec.body));
			break;
		default:
			return not_tls(p, "a record other than a handshake or an alert first");
		}
	}
	ta_conn_consume(c, (size_t)(r.p - c->in));
	return verdict;
}

static int
st_data(struct probe *p, struct ta_conn *c)
{
	size_t used = 0;
	int v = ta_st_feed(&p->st, c->in, c->inlen, &used);

	ta_conn_consume(c, used);
	if (p->st.outlen && ta_conn_send(c, p->st.out, p->st.outlen) != TA_OK)
		goto oom;
	snprintf(p->res.banner, sizeof p->res.banner, "%s", p->st.banner);
	p->res.proto = p->ops->name;
	if (v == TA_ST_MORE)
		return TA_CONN_MORE;
	if (v == TA_ST_FAIL) {
		if (p->st.fail == TA_STF_PROTOCOL) {
			/* not this protocol: perhaps TLS at once */
			p->res.proto = NULL;
			p->res.status = TA_DISC_NOT_TLS;
			snprintf(p->res.detail, sizeof p->res.detail, "%.119s%.80s", p->first_try,
			         p->st.detail);
			if (!p->tried_hello) {
				p->again = AGAIN_HELLO;
				snprintf(p->first_try, sizeof p->first_try, "no %s (%.60s); then ",
				         p->ops->label, p->st.detail);
			}
			return TA_CONN_DONE;
		}
		p->res.status = TA_DISC_NO_STARTTLS;
		snprintf(p->res.detail, sizeof p->res.detail, "%s%.190s",
		         p->st.fail == TA_STF_BUSY ? "busy: " : "", p->st.detail);
		return TA_CONN_DONE;
	}
	p->st_active = false;
	p->res.status = TA_DISC_STARTTLS;
	if (send_hello(p, c) != TA_OK)
		goto oom;
	return c->inlen ? tls_data(p, c) : TA_CONN_MORE;
oom:
	p->res.status = TA_DISC_ERROR;
	snprintf(p->res.detail, sizeof p->res.detail, "out of memory");
	return TA_CONN_DONE;
}

static int
on_data(struct ta_conn *c)
{
	struct probe *p = c->owner;

	if (!p->got_bytes) {
		p->got_bytes = true;
		if (!p->st_active && !(c->in[0] >= TA_CT_CCS && c->in[0] <= TA_CT_HEARTBEAT)) {
			size_t len = 0;

			while (len < c->inlen && len < 80 && c->in[len] != '\r' &&
			       c->in[len] != '\n')
				len++;
			(void)ta_text_printable(p->res.banner, sizeof p->res.banner, c->in, len);
		}
	}
	return p->st_active ? st_data(p, c) : tls_data(p, c);
}

/* ------------------------------------------------------------------ */
/* scheduling */

static void pump(struct ta_disc *d);
static void on_end(struct ta_conn *c, int err);

static const struct ta_conn_ops probe_ops = {on_data, on_end};

static void
unlink_live(struct ta_disc *d, struct probe *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		d->live = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
	d->nlive--;
	d->inflight[p->addr_idx]--;
}

/* A probe is done: hand it on, or queue its second try. */
static void
finish(struct ta_disc *d, struct probe *p)
{
	if (p->started)
		unlink_live(d, p);
	p->started = false;
	if (p->again != AGAIN_NONE) {
		if (p->again == AGAIN_HELLO)
			p->ops = NULL;
		p->again = AGAIN_NONE;
		p->got_bytes = p->st_active = false;
		p->warnings = 0;
		p->hslen = 0;
		p->res = (struct ta_disc_result){.addr = p->addr,
		                                 .host = p->host,
		                                 .port = p->res.port,
		                                 .status = TA_DISC_NOT_TLS,
		                                 .conns = p->res.conns};
		p->qnext = NULL;
		if (d->qtail)
			d->qtail->qnext = p;
		else
			d->qhead = p;
		d->qtail = p;
		return;
	}
	d->st.done++;
	if (p->res.status == TA_DISC_CLOSED)
		d->st.closed++;
	else if (p->res.status == TA_DISC_NOANSWER)
		d->st.noanswer++;
	else if (p->res.status == TA_DISC_ERROR)
		d->st.errors++;
	else
		d->st.open++;
	if (d->on_result)
		d->on_result(d->arg, &p->res);
	probe_free(p);
	if (d->next >= d->st.probes && !d->nlive && !d->qhead) /* the last: end the loop now */
		ta_timer_stop(&d->loop, &d->progress_timer);
}

static void
on_end(struct ta_conn *c, int err)
{
	struct probe *p = c->owner;
	struct ta_disc *d = p->d;
	const char *label = p->ops ? p->ops->label : "";

	p->conn = NULL;
	switch (err) {
	case TA_OK:
		break;
	case TA_ECONNECT:
		if (c->connected) { /* a write failed at once */
			(void)not_tls(p, "reset while we wrote");
		} else if (ta_loop_now(c->loop) - c->started_ms >= d->cfg.connect_timeout_ms) {
			p->res.status = TA_DISC_NOANSWER;
			snprintf(p->res.detail, sizeof p->res.detail,
			         "no answer to the connect in %u ms", d->cfg.connect_timeout_ms);
		} else {
			p->res.status = TA_DISC_CLOSED;
			snprintf(p->res.detail, sizeof p->res.detail, "refused");
		}
		break;
	case TA_ETIMEOUT:
	case TA_ECLOSED:
		if (p->st_active) {
			char why[120];

			snprintf(why, sizeof why, "%s %s %s",
			         err == TA_ETIMEOUT ? "no" : "closed before",
			         p->got_bytes ? "end of the" : label,
			         p->got_bytes ? "dialogue" : "greeting");
			p->res.proto = NULL;
			(void)not_tls(p, why);
			if (!p->got_bytes && !p->tried_hello) {
				p->again = AGAIN_HELLO; /* a TLS server waits for us to speak */
				snprintf(p->first_try, sizeof p->first_try, "%.100s; then ", why);
			}
		} else if (err == TA_ETIMEOUT) {
			char why[80];

			snprintf(why, sizeof why, "no answer to a ClientHello in %u ms",
			         d->cfg.read_timeout_ms);
			(void)not_tls(p, why);
		} else {
			(void)not_tls(p, c->inlen ? "closed within a record"
			                 : p->got_bytes
			                         ? "closed after bytes that are no TLS answer"
			                 : c->reset ? "reset without answering the ClientHello"
			                            : "closed without answering the ClientHello");
		}
		break;
	case TA_ENOSPC:
		(void)not_tls(p, "more bytes than a TLS answer");
		break;
	default:
		p->res.status = TA_DISC_ERROR;
		snprintf(p->res.detail, sizeof p->res.detail, "%s", ta_strerror(err));
		break;
	}
	finish(d, p);
	pump(d);
}

/* Connect; a failure at once (unreachable) finishes the probe. */
static void
start(struct ta_disc *d, struct probe *p)
{
	bool unreachable;
	int rc, sys;

	p->started = true;
	p->next = d->live;
	if (d->live)
		d->live->prev = p;
	d->live = p;
	d->nlive++;
	d->inflight[p->addr_idx]++;
	d->st.connections++;
	p->res.conns++;
	errno = 0;
	rc = ta_conn_start(&d->loop, (struct sockaddr *)&p->sa, p->salen, &probe_ops, p,
	                   d->cfg.connect_timeout_ms, d->cfg.read_timeout_ms, IN_CAP, &p->conn);
	sys = errno;
	if (rc == TA_OK && p->ops) {
		p->tried_dialogue = true;
		p->st_active = true;
		ta_st_init(&p->st, p->ops, p->host ? p->host : p->addr);
		ta_st_begin(&p->st);
		if (p->st.outlen)
			rc = ta_conn_send(p->conn, p->st.out, p->st.outlen);
	} else if (rc == TA_OK) {
		rc = send_hello(p, p->conn);
	}
	if (rc == TA_OK)
		return;
	if (p->conn) {
		ta_conn_abort(p->conn);
		p->conn = NULL;
	}
	/* refused at once, or no route: the address's answer; anything else
	 * (no local port or buffer) is ours, and says nothing of the address */
	unreachable = rc == TA_ECONNECT && (sys == ECONNREFUSED || sys == ENETUNREACH ||
	                                    sys == EHOSTUNREACH || sys == EACCES || sys == EPERM);
	p->res.status = unreachable ? TA_DISC_CLOSED : TA_DISC_ERROR;
	snprintf(p->res.detail, sizeof p->res.detail, "%s",
	         rc == TA_ECONNECT && sys ? strerror(sys) : ta_strerror(rc));
	finish(d, p);
}

static struct probe *
new_probe(struct ta_disc *d, uint64_t k)
{
	uint64_t idx = k % d->st.addresses;
	uint16_t port = d->ports[k / d->st.addresses];
	size_t lo = 0, hi = d->nranges;
	const struct range *r;
	struct probe *p = calloc(1, sizeof *p);
	uint8_t a[16];

	if (!p)
		return NULL;
	while (hi - lo > 1) { /* the last range starting at or before idx */
		size_t mid = (lo + hi) / 2;

		if (d->ranges[mid].first <= idx)
			lo = mid;
		else
			hi = mid;
	}
	r = &d->ranges[lo];
	ta_disc_addr_add(a, r->base, ta_disc_addr_len(r->family), idx - r->first);
	p->d = d;
	p->addr_idx = idx;
	if (r->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a, 4);
		p->salen = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a, 16);
		p->salen = sizeof *sin6;
	}
	inet_ntop(r->family, a, p->addr, sizeof p->addr);
	p->host = r->named ? d->inputs[r->input].spec : NULL;
	p->ops = ta_st_for_port(port);
	p->res.addr = p->addr;
	p->res.host = p->host;
	p->res.port = port;
	return p;
}

static void
on_rate(struct ta_timer *t)
{
	struct ta_disc *d = (struct ta_disc *)((char *)t - offsetof(struct ta_disc, rate_timer));

	pump(d);
}

/* May a connection start now (the token bucket of cfg.rate, holding a
 * twentieth of a second's worth, so the pace is even)? */
static bool
take_token(struct ta_disc *d)
{
	uint64_t now;
	double burst = d->cfg.rate / 20.0 < 1.0 ? 1.0 : d->cfg.rate / 20.0;

	ta_loop_update(&d->loop);
	now = ta_loop_now(&d->loop);
	if (d->tokens_ms == 0)
		d->tokens = 1.0;
	else if (now > d->tokens_ms)
		d->tokens += (double)(now - d->tokens_ms) * d->cfg.rate / 1000.0;
	if (d->tokens > burst)
		d->tokens = burst;
	d->tokens_ms = now;
	if (d->tokens >= 1.0) {
		d->tokens -= 1.0;
		return true;
	}
	if (d->rate_timer.idx == SIZE_MAX)
		(void)ta_timer_start(&d->loop, &d->rate_timer,
		                     (uint64_t)((1.0 - d->tokens) * 1000.0 / d->cfg.rate) + 1);
	return false;
}

/* The first second try whose address has room, unlinked; NULL if none. */
static struct probe *
take_queued(struct ta_disc *d, bool unlink)
{
	for (struct probe *p = d->qhead, *prev = NULL; p; prev = p, p = p->qnext) {
		if (d->inflight[p->addr_idx] >= d->cfg.per_host)
			continue;
		if (unlink) {
			if (prev)
				prev->qnext = p->qnext;
			else
				d->qhead = p->qnext;
			if (d->qtail == p)
				d->qtail = prev;
			p->qnext = NULL;
		}
		return p;
	}
	return NULL;
}

/* Start what may start: second tries first, then the next probes, within
 * the caps and the rate. */
static void
pump(struct ta_disc *d)
{
	if (d->pumping)
		return;
	d->pumping = true;
	while (!d->fatal && !(d->loop.interrupt && *d->loop.interrupt) && d->nlive < d->cfg.total) {
		struct probe *p = take_queued(d, false);

		if (!p && (d->next >= d->st.probes ||
		           d->inflight[d->next % d->st.addresses] >= d->cfg.per_host))
			break;
		if (!take_token(d))
			break;
		if (p)
			p = take_queued(d, true);
		else if (!(p = new_probe(d, d->next++)))
			d->fatal = TA_ENOMEM;
		if (p)
			start(d, p);
	}
	if (d->fatal)
		d->loop.stop = true;
	d->pumping = false;
}

static void
report(struct ta_disc *d, int final)
{
	ta_loop_update(&d->loop);
	d->st.elapsed_s = (double)(ta_loop_now(&d->loop) - d->start_ms) / 1000.0;
	if (d->progress)
		d->progress(d->arg, &d->st, final);
}

static void
on_progress(struct ta_timer *t)
{
	struct ta_disc *d =
	        (struct ta_disc *)((char *)t - offsetof(struct ta_disc, progress_timer));

	report(d, 0);
	if (d->next < d->st.probes || d->nlive || d->qhead)
		(void)ta_timer_start(&d->loop, &d->progress_timer, PROGRESS_MS);
}

int
ta_disc_run(struct ta_disc *d, void (*on_result)(void *arg, const struct ta_disc_result *r),
            void (*progress)(void *arg, const struct ta_disc_stats *s, int final), void *arg,
            char *err, size_t errlen)
{
	int rc;

	d->on_result = on_result;
	d->progress = progress;
	d->arg = arg;
	d->st.ports = d->nports;
	ta_timer_init(&d->rate_timer, on_rate);
	ta_timer_init(&d->progress_timer, on_progress);
	ta_loop_update(&d->loop);
	d->start_ms = ta_loop_now(&d->loop);
	if ((rc = ta_disc_resolve(d)) != TA_OK) {
		snprintf(err, errlen, "%s", ta_strerror(rc));
		return rc;
	}
	if ((rc = ta_disc_expand(d, err, errlen)) != TA_OK)
		return rc;
	if (d->st.probes == 0) {
		report(d, 1);
		return TA_OK;
	}
	if (progress)
		(void)ta_timer_start(&d->loop, &d->progress_timer, PROGRESS_MS);
	pump(d);
	rc = ta_loop_run(&d->loop);
	ta_timer_stop(&d->loop, &d->rate_timer);
	ta_timer_stop(&d->loop, &d->progress_timer);
	d->st.interrupted = d->loop.interrupt && *d->loop.interrupt;
	report(d, 1);
	if (rc == TA_OK && d->fatal)
		rc = d->fatal;
	if (rc != TA_OK)
		snprintf(err, errlen, "%s", ta_strerror(rc));
	return rc;
}
