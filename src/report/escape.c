/*
 * Output escaping (see escape.h).  One walker decodes the input as UTF-8
 * and hands each piece, already escaped for the mode, to a sink: a bounded
 * buffer or a FILE.
 */
#include <langinfo.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "report/escape.h"
#include "report/report.h"

struct sink {
	void (*put)(struct sink *k, const char *p, size_t n);
	size_t total; /* bytes the whole output needs */
	char *buf;    /* buffer sink */
	size_t cap, used;
	bool cut;
	FILE *out; /* file sink */
};

static void
buf_put(struct sink *k, const char *p, size_t n)
{
	k->total += n;
	if (k->cut || k->cap == 0)
		return;
	if (n > k->cap - 1 - k->used) { /* never split an escape */
		k->cut = true;
		return;
	}
	memcpy(k->buf + k->used, p, n);
	k->used += n;
	k->buf[k->used] = '\0';
}

static void
file_put(struct sink *k, const char *p, size_t n)
{
	k->total += n;
	fwrite(p, 1, n, k->out);
}

/* Length and value of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t
utf8_decode(const unsigned char *p, size_t left, uint32_t *cp)
{
	size_t n;
	uint32_t v, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2, v = p[0] & 0x1fu, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3, v = p[0] & 0x0fu, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4, v = p[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Characters that reorder text or break lines wherever they land. */
static bool
is_format_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
	       cp == 0x2029;
}

static void
put_cp_escape(struct sink *k, uint32_t cp)
{
	char e[16];
	int n = snprintf(e, sizeof e, "\\u{%04X}", (unsigned)cp);

	k->put(k, e, (size_t)n);
}

static void
put_byte_escape(struct sink *k, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

	k->put(k, e, 4);
}

/* A backslash before c stays single: c is printed as itself and cannot
 * make the pair read as one of our escapes. */
static bool
plain_after_backslash(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != 'x' && c != 'u' && c != '\\';
}

static bool
formula_start(const char *s, size_t len)
{
	if (len == 0)
		return false;
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')
		return true;
	/* Tab and CR are escaped to \x09 and \x0d: guard the escaped form too. */
	return s[0] == '\t' || s[0] == '\r';
}

static void
walk(struct sink *k, const char *s, size_t len, enum ta_esc how)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (how == TA_ESC_CSV && formula_start(s, len))
		k->put(k, "'", 1);
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0) {
			put_byte_escape(k, p[i++]);
			continue;
		}
		if (cp < 0x20 || cp == 0x7f) {
			put_byte_escape(k, (unsigned char)cp);
		} else if (cp == '\\' && i + 1 < len && !plain_after_backslash(p[i + 1])) {
			k->put(k, "\\\\", 2); /* only where it could read as an escape */
		} else if (is_format_control(cp) || (cp >= 0x80 && how == TA_ESC_ASCII) ||
		           (how == TA_ESC_XML && (cp == 0xfffe || cp == 0xffff))) {
			put_cp_escape(k, cp); /* XML 1.0 has no U+FFFE, U+FFFF */
		} else if (how == TA_ESC_CSV && cp == '"') {
			k->put(k, "\"\"", 2);
		} else if ((how == TA_ESC_HTML || how == TA_ESC_XML) &&
		           (cp == '&' || cp == '<' || cp == '>' || cp == '"' || cp == '\'')) {
			const char *ref = cp == '&'   ? "&amp;"
			                  : cp == '<' ? "&lt;"
			                  : cp == '>' ? "&gt;"
			                  : cp == '"' ? "&quot;"
			                              : "&#39;";

			k->put(k, ref, strlen(ref));
		} else {
			k->put(k, (const char *)p + i, n);
		}
		i += n;
	}
}

size_t
ta_esc_buf(char *dst, size_t cap, const char *s, size_t len, enum ta_esc how)
{
	struct sink k = {.put = buf_put, .buf = dst, .cap = cap};

	if (cap > 0)
		dst[0] = '\0';
	walk(&k, s ? s : "", s ? len : 0, how);
	return k.total;
}

void
ta_esc_put(FILE *out, const char *s, enum ta_esc how)
{
	struct sink k = {.put = file_put, .out = out};

	if (s)
		walk(&k, s, strlen(s), how);
}

void
ta_esc_csv_field(FILE *out, const char *s)
{
	fputc('"', out);
	ta_esc_put(out, s, TA_ESC_CSV);
	fputc('"', out);
}

enum ta_esc
ta_esc_term_mode(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0) ? TA_ESC_UTF8
	                                                                           : TA_ESC_ASCII;
}

void
ta_fput_safe(const char *s, FILE *out)
{
	ta_esc_put(out, s, ta_esc_term_mode());
}

void
ta_text_for_terminal(char *dst, size_t cap, const char *s)
{
	ta_esc_buf(dst, cap, s, strlen(s), ta_esc_term_mode());
}
