/*
 * HTTP response heads, Strict-Transport-Security, Location URLs, and the
 * MTA-STS and TLS-RPT texts (see httptext.h for the contracts and the RFC
 * sections).  Everything is read through bounded readers over the caller's
 * bytes; nothing is allocated and nothing is written outside the caller's
 * structs.  Error texts are built from our own words and from names that
 * passed a token check, cut to a few dozen bytes, so they stay printable.
 */
#include "wire/httptext.h"

#include <stdarg.h>
#include <stdio.h>

/* ---- character classes ------------------------------------------------- */

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(uint8_t c)
{
	return is_alpha(c) || is_digit(c);
}

static bool
is_hex(uint8_t c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.2 tchar */
static bool
is_tchar(uint8_t c)
{
	return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Bytes of a field value or reason phrase: VCHAR, SP, HTAB, obs-text. */
static bool
is_field_byte(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* RFC 3986 2.3 unreserved and 2.2 sub-delims */
static bool
is_unreserved(uint8_t c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static bool
is_sub_delim(uint8_t c)
{
	return c != 0 && strchr("!$&'()*+,;=", c) != NULL;
}

/* sts-ext-name / tlsrpt-ext-name after the first byte; sts-policy-ext-name */
static bool
is_ext_name(uint8_t c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* sts-ext-value / tlsrpt-ext-value: %x21-3A / %x3C / %x3E-7E */
static bool
is_ext_value(uint8_t c)
{
	return (c >= 0x21 && c <= 0x3a) || c == 0x3c || (c >= 0x3e && c <= 0x7e);
}

/* A URI byte as tlsrpt-uri allows it unencoded: RFC 3986 characters other
 * than "," and "!" (RFC 8460 3), and not ";" (the field delimiter). */
static bool
is_rua_byte(uint8_t c)
{
	return (is_unreserved(c) || is_sub_delim(c) || c == '%' || c == ':' || c == '/' ||
	        c == '?' || c == '#' || c == '[' || c == ']' || c == '@') &&
	       c != ',' && c != '!' && c != ';';
}

static uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

/* ---- reader helpers ---------------------------------------------------- */

static bool
rd_peek(const struct ta_rd *r, uint8_t *c)
{
	if (ta_rd_left(r) == 0)
		return false;
	*c = *r->p;
	return true;
}

static bool
rd_eat(struct ta_rd *r, uint8_t c)
{
	if (ta_rd_left(r) == 0 || *r->p != c)
		return false;
	r->p++;
	return true;
}

/* Consume the literal s (case-sensitive) if it is next. */
static bool
rd_eat_str(struct ta_rd *r, const char *s)
{
	size_t n = strlen(s);

	if (ta_rd_left(r) < n || memcmp(r->p, s, n) != 0)
		return false;
	r->p += n;
	return true;
}

static void
rd_skip_wsp(struct ta_rd *r)
{
	while (ta_rd_left(r) > 0 && is_wsp(*r->p))
		r->p++;
}

/* Split off the longest prefix whose bytes all satisfy ok. */
static struct ta_rd
rd_span(struct ta_rd *r, bool (*ok)(uint8_t))
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
static void
rd_line(struct ta_rd *r, struct ta_rd *line, bool *ended)
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

static void
rd_trim_right(struct ta_rd *r)
{
	while (r->end > r->p && is_wsp(r->end[-1]))
		r->end--;
}

static bool
view_all(struct ta_rd v, bool (*ok)(uint8_t))
{
	for (const uint8_t *q = v.p; q < v.end; q++)
		if (!ok(*q))
			return false;
	return true;
}

static bool
view_eq(struct ta_rd v, const char *s)
{
	size_t n = strlen(s);

	return ta_rd_left(&v) == n && memcmp(v.p, s, n) == 0;
}

static bool
mem_eq_ci(const uint8_t *a, const uint8_t *b, size_t n)
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

	return ta_rd_left(&v) == n && mem_eq_ci(v.p, (const uint8_t *)s, n);
}

static void set_error(char *dst, size_t cap, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
set_error(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

/* A name for an error text: only names that passed a token check are given
 * here, cut so that the message fits. */
#define NAME_FMT    "%.*s"
#define NAME_ARG(v) (int)(ta_rd_left(&(v)) > 40 ? 40 : ta_rd_left(&(v))), (const char *)(v).p

/* ---- response heads ---------------------------------------------------- */

/* "HTTP/" DIGIT ["." DIGIT] SP 3DIGIT [SP reason-phrase] */
static int
parse_status_line(struct ta_rd line, struct ta_http_head *h, const char **why)
{
	uint8_t c, d[3];
	unsigned major, minor = 0;

	*why = "malformed status line";
	if (!rd_eat_str(&line, "HTTP/") || !rd_peek(&line, &c) || c < '1' || c > '3')
		return TA_EDECODE;
	line.p++;
	major = (unsigned)(c - '0');
	if (rd_eat(&line, '.')) {
		if (!rd_peek(&line, &c) || !is_digit(c))
			return TA_EDECODE;
		line.p++;
		minor = (unsigned)(c - '0');
	}
	if (!rd_eat(&line, ' '))
		return TA_EDECODE;
	if (ta_rd_bytes(&line, d, 3) != TA_OK || d[0] < '1' || d[0] > '9' || !is_digit(d[1]) ||
	    !is_digit(d[2]))
		return TA_EDECODE;
	if (ta_rd_left(&line) > 0 && (!rd_eat(&line, ' ') || !view_all(line, is_field_byte)))
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

	if (rd_peek(&line, &c) && is_wsp(c)) {
		*why = "obsolete line folding";
		return TA_EDECODE;
	}
	f->name = rd_span(&line, is_tchar);
	if (!rd_eat(&line, ':')) {
		*why = (rd_peek(&line, &c) && is_wsp(c)) ? "whitespace before a colon"
		                                         : "field name is not a token";
		return TA_EDECODE;
	}
	if (ta_rd_left(&f->name) == 0) {
		*why = "empty field name";
		return TA_EDECODE;
	}
	rd_skip_wsp(&line);
	rd_trim_right(&line);
	if (!view_all(line, is_field_byte)) {
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
	rd_line(&r, &line, &ended);
	TA_TRY(parse_status_line(line, h, why));
	fields = r.p;
	for (;;) {
		const uint8_t *start = r.p;

		rd_line(&r, &line, &ended);
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
	rd_line(it, &line, &ended);
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
		rd_skip_wsp(&item);
		rd_trim_right(&item);
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

	if (!rd_eat(r, '"'))
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
		if (!is_digit(c))
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

		rd_skip_wsp(&r);
		if (ta_rd_left(&r) == 0)
			break;
		if (rd_eat(&r, ';'))
			continue; /* an empty directive */
		name = rd_span(&r, is_tchar);
		if (ta_rd_left(&name) == 0) {
			set_error(out->error, sizeof out->error,
			          "a directive name is expected at offset %zu",
			          (size_t)(r.p - (const uint8_t *)v));
			return TA_EDECODE;
		}
		rd_skip_wsp(&r);
		if (rd_eat(&r, '=')) {
			rd_skip_wsp(&r);
			has_value = true;
			if (rd_peek(&r, &c) && c == '"') {
				quoted = true;
				if (rd_quoted(&r, &value) != TA_OK) {
					set_error(out->error, sizeof out->error,
					          "directive \"" NAME_FMT "\": bad quoted string",
					          NAME_ARG(name));
					return TA_EDECODE;
				}
			} else {
				value = rd_span(&r, is_tchar);
				if (ta_rd_left(&value) == 0) {
					set_error(out->error, sizeof out->error,
					          "directive \"" NAME_FMT
					          "\": value missing or not a token",
					          NAME_ARG(name));
					return TA_EDECODE;
				}
			}
			rd_skip_wsp(&r);
		}
		if (ta_rd_left(&r) > 0 && !rd_eat(&r, ';')) {
			set_error(out->error, sizeof out->error,
			          "expected ';' after directive \"" NAME_FMT "\"", NAME_ARG(name));
			return TA_EDECODE;
		}
		for (size_t i = 0; i < nseen; i++)
			if (ta_rd_left(&seen[i]) == ta_rd_left(&name) &&
			    mem_eq_ci(seen[i].p, name.p, ta_rd_left(&name))) {
				set_error(out->error, sizeof out->error,
				          "directive \"" NAME_FMT "\" appears twice",
				          NAME_ARG(name));
				return TA_EDECODE;
			}
		if (nseen == HSTS_MAX_DIRECTIVES) {
			set_error(out->error, sizeof out->error, "more than %d directives",
			          HSTS_MAX_DIRECTIVES);
			return TA_EDECODE;
		}
		seen[nseen++] = name;
		if (view_eq_ci(name, "max-age")) {
			if (!has_value || !parse_delta(value, quoted, &out->max_age)) {
				set_error(out->error, sizeof out->error,
				          "max-age is not a number of seconds");
				return TA_EDECODE;
			}
			have_max_age = true;
		} else if (view_eq_ci(name, "includeSubDomains") || view_eq_ci(name, "preload")) {
			if (has_value) {
				set_error(out->error, sizeof out->error,
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
		set_error(out->error, sizeof out->error, "max-age is missing");
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
	return is_alnum(c) || c == '+' || c == '-' || c == '.';
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
		if (!is_unreserved(c) && !is_sub_delim(c) && (c == 0 || strchr(extra, c) == NULL))
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
	if (!rd_peek(&r, &c) || !is_alpha(c))
		return;
	scheme = rd_span(&r, is_scheme_byte);
	if (!rd_eat(&r, ':'))
		return; /* a relative path such as "a/b" */
	if (!view_eq_ci(scheme, "https")) {
		loc->kind = TA_LOC_OTHER;
		return;
	}
	loc->kind = TA_LOC_INVALID;
	if (!rd_eat_str(&r, "//"))
		return;
	auth = rd_span(&r, is_authority_byte);
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
	if (rd_eat(&auth, '[')) {
		host = rd_span(&auth, is_ipv6_byte);
		if (!rd_eat(&auth, ']'))
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
	if (rd_eat(&auth, ':')) {
		struct ta_rd port = rd_span(&auth, is_digit);
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
	return alen > 0 && alen == blen && mem_eq_ci(a.p, (const uint8_t *)b, alen);
}

/* ---- TXT records: MTA-STS and TLS-RPT ----------------------------------- */

static bool
txt_candidate(const char *p, size_t len, const char *version)
{
	struct ta_rd r;
	uint8_t c;

	ta_rd_init(&r, (const uint8_t *)p, len);
	if (!rd_eat_str(&r, version))
		return false;
	return !rd_peek(&r, &c) || c == ';' || is_wsp(c);
}

bool
ta_mtasts_txt_candidate(const char *p, size_t len)
{
	return txt_candidate(p, len, "v=STSv1");
}

bool
ta_tlsrpt_txt_candidate(const char *p, size_t len)
{
	return txt_candidate(p, len, "v=TLSRPTv1");
}

/*
 * The delimiter before the next field: *WSP ";" *WSP.  Returns TA_OK with
 * *more set when a field follows, with *more clear at the end of the record
 * (a trailing delimiter, or trailing whitespace, which we tolerate).
 */
static int
txt_next_field(struct ta_rd *r, bool *more)
{
	rd_skip_wsp(r);
	*more = false;
	if (ta_rd_left(r) == 0)
		return TA_OK;
	if (!rd_eat(r, ';'))
		return TA_EDECODE;
	rd_skip_wsp(r);
	*more = ta_rd_left(r) > 0;
	return TA_OK;
}

/* ext-name "=": (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
static bool
txt_field_name(struct ta_rd *r, struct ta_rd *name)
{
	*name = rd_span(r, is_ext_name);
	return ta_rd_left(name) >= 1 && ta_rd_left(name) <= 32 && is_alnum(*name->p) &&
	       rd_eat(r, '=');
}

static int
mtasts_txt_parse(const char *p, size_t len, struct ta_mtasts_txt *out)
{
	struct ta_rd r;
	bool more, have_id = false;
	unsigned n = 0;

	memset(out, 0, sizeof *out);
	ta_rd_init(&r, (const uint8_t *)p, len);
	if (!rd_eat_str(&r, "v=STSv1")) {
		set_error(out->error, sizeof out->error, "does not begin with v=STSv1");
		return TA_EDECODE;
	}
	for (;;) {
		struct ta_rd name, value;

		if (txt_next_field(&r, &more) != TA_OK) {
			set_error(out->error, sizeof out->error, "expected ';' after field %u", n);
			return TA_EDECODE;
		}
		if (!more)
			break;
		n++;
		if (!txt_field_name(&r, &name)) {
			set_error(out->error, sizeof out->error, "field %u is not name=value", n);
			return TA_EDECODE;
		}
		value = rd_span(&r, is_ext_value);
		if (ta_rd_left(&value) == 0) {
			set_error(out->error, sizeof out->error,
			          "field \"" NAME_FMT "\" has no value", NAME_ARG(name));
			return TA_EDECODE;
		}
		if (!view_eq(name, "id"))
			continue; /* unknown fields are ignored (3.1) */
		if (have_id) {
			set_error(out->error, sizeof out->error, "id given twice");
			return TA_EDECODE;
		}
		if (ta_rd_left(&value) > 32 || !view_all(value, is_alnum)) {
			set_error(out->error, sizeof out->error,
			          "id is not 1 to 32 letters and digits");
			return TA_EDECODE;
		}
		memcpy(out->id, value.p, ta_rd_left(&value));
		out->id[ta_rd_left(&value)] = '\0';
		have_id = true;
	}
	if (!have_id) {
		set_error(out->error, sizeof out->error, "id is missing");
		return TA_EDECODE;
	}
	return TA_OK;
}

int
ta_mtasts_txt_parse(const char *p, size_t len, struct ta_mtasts_txt *out)
{
	int rc = mtasts_txt_parse(p, len, out);

	if (rc != TA_OK)
		out->id[0] = '\0';
	return rc;
}

/* One rua URI: "mailto:" with an address, or an https:// URL with a host. */
static bool
rua_uri_ok(struct ta_rd uri)
{
	struct ta_rd r = uri;

	if (ta_rd_left(&r) >= 7 && mem_eq_ci(r.p, (const uint8_t *)"mailto:", 7)) {
		r.p += 7;
		return ta_rd_left(&r) >= 3 && memchr(r.p, '@', ta_rd_left(&r)) != NULL &&
		       *r.p != '@' && r.end[-1] != '@';
	}
	if (ta_rd_left(&r) >= 6 && mem_eq_ci(r.p, (const uint8_t *)"https:", 6)) {
		struct ta_http_location loc;

		ta_http_location_parse((const char *)uri.p, ta_rd_left(&uri), &loc);
		return loc.kind == TA_LOC_HTTPS;
	}
	return false;
}

static int
parse_rua(struct ta_rd *r, struct ta_tlsrpt *out)
{
	for (;;) {
		struct ta_rd uri = rd_span(r, is_rua_byte), save;

		if (ta_rd_left(&uri) == 0) {
			set_error(out->error, sizeof out->error, "rua URI %zu is empty",
			          out->nrua + 1);
			return TA_EDECODE;
		}
		if (!rua_uri_ok(uri)) {
			set_error(out->error, sizeof out->error,
			          "rua URI %zu is neither mailto: with an address nor https://",
			          out->nrua + 1);
			return TA_EDECODE;
		}
		if (out->nrua == TA_TLSRPT_MAX_RUA) {
			set_error(out->error, sizeof out->error, "more than %d rua URIs",
			          TA_TLSRPT_MAX_RUA);
			return TA_ENOSPC;
		}
		out->rua[out->nrua++] = uri;
		save = *r;
		rd_skip_wsp(r);
		if (!rd_eat(r, ',')) {
			*r = save;
			return TA_OK;
		}
		rd_skip_wsp(r);
	}
}

int
ta_tlsrpt_parse(const char *p, size_t len, struct ta_tlsrpt *out)
{
	struct ta_rd r;
	bool more, have_rua = false;
	unsigned n = 0;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < TA_TLSRPT_MAX_RUA; i++)
		ta_rd_init(&out->rua[i], NULL, 0);
	ta_rd_init(&r, (const uint8_t *)p, len);
	if (!rd_eat_str(&r, "v=TLSRPTv1")) {
		set_error(out->error, sizeof out->error, "does not begin with v=TLSRPTv1");
		return TA_EDECODE;
	}
	for (;;) {
		struct ta_rd name, value;

		if (txt_next_field(&r, &more) != TA_OK) {
			set_error(out->error, sizeof out->error, "expected ';' after field %u", n);
			goto fail;
		}
		if (!more)
			break;
		n++;
		if (!txt_field_name(&r, &name)) {
			set_error(out->error, sizeof out->error, "field %u is not name=value", n);
			goto fail;
		}
		if (view_eq(name, "rua")) {
			int rc;

			if (have_rua) {
				set_error(out->error, sizeof out->error, "rua given twice");
				goto fail;
			}
			rc = parse_rua(&r, out);
			if (rc != TA_OK) {
				out->nrua = 0;
				return rc;
			}
			have_rua = true;
			continue;
		}
		value = rd_span(&r, is_ext_value);
		if (ta_rd_left(&value) == 0) {
			set_error(out->error, sizeof out->error,
			          "field \"" NAME_FMT "\" has no value", NAME_ARG(name));
			goto fail;
		}
	}
	if (!have_rua) {
		set_error(out->error, sizeof out->error, "rua is missing");
		goto fail;
	}
	return TA_OK;
fail:
	out->nrua = 0;
	return TA_EDECODE;
}

/* ---- MTA-STS policy files ---------------------------------------------- */

/* ["*."] Domain, Domain = sub-domain *("." sub-domain), sub-domain =
 * Let-dig [Ldh-str] (RFC 5321 4.1.2), at most 63 bytes a label and 253 in
 * all. */
static bool
valid_mx_pattern(struct ta_rd v)
{
	if (ta_rd_left(&v) >= 2 && v.p[0] == '*' && v.p[1] == '.')
		v.p += 2;
	if (ta_rd_left(&v) == 0 || ta_rd_left(&v) > 253)
		return false;
	for (;;) {
		const uint8_t *start = v.p;

		while (ta_rd_left(&v) > 0 && (is_alnum(*v.p) || *v.p == '-'))
			v.p++;
		if (v.p == start || v.p - start > 63 || *start == '-' || v.p[-1] == '-')
			return false;
		if (ta_rd_left(&v) == 0)
			return true;
		if (!rd_eat(&v, '.'))
			return false;
	}
}

/* sts-policy-vchar *(*(SP / HTAB) sts-policy-vchar) after trimming: no
 * control bytes (UTF-8 passes without a check of its encoding). */
static bool
is_policy_value_byte(uint8_t c)
{
	return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

/* Only line ends left: the empty line(s) at the end of the file. */
static bool
only_line_ends(struct ta_rd r)
{
	for (const uint8_t *q = r.p; q < r.end; q++)
		if (*q != '\r' && *q != '\n')
			return false;
	return true;
}

int
ta_mtasts_policy_parse(const char *p, size_t len, struct ta_mtasts_policy *out)
{
	bool have_version = false, have_mode = false, have_max_age = false;
	unsigned lineno = 0;
	struct ta_rd r;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < TA_MTASTS_MAX_MX; i++)
		ta_rd_init(&out->mx[i], NULL, 0);
	if (len > TA_MTASTS_POLICY_MAX) {
		set_error(out->error, sizeof out->error, "policy larger than %d bytes",
		          TA_MTASTS_POLICY_MAX);
		return TA_ENOSPC;
	}
	ta_rd_init(&r, (const uint8_t *)p, len);
	while (ta_rd_left(&r) > 0) {
		struct ta_rd line, name, value;
		const uint8_t *line_start = r.p;
		bool ended;

		lineno++;
		rd_line(&r, &line, &ended);
		if (ta_rd_left(&line) == 0) {
			struct ta_rd rest;

			ta_rd_init(&rest, line_start, (size_t)(r.end - line_start));
			if (only_line_ends(rest))
				break;
			set_error(out->error, sizeof out->error, "line %u: empty line", lineno);
			goto fail;
		}
		name = rd_span(&line, is_ext_name);
		if (ta_rd_left(&name) == 0 || ta_rd_left(&name) > 32 || !is_alnum(*name.p)) {
			set_error(out->error, sizeof out->error,
			          "line %u: a field name is expected", lineno);
			goto fail;
		}
		if (!rd_eat(&line, ':')) {
			set_error(out->error, sizeof out->error,
			          "line %u: expected ':' right after \"" NAME_FMT "\"", lineno,
			          NAME_ARG(name));
			goto fail;
		}
		rd_skip_wsp(&line);
		rd_trim_right(&line);
		value = line;
		if (ta_rd_left(&value) == 0 || !view_all(value, is_policy_value_byte)) {
			set_error(out->error, sizeof out->error,
			          "line %u: \"" NAME_FMT "\" has an empty or malformed value",
			          lineno, NAME_ARG(name));
			goto fail;
		}
		if (view_eq(name, "mx")) {
			if (!valid_mx_pattern(value)) {
				set_error(out->error, sizeof out->error,
				          "line %u: mx is not a domain or *.domain", lineno);
				goto fail;
			}
			if (out->nmx == TA_MTASTS_MAX_MX) {
				set_error(out->error, sizeof out->error,
				          "line %u: more than %d mx patterns", lineno,
				          TA_MTASTS_MAX_MX);
				out->nmx = 0;
				return TA_ENOSPC;
			}
			out->mx[out->nmx++] = value;
		} else if (view_eq(name, "version")) {
			if (have_version)
				continue; /* of a repeated field the first counts (3.2) */
			if (!view_eq(value, "STSv1")) {
				set_error(out->error, sizeof out->error,
				          "line %u: version is not STSv1", lineno);
				goto fail;
			}
			have_version = true;
		} else if (view_eq(name, "mode")) {
			if (have_mode)
				continue;
			if (view_eq(value, "enforce"))
				out->mode = TA_MTASTS_ENFORCE;
			else if (view_eq(value, "testing"))
				out->mode = TA_MTASTS_TESTING;
			else if (view_eq(value, "none"))
				out->mode = TA_MTASTS_NONE;
			else {
				set_error(out->error, sizeof out->error,
				          "line %u: mode is not enforce, testing or none", lineno);
				goto fail;
			}
			have_mode = true;
		} else if (view_eq(name, "max_age")) {
			uint64_t v = 0;

			if (have_max_age)
				continue;
			if (ta_rd_left(&value) > 10 || !view_all(value, is_digit)) {
				set_error(out->error, sizeof out->error,
				          "line %u: max_age is not 1 to 10 digits", lineno);
				goto fail;
			}
			for (const uint8_t *q = value.p; q < value.end; q++)
				v = v * 10 + (uint64_t)(*q - '0');
			if (v > TA_MTASTS_MAX_AGE) {
				set_error(out->error, sizeof out->error,
				          "line %u: max_age is above %u", lineno,
				          TA_MTASTS_MAX_AGE);
				goto fail;
			}
			out->max_age = (uint32_t)v;
			have_max_age = true;
		}
		/* other fields: unknown, ignored (3.2) */
	}
	if (!have_version || !have_mode || !have_max_age) {
		set_error(out->error, sizeof out->error, "%s is missing",
		          !have_version ? "version"
		          : !have_mode  ? "mode"
		                        : "max_age");
		goto fail;
	}
	if (out->mode != TA_MTASTS_NONE && out->nmx == 0) {
		set_error(out->error, sizeof out->error,
		          "no mx line (required unless mode is none)");
		goto fail;
	}
	return TA_OK;
fail:
	out->nmx = 0;
	return TA_EDECODE;
}

bool
ta_mtasts_pattern_matches(struct ta_rd pattern, const char *host, size_t len)
{
	struct ta_rd pat = pattern;

	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len == 0 || memchr(host, '\0', len) != NULL)
		return false;
	if (ta_rd_left(&pat) >= 2 && pat.p[0] == '*' && pat.p[1] == '.') {
		const char *dot = memchr(host, '.', len);
		size_t rest;

		pat.p++; /* keep the dot: compare ".domain" */
		if (dot == NULL || dot == host)
			return false;
		rest = len - (size_t)(dot - host);
		return rest == ta_rd_left(&pat) && mem_eq_ci((const uint8_t *)dot, pat.p, rest);
	}
	return ta_rd_left(&pat) == len && mem_eq_ci((const uint8_t *)host, pat.p, len);
}

bool
ta_mtasts_mx_matches(const struct ta_mtasts_policy *policy, const char *mx_hostname)
{
	size_t len = strlen(mx_hostname);

	for (size_t i = 0; i < policy->nmx && i < TA_MTASTS_MAX_MX; i++)
		if (ta_mtasts_pattern_matches(policy->mx[i], mx_hostname, len))
			return true;
	return false;
}
