/*
 * HTML report: what the writer's files share (html_int.h): reading the
 * document's members, and writing escaped text, verdict marks and
 * key-value rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/html_int.h"
#include "tlsaudit.h"

/* ---- JSON access ---- */

const char *const hw_versions[HW_NVER] = {"SSLv2",   "SSLv3",   "TLSv1.0",
                                          "TLSv1.1", "TLSv1.2", "TLSv1.3"};

const char *
hw_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

const char *
hw_nstr(const json_t *o, const char *key)
{
	const char *s = hw_str(o, key);

	return s && s[0] ? s : NULL;
}

int
hw_tri(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_true(v) ? TA_YES : json_is_false(v) ? TA_NO : TA_UNKNOWN;
}

bool
hw_true(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

long long
hw_int(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

const json_t *
hw_arr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_array(v) ? v : NULL;
}

size_t
hw_len(const json_t *o, const char *key)
{
	return json_array_size(hw_arr(o, key));
}

/* ---- writing primitives ---- */

static const char *const level_class[] = {"good", "warn", "bad", "info"};

void
hw_esc(FILE *out, const char *s)
{
	ta_esc_put(out, s, TA_ESC_HTML);
}

void
hw_jesc(FILE *out, const json_t *str)
{
	const char *s = json_string_value(str);
	size_t len = json_string_length(str);
	char *buf;
	size_t need;

	if (!s)
		return;
	if (strlen(s) == len) {
		hw_esc(out, s);
		return;
	}
	/* an embedded NUL: escape the whole length (NUL shows as \x00) */
	need = ta_esc_buf(NULL, 0, s, len, TA_ESC_HTML);
	buf = malloc(need + 1);
	if (!buf) {
		hw_esc(out, s);
		return;
	}
	ta_esc_buf(buf, need + 1, s, len, TA_ESC_HTML);
	fputs(buf, out);
	free(buf);
}

void
hw_mark(FILE *out, enum hw_level lv, const char *words)
{
	fprintf(out, "<span class=\"v %s\">%s</span>", level_class[lv], words);
}

const char *
hw_tri_word(int v, const char *unknown)
{
	return v == TA_YES ? "yes" : v == TA_NO ? "no" : unknown;
}

void
hw_kv_open(FILE *out)
{
	fputs("<table class=\"kv\">\n", out);
}

void
hw_kv_close(FILE *out)
{
	fputs("</table>\n", out);
}

void
hw_row_begin(FILE *out, const char *label)
{
	fprintf(out, "<tr><th scope=\"row\">%s</th><td>", label);
}

void
hw_row_end(FILE *out)
{
	fputs("</td></tr>\n", out);
}

void
hw_row(FILE *out, const char *label, const char *value)
{
	hw_row_begin(out, label);
	hw_esc(out, value);
	hw_row_end(out);
}

void
hw_row_mark(FILE *out, const char *label, enum hw_level lv, const char *words)
{
	hw_row_begin(out, label);
	hw_mark(out, lv, words);
	hw_row_end(out);
}

void
hw_date(FILE *out, const char *iso)
{
	char day[11];

	if (!iso) {
		fputs("?", out);
		return;
	}
	snprintf(day, sizeof day, "%s", iso); /* YYYY-MM-DD of YYYY-MM-DDTHH:MM:SSZ */
	hw_esc(out, day);
}

void
hw_endpoint(FILE *out, const char *host, long long port)
{
	bool v6 = host && strchr(host, ':') != NULL;

	fputs(v6 ? "[" : "", out);
	hw_esc(out, host ? host : "?");
	fprintf(out, "%s:%lld", v6 ? "]" : "", port);
}

enum hw_level
hw_validity(long long days, bool expired, bool not_yet_valid, char *words, size_t cap)
{
	if (not_yet_valid)
		snprintf(words, cap, "not yet valid");
	else if (expired)
		snprintf(words, cap, "expired (%lld days left)", days);
	else
		snprintf(words, cap, "%lld days left", days);
	if (expired || not_yet_valid)
		return HW_BAD;
	return days < HW_EXPIRY_WARN_DAYS ? HW_WARN : HW_GOOD;
}

void
hw_status(FILE *out, const char *status, const char *error, bool incomplete, const char *reason)
{
	if (!status || strcmp(status, "ok") != 0) {
		hw_mark(out, HW_BAD, "error");
		fputs(" ", out);
		hw_esc(out, error);
	} else if (incomplete) {
		hw_mark(out, HW_WARN, "incomplete");
		fputs(" ", out);
		hw_esc(out, reason);
	} else {
		hw_mark(out, HW_GOOD, "ok");
	}
}

enum hw_level
hw_profile_verdict(const json_t *prof, bool scanned, const char **words)
{
	const json_t *c = json_object_get(prof, "compliant");

	if (!prof) {
		*words = "not evaluated";
		return HW_INFO;
	}
	if (!scanned || !json_is_boolean(c)) {
		*words = "not tested";
		return HW_INFO;
	}
	if (json_is_false(c)) {
		*words = "not compliant";
		return HW_BAD;
	}
	if (hw_true(prof, "complete")) {
		*words = "compliant";
		return HW_GOOD;
	}
	*words = "incomplete";
	return HW_WARN;
}

char *
hw_dup(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}
