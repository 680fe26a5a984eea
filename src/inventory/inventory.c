/*
 * The inventory's rows: checking and canonicalising one row's cells (the
 * same for every format), the index that finds an endpoint listed twice,
 * messages, the endpoint key, and ta_inv_parse() choosing a reader.
 *
 * Host names and addresses are checked by the scanner's own
 * ta_parse_target() and protocols by its STARTTLS table (ta_st_find,
 * ta_st_for_port), so that an imported row is a target the scanner takes,
 * with the port and protocol the scanner would pick for it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inventory/inv_int.h"
#include "probe/scan_internal.h"
#include "wire/starttls.h"
#include "wire/text.h"

static const char *const colnames[NCOLS] = {
        "asset_id", "name",       "owner",       "service",          "host",     "port",
        "protocol", "sni",        "exposure",    "criticality",      "software", "tls_library",
        "profile",  "upgradable", "contingency", "exception_expiry", "tags",     "notes",
};

const char *
ta_inv_column(size_t i)
{
	return i < NCOLS ? colnames[i] : NULL;
}

const char *
ta_inv_upgradable_name(enum ta_inv_upgradable u)
{
	switch (u) {
	case TA_UPG_YES:
		return "yes";
	case TA_UPG_VENDOR:
		return "vendor";
	case TA_UPG_NO:
		return "no";
	default:
		return "";
	}
}

/* ------------------------------------------------------------------ */
/* rows and inventories */

/* Where each column lives in a row; port and upgradable are no strings. */
#define NOSTR SIZE_MAX
static const size_t coloff[NCOLS] = {
        offsetof(struct ta_inv_row, asset_id),    offsetof(struct ta_inv_row, name),
        offsetof(struct ta_inv_row, owner),       offsetof(struct ta_inv_row, service),
        offsetof(struct ta_inv_row, host),        NOSTR,
        offsetof(struct ta_inv_row, protocol),    offsetof(struct ta_inv_row, sni),
        offsetof(struct ta_inv_row, exposure),    offsetof(struct ta_inv_row, criticality),
        offsetof(struct ta_inv_row, software),    offsetof(struct ta_inv_row, tls_library),
        offsetof(struct ta_inv_row, profile),     NOSTR,
        offsetof(struct ta_inv_row, contingency), offsetof(struct ta_inv_row, exception_expiry),
        offsetof(struct ta_inv_row, tags),        offsetof(struct ta_inv_row, notes),
};

char **
inv_col_str(struct ta_inv_row *r, enum inv_col i)
{
	return coloff[i] == NOSTR ? NULL : (char **)((char *)r + coloff[i]);
}

const char *
inv_col_text(const struct ta_inv_row *r, enum inv_col i, char num[8])
{
	const char *s;

	if (i == C_PORT) {
		num[0] = '\0';
		if (r->port)
			snprintf(num, 8, "%u", r->port);
		return num;
	}
	if (i == C_UPGRADABLE)
		return ta_inv_upgradable_name(r->upgradable);
	s = *(char *const *)((const char *)r + coloff[i]);
	return s ? s : "";
}

void
ta_inv_row_free(struct ta_inv_row *r)
{
	char **s;

	if (!r)
		return;
	for (size_t i = 0; i < NCOLS; i++)
		if ((s = inv_col_str(r, (enum inv_col)i)) != NULL) {
			free(*s);
			*s = NULL;
		}
}

int
ta_inv_row_init(struct ta_inv_row *r)
{
	char **s;

	*r = (struct ta_inv_row){0};
	for (size_t i = 0; i < NCOLS; i++)
		if ((s = inv_col_str(r, (enum inv_col)i)) != NULL && !(*s = calloc(1, 1))) {
			ta_inv_row_free(r);
			return TA_ENOMEM;
		}
	return TA_OK;
}

void
ta_inv_init(struct ta_inventory *inv)
{
	*inv = (struct ta_inventory){0};
}

void
ta_inv_free(struct ta_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n; i++)
		ta_inv_row_free(&inv->rows[i]);
	free(inv->rows);
	ta_inv_init(inv);
}

int
ta_inv_push(struct ta_inventory *inv, struct ta_inv_row *r)
{
	if (inv->n >= TA_INV_ROWS_MAX)
		return TA_ENOSPC;
	if (inv->n == inv->cap) {
		size_t cap = inv->cap ? inv->cap * 2 : 64;
		struct ta_inv_row *rows;

		if (cap > TA_INV_ROWS_MAX)
			cap = TA_INV_ROWS_MAX;
		rows = realloc(inv->rows, cap * sizeof *rows);
		if (!rows)
			return TA_ENOMEM;
		inv->rows = rows;
		inv->cap = cap;
	}
	inv->rows[inv->n++] = *r;
	*r = (struct ta_inv_row){0};
	return TA_OK;
}

void
ta_inv_key(const struct ta_inv_row *r, char *buf, size_t cap)
{
	char host[256];
	struct in6_addr a6;
	size_t i;

	if (cap == 0)
		return;
	snprintf(host, sizeof host, "%s", r->host ? r->host : "");
	for (i = 0; host[i]; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		inet_ntop(AF_INET6, &a6, host, sizeof host);
	/* https is TLS on that port, plus HTTP checks: the same endpoint */
	snprintf(buf, cap, "%s|%u|%s", host, r->port,
	         !r->protocol                            ? ""
	         : strcasecmp(r->protocol, "https") == 0 ? "tls"
	                                                 : r->protocol);
	for (i = 0; buf[i]; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
}

/* ------------------------------------------------------------------ */
/* messages */

static void
vmsg(struct inv_ctx *c, enum ta_inv_severity sev, unsigned line, const char *fmt, va_list ap)
{
	char text[512], msg[1024];

	if (!c->on_msg)
		return;
	vsnprintf(text, sizeof text, fmt, ap);
	if (line)
		snprintf(msg, sizeof msg, "%s:%u: %s", c->name, line, text);
	else
		snprintf(msg, sizeof msg, "%s: %s", c->name, text);
	c->on_msg(c->arg, sev, msg);
}

void
inv_msg(struct inv_ctx *c, enum ta_inv_severity sev, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, sev, line, fmt, ap);
	va_end(ap);
}

void
inv_bad(struct inv_ctx *c, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, TA_INV_ERROR, line, fmt, ap);
	va_end(ap);
	c->bad++;
}

void
inv_fatal(struct inv_ctx *c, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (c->fatal)
		return; /* one message for the file */
	va_start(ap, fmt);
	vmsg(c, TA_INV_ERROR, line, fmt, ap);
	va_end(ap);
	c->fatal = true;
}

void
inv_quote(char dst[INV_QUOTE_CAP], const char *s, size_t len)
{
	size_t n = len > 60 ? 60 : len;

	/* 60 bytes as \xNN need 241: cut the escaped text, then mark the cut */
	if (!ta_text_printable(dst, INV_QUOTE_CAP - 3, (const uint8_t *)s, n) || n < len)
		memcpy(dst + strlen(dst), "...", 4);
}

/* ------------------------------------------------------------------ */
/* the index of endpoints: open addressing over row indexes */

static uint64_t
key_hash(const char *k)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	for (; *k; k++)
		h = (h ^ (uint8_t)*k) * 1099511628211u;
	return h;
}

/* The row already listed with this key, or -1. */
static long
idx_find(const struct inv_ctx *c, const char *key)
{
	char other[TA_INV_KEY_MAX];
	size_t mask = c->nslots - 1;

	if (!c->nslots)
		return -1;
	for (size_t i = key_hash(key) & mask; c->slots[i]; i = (i + 1) & mask) {
		ta_inv_key(&c->inv->rows[c->slots[i] - 1], other, sizeof other);
		if (strcmp(other, key) == 0)
			return (long)c->slots[i] - 1;
	}
	return -1;
}

static void
idx_put(struct inv_ctx *c, size_t row)
{
	char key[TA_INV_KEY_MAX];
	size_t mask = c->nslots - 1, i;

	ta_inv_key(&c->inv->rows[row], key, sizeof key);
	for (i = key_hash(key) & mask; c->slots[i]; i = (i + 1) & mask)
		;
	c->slots[i] = (uint32_t)row + 1;
}

/* Room for one more row at most half full; false when memory ran out. */
static bool
idx_reserve(struct inv_ctx *c)
{
	size_t want = c->nslots ? c->nslots : 1024;

	while ((c->inv->n + 1) * 2 > want)
		want *= 2;
	if (want == c->nslots)
		return true;
	free(c->slots);
	c->slots = calloc(want, sizeof *c->slots);
	c->nslots = c->slots ? want : 0;
	if (!c->slots)
		return false;
	for (size_t i = 0; i < c->inv->n; i++)
		idx_put(c, i);
	return true;
}

/* ------------------------------------------------------------------ */
/* checking cells */

static bool
utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		uint32_t cp;
		size_t k;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			k = 1;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			k = 2;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			k = 3;
			cp = b & 0x07;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* Free text: at most TA_INV_FIELD_MAX bytes of UTF-8 without control
 * characters other than TAB, CR and LF.  NULL when fine, else why not. */
static const char *
text_problem(const char *s, size_t n)
{
	if (n > TA_INV_FIELD_MAX)
		return "is longer than 4096 bytes";
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b < 0x20 && b != '\t' && b != '\r' && b != '\n') || b == 0x7f)
			return "holds a control character";
	}
	if (!utf8_valid((const unsigned char *)s, n))
		return "is not UTF-8 text (save the file as \"CSV UTF-8\")";
	return NULL;
}

static void
trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* s[0..n) lower-cased into dst; false when it does not fit or holds a NUL. */
static bool
lower_copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap || memchr(s, '\0', n))
		return false;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[n] = '\0';
	return true;
}

static bool
real_date(const char *s, size_t n)
{
	static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y = 0, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	for (size_t i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (y == 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

static bool
profile_id(const char *s, size_t n)
{
	if (n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* A host name, IPv4 or IPv6 address (brackets stripped) as the scanner
 * takes it, into host (IPv6 in RFC 5952 form).  NULL or why not. */
static const char *
check_host(const char *s, size_t n, char host[256])
{
	char spec[256], err[160];
	uint16_t port;
	struct in6_addr a6;

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0)
		return "is empty (every row needs a host)";
	if (n > 253)
		return "is longer than 253 characters";
	memcpy(spec, s, n);
	spec[n] = '\0';
	if (strlen(spec) != n)
		return "holds a NUL byte";
	if (strchr(spec, ':')) {
		if (inet_pton(AF_INET6, spec, &a6) != 1)
			return "is not a host name or address (the port goes in column 'port')";
		inet_ntop(AF_INET6, &a6, host, 256);
		return NULL;
	}
	if (ta_parse_target(spec, 443, host, 256, &port, err, sizeof err) != TA_OK)
		return "is not a host name or address";
	return NULL;
}

static char *
dup_view(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* The cell of column i, trimmed when it is one of the checked columns. */
static void
cell(const struct inv_cells *cells, enum inv_col i, const char **s, size_t *n)
{
	*s = cells->v[i] ? cells->v[i] : "";
	*n = cells->v[i] ? cells->len[i] : 0;
	switch (i) {
	case C_HOST:
	case C_PORT:
	case C_PROTOCOL:
	case C_SNI:
	case C_EXPOSURE:
	case C_PROFILE:
	case C_UPGRADABLE:
	case C_EXCEPTION_EXPIRY:
		trim(s, n);
		break;
	default:
		break;
	}
}

#define BAD(...)                                                                                   \
	do {                                                                                       \
		inv_bad(c, line, __VA_ARGS__);                                                     \
		goto out;                                                                          \
	} while (0)

/*
 * The checks and defaults, in column order; the first problem is the
 * row's one message.  Port and protocol fill each other in as the
 * scanner does: a protocol without a port gets its usual port (tls: 443),
 * a port without a protocol gets the dialogue that port usually speaks,
 * else tls.
 */
void
inv_add(struct inv_ctx *c, const struct inv_cells *cells, unsigned line)
{
	struct ta_inv_row r;
	char host[256], proto[16] = "", word[16], q[INV_QUOTE_CAP], key[TA_INV_KEY_MAX];
	const char *s, *why;
	size_t n;
	unsigned long port = 0;
	long prev;

	if (c->inv->n >= TA_INV_ROWS_MAX) {
		inv_bad(c, line, "more than %u endpoints: this row and the rest are not imported",
		        TA_INV_ROWS_MAX);
		c->stop = true;
		return;
	}
	if (ta_inv_row_init(&r) != TA_OK) {
		inv_fatal(c, 0, "out of memory");
		return;
	}
	r.line = line;
	cell(cells, C_HOST, &s, &n);
	if ((why = check_host(s, n, host)) != NULL) {
		inv_quote(q, s, n);
		if (n)
			BAD("column 'host': '%s' %s", q, why);
		BAD("column 'host' %s", why);
	}
	cell(cells, C_PORT, &s, &n);
	if (n) {
		size_t k;

		for (k = 0; k < n && k < 6 && isdigit((unsigned char)s[k]); k++)
			port = port * 10 + (unsigned long)(s[k] - '0');
		if (k != n || port < 1 || port > 65535) {
			inv_quote(q, s, n);
			BAD("column 'port': '%s' is not a port from 1 to 65535", q);
		}
	}
	cell(cells, C_PROTOCOL, &s, &n);
	if (n && s[0] == '/') { /* "/smtp", as targets write it */
		s++;
		n--;
	}
	if (n) {
		const struct ta_st_ops *ops;

		if (!lower_copy(word, sizeof word, s, n) || !ta_st_known(word)) {
			inv_quote(q, s, n);
			BAD("column 'protocol': '%s' is not a protocol (known: %s)", q,
			    ta_st_names());
		}
		/* the scanner's names: "https" is TLS plus the HTTP checks, "none"
		 * is "tls", "postgresql" is "postgres" ... */
		ops = ta_st_find(word);
		snprintf(proto, sizeof proto, "%s",
		         ops                          ? ops->name
		         : strcmp(word, "https") == 0 ? "https"
		                                      : "tls");
		if (!port)
			port = ops ? ops->default_port : 443;
	} else {
		const struct ta_st_ops *ops;

		if (!port)
			port = 443;
		ops = ta_st_for_port((uint16_t)port);
		snprintf(proto, sizeof proto, "%s", ops ? ops->name : "tls");
	}
	r.port = (uint16_t)port;
	cell(cells, C_SNI, &s, &n);
	if (n) {
		char h[256];
		struct in_addr a4;

		if (check_host(s, n, h) || strchr(h, ':') || inet_pton(AF_INET, h, &a4) == 1 ||
		    s[0] == '[') {
			inv_quote(q, s, n);
			BAD("column 'sni': '%s' is not a DNS name (SNI takes a name, not an "
			    "address)",
			    q);
		}
	}
	cell(cells, C_EXPOSURE, &s, &n);
	if (n &&
	    (!lower_copy(word, sizeof word, s, n) ||
	     (strcmp(word, "internet") && strcmp(word, "internal") && strcmp(word, "partner")))) {
		inv_quote(q, s, n);
		BAD("column 'exposure': '%s' is not one of internet, internal, partner", q);
	}
	cell(cells, C_PROFILE, &s, &n);
	if (!profile_id(s, n)) {
		inv_quote(q, s, n);
		BAD("column 'profile': '%s' is not a profile id (letters, digits, '.', '_', '-')",
		    q);
	}
	cell(cells, C_UPGRADABLE, &s, &n);
	if (n) {
		if (!lower_copy(word, sizeof word, s, n))
			word[0] = '\0';
		r.upgradable = strcmp(word, "yes") == 0      ? TA_UPG_YES
		               : strcmp(word, "vendor") == 0 ? TA_UPG_VENDOR
		               : strcmp(word, "no") == 0     ? TA_UPG_NO
		                                             : TA_UPG_UNSET;
		if (r.upgradable == TA_UPG_UNSET) {
			inv_quote(q, s, n);
			BAD("column 'upgradable': '%s' is not one of yes, vendor, no", q);
		}
	}
	cell(cells, C_EXCEPTION_EXPIRY, &s, &n);
	if (n && !real_date(s, n)) {
		inv_quote(q, s, n);
		BAD("column 'exception_expiry': '%s' is not a date YYYY-MM-DD", q);
	}
	for (size_t i = 0; i < NCOLS; i++) {
		cell(cells, (enum inv_col)i, &s, &n);
		if ((why = text_problem(s, n)) != NULL)
			BAD("column '%s' %s", colnames[i], why);
	}

	/* every cell is fine: fill the row in */
	for (size_t i = 0; i < NCOLS; i++) {
		char **dst = NULL, *v;

		switch ((enum inv_col)i) {
		case C_PORT:
		case C_UPGRADABLE:
			continue;
		case C_HOST:
			s = host;
			n = strlen(host);
			dst = &r.host;
			break;
		case C_PROTOCOL:
			s = proto;
			n = strlen(proto);
			dst = &r.protocol;
			break;
		default:
			cell(cells, (enum inv_col)i, &s, &n);
			dst = inv_col_str(&r, (enum inv_col)i);
			break;
		}
		if (!(v = dup_view(s, n)))
			goto oom;
		if (i == C_EXPOSURE)
			for (char *p = v; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		free(*dst);
		*dst = v;
	}

	ta_inv_key(&r, key, sizeof key);
	if ((prev = idx_find(c, key)) >= 0) {
		const struct ta_inv_row *o = &c->inv->rows[prev];
		bool v6 = strchr(r.host, ':') != NULL;

		inv_quote(q, r.host, strlen(r.host));
		if ((size_t)prev >= c->start && o->line)
			BAD("endpoint %s%s%s:%u/%s is already listed on line %u", v6 ? "[" : "", q,
			    v6 ? "]" : "", r.port, r.protocol, o->line);
		BAD("endpoint %s%s%s:%u/%s is already in the inventory", v6 ? "[" : "", q,
		    v6 ? "]" : "", r.port, r.protocol);
	}
	if (!idx_reserve(c) || ta_inv_push(c->inv, &r) != TA_OK)
		goto oom;
	idx_put(c, c->inv->n - 1);
	return;
oom:
	inv_fatal(c, 0, "out of memory");
out:
	ta_inv_row_free(&r);
}

/* ------------------------------------------------------------------ */
/* choosing the reader */

static enum ta_inv_format
sniff(const char *buf, size_t len)
{
	size_t i = 0, eol;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && buf[i] == '<')
		return TA_INV_NMAP;
	/* the first line that is not blank */
	for (eol = i; eol < len && buf[eol] != '\n' && buf[eol] != '\r'; eol++)
		;
	if (i < len && buf[i] == '#')
		return TA_INV_LIST;
	if (memchr(buf + i, ',', eol - i) || memchr(buf + i, ';', eol - i))
		return TA_INV_CSV;
	return TA_INV_LIST;
}

int
ta_inv_parse(const char *buf, size_t len, const char *name, enum ta_inv_format fmt,
             struct ta_inventory *inv,
             void (*on_msg)(void *arg, enum ta_inv_severity sev, const char *msg), void *arg)
{
	struct inv_ctx c = {.name = name ? name : "-",
	                    .inv = inv,
	                    .start = inv->n,
	                    .on_msg = on_msg,
	                    .arg = arg};
	size_t head = len < 4096 ? len : 4096;

	if (len > TA_INV_FILE_MAX) {
		inv_fatal(&c, 0, "larger than %u MiB, not read", TA_INV_FILE_MAX >> 20);
		return -1;
	}
	if (len && memchr(buf, '\0', head)) {
		inv_fatal(&c, 0, "binary data (a NUL byte at offset %zu), not an inventory",
		          (size_t)((const char *)memchr(buf, '\0', head) - buf));
		return -1;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) { /* UTF-8 BOM */
		buf += 3;
		len -= 3;
	}
	if (!idx_reserve(&c)) {
		inv_fatal(&c, 0, "out of memory");
		return -1;
	}
	if (fmt == TA_INV_AUTO)
		fmt = sniff(buf, len);
	switch (fmt) {
	case TA_INV_CSV:
		inv_parse_csv(&c, buf, len);
		break;
	case TA_INV_NMAP:
		inv_parse_nmap(&c, buf, len);
		break;
	default:
		inv_parse_list(&c, buf, len);
		break;
	}
	free(c.slots);
	if (c.fatal) {
		while (inv->n > c.start)
			ta_inv_row_free(&inv->rows[--inv->n]);
		return -1;
	}
	return c.bad;
}
