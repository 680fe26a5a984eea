/*
 * One DNS query (ta_dns_query, dns.h): the query is built by
 * src/wire/dnsrr.c and sent with ares_send(); the answer comes back as raw
 * bytes, is checked against the question, its CNAMEs followed, and the
 * records of the asked type decoded, one decoder per type (the table
 * below, which also names the types).  The channel is dns.c's.
 */
#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns_int.h"

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
	ta_dns_job_unlink(q->d, &q->j);
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
		ta_dns_say(err, errlen, "no answer from the resolver (timed out)");
		break;
	case ARES_ECONNREFUSED:
		a->status = TA_DNS_ERROR;
		ta_dns_say(err, errlen, "no connection to the resolver (refused or unreachable)");
		break;
	case ARES_ESERVFAIL:
		a->status = TA_DNS_SERVFAIL;
		ta_dns_say(err, errlen, "the resolver failed (SERVFAIL)");
		break;
	case ARES_EREFUSED:
		a->status = TA_DNS_REFUSED;
		ta_dns_say(err, errlen, "the resolver refused the query (REFUSED)");
		break;
	case ARES_EBADRESP:
		a->status = TA_DNS_BADRESP;
		ta_dns_say(err, errlen, "malformed answer from the resolver");
		break;
	case ARES_ENOMEM:
		a->status = TA_DNS_ERROR;
		ta_dns_say(err, errlen, "out of memory");
		break;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		a->status = TA_DNS_CANCELLED;
		ta_dns_say(err, errlen, "cancelled");
		break;
	default:
		a->status = TA_DNS_ERROR;
		ta_dns_say(err, errlen, "DNS: %s", ares_strerror(status));
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
		ta_dns_say(err, errlen, "malformed answer from the resolver (%s)", ta_strerror(rc));
		return NULL;
	}
	a->ad = m.h.ad;
	a->aa = m.h.aa;
	a->tc = m.h.tc;
	a->rcode = m.h.rcode;
	if (!m.h.qr || m.h.opcode != 0 || m.qtype != q->type || m.qclass != TA_DNS_CLASS_IN ||
	    !ta_dns_name_eq(m.qname, q->name)) {
		a->status = TA_DNS_BADRESP;
		ta_dns_say(err, errlen, "the resolver answered another question");
		return NULL;
	}
	switch (m.h.rcode) {
	case TA_DNS_RCODE_NOERROR:
	case TA_DNS_RCODE_NXDOMAIN:
		break;
	case TA_DNS_RCODE_SERVFAIL:
		a->status = TA_DNS_SERVFAIL;
		ta_dns_say(err, errlen, "the resolver failed (SERVFAIL)");
		return NULL;
	case TA_DNS_RCODE_REFUSED:
		a->status = TA_DNS_REFUSED;
		ta_dns_say(err, errlen, "the resolver refused the query (REFUSED)");
		return NULL;
	default:
		a->status = TA_DNS_ERROR;
		ta_dns_say(err, errlen, "the resolver answered with RCODE %u", m.h.rcode);
		return NULL;
	}
	rc = ta_dnsmsg_follow(&m, canon, TA_DNS_NAME_TEXT, &a->cnames);
	if (rc != TA_OK) {
		a->status = TA_DNS_BADRESP;
		if (rc == TA_EPROTO)
			ta_dns_say(err, errlen, "more than %d CNAMEs in a row, or a CNAME loop",
			           TA_DNS_MAX_CNAME);
		else
			ta_dns_say(err, errlen, "malformed CNAME record (%s)", ta_strerror(rc));
		return NULL;
	}
	a->name = canon;
	if (m.h.rcode == TA_DNS_RCODE_NXDOMAIN) {
		a->status = TA_DNS_NXDOMAIN;
		ta_dns_say(err, errlen, "no such name (NXDOMAIN)");
		return NULL;
	}
	ta_dnsrr_it_init(&it, &m);
	while ((rc = ta_dnsrr_next(&it, &rec, &got)) == TA_OK && got)
		n += rec_matches(&rec, q->type, canon);
	if (rc == TA_OK && n == 0) {
		a->status = TA_DNS_NODATA;
		ta_dns_say(err, errlen, "no %s record", rt->name);
		return NULL;
	}
	if (n > TA_DNS_MAX_RR) {
		a->truncated = true;
		n = TA_DNS_MAX_RR;
	}
	rr = rc == TA_OK ? calloc(n, sizeof *rr) : NULL;
	if (rc == TA_OK && !rr) {
		a->status = TA_DNS_ERROR;
		ta_dns_say(err, errlen, "out of memory");
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
		ta_dns_say(err, errlen, "malformed %s record (%s)", rt->name, ta_strerror(rc));
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
		ta_dns_later_push(d, &q->j, dq_later);
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
	ta_dns_job_link(d, &q->j, dq_release);
	ta_dns_enter(d);
	was = d->submitting;
	d->submitting = true;
	ares_send(d->ch, qbuf, (int)qlen, on_ares, q);
	d->submitting = was;
	ta_dns_leave(d);
	return TA_OK;
}
