/*
 * DNS response parsing and query building (see dnsrr.h for the contract).
 * Everything a resolver sends is read through bounded readers; names are
 * decompressed with backward-only pointers and capped lengths.
 */
#include "wire/dnsrr.h"

#include <string.h>

/* A fixed-capacity text writer: sticky TA_ENOSPC, always NUL-terminated
 * when cap > 0 (NULL buffer: count nothing, check only). */
struct txt {
	char *p;
	size_t cap, len;
	int err;
};

static void
txt_init(struct txt *t, char *p, size_t cap)
{
	t->p = p;
	t->cap = p ? cap : 0;
	t->len = 0;
	t->err = (p && cap == 0) ? TA_ENOSPC : TA_OK;
	if (t->p && t->cap)
		t->p[0] = '\0';
}

/* Append n bytes as one unit: all or nothing. */
static void
txt_put(struct txt *t, const char *s, size_t n)
{
	if (!t->p || t->err)
		return;
	if (t->cap - t->len <= n) {
		t->err = TA_ENOSPC;
		return;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* One byte as printable ASCII; esc_dot: also escape '.' (name labels). */
static bool
txt_byte(struct txt *t, uint8_t c, bool esc_dot)
{
	char e[4];

	if (c == '\\' || (esc_dot && c == '.')) {
		e[0] = '\\';
		e[1] = (char)c;
		txt_put(t, e, 2);
		return false;
	}
	if (c < (esc_dot ? 0x21 : 0x20) || c > 0x7e) {
		e[0] = '\\';
		e[1] = (char)('0' + c / 100);
		e[2] = (char)('0' + c / 10 % 10);
		e[3] = (char)('0' + c % 10);
		txt_put(t, e, 4);
		return false;
	}
	e[0] = (char)c;
	txt_put(t, e, 1);
	return true;
}

int
ta_dns_escape(char *dst, size_t cap, struct ta_rd src, bool *clean)
{
	struct txt t;
	bool all = true;

	txt_init(&t, dst, cap);
	while (ta_rd_left(&src) > 0) {
		all &= txt_byte(&t, *src.p, false);
		src.p++;
	}
	if (clean)
		*clean = all;
	return t.err;
}

int
ta_dns_name_read(const uint8_t *msg, size_t len, size_t *off, size_t end, char *text, size_t cap)
{
	struct ta_rd r;
	struct txt t;
	size_t after = SIZE_MAX, wire = 0;
	unsigned jumps = 0, labels = 0;

	if (end > len || *off >= end)
		return TA_EDECODE;
	txt_init(&t, text, cap);
	ta_rd_init(&r, msg + *off, end - *off);
	for (;;) {
		size_t at = (size_t)(r.p - msg);
		struct ta_rd lab;
		uint8_t l;

		TA_TRY(ta_rd_u8(&r, &l));
		if ((l & 0xc0) == 0xc0) {
			uint8_t lo;
			size_t target;

			TA_TRY(ta_rd_u8(&r, &lo));
			target = ((size_t)(l & 0x3f) << 8) | lo;
			if (after == SIZE_MAX)
				after = (size_t)(r.p - msg);
			/* backwards only, and what is read there may not reach
			 * this pointer: no loop can be built */
			if (target >= at || ++jumps > TA_DNS_MAX_JUMPS)
				return TA_EDECODE;
			ta_rd_init(&r, msg + target, at - target);
			continue;
		}
		if (l & 0xc0) /* 0x40, 0x80: extended label types, never used */
			return TA_EDECODE;
		wire += 1u + l;
		if (wire > TA_DNS_NAME_WIRE_MAX)
			return TA_EDECODE;
		if (l == 0)
			break;
		TA_TRY(ta_rd_view(&r, l, &lab));
		if (labels++ > 0)
			txt_put(&t, ".", 1);
		while (ta_rd_left(&lab) > 0)
			txt_byte(&t, *lab.p++, true);
	}
	if (labels == 0)
		txt_put(&t, ".", 1);
	if (t.err)
		return t.err;
	*off = after != SIZE_MAX ? after : (size_t)(r.p - msg);
	return TA_OK;
}

/* Owner name, TYPE, CLASS, TTL, RDLENGTH, RDATA at *off; owner may be NULL. */
static int
read_rr(const uint8_t *msg, size_t len, size_t *off, struct ta_dnsrr *rr, char *owner, size_t cap)
{
	struct ta_rd r;
	uint32_t ttl;
	uint16_t rdlen;

	TA_TRY(ta_dns_name_read(msg, len, off, len, owner, cap));
	ta_rd_init(&r, msg + *off, len - *off);
	TA_TRY(ta_rd_u16(&r, &rr->type));
	TA_TRY(ta_rd_u16(&r, &rr->rclass));
	TA_TRY(ta_rd_uint(&r, 4, &ttl));
	TA_TRY(ta_rd_u16(&r, &rdlen));
	rr->ttl = ttl;
	rr->rdata_off = (size_t)(r.p - msg);
	TA_TRY(ta_rd_view(&r, rdlen, &rr->rdata));
	*off = (size_t)(r.p - msg);
	return TA_OK;
}

int
ta_dnsmsg_parse(const uint8_t *msg, size_t len, struct ta_dnsmsg *m)
{
	struct ta_dnshdr *h = &m->h;
	struct ta_dnsrr scratch;
	struct ta_rd r;
	uint16_t flags;
	size_t off;

	ta_rd_init(&r, msg, len);
	TA_TRY(ta_rd_u16(&r, &h->id));
	TA_TRY(ta_rd_u16(&r, &flags));
	TA_TRY(ta_rd_u16(&r, &h->qdcount));
	TA_TRY(ta_rd_u16(&r, &h->ancount));
	TA_TRY(ta_rd_u16(&r, &h->nscount));
	TA_TRY(ta_rd_u16(&r, &h->arcount));
	h->qr = flags & 0x8000;
	h->opcode = (flags >> 11) & 0x0f;
	h->aa = flags & 0x0400;
	h->tc = flags & 0x0200;
	h->rd = flags & 0x0100;
	h->ra = flags & 0x0080;
	h->ad = flags & 0x0020;
	h->cd = flags & 0x0010;
	h->rcode = flags & 0x0f;
	/* Every response to one of our queries repeats its one question. */
	if (h->qdcount != 1)
		return TA_EDECODE;
	off = TA_DNS_HEADER_LEN;
	TA_TRY(ta_dns_name_read(msg, len, &off, len, m->qname, sizeof m->qname));
	ta_rd_init(&r, msg + off, len - off);
	TA_TRY(ta_rd_u16(&r, &m->qtype));
	TA_TRY(ta_rd_u16(&r, &m->qclass));
	m->msg = msg;
	m->len = len;
	m->an_off = (size_t)(r.p - msg);
	off = m->an_off;
	for (unsigned i = 0; i < h->ancount; i++)
		TA_TRY(read_rr(msg, len, &off, &scratch, NULL, 0));
	return TA_OK;
}

void
ta_dnsrr_it_init(struct ta_dnsrr_it *it, const struct ta_dnsmsg *m)
{
	it->m = m;
	it->off = m->an_off;
	it->left = m->h.ancount;
}

int
ta_dnsrr_next(struct ta_dnsrr_it *it, struct ta_dnsrr *rr, bool *got)
{
	*got = false;
	if (it->left == 0)
		return TA_OK;
	TA_TRY(read_rr(it->m->msg, it->m->len, &it->off, rr, rr->owner, sizeof rr->owner));
	it->left--;
	*got = true;
	return TA_OK;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

bool
ta_dns_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return false;
	return *a == *b;
}

bool
ta_dns_name_is_host(const char *text)
{
	size_t n = strlen(text), lab = 0;

	if (n == 0 || n > TA_DNS_HOST_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = text[i];

		if (c == '.' || c == '\0') {
			if (lab == 0 || lab > TA_DNS_LABEL_MAX || text[i - 1] == '-')
				return false;
			lab = 0;
			continue;
		}
		if (c == '-' && lab == 0)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
		lab++;
	}
	return true;
}

int
ta_dnsmsg_follow(const struct ta_dnsmsg *m, char *canon, size_t cap, unsigned *hops)
{
	char next[TA_DNS_NAME_TEXT];
	size_t qlen = strlen(m->qname);

	*hops = 0;
	if (qlen >= cap)
		return TA_ENOSPC;
	memcpy(canon, m->qname, qlen + 1);
	if (m->qtype == TA_DNS_TYPE_CNAME)
		return TA_OK;
	for (;;) {
		struct ta_dnsrr_it it;
		struct ta_dnsrr rr;
		bool got, found = false;

		ta_dnsrr_it_init(&it, m);
		for (;;) {
			TA_TRY(ta_dnsrr_next(&it, &rr, &got));
			if (!got)
				break;
			if (rr.type != TA_DNS_TYPE_CNAME || rr.rclass != TA_DNS_CLASS_IN ||
			    !ta_dns_name_eq(rr.owner, canon))
				continue;
			TA_TRY(ta_dns_rdata_name(m, &rr, next, sizeof next));
			found = true;
			break;
		}
		if (!found)
			return TA_OK;
		if (++*hops > TA_DNS_MAX_CNAME)
			return TA_EPROTO;
		if (strlen(next) >= cap)
			return TA_ENOSPC;
		memcpy(canon, next, strlen(next) + 1);
	}
}

int
ta_dns_rdata_a(const struct ta_dnsrr *rr, uint8_t addr[4])
{
	struct ta_rd r = rr->rdata;

	TA_TRY(ta_rd_bytes(&r, addr, 4));
	return ta_rd_end(&r);
}

int
ta_dns_rdata_aaaa(const struct ta_dnsrr *rr, uint8_t addr[16])
{
	struct ta_rd r = rr->rdata;

	TA_TRY(ta_rd_bytes(&r, addr, 16));
	return ta_rd_end(&r);
}

/* A name that fills the RDATA from rdata_off + skip to its end. */
static int
rdata_name(const struct ta_dnsmsg *m, const struct ta_dnsrr *rr, size_t skip, char *text,
           size_t cap)
{
	size_t end = rr->rdata_off + ta_rd_left(&rr->rdata);
	size_t off = rr->rdata_off + skip;

	if (rr->rdata.p != m->msg + rr->rdata_off || end > m->len)
		return TA_EDECODE; /* rr is not from m */
	TA_TRY(ta_dns_name_read(m->msg, m->len, &off, end, text, cap));
	return off == end ? TA_OK : TA_EDECODE;
}

int
ta_dns_rdata_name(const struct ta_dnsmsg *m, const struct ta_dnsrr *rr, char *text, size_t cap)
{
	return rdata_name(m, rr, 0, text, cap);
}

int
ta_dns_rdata_mx(const struct ta_dnsmsg *m, const struct ta_dnsrr *rr, uint16_t *preference,
                char *exchange, size_t cap)
{
	struct ta_rd r = rr->rdata;

	TA_TRY(ta_rd_u16(&r, preference));
	return rdata_name(m, rr, 2, exchange, cap);
}

int
ta_dns_rdata_txt(const struct ta_dnsrr *rr, char *text, size_t cap, struct ta_dns_txtinfo *info)
{
	struct ta_rd r = rr->rdata, s;
	struct txt t;
	bool clean = true;

	*info = (struct ta_dns_txtinfo){0};
	if (ta_rd_left(&r) == 0) /* RFC 1035 3.3.14: one or more strings */
		return TA_EDECODE;
	txt_init(&t, text, cap);
	while (ta_rd_left(&r) > 0) {
		TA_TRY(ta_rd_vec(&r, 1, &s));
		info->nstrings++;
		info->rawlen += ta_rd_left(&s);
		while (ta_rd_left(&s) > 0)
			clean &= txt_byte(&t, *s.p++, false);
	}
	info->clean = clean;
	info->cut = t.err != TA_OK;
	return TA_OK;
}

int
ta_dns_rdata_caa(const struct ta_dnsrr *rr, struct ta_dns_caa_rd *c)
{
	struct ta_rd r = rr->rdata;

	TA_TRY(ta_rd_u8(&r, &c->flags));
	TA_TRY(ta_rd_vec(&r, 1, &c->tag));
	if (ta_rd_left(&c->tag) == 0) /* RFC 8659 4.1: the tag length MUST be at least 1 */
		return TA_EDECODE;
	c->value = r;
	return TA_OK;
}

int
ta_dns_rdata_tlsa(const struct ta_dnsrr *rr, struct ta_dns_tlsa_rd *t)
{
	struct ta_rd r = rr->rdata;

	TA_TRY(ta_rd_u8(&r, &t->usage));
	TA_TRY(ta_rd_u8(&r, &t->selector));
	TA_TRY(ta_rd_u8(&r, &t->mtype));
	if (ta_rd_left(&r) == 0)
		return TA_EDECODE;
	t->data = r;
	return TA_OK;
}

static bool
query_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static int
name_encode(struct ta_wr *w, const char *name)
{
	size_t n = strlen(name), start = 0;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > TA_DNS_HOST_MAX)
		return TA_EINVAL;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && name[i] != '.') {
			if (!query_char(name[i]))
				return TA_EINVAL;
			continue;
		}
		if (i == start || i - start > TA_DNS_LABEL_MAX)
			return TA_EINVAL;
		ta_wr_u8(w, (uint8_t)(i - start));
		ta_wr_bytes(w, name + start, i - start);
		start = i + 1;
	}
	ta_wr_u8(w, 0);
	return TA_OK;
}

int
ta_dns_query_build(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t type,
                   uint16_t edns_size, size_t *len)
{
	struct ta_wr w;

	ta_wr_init(&w, buf, cap);
	ta_wr_u16(&w, id);
	ta_wr_u16(&w, 0x0100 | 0x0020); /* RD, AD */
	ta_wr_u16(&w, 1);
	ta_wr_u16(&w, 0);
	ta_wr_u16(&w, 0);
	ta_wr_u16(&w, edns_size ? 1 : 0);
	TA_TRY(name_encode(&w, name));
	ta_wr_u16(&w, type);
	ta_wr_u16(&w, TA_DNS_CLASS_IN);
	if (edns_size) {
		ta_wr_u8(&w, 0); /* root */
		ta_wr_u16(&w, TA_DNS_TYPE_OPT);
		ta_wr_u16(&w, edns_size);
		ta_wr_uint(&w, 4, 0); /* extended RCODE, version 0, DO clear */
		ta_wr_u16(&w, 0);
	}
	if (w.err)
		return w.err;
	*len = w.len;
	return TA_OK;
}
