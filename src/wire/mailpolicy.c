/*
 * The MTA-STS and TLS-RPT texts (see httptext.h for the contracts and the
 * RFC sections): the MTA-STS TXT record (RFC 8461 3.1) and policy file
 * (3.2, 4.1) and the TLS-RPT TXT record (RFC 8460 3).  Read through the
 * bounded readers of httptext.c (httptext_int.h) over the caller's bytes;
 * nothing is allocated and nothing is written outside the caller's structs.
 * Error texts are built from our own words and from names that passed a
 * token check, cut to a few dozen bytes, so they stay printable.
 */
#include <string.h>

#include "wire/httptext_int.h"

/* ---- character classes ------------------------------------------------- */

/* sts-ext-name / tlsrpt-ext-name after the first byte; sts-policy-ext-name */
static bool
is_ext_name(uint8_t c)
{
	return ta_ht_is_alnum(c) || c == '_' || c == '-' || c == '.';
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
	return (ta_ht_is_unreserved(c) || ta_ht_is_sub_delim(c) || c == '%' || c == ':' ||
	        c == '/' || c == '?' || c == '#' || c == '[' || c == ']' || c == '@') &&
	       c != ',' && c != '!' && c != ';';
}

static bool
view_eq(struct ta_rd v, const char *s)
{
	size_t n = strlen(s);

	return ta_rd_left(&v) == n && memcmp(v.p, s, n) == 0;
}

/* ---- TXT records: MTA-STS and TLS-RPT ----------------------------------- */

static bool
txt_candidate(const char *p, size_t len, const char *version)
{
	struct ta_rd r;
	uint8_t c;

	ta_rd_init(&r, (const uint8_t *)p, len);
	if (!ta_ht_rd_eat_str(&r, version))
		return false;
	return !ta_ht_rd_peek(&r, &c) || c == ';' || ta_ht_is_wsp(c);
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
	ta_ht_rd_skip_wsp(r);
	*more = false;
	if (ta_rd_left(r) == 0)
		return TA_OK;
	if (!ta_ht_rd_eat(r, ';'))
		return TA_EDECODE;
	ta_ht_rd_skip_wsp(r);
	*more = ta_rd_left(r) > 0;
	return TA_OK;
}

/* ext-name "=": (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
static bool
txt_field_name(struct ta_rd *r, struct ta_rd *name)
{
	*name = ta_ht_rd_span(r, is_ext_name);
	return ta_rd_left(name) >= 1 && ta_rd_left(name) <= 32 && ta_ht_is_alnum(*name->p) &&
	       ta_ht_rd_eat(r, '=');
}

static int
mtasts_txt_parse(const char *p, size_t len, struct ta_mtasts_txt *out)
{
	struct ta_rd r;
	bool more, have_id = false;
	unsigned n = 0;

	memset(out, 0, sizeof *out);
	ta_rd_init(&r, (const uint8_t *)p, len);
	if (!ta_ht_rd_eat_str(&r, "v=STSv1")) {
		ta_ht_set_error(out->error, sizeof out->error, "does not begin with v=STSv1");
		return TA_EDECODE;
	}
	for (;;) {
		struct ta_rd name, value;

		if (txt_next_field(&r, &more) != TA_OK) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "expected ';' after field %u", n);
			return TA_EDECODE;
		}
		if (!more)
			break;
		n++;
		if (!txt_field_name(&r, &name)) {
			ta_ht_set_error(out->error, sizeof out->error, "field %u is not name=value",
			                n);
			return TA_EDECODE;
		}
		value = ta_ht_rd_span(&r, is_ext_value);
		if (ta_rd_left(&value) == 0) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "field \"" NAME_FMT "\" has no value", NAME_ARG(name));
			return TA_EDECODE;
		}
		if (!view_eq(name, "id"))
			continue; /* unknown fields are ignored (3.1) */
		if (have_id) {
			ta_ht_set_error(out->error, sizeof out->error, "id given twice");
			return TA_EDECODE;
		}
		if (ta_rd_left(&value) > 32 || !ta_ht_view_all(value, ta_ht_is_alnum)) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "id is not 1 to 32 letters and digits");
			return TA_EDECODE;
		}
		memcpy(out->id, value.p, ta_rd_left(&value));
		out->id[ta_rd_left(&value)] = '\0';
		have_id = true;
	}
	if (!have_id) {
		ta_ht_set_error(out->error, sizeof out->error, "id is missing");
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

	if (ta_rd_left(&r) >= 7 && ta_ht_mem_eq_ci(r.p, (const uint8_t *)"mailto:", 7)) {
		r.p += 7;
		return ta_rd_left(&r) >= 3 && memchr(r.p, '@', ta_rd_left(&r)) != NULL &&
		       *r.p != '@' && r.end[-1] != '@';
	}
	if (ta_rd_left(&r) >= 6 && ta_ht_mem_eq_ci(r.p, (const uint8_t *)"https:", 6)) {
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
		struct ta_rd uri = ta_ht_rd_span(r, is_rua_byte), save;

		if (ta_rd_left(&uri) == 0) {
			ta_ht_set_error(out->error, sizeof out->error, "rua URI %zu is empty",
			                out->nrua + 1);
			return TA_EDECODE;
		}
		if (!rua_uri_ok(uri)) {
			ta_ht_set_error(
			        out->error, sizeof out->error,
			        "rua URI %zu is neither mailto: with an address nor https://",
			        out->nrua + 1);
			return TA_EDECODE;
		}
		if (out->nrua == TA_TLSRPT_MAX_RUA) {
			ta_ht_set_error(out->error, sizeof out->error, "more than %d rua URIs",
			                TA_TLSRPT_MAX_RUA);
			return TA_ENOSPC;
		}
		out->rua[out->nrua++] = uri;
		save = *r;
		ta_ht_rd_skip_wsp(r);
		if (!ta_ht_rd_eat(r, ',')) {
			*r = save;
			return TA_OK;
		}
		ta_ht_rd_skip_wsp(r);
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
	if (!ta_ht_rd_eat_str(&r, "v=TLSRPTv1")) {
		ta_ht_set_error(out->error, sizeof out->error, "does not begin with v=TLSRPTv1");
		return TA_EDECODE;
	}
	for (;;) {
		struct ta_rd name, value;

		if (txt_next_field(&r, &more) != TA_OK) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "expected ';' after field %u", n);
			goto fail;
		}
		if (!more)
			break;
		n++;
		if (!txt_field_name(&r, &name)) {
			ta_ht_set_error(out->error, sizeof out->error, "field %u is not name=value",
			                n);
			goto fail;
		}
		if (view_eq(name, "rua")) {
			int rc;

			if (have_rua) {
				ta_ht_set_error(out->error, sizeof out->error, "rua given twice");
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
		value = ta_ht_rd_span(&r, is_ext_value);
		if (ta_rd_left(&value) == 0) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "field \"" NAME_FMT "\" has no value", NAME_ARG(name));
			goto fail;
		}
	}
	if (!have_rua) {
		ta_ht_set_error(out->error, sizeof out->error, "rua is missing");
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

		while (ta_rd_left(&v) > 0 && (ta_ht_is_alnum(*v.p) || *v.p == '-'))
			v.p++;
		if (v.p == start || v.p - start > 63 || *start == '-' || v.p[-1] == '-')
			return false;
		if (ta_rd_left(&v) == 0)
			return true;
		if (!ta_ht_rd_eat(&v, '.'))
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
		ta_ht_set_error(out->error, sizeof out->error, "policy larger than %d bytes",
		                TA_MTASTS_POLICY_MAX);
		return TA_ENOSPC;
	}
	ta_rd_init(&r, (const uint8_t *)p, len);
	while (ta_rd_left(&r) > 0) {
		struct ta_rd line, name, value;
		const uint8_t *line_start = r.p;
		bool ended;

		lineno++;
		ta_ht_rd_line(&r, &line, &ended);
		if (ta_rd_left(&line) == 0) {
			struct ta_rd rest;

			ta_rd_init(&rest, line_start, (size_t)(r.end - line_start));
			if (only_line_ends(rest))
				break;
			ta_ht_set_error(out->error, sizeof out->error, "line %u: empty line",
			                lineno);
			goto fail;
		}
		name = ta_ht_rd_span(&line, is_ext_name);
		if (ta_rd_left(&name) == 0 || ta_rd_left(&name) > 32 || !ta_ht_is_alnum(*name.p)) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "line %u: a field name is expected", lineno);
			goto fail;
		}
		if (!ta_ht_rd_eat(&line, ':')) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "line %u: expected ':' right after \"" NAME_FMT "\"",
			                lineno, NAME_ARG(name));
			goto fail;
		}
		ta_ht_rd_skip_wsp(&line);
		ta_ht_rd_trim_right(&line);
		value = line;
		if (ta_rd_left(&value) == 0 || !ta_ht_view_all(value, is_policy_value_byte)) {
			ta_ht_set_error(out->error, sizeof out->error,
			                "line %u: \"" NAME_FMT "\" has an empty or malformed value",
			                lineno, NAME_ARG(name));
			goto fail;
		}
		if (view_eq(name, "mx")) {
			if (!valid_mx_pattern(value)) {
				ta_ht_set_error(out->error, sizeof out->error,
				                "line %u: mx is not a domain or *.domain", lineno);
				goto fail;
			}
			if (out->nmx == TA_MTASTS_MAX_MX) {
				ta_ht_set_error(out->error, sizeof out->error,
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
				ta_ht_set_error(out->error, sizeof out->error,
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
				ta_ht_set_error(out->error, sizeof out->error,
				                "line %u: mode is not enforce, testing or none",
				                lineno);
				goto fail;
			}
			have_mode = true;
		} else if (view_eq(name, "max_age")) {
			uint64_t v = 0;

			if (have_max_age)
				continue;
			if (ta_rd_left(&value) > 10 || !ta_ht_view_all(value, ta_ht_is_digit)) {
				ta_ht_set_error(out->error, sizeof out->error,
				                "line %u: max_age is not 1 to 10 digits", lineno);
				goto fail;
			}
			for (const uint8_t *q = value.p; q < value.end; q++)
				v = v * 10 + (uint64_t)(*q - '0');
			if (v > TA_MTASTS_MAX_AGE) {
				ta_ht_set_error(out->error, sizeof out->error,
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
		ta_ht_set_error(out->error, sizeof out->error, "%s is missing",
		                !have_version ? "version"
		                : !have_mode  ? "mode"
		                              : "max_age");
		goto fail;
	}
	if (out->mode != TA_MTASTS_NONE && out->nmx == 0) {
		ta_ht_set_error(out->error, sizeof out->error,
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
		return rest == ta_rd_left(&pat) &&
		       ta_ht_mem_eq_ci((const uint8_t *)dot, pat.p, rest);
	}
	return ta_rd_left(&pat) == len && ta_ht_mem_eq_ci((const uint8_t *)host, pat.p, len);
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
