/*
 * HTTP response heads, Strict-Transport-Security and Location URLs (see
 * httptext.h for the contracts and the RFC sections), and the character
 * classes and readers they share with the MTA-STS and TLS-RPT texts
 * (mailpolicy.c, httptext_int.h).  Everything is read through bounded
 * readers over the caller's bytes; nothing is allocated and nothing is
 * written outside the caller's structs.  Error texts are built from our
 * own words and from names that passed a token check, cut to a few dozen
 * bytes, so they stay printable.
 */
#include "wire/httptext.h"

#include <stdarg.h>
#include <stdio.h>

#include "wire/httptext_int.h"

/* ---- character classes ------------------------------------------------- */

bool
ta_ht_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
ta_ht_is_alnum(uint8_t c)
{
	return is_alpha(c) || ta_ht_is_digit(c);
}

static bool
is_hex(uint8_t c)
{
	return ta_ht_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool
ta_ht_is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.2 tchar */
static bool
is_tchar(uint8_t c)
{
	return ta_ht_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Bytes of a field value or reason phrase: VCHAR, SP, HTAB, obs-text. */
static bool
is_field_byte(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* RFC 3986 2.3 unreserved and 2.2 sub-delims */
bool
ta_ht_is_unreserved(uint8_t c)
{
	return ta_ht_is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool
ta_ht_is_sub_delim(uint8_t c)
{
	return c != 0 && strchr("!$&'()*+,;=", c) != NULL;
}

static uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

/* ---- reader helpers ---------------------------------------------------- */

bool
ta_ht_rd_peek(const struct ta_rd *r, uint8_t *c)
{
	if (ta_rd_left(r) == 0)
		return false;
	*c = *r->p;
	return true;
}

bool
ta_ht_rd_eat(struct ta_rd *r, uint8_t c)
{
	if (ta_rd_left(r) == 0 || *r->p != c)
		return false;
	r->p++;
	return true;
}

/* Consume the literal s (case-sensitive) if it is next. */
bool
ta_ht_rd_eat_str(struct ta_rd *r, const char *s)
{
	size_t n = strlen(s);

	if (ta_rd_left(r) < n || memcmp(r->p, s, n) != 0)
		return false;
	r->p += n;
	return true;
}

void
ta_ht_rd_skip_wsp(struct ta_rd *r)
{
	while (ta_rd_left(r) > 0 && ta_ht_is_wsp(*r->p))
		r->p++;
}

/* Split off the longest prefix whose bytes all satisfy ok. */
struct ta_rd
ta_ht_rd_span(struct ta_rd *r, bool (*ok)(uint8_t))
{
	struct ta_rd s;
	const uint8_t *start = r->p;

	while (ta_rd_left(r) > 0 && ok(*r->p))
		r->p++;
	ta_rd_init(&s, start, (size_t)(r->p - start));
	return s;
}

/* Split off the next line without its LF or CRLF; *ended is false when the
 * input ran out before a LF. */
void
ta_ht_rd_line(struct ta_rd *r, struct ta_rd *line, bool *ended)
{
	const uint8_t *lf = memchr(r->p, '\n', ta_rd_left(r));
	const uint8_t *end;

	if (lf == NULL) {
		*line = *r;
		r->p = r->end;
		*ended = false;
		return;
	}
	end = lf;
	if (end > r->p && end[-1] == '\r')
		end--;
	ta_rd_init(line, r->p, (size_t)(end - r->p));
	r->p = lf + 1;
	*ended = true;
}

void
ta_ht_rd_trim_right(struct ta_rd *r)
{
	while (r->end > r->p && ta_ht_is_wsp(r->end[-1]))
		r->end--;
}

bool
ta_ht_view_all(struct ta_rd v, bool (*ok)(uint8_t))
{
	for (const uint8_t *q = v.p; q < v.end; q++)
		if (!ok(*q))
			return false;
	return true;
}

bool
ta_ht_mem_eq_ci(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static bool
view_eq_ci(struct ta_rd v, const char *s)
{
	size_t n = strlen(s);

	return ta_rd_left(&v) == n && ta_ht_mem_eq_ci(v.p, (const uint8_t *)s, n);
}

void
ta_ht_set_error(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

/* ---- response heads ---------------------------------------------------- */

/* "HTTP/" DIGIT ["." DIGIT] SP 3DIGIT [SP reason-phrase] */
static int
parse_status_line(struct ta_rd line, struct ta_http_head *h, const char **why)
{
	uint8_t c, d[3];
	unsigned major, minor = 0;

	*why = "malformed status line";
	if (!ta_ht_rd_eat_str(&line, "HTTP/") || !ta_ht_rd_peek(&line, &c) || c < '1' || c > '3')
		return TA_EDECODE;
	line.p++;
	major = (unsigned)(c - '0');
	if (ta_ht_rd_eat(&line, '.')) {
		if (!ta_ht_rd_peek(&line, &c) || !ta_ht_is_digit(c))
			return TA_EDECODE;
		line.p++;
		minor = (unsigned)(c - '0');
	}
	if (!ta_ht_rd_eat(&line, ' '))
		return TA_EDECODE;
	if (ta_rd_bytes(&line, d, 3) != TA_OK || d[0] < '1' || d[0] > '9' ||
	    !ta_ht_is_digit(d[1]) || !ta_ht_is_digit(d[2]))
		return TA_EDECODE;
	if (ta_rd_left(&line) > 0 &&
	    (!ta_ht_rd_eat(&line, ' ') || !ta_ht_view_all(line, is_field_byte)))
		return TA_EDECODE;
	h->version = major * 10 + minor;
	h->status =
	        (unsigned)(d[0] - '0') * 100 + (unsigned)(d[1] - '0') * 10 + (unsigned)(d[2] - '0');
	*why = "";
	return TA_OK;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5) */
static int
parse_field_line(struct ta_rd line, struct ta_http_field *f, const char **why)
{
	uint8_t c;

	if (ta_ht_rd_peek(&line, &c) && ta_ht_is_wsp(c)) {
		*why = "obsolete line folding";
		return TA_EDECODE;
	}
	f->name = ta_ht_rd_span(&line, is_tchar);
	if (!ta_ht_rd_eat(&line, ':')) {
		*why = (ta_ht_rd_peek(&line, &c) && ta_ht_is_wsp(c)) ? "whitespace before a colon"
		                                                     : "field name is not a token";
		return TA_EDECODE;
	}
	if (ta_rd_left(&f->name) == 0) {
		*why = "empty field name";
		return TA_EDECODE;
	}
	ta_ht_rd_skip_wsp(&line);
	ta_ht_rd_trim_right(&line);
	if (!ta_ht_view_all(line, is_field_byte)) {
		*why = "control byte in a field value";
		return TA_EDECODE;
	}
	f->value = line;
	return TA_OK;
}

int
ta_http_head_parse(const char *p, size_t len, struct ta_http_head *h, const char **why)
{
	const char *ignored;
	struct ta_rd r, line;
	struct ta_http_field f;
	const uint8_t *fields;
	bool ended;

	if (why == NULL)
		why = &ignored;
	*why = "";
	memset(h, 0, sizeof *h);
	ta_rd_init(&h->fields, NULL, 0);
	if (len > TA_HTTP_HEAD_MAX) {
		*why = "response head too long";
		return TA_ENOSPC;
	}
	ta_rd_init(&r, (const uint8_t *)p, len);
	ta_ht_rd_line(&r, &line, &ended);
	TA_TRY(parse_status_line(line, h, why));
	fields = r.p;
	for (;;) {
		const uint8_t *start = r.p;

		ta_ht_rd_line(&r, &line, &ended);
		if (!ended) {
			*why = "response head not terminated";
			return TA_EDECODE;
		}
		if (ta_rd_left(&line) == 0) {
			ta_rd_init(&h->fields, fields, (size_t)(start - fields));
			break;
		}
		TA_TRY(parse_field_line(line, &f, why));
	}
	if (ta_rd_left(&r) > 0) {
		*why = "bytes after the end of the response head";
		return TA_EDECODE;
	}
	return TA_OK;
}

bool
ta_http_field_next(struct ta_rd *it, struct ta_http_field *f)
{
	struct ta_rd line;
	const char *why;
	bool ended;

	if (ta_rd_left(it) == 0)
		return false;
	ta_ht_rd_line(it, &line, &ended);
	if (ta_rd_left(&line) == 0 || parse_field_line(line, f, &why) != TA_OK) {
		it->p = it->end;
		return false;
	}
	return true;
}

size_t
ta_http_head_find(const struct ta_http_head *h, const char *name, struct ta_rd *first)
{
	struct ta_rd it = h->fields;
	struct ta_http_field f;
	size_t n = 0;

	ta_rd_init(first, h->fields.end, 0); /* empty, but inside the head */
	while (ta_http_field_next(&it, &f)) {
		if (!view_eq_ci(f.name, name))
			continue;
		if (n++ == 0)
			*first = f.value;
	}
	return n;
}

bool
ta_http_coding_compressed(struct ta_rd value)
{
	while (ta_rd_left(&value) > 0) {
		const uint8_t *comma = memchr(value.p, ',', ta_rd_left(&value));
		struct ta_rd item;

		ta_rd_init(&item, value.p, comma ? (size_t)(comma - value.p) : ta_rd_left(&value));
		value.p = comma ? comma + 1 : value.end;
		ta_ht_rd_skip_wsp(&item);
		ta_ht_rd_trim_right(&item);
		if (ta_rd_left(&item) > 0 && !view_eq_ci(item, "identity"))
			return true;
	}
	return false;
}

/* ---- Strict-Transport-Security ----------------------------------------- */

/* quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 5.6.4);
 * *inner is the text between the quotes, escapes still in. */
static int
rd_quoted(struct ta_rd *r, struct ta_rd *inner)
{
	const uint8_t *start;

	if (!ta_ht_rd_eat(r, '"'))
		return TA_EDECODE;
	start = r->p;
	while (ta_rd_left(r) > 0) {
		uint8_t c = *r->p;

		if (c == '"') {
			ta_rd_init(inner, start, (size_t)(r->p - start));
			r->p++;
			return TA_OK;
		}
		if (c == '\\') {
			r->p++;
			if (ta_rd_left(r) == 0 || !is_field_byte(*r->p))
				return TA_EDECODE;
		} else if (!is_field_byte(c)) {
			return TA_EDECODE;
		}
		r->p++;
	}
	return TA_EDECODE;
}

/* delta-seconds = 1*DIGIT, saturating; quoted: escapes in v are resolved. */
static bool
parse_delta(struct ta_rd v, bool quoted, int64_t *out)
{
	int64_t x = 0;
	size_t n = 0;

	while (ta_rd_left(&v) > 0) {
		uint8_t c = *v.p++;

		if (quoted && c == '\\' && ta_rd_left(&v) > 0)
			c = *v.p++;
		if (!ta_ht_is_digit(c))
			return false;
		if (x > (INT64_MAX - (c - '0')) / 10)
			x = INT64_MAX;
		else
			x = x * 10 + (c - '0');
		n++;
	}
	*out = x;
	return n > 0;
}

#define HSTS_MAX_DIRECTIVES 32

static int
hsts_parse(const char *v, size_t len, struct ta_hsts_policy *out)
{
	struct ta_rd seen[HSTS_MAX_DIRECTIVES];
	size_t nseen = 0;
	bool have_max_age = false;
	struct ta_rd r;

	memset(out, 0, sizeof *out);
	ta_rd_init(&r, (const uint8_t *)v, len);
	for (;;) {
		struct ta_rd name, value;
		bool has_value = false, quoted = false;
		uint8_t c;

		ta_ht_rd_skip_wsp(&r);
		if (ta_rd_left(&r) == 0)
			break;
		if (ta_ht_rd_eat(&r, ';'))
			continue; /* an empty directive */
		name = ta_ht_rd_span(&r, is_tchar);
		if (ta_rd_left(&name) == 0) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "a directive name is expected at offset %zu",
			                (size_t)(r.p - (const uint8_t *)v));
			return TA_EDECODE;
		}
		ta_ht_rd_skip_wsp(&r);
		if (ta_ht_rd_eat(&r, '=')) {
			ta_ht_rd_skip_wsp(&r);
			has_value = true;
			if (ta_ht_rd_peek(&r, &c) && c == '"') {
				quoted = true;
				if (rd_quoted(&r, &value) != TA_OK) {
					ta_ht_set_error(out->error, sizeof out->error,
					                "directive \"" NAME_FMT
					                "\": bad quoted string",
					                NAME_ARG(name));
					return TA_EDECODE;
				}
			} else {
				value = ta_ht_rd_span(&r, is_tchar);
				if (ta_rd_left(&value) == 0) {
					ta_ht_set_error(out->error, sizeof out->error,
					                "directive \"" NAME_FMT
					                "\": value missing or not a token",
					                NAME_ARG(name));
					return TA_EDECODE;
				}
			}
			ta_ht_rd_skip_wsp(&r);
		}
		if (ta_rd_left(&r) > 0 && !ta_ht_rd_eat(&r, ';')) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "expected ';' after directive \"" NAME_FMT "\"",
			                NAME_ARG(name));
			return TA_EDECODE;
		}
		for (size_t i = 0; i < nseen; i++)
			if (ta_rd_left(&seen[i]) == ta_rd_left(&name) &&
			    ta_ht_mem_eq_ci(seen[i].p, name.p, ta_rd_left(&name))) {
				ta_ht_set_error(out->error, sizeof out->error,
				                "directive \"" NAME_FMT "\" appears twice",
				                NAME_ARG(name));
				return TA_EDECODE;
			}
		if (nseen == HSTS_MAX_DIRECTIVES) {
			ta_ht_set_error(out->error, sizeof out->error, "more than %d directives",
			                HSTS_MAX_DIRECTIVES);
			return TA_EDECODE;
		}
		seen[nseen++] = name;
		if (view_eq_ci(name, "max-age")) {
			if (!has_value || !parse_delta(value, quoted, &out->max_age)) {
				ta_ht_set_error(out->error, sizeof out->error,
				                "max-age is not a number of seconds");
				return TA_EDECODE;
			}
			have_max_age = true;
		} else if (view_eq_ci(name, "includeSubDomains") || view_eq_ci(name, "preload")) {
			if (has_value) {
				ta_ht_set_error(out->error, sizeof out->error,
				                "directive \"" NAME_FMT "\" takes no value",
				                NAME_ARG(name));
				return TA_EDECODE;
			}
			if (lower(*name.p) == 'i')
				out->include_subdomains = true;
			else
				out->preload = true;
		}
		/* anything else: an unknown directive, ignored (6.1 rule 4) */
	}
	if (!have_max_age) {
		ta_ht_set_error(out->error, sizeof out->error, "max-age is missing");
		return TA_EDECODE;
	}
	out->valid = true;
	return TA_OK;
}

int
ta_hsts_parse(const char *v, size_t len, struct ta_hsts_policy *out)
{
	int rc = hsts_parse(v, len, out);

	if (rc != TA_OK) { /* an invalid header says nothing: only the reason stays */
		out->valid = false;
		out->max_age = 0;
		out->include_subdomains = out->preload = false;
	}
	return rc;
}

/* ---- Location URLs ----------------------------------------------------- */

static bool
is_scheme_byte(uint8_t c)
{
	return ta_ht_is_alnum(c) || c == '+' || c == '-' || c == '.';
}

/* Bytes of an authority until its end ("/", "?", "#" or the end). */
static bool
is_authority_byte(uint8_t c)
{
	return c != '/' && c != '?' && c != '#';
}

/* Every byte is unreserved, a sub-delim, a %XX escape, or in extra. */
static bool
uri_chars_ok(struct ta_rd v, const char *extra)
{
	while (ta_rd_left(&v) > 0) {
		uint8_t c = *v.p;

		if (c == '%') {
			if (ta_rd_left(&v) < 3 || !is_hex(v.p[1]) || !is_hex(v.p[2]))
				return false;
			v.p += 3;
			continue;
		}
		if (!ta_ht_is_unreserved(c) && !ta_ht_is_sub_delim(c) &&
		    (c == 0 || strchr(extra, c) == NULL))
			return false;
		v.p++;
	}
	return true;
}

static bool
is_ipv6_byte(uint8_t c)
{
	return is_hex(c) || c == ':' || c == '.';
}

void
ta_http_location_parse(const char *p, size_t len, struct ta_http_location *loc)
{
	struct ta_rd r, scheme, auth, host;
	const uint8_t *at = NULL;
	uint8_t c;

	memset(loc, 0, sizeof *loc);
	ta_rd_init(&loc->host, NULL, 0);
	loc->kind = TA_LOC_RELATIVE;
	ta_rd_init(&r, (const uint8_t *)p, len);
	for (const uint8_t *q = r.p; q < r.end; q++)
		if (*q <= 0x20 || *q >= 0x7f) {
			loc->kind = TA_LOC_INVALID;
			return;
		}
	if (!ta_ht_rd_peek(&r, &c) || !is_alpha(c))
		return;
	scheme = ta_ht_rd_span(&r, is_scheme_byte);
	if (!ta_ht_rd_eat(&r, ':'))
		return; /* a relative path such as "a/b" */
	if (!view_eq_ci(scheme, "https")) {
		loc->kind = TA_LOC_OTHER;
		return;
	}
	loc->kind = TA_LOC_INVALID;
	if (!ta_ht_rd_eat_str(&r, "//"))
		return;
	auth = ta_ht_rd_span(&r, is_authority_byte);
	for (const uint8_t *q = auth.p; q < auth.end; q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		struct ta_rd userinfo;

		ta_rd_init(&userinfo, auth.p, (size_t)(at - auth.p));
		if (!uri_chars_ok(userinfo, ":"))
			return;
		auth.p = at + 1;
	}
	if (ta_ht_rd_eat(&auth, '[')) {
		host = ta_ht_rd_span(&auth, is_ipv6_byte);
		if (!ta_ht_rd_eat(&auth, ']'))
			return;
	} else {
		const uint8_t *colon = memchr(auth.p, ':', ta_rd_left(&auth));

		ta_rd_init(&host, auth.p, colon ? (size_t)(colon - auth.p) : ta_rd_left(&auth));
		auth.p = host.end;
		if (!uri_chars_ok(host, ""))
			return;
	}
	if (ta_rd_left(&host) == 0)
		return;
	if (ta_ht_rd_eat(&auth, ':')) {
		struct ta_rd port = ta_ht_rd_span(&auth, ta_ht_is_digit);
		uint32_t v = 0;

		if (ta_rd_left(&port) > 5)
			return;
		while (ta_rd_left(&port) > 0)
			v = v * 10 + (uint32_t)(*port.p++ - '0');
		if (v > 65535)
			return;
		loc->port = v;
	}
	if (ta_rd_left(&auth) > 0)
		return;
	loc->host = host;
	loc->kind = TA_LOC_HTTPS;
}

bool
ta_http_host_eq(struct ta_rd a, const char *b, size_t blen)
{
	size_t alen = ta_rd_left(&a);

	if (alen > 0 && a.p[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	return alen > 0 && alen == blen && ta_ht_mem_eq_ci(a.p, (const uint8_t *)b, alen);
}
