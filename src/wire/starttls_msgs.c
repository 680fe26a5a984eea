/*
 * The STARTTLS dialogues that wait for whole messages (the table and the
 * engine are starttls.c's): XMPP, whose elements are awaited whole in the
 * input (bounded by TA_ST_LINE_MAX), and the binary protocols LDAP,
 * PostgreSQL and MySQL, which wait for a whole message whose length they
 * check first.  Only printable ASCII from the server is ever kept.
 */
#include <stdio.h>
#include <string.h>

#include "tlsaudit.h"
#include "wire/starttls_int.h"

/* ------------------------------------------------------------------ */
/* XMPP (RFC 6120 5.4): stream header, <stream:features>, <starttls/>,
 * <proceed/>.  Whole elements are awaited in the input (bounded by
 * TA_ST_LINE_MAX); this is not an XML parser, it looks for the elements
 * the RFC names. */

enum { XMPP_FEATURES, XMPP_PROCEED };

static const uint8_t *
find(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (p[i] == (uint8_t)s[0] && memcmp(p + i, s, k) == 0)
			return p + i;
	return NULL;
}

static void
xmpp_begin_ns(struct ta_st *st, const char *ns)
{
	char buf[TA_ST_OUT_MAX];

	snprintf(buf, sizeof buf,
	         "<?xml version='1.0'?><stream:stream xmlns='%s' "
	         "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>",
	         ns, st->host);
	ta_st_say(st, buf);
}

void
ta_st_xmpp_begin(struct ta_st *st)
{
	xmpp_begin_ns(st, "jabber:client");
}

void
ta_st_xmpp_server_begin(struct ta_st *st)
{
	xmpp_begin_ns(st, "jabber:server");
}

static int
xmpp_stream_error(struct ta_st *st, const uint8_t *p, size_t n)
{
	const uint8_t *e = find(p, n, "<stream:error");
	static const char *const busy[] = {"resource-constraint", "policy-violation",
	                                   "connection-timeout", "system-shutdown"};

	if (!e)
		return TA_ST_MORE;
	for (size_t i = 0; i < sizeof busy / sizeof busy[0]; i++)
		if (find(e, (size_t)(p + n - e), busy[i]))
			return ta_st_fail(st, TA_STF_BUSY, "XMPP stream error", e,
			                  (size_t)(p + n - e) < 100 ? (size_t)(p + n - e) : 100);
	return ta_st_fail(st, TA_STF_REFUSED, "XMPP stream error", e,
	                  (size_t)(p + n - e) < 100 ? (size_t)(p + n - e) : 100);
}

int
ta_st_xmpp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *end;

	if (xmpp_stream_error(st, p, n) == TA_ST_FAIL)
		return TA_ST_FAIL;
	if (st->step == XMPP_FEATURES) {
		const uint8_t *feat = find(p, n, "<stream:features");

		if (!st->banner[0] && n && p[0] == '<')
			ta_st_copy_printable(st->banner, sizeof st->banner, p, n < 100 ? n : 100);
		if (n && p[0] != '<')
			return ta_st_fail(st, TA_STF_PROTOCOL, "not an XMPP stream", p,
			                  n < 60 ? n : 60);
		end = NULL;
		if (feat) {
			const uint8_t *gt = memchr(feat, '>', (size_t)(p + n - feat));
			const uint8_t *close;

			if (gt && gt[-1] == '/') { /* <stream:features/> */
				end = gt + 1;
			} else if ((close = find(feat, (size_t)(p + n - feat),
			                         "</stream:features>")) != NULL) {
				end = close + strlen("</stream:features>");
			}
		}
		if (!end) {
			if (n > TA_ST_LINE_MAX)
				return ta_st_fail(st, TA_STF_PROTOCOL,
				                  "no <stream:features> in time", NULL, 0);
			return TA_ST_MORE;
		}
		if (find(feat, (size_t)(end - feat), "<starttls"))
			st->offered = true;
		*used = (size_t)(end - p);
		if (!st->offered)
			return ta_st_fail(st, TA_STF_NOT_OFFERED,
			                  "the stream features do not offer <starttls>", NULL, 0);
		ta_st_say(st, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
		st->step = XMPP_PROCEED;
		/* the answer may already be here: go on with the rest */
		p = end;
		n -= *used;
	}
	{
		const uint8_t *pr = find(p, n, "<proceed");
		const uint8_t *fl = find(p, n, "<failure");

		if (fl)
			return ta_st_fail(st, TA_STF_REFUSED, "STARTTLS refused (<failure/>)", NULL,
			                  0);
		if (!pr) {
			if (n > TA_ST_LINE_MAX)
				return ta_st_fail(st, TA_STF_PROTOCOL, "no <proceed/> in time",
				                  NULL, 0);
			return TA_ST_MORE;
		}
		end = memchr(pr, '>', (size_t)(p + n - pr));
		if (!end)
			return TA_ST_MORE;
		if (end[-1] != '/') { /* <proceed ...></proceed> */
			const uint8_t *c = find(end, (size_t)(p + n - end), "</proceed>");

			if (!c)
				return TA_ST_MORE;
			end = c + strlen("</proceed>") - 1;
		}
		*used += (size_t)(end + 1 - p);
		return TA_ST_READY;
	}
}

/* ------------------------------------------------------------------ */
/* LDAP (RFC 4511 4.14): ExtendedRequest 1.3.6.1.4.1.1466.20037 */

#define LDAP_STARTTLS_OID "1.3.6.1.4.1.1466.20037"

void
ta_st_ldap_begin(struct ta_st *st)
{
	static const uint8_t req[] = {
	        0x30, 0x1d,       /* LDAPMessage */
	        0x02, 0x01, 0x01, /* messageID 1 */
	        0x77, 0x18,       /* [APPLICATION 23] */
	        0x80, 0x16, '1',  '.', '3', '.', '6', '.', '1', '.', '4', '.',
	        '1',  '.',  '1',  '4', '6', '6', '.', '2', '0', '0', '3', '7', /* requestName */
	};

	memcpy(st->out + st->outlen, req, sizeof req);
	st->outlen += sizeof req;
}

/* A BER tag and definite length; TA_ENOSPC when more bytes are needed. */
static int
ber_header(const uint8_t *p, size_t n, size_t *off, uint8_t *tag, size_t *len)
{
	size_t i = *off;
	uint8_t l;

	if (n - i < 2)
		return TA_ENOSPC;
	*tag = p[i++];
	l = p[i++];
	if (l < 0x80) {
		*len = l;
	} else {
		size_t k = l & 0x7fu, v = 0;

		if (k == 0 || k > 3) /* indefinite, or over 16 MiB */
			return TA_EDECODE;
		if (n - i < k)
			return TA_ENOSPC;
		for (size_t j = 0; j < k; j++)
			v = (v << 8) | p[i++];
		*len = v;
	}
	*off = i;
	return TA_OK;
}

int
ta_st_ldap_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	size_t off = 0, end, inner;
	uint8_t tag;
	size_t len;
	int rc = ber_header(p, n, &off, &tag, &len);
	uint32_t msgid = 0, result = 0;

	if (rc == TA_ENOSPC)
		return TA_ST_MORE;
	if (rc != TA_OK || tag != 0x30)
		return ta_st_fail(st, TA_STF_PROTOCOL, "not an LDAP message", NULL, 0);
	if (len > TA_ST_LINE_MAX)
		return ta_st_fail(st, TA_STF_PROTOCOL, "LDAP message too long", NULL, 0);
	if (n - off < len)
		return TA_ST_MORE;
	end = off + len;
	/* messageID */
	if (ber_header(p, end, &off, &tag, &len) != TA_OK || tag != 0x02 || len < 1 || len > 4 ||
	    end - off < len)
		return ta_st_fail(st, TA_STF_PROTOCOL, "malformed LDAP messageID", NULL, 0);
	for (size_t i = 0; i < len; i++)
		msgid = (msgid << 8) | p[off + i];
	off += len;
	/* extendedResp [APPLICATION 24] */
	if (ber_header(p, end, &off, &tag, &len) != TA_OK || tag != 0x78 || end - off < len)
		return ta_st_fail(st, TA_STF_PROTOCOL, "not an LDAP ExtendedResponse", NULL, 0);
	inner = off + len;
	if (ber_header(p, inner, &off, &tag, &len) != TA_OK || tag != 0x0a || len < 1 || len > 4 ||
	    inner - off < len)
		return ta_st_fail(st, TA_STF_PROTOCOL, "malformed LDAP resultCode", NULL, 0);
	for (size_t i = 0; i < len; i++)
		result = (result << 8) | p[off + i];
	off += len;
	/* matchedDN, then diagnosticMessage (both OCTET STRING) */
	for (int field = 0; field < 2; field++) {
		if (ber_header(p, inner, &off, &tag, &len) != TA_OK || tag != 0x04 ||
		    inner - off < len)
			break;
		if (field == 1 && len)
			ta_st_copy_printable(st->banner, sizeof st->banner, p + off, len);
		off += len;
	}
	*used = end;
	st->code = result;
	if (msgid == 0)
		return ta_st_fail(st, TA_STF_BUSY, "notice of disconnection", NULL, 0);
	if (msgid != 1)
		return ta_st_fail(st, TA_STF_PROTOCOL, "answer to another LDAP request", NULL, 0);
	if (result == 0) {
		st->offered = true;
		return TA_ST_READY;
	}
	{
		char what[80];
		int kind = result == 51 || result == 52  ? TA_STF_BUSY
		           : result == 2 || result == 53 ? TA_STF_NOT_OFFERED
		                                         : TA_STF_REFUSED;

		snprintf(what, sizeof what, "StartTLS refused (LDAP result %u)", (unsigned)result);
		return ta_st_fail(st, kind, what, NULL, 0);
	}
}

/* ------------------------------------------------------------------ */
/* PostgreSQL: SSLRequest, one byte 'S' or 'N' back */

void
ta_st_pg_begin(struct ta_st *st)
{
	static const uint8_t req[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

	memcpy(st->out + st->outlen, req, sizeof req);
	st->outlen += sizeof req;
}

int
ta_st_pg_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	if (n == 0)
		return TA_ST_MORE;
	*used = 1;
	if (p[0] == 'S') {
		st->offered = true;
		return TA_ST_READY;
	}
	if (p[0] == 'N')
		return ta_st_fail(st, TA_STF_NOT_OFFERED, "the server answered 'N' to SSLRequest",
		                  NULL, 0);
	if (p[0] == 'E')
		return ta_st_fail(st, TA_STF_REFUSED, "the server sent an error to SSLRequest", p,
		                  n < 120 ? n : 120);
	return ta_st_fail(st, TA_STF_PROTOCOL, "not a PostgreSQL answer", NULL, 0);
}

/* ------------------------------------------------------------------ */
/* MySQL: the server greets with its handshake packet; a client that wants
 * TLS answers with an SSLRequest packet and starts TLS. */

#define MYSQL_CLIENT_LONG_PASSWORD     0x00000001u
#define MYSQL_CLIENT_PROTOCOL_41       0x00000200u
#define MYSQL_CLIENT_SSL               0x00000800u
#define MYSQL_CLIENT_SECURE_CONNECTION 0x00008000u

int
ta_st_mysql_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	size_t len, off = 4, vlen;
	const uint8_t *nul;
	uint32_t caps;
	uint32_t mine = MYSQL_CLIENT_LONG_PASSWORD | MYSQL_CLIENT_PROTOCOL_41 | MYSQL_CLIENT_SSL |
	                MYSQL_CLIENT_SECURE_CONNECTION;

	if (n < 4)
		return TA_ST_MORE;
	len = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16;
	if (len > TA_ST_LINE_MAX)
		return ta_st_fail(st, TA_STF_PROTOCOL, "not a MySQL greeting (packet too long)",
		                  NULL, 0);
	if (n - 4 < len)
		return TA_ST_MORE;
	*used = 4 + len;
	if (len < 1)
		return ta_st_fail(st, TA_STF_PROTOCOL, "empty MySQL packet", NULL, 0);
	if (p[off] == 0xff) { /* ERR packet: code, then text */
		unsigned code = len >= 3 ? (unsigned)(p[off + 1] | p[off + 2] << 8) : 0;

		st->code = code;
		return ta_st_fail(st, code == 1040 ? TA_STF_BUSY : TA_STF_REFUSED,
		                  "the server sent an error", p + off + 3, len >= 3 ? len - 3 : 0);
	}
	if (p[off] != 10)
		return ta_st_fail(st, TA_STF_PROTOCOL, "not a MySQL protocol 10 greeting", NULL, 0);
	off++;
	nul = memchr(p + off, 0, 4 + len - off);
	if (!nul)
		return ta_st_fail(st, TA_STF_PROTOCOL, "malformed MySQL greeting", NULL, 0);
	vlen = (size_t)(nul - (p + off));
	ta_st_copy_printable(st->banner, sizeof st->banner, p + off, vlen);
	off += vlen + 1;
	/* connection id (4), auth data part 1 (8), filler (1), capabilities (2) */
	if (4 + len - off < 15)
		return ta_st_fail(st, TA_STF_PROTOCOL, "short MySQL greeting", NULL, 0);
	off += 13;
	caps = (uint32_t)(p[off] | p[off + 1] << 8);
	if (!(caps & MYSQL_CLIENT_SSL))
		return ta_st_fail(st, TA_STF_NOT_OFFERED, "the greeting does not offer CLIENT_SSL",
		                  NULL, 0);
	st->offered = true;
	{
		uint8_t *o = st->out + st->outlen;

		memset(o, 0, 36);
		o[0] = 32; /* payload length, sequence 1 */
		o[3] = 1;
		o[4] = (uint8_t)mine;
		o[5] = (uint8_t)(mine >> 8);
		o[6] = (uint8_t)(mine >> 16);
		o[7] = (uint8_t)(mine >> 24);
		o[10] = 0x00; /* max packet 16 MiB (little endian 0x01000000) */
		o[11] = 0x01;
		o[12] = 0x21; /* utf8_general_ci */
		st->outlen += 36;
	}
	return TA_ST_READY;
}
