/*
 * The STARTTLS dialogues of the line protocols (the table and the engine
 * are starttls.c's): SMTP and LMTP, FTP, IMAP, POP3, NNTP, ManageSieve.
 *
 * They read a whole line at a time (CRLF or a bare LF), and a line longer
 * than TA_ST_LINE_MAX without an end is a protocol error, so a server
 * cannot make us buffer without bound.  Only printable ASCII from the
 * server is ever kept.
 */
#include <stdio.h>
#include <string.h>

#include "tlsaudit.h"
#include "wire/starttls_int.h"

#define EHLO_NAME "tlsaudit.invalid"

/* ------------------------------------------------------------------ */
/* line helpers */

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
			return ta_st_fail(st, TA_STF_PROTOCOL, "not an SMTP reply", line, len);
		st->code = code;
		switch (st->step) {
		case SMTP_GREETING:
			if (!st->banner[0])
				ta_st_copy_printable(st->banner, sizeof st->banner, line, len);
			if (!last)
				continue;
			if (code == 220) {
				ta_st_say(st, hello);
				ta_st_say(st, " " EHLO_NAME "\r\n");
				st->step = SMTP_EHLO;
				continue;
			}
			if (code / 100 == 4)
				return ta_st_fail(st, TA_STF_BUSY, "temporary refusal", line, len);
			if (code / 100 == 5)
				return ta_st_fail(st, TA_STF_REFUSED, "the server refuses service",
				                  line, len);
			return ta_st_fail(st, TA_STF_PROTOCOL, "unexpected greeting", line, len);
		case SMTP_EHLO:
			if (code == 250 && len > 4 && starts_word(line + 4, len - 4, "STARTTLS"))
				st->offered = true;
			if (!last)
				continue;
			if (code == 250) {
				if (!st->offered)
					return ta_st_fail(st, TA_STF_NOT_OFFERED,
					                  "the EHLO reply does not list STARTTLS",
					                  NULL, 0);
				ta_st_say(st, "STARTTLS\r\n");
				st->step = SMTP_STARTTLS;
				continue;
			}
			if (code / 100 == 4)
				return ta_st_fail(st, TA_STF_BUSY, "temporary refusal of EHLO",
				                  line, len);
			return ta_st_fail(st, TA_STF_NOT_OFFERED, "EHLO refused", line, len);
		case SMTP_STARTTLS:
			if (!last)
				continue;
			if (code == 220)
				return TA_ST_READY;
			if (code / 100 == 4)
				return ta_st_fail(st, TA_STF_BUSY, "temporary refusal of STARTTLS",
				                  line, len);
			return ta_st_fail(st, TA_STF_REFUSED, "STARTTLS refused", line, len);
		default:
			return ta_st_fail(st, TA_STF_PROTOCOL, "internal state", NULL, 0);
		}
	}
	if (got < 0)
		return ta_st_fail(st, TA_STF_PROTOCOL, "reply line too long", NULL, 0);
	return TA_ST_MORE;
}

int
ta_st_smtp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	return smtp_like_feed(st, p, n, used, "EHLO");
}

int
ta_st_lmtp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	return smtp_like_feed(st, p, n, used, "LHLO");
}

/* ------------------------------------------------------------------ */
/* FTP (RFC 4217: AUTH TLS) */

enum { FTP_GREETING, FTP_AUTH };

int
ta_st_ftp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
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
			return ta_st_fail(st, TA_STF_PROTOCOL, "not an FTP reply", line, len);
		if (code == 0)
			continue;
		if (!last) {
			st->code = code;
			if (st->step == FTP_GREETING && !st->banner[0])
				ta_st_copy_printable(st->banner, sizeof st->banner, line, len);
			continue;
		}
		st->code = 0;
		if (st->step == FTP_GREETING) {
			if (!st->banner[0])
				ta_st_copy_printable(st->banner, sizeof st->banner, line, len);
			if (code == 220) {
				ta_st_say(st, "AUTH TLS\r\n");
				st->step = FTP_AUTH;
				continue;
			}
			if (code == 120 || code / 100 == 4)
				return ta_st_fail(st, TA_STF_BUSY, "temporary refusal", line, len);
			if (code / 100 == 5)
				return ta_st_fail(st, TA_STF_REFUSED, "the server refuses service",
				                  line, len);
			return ta_st_fail(st, TA_STF_PROTOCOL, "unexpected greeting", line, len);
		}
		if (code == 234) {
			st->offered = true;
			return TA_ST_READY;
		}
		if (code == 421 || code == 431)
			return ta_st_fail(st, TA_STF_BUSY, "temporary refusal of AUTH TLS", line,
			                  len);
		if (code == 500 || code == 502 || code == 504)
			return ta_st_fail(st, TA_STF_NOT_OFFERED, "AUTH TLS is not supported", line,
			                  len);
		return ta_st_fail(st, TA_STF_REFUSED, "AUTH TLS refused", line, len);
	}
	if (got < 0)
		return ta_st_fail(st, TA_STF_PROTOCOL, "reply line too long", NULL, 0);
	return TA_ST_MORE;
}

/* ------------------------------------------------------------------ */
/* IMAP (RFC 9051 / 3501) */

enum { IMAP_GREETING, IMAP_CAPA, IMAP_STARTTLS };

int
ta_st_imap_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *line;
	size_t len;
	int got;

	while ((got = next_line(p, n, used, &line, &len)) == 1) {
		bool untagged = len >= 2 && line[0] == '*' && line[1] == ' ';

		if (untagged && starts_word(line + 2, len - 2, "BYE"))
			return ta_st_fail(st, TA_STF_BUSY, "the server said BYE", line, len);
		switch (st->step) {
		case IMAP_GREETING:
			ta_st_copy_printable(st->banner, sizeof st->banner, line, len);
			if (untagged && starts_word(line + 2, len - 2, "OK")) {
				ta_st_say(st, "A1 CAPABILITY\r\n");
				st->step = IMAP_CAPA;
				continue;
			}
			if (untagged && starts_word(line + 2, len - 2, "PREAUTH"))
				return ta_st_fail(
				        st, TA_STF_NOT_OFFERED,
				        "pre-authenticated session: STARTTLS is not allowed", line,
				        len);
			return ta_st_fail(st, TA_STF_PROTOCOL, "not an IMAP greeting", line, len);
		case IMAP_CAPA:
			if (untagged && starts_word(line + 2, len - 2, "CAPABILITY") &&
			    has_token(line + 2, len - 2, "STARTTLS"))
				st->offered = true;
			if (untagged)
				continue;
			if (starts_word(line, len, "A1")) {
				if (len > 3 && starts_word(line + 3, len - 3, "OK")) {
					if (!st->offered)
						return ta_st_fail(
						        st, TA_STF_NOT_OFFERED,
						        "CAPABILITY does not list STARTTLS", NULL,
						        0);
					ta_st_say(st, "A2 STARTTLS\r\n");
					st->step = IMAP_STARTTLS;
					continue;
				}
				return ta_st_fail(st, TA_STF_PROTOCOL, "CAPABILITY failed", line,
				                  len);
			}
			return ta_st_fail(st, TA_STF_PROTOCOL, "unexpected IMAP line", line, len);
		case IMAP_STARTTLS:
			if (untagged)
				continue;
			if (starts_word(line, len, "A2")) {
				if (len > 3 && starts_word(line + 3, len - 3, "OK"))
					return TA_ST_READY;
				return ta_st_fail(st, TA_STF_REFUSED, "STARTTLS refused", line,
				                  len);
			}
			return ta_st_fail(st, TA_STF_PROTOCOL, "unexpected IMAP line", line, len);
		default:
			return ta_st_fail(st, TA_STF_PROTOCOL, "internal state", NULL, 0);
		}
	}
	if (got < 0)
		return ta_st_fail(st, TA_STF_PROTOCOL, "line too long", NULL, 0);
	return TA_ST_MORE;
}

/* ------------------------------------------------------------------ */
/* POP3 (RFC 2595, RFC 2449 CAPA) and NNTP (RFC 4642, RFC 3977) share the
 * "status line, then a dot-terminated list" shape. */

enum { POP_GREETING, POP_CAPA, POP_LIST, POP_STLS };

int
ta_st_pop3_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *line;
	size_t len;
	int got;

	while ((got = next_line(p, n, used, &line, &len)) == 1) {
		bool ok = starts_word(line, len, "+OK");
		bool err = starts_word(line, len, "-ERR");

		switch (st->step) {
		case POP_GREETING:
			ta_st_copy_printable(st->banner, sizeof st->banner, line, len);
			if (ok) {
				ta_st_say(st, "CAPA\r\n");
				st->step = POP_CAPA;
				continue;
			}
			if (err)
				return ta_st_fail(st, TA_STF_BUSY, "the server refuses the session",
				                  line, len);
			return ta_st_fail(st, TA_STF_PROTOCOL, "not a POP3 greeting", line, len);
		case POP_CAPA:
			if (ok) {
				st->step = POP_LIST;
				continue;
			}
			if (err) { /* no CAPA: STLS may still work (RFC 2595 4) */
				ta_st_say(st, "STLS\r\n");
				st->step = POP_STLS;
				continue;
			}
			return ta_st_fail(st, TA_STF_PROTOCOL, "not a POP3 reply", line, len);
		case POP_LIST:
			if (len == 1 && line[0] == '.') {
				if (!st->offered)
					return ta_st_fail(st, TA_STF_NOT_OFFERED,
					                  "CAPA does not list STLS", NULL, 0);
				ta_st_say(st, "STLS\r\n");
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
				return ta_st_fail(st, TA_STF_REFUSED, "STLS refused", line, len);
			return ta_st_fail(st, TA_STF_PROTOCOL, "not a POP3 reply", line, len);
		default:
			return ta_st_fail(st, TA_STF_PROTOCOL, "internal state", NULL, 0);
		}
	}
	if (got < 0)
		return ta_st_fail(st, TA_STF_PROTOCOL, "line too long", NULL, 0);
	return TA_ST_MORE;
}

enum { NNTP_GREETING, NNTP_CAPA, NNTP_LIST, NNTP_STARTTLS };

int
ta_st_nntp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
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
					return ta_st_fail(st, TA_STF_NOT_OFFERED,
					                  "CAPABILITIES does not list STARTTLS",
					                  NULL, 0);
				ta_st_say(st, "STARTTLS\r\n");
				st->step = NNTP_STARTTLS;
			} else if (starts_word(line, len, "STARTTLS")) {
				st->offered = true;
			}
			continue;
		}
		if (!reply_line(line, len, false, &code, &last))
			return ta_st_fail(st, TA_STF_PROTOCOL, "not an NNTP reply", line, len);
		st->code = code;
		switch (st->step) {
		case NNTP_GREETING:
			ta_st_copy_printable(st->banner, sizeof st->banner, line, len);
			if (code == 200 || code == 201) {
				ta_st_say(st, "CAPABILITIES\r\n");
				st->step = NNTP_CAPA;
				continue;
			}
			if (code == 400)
				return ta_st_fail(st, TA_STF_BUSY,
				                  "service temporarily unavailable", line, len);
			if (code == 502)
				return ta_st_fail(st, TA_STF_REFUSED,
				                  "service permanently unavailable", line, len);
			return ta_st_fail(st, TA_STF_PROTOCOL, "unexpected greeting", line, len);
		case NNTP_CAPA:
			if (code == 101) {
				st->step = NNTP_LIST;
				continue;
			}
			/* no CAPABILITIES (RFC 977 servers): ask anyway */
			ta_st_say(st, "STARTTLS\r\n");
			st->step = NNTP_STARTTLS;
			continue;
		case NNTP_STARTTLS:
			if (code == 382) {
				st->offered = true;
				return TA_ST_READY;
			}
			if (code == 400)
				return ta_st_fail(st, TA_STF_BUSY, "temporary refusal of STARTTLS",
				                  line, len);
			if (code == 500 || code == 501)
				return ta_st_fail(st, TA_STF_NOT_OFFERED,
				                  "STARTTLS is not supported", line, len);
			return ta_st_fail(st, TA_STF_REFUSED, "STARTTLS refused", line, len);
		default:
			return ta_st_fail(st, TA_STF_PROTOCOL, "internal state", NULL, 0);
		}
	}
	if (got < 0)
		return ta_st_fail(st, TA_STF_PROTOCOL, "line too long", NULL, 0);
	return TA_ST_MORE;
}

/* ------------------------------------------------------------------ */
/* ManageSieve (RFC 5804): capabilities are sent on connect, ending "OK" */

enum { SIEVE_CAPA, SIEVE_STARTTLS };

int
ta_st_sieve_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used)
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
					ta_st_copy_printable(st->banner, sizeof st->banner, line,
					                     len);
				if (starts_word(line, len, "\"STARTTLS\""))
					st->offered = true;
				continue;
			}
			if (ok) {
				if (!st->offered)
					return ta_st_fail(st, TA_STF_NOT_OFFERED,
					                  "the capabilities do not list STARTTLS",
					                  NULL, 0);
				ta_st_say(st, "STARTTLS\r\n");
				st->step = SIEVE_STARTTLS;
				continue;
			}
			if (no)
				return ta_st_fail(st, TA_STF_BUSY, "the server refuses the session",
				                  line, len);
			return ta_st_fail(st, TA_STF_PROTOCOL, "not a ManageSieve greeting", line,
			                  len);
		}
		if (ok)
			return TA_ST_READY;
		if (no)
			return ta_st_fail(st, TA_STF_REFUSED, "STARTTLS refused", line, len);
		return ta_st_fail(st, TA_STF_PROTOCOL, "not a ManageSieve reply", line, len);
	}
	if (got < 0)
		return ta_st_fail(st, TA_STF_PROTOCOL, "line too long", NULL, 0);
	return TA_ST_MORE;
}
