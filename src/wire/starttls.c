/*
 * STARTTLS dialogues, one table entry per protocol (see starttls.h): the
 * table, the lookups, the recognition of a greeting, and the engine that
 * runs a dialogue.  The dialogues are starttls_lines.c's (line protocols)
 * and starttls_msgs.c's (whole messages), sharing starttls_int.h.
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
#include "wire/starttls_int.h"
#include "wire/text.h"

/* ------------------------------------------------------------------ */
/* helpers */

void
ta_st_copy_printable(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	(void)ta_text_printable(dst, cap, p, n); /* a cut banner is still a banner */
}

void
ta_st_say(struct ta_st *st, const char *text)
{
	size_t n = strlen(text);

	if (n > sizeof st->out - st->outlen)
		n = sizeof st->out - st->outlen; /* our own text: never happens */
	memcpy(st->out + st->outlen, text, n);
	st->outlen += n;
}

int
ta_st_fail(struct ta_st *st, int kind, const char *what, const uint8_t *line, size_t len)
{
	char shown[120];

	ta_st_copy_printable(shown, sizeof shown, line, len);
	st->fail = kind;
	if (line)
		snprintf(st->detail, sizeof st->detail, "%s: \"%s\"", what, shown);
	else
		snprintf(st->detail, sizeof st->detail, "%s", what);
	return TA_ST_FAIL;
}

/* ------------------------------------------------------------------ */
/* the table */

static void
no_begin(struct ta_st *st)
{
	(void)st;
}

static const struct ta_st_ops dialogues[] = {
        {"smtp", "SMTP", 25, no_begin, ta_st_smtp_feed},
        {"lmtp", "LMTP", 24, no_begin, ta_st_lmtp_feed},
        {"imap", "IMAP", 143, no_begin, ta_st_imap_feed},
        {"pop3", "POP3", 110, no_begin, ta_st_pop3_feed},
        {"ftp", "FTP", 21, no_begin, ta_st_ftp_feed},
        {"xmpp", "XMPP", 5222, ta_st_xmpp_begin, ta_st_xmpp_feed},
        {"xmpp-server", "XMPP", 5269, ta_st_xmpp_server_begin, ta_st_xmpp_feed},
        {"ldap", "LDAP", 389, ta_st_ldap_begin, ta_st_ldap_feed},
        {"postgres", "PostgreSQL", 5432, ta_st_pg_begin, ta_st_pg_feed},
        {"mysql", "MySQL", 3306, no_begin, ta_st_mysql_feed},
        {"nntp", "NNTP", 119, no_begin, ta_st_nntp_feed},
        {"sieve", "ManageSieve", 4190, no_begin, ta_st_sieve_feed},
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
