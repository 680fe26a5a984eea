/*
 * STARTTLS dialogues, one table entry per protocol (see starttls.h).
 *
 * Text protocols are read a whole line at a time (CRLF or a bare LF), and
 * a line longer than TA_ST_LINE_MAX without an end is a protocol error, so
 * a server cannot make us buffer without bound.  Binary protocols (LDAP,
 * MySQL, PostgreSQL) wait for a whole message whose length they check
 * first.  Only printable ASCII from the server is ever kept.
 */
#include "wire/starttls.h"

#include <stdio.h>
#include <string.h>

#include "tlsaudit.h"
#include "wire/text.h"

#define EHLO_NAME "tlsaudit.invalid"

/* ------------------------------------------------------------------ */
/* helpers */

static void
copy_printable(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	(void)ta_text_printable(dst, cap, p, n); /* a cut banner is still a banner */
}

static void
say(struct ta_st *st, const char *text)
{
	size_t n = strlen(text);

	if (n > sizeof st->out - st->outlen)
		n = sizeof st->out - st->outlen; /* our own text: never happens */
	memcpy(st->out + st->outlen, text, n);
	st->outlen += n;
}

static int
fail(struct ta_st *st, int kind, const char *what, const uint8_t *line, size_t len)
{
	char shown[120];

	copy_printable(shown, sizeof shown, line, len);
	st->fail = kind;
	if (line)
		snprintf(st->detail, sizeof st->detail, "%s: \"%s\"", what, shown);
	else
		snprintf(st->detail, sizeof st->detail, "%s", what);
	return TA_ST_FAIL;
}

/*
 * The next line of p[*off..n) without its CR LF.  Returns 1 with a line,
 * 0 when the line is not complete yet, -1 when it is too long to wait for.
 */
static int
next_line(const uint8_t *p, size_t n, size_t *off, const uint8_t **line, size_t *len)
{
	const uint8_t *start = p + *off;
	size_t left = n - *off;
	const uint8_t *nl = memchr(start, '\n', left);
	size_t l;

	if (!nl)
		return left > TA_ST_LINE_MAX ? -1 : 0;
	l = (size_t)(nl - start);
	if (l > TA_ST_LINE_MAX)
		return -1;
	*off += l + 1;
	if (l && start[l - 1] == '\r')
		l--;
	*line = start;
	*len = l;
	return 1;
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Does the line start with word (case-insensitive), followed by its end or
 * a space? */
static bool
starts_word(const uint8_t *line, size_t len, const char *word)
{
	size_t w = strlen(word);

	if (len < w)
		return false;
	for (size_t i = 0; i < w; i++)
		if (lower(line[i]) != lower((uint8_t)word[i]))
			return false;
	return len == w || line[w] == ' ' || line[w] == '\t';
}

/* Is word one of the space-separated tokens of line[0..len)? */
static bool
has_token(const uint8_t *line, size_t len, const char *word)
{
	size_t i = 0;

	while (i < len) {
		while (i < len && line[i] == ' ')
			i++;
		if (starts_word(line + i, len - i, word))
			return true;
		while (i < len && line[i] != ' ')
			i++;
	}
	return false;
}

/*
 * One line of an SMTP-style reply ("250-text", "250 text", "250").  Sets
 * *code and *last; returns false when the line is not such a reply.  FTP
 * allows lines without a code inside a multi-line reply: *code 0 then.
 */
static bool
reply_line(const uint8_t *line, size_t len, bool ftp_cont, unsigned *code, bool *last)
{
	if (len < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
	    (len > 3 && line[3] != ' ' && line[3] != '-')) {
		if (ftp_cont) {
			*code = 0;
			*last = false;
			return true;
		}
		return false;
	}
	*code = (unsigned)((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
	*last = len == 3 || line[3] == ' ';
	return true;
}

/* ------------------------------------------------------------------ */
/* SMTP and LMTP (RFC 5321, RFC 3207, RFC 2033) */

enum { SMTP_GREETING, SMTP_EHLO, SMTP_STARTTLS };

static int
smtp_like_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used, const char *hello)
{
	const uint8_t *line;
	size_t len;
	int got;

	while ((got = next_line(p, n, used, &line, &len)) == 1) {
		unsigned code;
		bool last;

		if (!reply_line(line, len, false, &code, &last))
			return fail(st, TA_STF_PROTOCOL, "not an SMTP reply", line, len);
		st->code = code;
		switch (st->step) {
		case SMTP_GREETING:
			if (!st->banner[0])
				copy_printable(st->banner, sizeof st->banner, line, len);
			if (!last)
				continue;
			if (code == 220) {
				say(st, hello);
				say(st, " " EHLO_NAME "\r\n");
				st->step = SMTP_EHLO;
				continue;
			}
			if (code / 100 == 4)
				return fail(st, TA_STF_BUSY, "temporary refusal", line, len);
			if (code / 100 == 5)
				return fail(st, TA_STF_REFUSED, "the server refuses service", line,
				            len);
			return fail(st, TA_STF_PROTOCOL, "unexpected greeting", line, len);
		case SMTP_EHLO:
			if (code == 250 && len > 4 && starts_word(line + 4, len - 4, "STARTTLS"))
				st->offered = true;
			if (!last)
				continue;
			if (code == 250) {
				if (!st->offered)
					return fail(st, TA_STF_NOT_OFFERED,
					            "the EHLO reply does not list STARTTLS", NULL,
					            0);
				say(st, "STARTTLS\r\n");
				st->step = SMTP_STARTTLS;
				continue;
			}
			if (code / 100 == 4)
				return fail(st, TA_STF_BUSY, "temporary refusal of EHLO", line,
				            len);
			return fail(st, TA_STF_NOT_OFFERED, "EHLO refused", line, len);
		case SMTP_STARTTLS:
			if (!last)
				continue;
			if (code == 220)
				return TA_ST_READY;
			if (code / 100 == 4)
				return fail(st, TA_STF_BUSY, "temporary refusal of STARTTLS", line,
				            len);
			return fail(st, TA_STF_REFUSED, "STARTTLS refused", line, len);
		default:
			return fail(st, TA_STF_PROTOCOL, "internal state", NULL, 0);
		}
	}
	if (got < 0)
		return fail(st, TA_STF_PROTOCOL, "reply line too long", NULL, 0);
	return TA_ST_MORE;
}

static int
smtp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	return smtp_like_feed(st, p, n, used, "EHLO");
}

static int
lmtp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	return smtp_like_feed(st, p, n, used, "LHLO");
}

/* ------------------------------------------------------------------ */
/* FTP (RFC 4217: AUTH TLS) */

enum { FTP_GREETING, FTP_AUTH };

static int
ftp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *line;
	size_t len;
	int got;

	while ((got = next_line(p, n, used, &line, &len)) == 1) {
		unsigned code;
		bool last;

		/* inside a multi-line reply any line may come; the reply ends
		 * with "<code> " (RFC 959 4.2) */
		if (!reply_line(line, len, st->code != 0, &code, &last))
			return fail(st, TA_STF_PROTOCOL, "not an FTP reply", line, len);
		if (code == 0)
			continue;
		if (!last) {
			st->code = code;
			if (st->step == FTP_GREETING && !st->banner[0])
				copy_printable(st->banner, sizeof st->banner, line, len);
			continue;
		}
		st->code = 0;
		if (st->step == FTP_GREETING) {
			if (!st->banner[0])
				copy_printable(st->banner, sizeof st->banner, line, len);
			if (code == 220) {
				say(st, "AUTH TLS\r\n");
				st->step = FTP_AUTH;
				continue;
			}
			if (code == 120 || code / 100 == 4)
				return fail(st, TA_STF_BUSY, "temporary refusal", line, len);
			if (code / 100 == 5)
				return fail(st, TA_STF_REFUSED, "the server refuses service", line,
				            len);
			return fail(st, TA_STF_PROTOCOL, "unexpected greeting", line, len);
		}
		if (code == 234) {
			st->offered = true;
			return TA_ST_READY;
		}
		if (code == 421 || code == 431)
			return fail(st, TA_STF_BUSY, "temporary refusal of AUTH TLS", line, len);
		if (code == 500 || code == 502 || code == 504)
			return fail(st, TA_STF_NOT_OFFERED, "AUTH TLS is not supported", line, len);
		return fail(st, TA_STF_REFUSED, "AUTH TLS refused", line, len);
	}
	if (got < 0)
		return fail(st, TA_STF_PROTOCOL, "reply line too long", NULL, 0);
	return TA_ST_MORE;
}

/* ------------------------------------------------------------------ */
/* IMAP (RFC 9051 / 3501) */

enum { IMAP_GREETING, IMAP_CAPA, IMAP_STARTTLS };

static int
imap_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *line;
	size_t len;
	int got;

	while ((got = next_line(p, n, used, &line, &len)) == 1) {
		bool untagged = len >= 2 && line[0] == '*' && line[1] == ' ';

		if (untagged && starts_word(line + 2, len - 2, "BYE"))
			return fail(st, TA_STF_BUSY, "the server said BYE", line, len);
		switch (st->step) {
		case IMAP_GREETING:
			copy_printable(st->banner, sizeof st->banner, line, len);
			if (untagged && starts_word(line + 2, len - 2, "OK")) {
				say(st, "A1 CAPABILITY\r\n");
				st->step = IMAP_CAPA;
				continue;
			}
			if (untagged && starts_word(line + 2, len - 2, "PREAUTH"))
				return fail(st, TA_STF_NOT_OFFERED,
				            "pre-authenticated session: STARTTLS is not allowed",
				            line, len);
			return fail(st, TA_STF_PROTOCOL, "not an IMAP greeting", line, len);
		case IMAP_CAPA:
			if (untagged && starts_word(line + 2, len - 2, "CAPABILITY") &&
			    has_token(line + 2, len - 2, "STARTTLS"))
				st->offered = true;
			if (untagged)
				continue;
			if (starts_word(line, len, "A1")) {
				if (len > 3 && starts_word(line + 3, len - 3, "OK")) {
					if (!st->offered)
						return fail(st, TA_STF_NOT_OFFERED,
						            "CAPABILITY does not list STARTTLS",
						            NULL, 0);
					say(st, "A2 STARTTLS\r\n");
					st->step = IMAP_STARTTLS;
					continue;
				}
				return fail(st, TA_STF_PROTOCOL, "CAPABILITY failed", line, len);
			}
			return fail(st, TA_STF_PROTOCOL, "unexpected IMAP line", line, len);
		case IMAP_STARTTLS:
			if (untagged)
				continue;
			if (starts_word(line, len, "A2")) {
				if (len > 3 && starts_word(line + 3, len - 3, "OK"))
					return TA_ST_READY;
				return fail(st, TA_STF_REFUSED, "STARTTLS refused", line, len);
			}
			return fail(st, TA_STF_PROTOCOL, "unexpected IMAP line", line, len);
		default:
			return fail(st, TA_STF_PROTOCOL, "internal state", NULL, 0);
		}
	}
	if (got < 0)
		return fail(st, TA_STF_PROTOCOL, "line too long", NULL, 0);
	return TA_ST_MORE;
}

/* ------------------------------------------------------------------ */
/* POP3 (RFC 2595, RFC 2449 CAPA) and NNTP (RFC 4642, RFC 3977) share the
 * "status line, then a dot-terminated list" shape. */

enum { POP_GREETING, POP_CAPA, POP_LIST, POP_STLS };

static int
pop3_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *line;
	size_t len;
	int got;

	while ((got = next_line(p, n, used, &line, &len)) == 1) {
		bool ok = starts_word(line, len, "+OK");
		bool err = starts_word(line, len, "-ERR");

		switch (st->step) {
		case POP_GREETING:
			copy_printable(st->banner, sizeof st->banner, line, len);
			if (ok) {
				say(st, "CAPA\r\n");
				st->step = POP_CAPA;
				continue;
			}
			if (err)
				return fail(st, TA_STF_BUSY, "the server refuses the session", line,
				            len);
			return fail(st, TA_STF_PROTOCOL, "not a POP3 greeting", line, len);
		case POP_CAPA:
			if (ok) {
				st->step = POP_LIST;
				continue;
			}
			if (err) { /* no CAPA: STLS may still work (RFC 2595 4) */
				say(st, "STLS\r\n");
				st->step = POP_STLS;
				continue;
			}
			return fail(st, TA_STF_PROTOCOL, "not a POP3 reply", line, len);
		case POP_LIST:
			if (len == 1 && line[0] == '.') {
				if (!st->offered)
					return fail(st, TA_STF_NOT_OFFERED,
					            "CAPA does not list STLS", NULL, 0);
				say(st, "STLS\r\n");
				st->step = POP_STLS;
				continue;
			}
			if (starts_word(line, len, "STLS"))
				st->offered = true;
			continue;
		case POP_STLS:
			if (ok) {
				st->offered = true;
				return TA_ST_READY;
			}
			if (err)
				return fail(st, TA_STF_REFUSED, "STLS refused", line, len);
			return fail(st, TA_STF_PROTOCOL, "not a POP3 reply", line, len);
		default:
			return fail(st, TA_STF_PROTOCOL, "internal state", NULL, 0);
		}
	}
	if (got < 0)
		return fail(st, TA_STF_PROTOCOL, "line too long", NULL, 0);
	return TA_ST_MORE;
}

enum { NNTP_GREETING, NNTP_CAPA, NNTP_LIST, NNTP_STARTTLS };

static int
nntp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *line;
	size_t len;
	int got;

	while ((got = next_line(p, n, used, &line, &len)) == 1) {
		unsigned code = 0;
		bool last;

		if (st->step == NNTP_LIST) {
			if (len == 1 && line[0] == '.') {
				if (!st->offered)
					return fail(st, TA_STF_NOT_OFFERED,
					            "CAPABILITIES does not list STARTTLS", NULL, 0);
				say(st, "STARTTLS\r\n");
				st->step = NNTP_STARTTLS;
			} else if (starts_word(line, len, "STARTTLS")) {
				st->offered = true;
			}
			continue;
		}
		if (!reply_line(line, len, false, &code, &last))
			return fail(st, TA_STF_PROTOCOL, "not an NNTP reply", line, len);
		st->code = code;
		switch (st->step) {
		case NNTP_GREETING:
			copy_printable(st->banner, sizeof st->banner, line, len);
			if (code == 200 || code == 201) {
				say(st, "CAPABILITIES\r\n");
				st->step = NNTP_CAPA;
				continue;
			}
			if (code == 400)
				return fail(st, TA_STF_BUSY, "service temporarily unavailable",
				            line, len);
			if (code == 502)
				return fail(st, TA_STF_REFUSED, "service permanently unavailable",
				            line, len);
			return fail(st, TA_STF_PROTOCOL, "unexpected greeting", line, len);
		case NNTP_CAPA:
			if (code == 101) {
				st->step = NNTP_LIST;
				continue;
			}
			/* no CAPABILITIES (RFC 977 servers): ask anyway */
			say(st, "STARTTLS\r\n");
			st->step = NNTP_STARTTLS;
			continue;
		case NNTP_STARTTLS:
			if (code == 382) {
				st->offered = true;
				return TA_ST_READY;
			}
			if (code == 400)
				return fail(st, TA_STF_BUSY, "temporary refusal of STARTTLS", line,
				            len);
			if (code == 500 || code == 501)
				return fail(st, TA_STF_NOT_OFFERED, "STARTTLS is not supported",
				            line, len);
			return fail(st, TA_STF_REFUSED, "STARTTLS refused", line, len);
		default:
			return fail(st, TA_STF_PROTOCOL, "internal state", NULL, 0);
		}
	}
	if (got < 0)
		return fail(st, TA_STF_PROTOCOL, "line too long", NULL, 0);
	return TA_ST_MORE;
}

/* ------------------------------------------------------------------ */
/* ManageSieve (RFC 5804): capabilities are sent on connect, ending "OK" */

enum { SIEVE_CAPA, SIEVE_STARTTLS };

static int
sieve_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *line;
	size_t len;
	int got;

	while ((got = next_line(p, n, used, &line, &len)) == 1) {
		bool ok = starts_word(line, len, "OK") || (len > 3 && !memcmp(line, "OK ", 3));
		bool no = starts_word(line, len, "NO") || starts_word(line, len, "BYE");

		if (st->step == SIEVE_CAPA) {
			if (line[0] == '"') {
				if (!st->banner[0] && len > 16 &&
				    !memcmp(line, "\"IMPLEMENTATION\"", 16))
					copy_printable(st->banner, sizeof st->banner, line, len);
				if (starts_word(line, len, "\"STARTTLS\""))
					st->offered = true;
				continue;
			}
			if (ok) {
				if (!st->offered)
					return fail(st, TA_STF_NOT_OFFERED,
					            "the capabilities do not list STARTTLS", NULL,
					            0);
				say(st, "STARTTLS\r\n");
				st->step = SIEVE_STARTTLS;
				continue;
			}
			if (no)
				return fail(st, TA_STF_BUSY, "the server refuses the session", line,
				            len);
			return fail(st, TA_STF_PROTOCOL, "not a ManageSieve greeting", line, len);
		}
		if (ok)
			return TA_ST_READY;
		if (no)
			return fail(st, TA_STF_REFUSED, "STARTTLS refused", line, len);
		return fail(st, TA_STF_PROTOCOL, "not a ManageSieve reply", line, len);
	}
	if (got < 0)
		return fail(st, TA_STF_PROTOCOL, "line too long", NULL, 0);
	return TA_ST_MORE;
}

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
	say(st, buf);
}

static void
xmpp_begin(struct ta_st *st)
{
	xmpp_begin_ns(st, "jabber:client");
}

static void
xmpp_server_begin(struct ta_st *st)
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
			return fail(st, TA_STF_BUSY, "XMPP stream error", e,
			            (size_t)(p + n - e) < 100 ? (size_t)(p + n - e) : 100);
	return fail(st, TA_STF_REFUSED, "XMPP stream error", e,
	            (size_t)(p + n - e) < 100 ? (size_t)(p + n - e) : 100);
}

static int
xmpp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *end;

	if (xmpp_stream_error(st, p, n) == TA_ST_FAIL)
		return TA_ST_FAIL;
	if (st->step == XMPP_FEATURES) {
		const uint8_t *feat = find(p, n, "<stream:features");

		if (!st->banner[0] && n && p[0] == '<')
			copy_printable(st->banner, sizeof st->banner, p, n < 100 ? n : 100);
		if (n && p[0] != '<')
			return fail(st, TA_STF_PROTOCOL, "not an XMPP stream", p, n < 60 ? n : 60);
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
				return fail(st, TA_STF_PROTOCOL, "no <stream:features> in time",
				            NULL, 0);
			return TA_ST_MORE;
		}
		if (find(feat, (size_t)(end - feat), "<starttls"))
			st->offered = true;
		*used = (size_t)(end - p);
		if (!st->offered)
			return fail(st, TA_STF_NOT_OFFERED,
			            "the stream features do not offer <starttls>", NULL, 0);
		say(st, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
		st->step = XMPP_PROCEED;
		/* the answer may already be here: go on with the rest */
		p = end;
		n -= *used;
	}
	{
		const uint8_t *pr = find(p, n, "<proceed");
		const uint8_t *fl = find(p, n, "<failure");

		if (fl)
			return fail(st, TA_STF_REFUSED, "STARTTLS refused (<failure/>)", NULL, 0);
		if (!pr) {
			if (n > TA_ST_LINE_MAX)
				return fail(st, TA_STF_PROTOCOL, "no <proceed/> in time", NULL, 0);
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

static void
ldap_begin(struct ta_st *st)
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

static int
ldap_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	size_t off = 0, end, inner;
	uint8_t tag;
	size_t len;
	int rc = ber_header(p, n, &off, &tag, &len);
	uint32_t msgid = 0, result = 0;

	if (rc == TA_ENOSPC)
		return TA_ST_MORE;
	if (rc != TA_OK || tag != 0x30)
		return fail(st, TA_STF_PROTOCOL, "not an LDAP message", NULL, 0);
	if (len > TA_ST_LINE_MAX)
		return fail(st, TA_STF_PROTOCOL, "LDAP message too long", NULL, 0);
	if (n - off < len)
		return TA_ST_MORE;
	end = off + len;
	/* messageID */
	if (ber_header(p, end, &off, &tag, &len) != TA_OK || tag != 0x02 || len < 1 || len > 4 ||
	    end - off < len)
		return fail(st, TA_STF_PROTOCOL, "malformed LDAP messageID", NULL, 0);
	for (size_t i = 0; i < len; i++)
		msgid = (msgid << 8) | p[off + i];
	off += len;
	/* extendedResp [APPLICATION 24] */
	if (ber_header(p, end, &off, &tag, &len) != TA_OK || tag != 0x78 || end - off < len)
		return fail(st, TA_STF_PROTOCOL, "not an LDAP ExtendedResponse", NULL, 0);
	inner = off + len;
	if (ber_header(p, inner, &off, &tag, &len) != TA_OK || tag != 0x0a || len < 1 || len > 4 ||
	    inner - off < len)
		return fail(st, TA_STF_PROTOCOL, "malformed LDAP resultCode", NULL, 0);
	for (size_t i = 0; i < len; i++)
		result = (result << 8) | p[off + i];
	off += len;
	/* matchedDN, then diagnosticMessage (both OCTET STRING) */
	for (int field = 0; field < 2; field++) {
		if (ber_header(p, inner, &off, &tag, &len) != TA_OK || tag != 0x04 ||
		    inner - off < len)
			break;
		if (field == 1 && len)
			copy_printable(st->banner, sizeof st->banner, p + off, len);
		off += len;
	}
	*used = end;
	st->code = result;
	if (msgid == 0)
		return fail(st, TA_STF_BUSY, "notice of disconnection", NULL, 0);
	if (msgid != 1)
		return fail(st, TA_STF_PROTOCOL, "answer to another LDAP request", NULL, 0);
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
		return fail(st, kind, what, NULL, 0);
	}
}

/* ------------------------------------------------------------------ */
/* PostgreSQL: SSLRequest, one byte 'S' or 'N' back */

static void
pg_begin(struct ta_st *st)
{
	static const uint8_t req[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

	memcpy(st->out + st->outlen, req, sizeof req);
	st->outlen += sizeof req;
}

static int
pg_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	if (n == 0)
		return TA_ST_MORE;
	*used = 1;
	if (p[0] == 'S') {
		st->offered = true;
		return TA_ST_READY;
	}
	if (p[0] == 'N')
		return fail(st, TA_STF_NOT_OFFERED, "the server answered 'N' to SSLRequest", NULL,
		            0);
	if (p[0] == 'E')
		return fail(st, TA_STF_REFUSED, "the server sent an error to SSLRequest", p,
		            n < 120 ? n : 120);
	return fail(st, TA_STF_PROTOCOL, "not a PostgreSQL answer", NULL, 0);
}

/* ------------------------------------------------------------------ */
/* MySQL: the server greets with its handshake packet; a client that wants
 * TLS answers with an SSLRequest packet and starts TLS. */

#define MYSQL_CLIENT_LONG_PASSWORD     0x00000001u
#define MYSQL_CLIENT_PROTOCOL_41       0x00000200u
#define MYSQL_CLIENT_SSL               0x00000800u
#define MYSQL_CLIENT_SECURE_CONNECTION 0x00008000u

static int
mysql_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
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
		return fail(st, TA_STF_PROTOCOL, "not a MySQL greeting (packet too long)", NULL, 0);
	if (n - 4 < len)
		return TA_ST_MORE;
	*used = 4 + len;
	if (len < 1)
		return fail(st, TA_STF_PROTOCOL, "empty MySQL packet", NULL, 0);
	if (p[off] == 0xff) { /* ERR packet: code, then text */
		unsigned code = len >= 3 ? (unsigned)(p[off + 1] | p[off + 2] << 8) : 0;

		st->code = code;
		return fail(st, code == 1040 ? TA_STF_BUSY : TA_STF_REFUSED,
		            "the server sent an error", p + off + 3, len >= 3 ? len - 3 : 0);
	}
	if (p[off] != 10)
		return fail(st, TA_STF_PROTOCOL, "not a MySQL protocol 10 greeting", NULL, 0);
	off++;
	nul = memchr(p + off, 0, 4 + len - off);
	if (!nul)
		return fail(st, TA_STF_PROTOCOL, "malformed MySQL greeting", NULL, 0);
	vlen = (size_t)(nul - (p + off));
	copy_printable(st->banner, sizeof st->banner, p + off, vlen);
	off += vlen + 1;
	/* connection id (4), auth data part 1 (8), filler (1), capabilities (2) */
	if (4 + len - off < 15)
		return fail(st, TA_STF_PROTOCOL, "short MySQL greeting", NULL, 0);
	off += 13;
	caps = (uint32_t)(p[off] | p[off + 1] << 8);
	if (!(caps & MYSQL_CLIENT_SSL))
		return fail(st, TA_STF_NOT_OFFERED, "the greeting does not offer CLIENT_SSL", NULL,
		            0);
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

/* ------------------------------------------------------------------ */
/* the table */

static void
no_begin(struct ta_st *st)
{
	(void)st;
}

static const struct ta_st_ops dialogues[] = {
        {"smtp", "SMTP", 25, no_begin, smtp_feed},
        {"lmtp", "LMTP", 24, no_begin, lmtp_feed},
        {"imap", "IMAP", 143, no_begin, imap_feed},
        {"pop3", "POP3", 110, no_begin, pop3_feed},
        {"ftp", "FTP", 21, no_begin, ftp_feed},
        {"xmpp", "XMPP", 5222, xmpp_begin, xmpp_feed},
        {"xmpp-server", "XMPP", 5269, xmpp_server_begin, xmpp_feed},
        {"ldap", "LDAP", 389, ldap_begin, ldap_feed},
        {"postgres", "PostgreSQL", 5432, pg_begin, pg_feed},
        {"mysql", "MySQL", 3306, no_begin, mysql_feed},
        {"nntp", "NNTP", 119, no_begin, nntp_feed},
        {"sieve", "ManageSieve", 4190, no_begin, sieve_feed},
};

#define NDIALOGUES (sizeof dialogues / sizeof dialogues[0])

static const struct {
	uint16_t port;
	const char *service;
} implicit[] = {
        {443, "https"},  {465, "smtps"},  {993, "imaps"},  {995, "pop3s"},         {636, "ldaps"},
        {853, "dot"},    {990, "ftps"},   {5223, "xmpps"}, {5270, "xmpps-server"}, {563, "nntps"},
        {8443, "https"}, {4443, "https"}, {3269, "ldaps"}, {6697, "ircs"},         {5061, "sips"},
};

const struct ta_st_ops *
ta_st_find(const char *name)
{
	for (size_t i = 0; i < NDIALOGUES; i++)
		if (strcmp(dialogues[i].name, name) == 0)
			return &dialogues[i];
	if (strcmp(name, "postgresql") == 0)
		return ta_st_find("postgres");
	if (strcmp(name, "pop") == 0)
		return ta_st_find("pop3");
	return NULL;
}

bool
ta_st_known(const char *name)
{
	return ta_st_find(name) || strcmp(name, "tls") == 0 || strcmp(name, "none") == 0 ||
	       strcmp(name, "https") == 0;
}

const struct ta_st_ops *
ta_st_for_port(uint16_t port)
{
	if (port == 587)
		return ta_st_find("smtp");
	for (size_t i = 0; i < NDIALOGUES; i++)
		if (dialogues[i].default_port == port)
			return &dialogues[i];
	return NULL;
}

const char *
ta_st_implicit_service(uint16_t port)
{
	for (size_t i = 0; i < sizeof implicit / sizeof implicit[0]; i++)
		if (implicit[i].port == port)
			return implicit[i].service;
	return NULL;
}

/* Does the first line of p[0..n) contain word (ASCII, any case)? */
static bool
line_has(const uint8_t *p, size_t n, const char *word)
{
	size_t wl = strlen(word);

	for (size_t i = 0; i + wl <= n && p[i] != '\n'; i++) {
		size_t k = 0;

		while (k < wl && (p[i + k] | 0x20) == (word[k] | 0x20))
			k++;
		if (k == wl)
			return true;
	}
	return false;
}

static bool
prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && memcmp(p, s, l) == 0;
}

const struct ta_st_ops *
ta_st_recognise(const uint8_t *p, size_t n)
{
	if (n < 5)
		return NULL;
	if (prefix(p, n, "220 ") || prefix(p, n, "220-")) {
		if (line_has(p, n, "LMTP"))
			return ta_st_find("lmtp");
		if (line_has(p, n, "FTP") && !line_has(p, n, "SMTP"))
			return ta_st_find("ftp");
		return ta_st_find("smtp");
	}
	if (prefix(p, n, "* OK") || prefix(p, n, "* PREAUTH"))
		return ta_st_find("imap");
	if (prefix(p, n, "+OK"))
		return ta_st_find("pop3");
	if (prefix(p, n, "200 ") || prefix(p, n, "201 "))
		return ta_st_find("nntp");
	if (prefix(p, n, "\"IMPLEMENTATION\"") || prefix(p, n, "\"SIEVE\"") ||
	    prefix(p, n, "\"SASL\"") || prefix(p, n, "\"STARTTLS\""))
		return ta_st_find("sieve");
	/* MySQL: 3-byte length, sequence 0, protocol version 10, then a
	 * NUL-terminated server version of printable characters */
	if (p[3] == 0 && p[4] == 10) {
		size_t len = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16;
		size_t i = 5;

		while (i < n && i < 5 + 64 && p[i] >= 0x20 && p[i] < 0x7f)
			i++;
		if (len >= 20 && len < 1024 && i > 5 && (i == n || p[i] == 0))
			return ta_st_find("mysql");
	}
	/* PostgreSQL: ErrorResponse 'E', a length, then fields like 'S' FATAL */
	if (p[0] == 'E' && p[1] == 0 && p[2] == 0 && n >= 6 && (p[5] == 'S' || p[5] == 'V')) {
		size_t len = (size_t)p[3] << 8 | p[4];

		if (len >= 8 && len < 4096)
			return ta_st_find("postgres");
	}
	return NULL;
}

const char *
ta_st_names(void)
{
	return "smtp, lmtp, imap, pop3, ftp, xmpp, xmpp-server, ldap, postgres, mysql, nntp, "
	       "sieve, tls, https";
}

void
ta_st_init(struct ta_st *st, const struct ta_st_ops *ops, const char *host)
{
	memset(st, 0, sizeof *st);
	st->ops = ops;
	snprintf(st->host, sizeof st->host, "%s", host ? host : "");
}

void
ta_st_begin(struct ta_st *st)
{
	st->outlen = 0;
	st->ops->begin(st);
}

int
ta_st_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	*used = 0;
	st->outlen = 0;
	if (st->fail)
		return TA_ST_FAIL;
	return st->ops->feed(st, p, n, used);
}
