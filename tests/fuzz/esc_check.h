/*
 * The promises of report/escape.h, checked on one input in every mode;
 * shared by fuzz_escape.c and tests/unit/test_escape.c.  esc_check()
 * returns NULL when all hold, or a short text naming the broken one.
 *
 * Besides "nothing dangerous in the output", it decodes the output back
 * (\\, \xNN, \u{N}, the HTML and XML references, CSV's "" and leading ') and
 * requires the original bytes: escaping loses nothing and cannot be forged.
 */
#ifndef TA_TESTS_ESC_CHECK_H
#define TA_TESTS_ESC_CHECK_H

#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"

/* Length of the valid UTF-8 sequence at p, its code point in *cp; 0 if
 * invalid.  Written apart from escape.c's on purpose. */
static size_t
esc_utf8(const unsigned char *p, size_t left, uint32_t *cp)
{
	static const struct {
		unsigned char lo, hi;
		size_t n;
		uint32_t min;
	} lead[] = {{0xc2, 0xdf, 2, 0x80}, {0xe0, 0xef, 3, 0x800}, {0xf0, 0xf4, 4, 0x10000}};

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	for (size_t k = 0; k < 3; k++) {
		uint32_t v;

		if (p[0] < lead[k].lo || p[0] > lead[k].hi)
			continue;
		if (left < lead[k].n)
			return 0;
		v = p[0] & (0x7fu >> lead[k].n);
		for (size_t i = 1; i < lead[k].n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			v = v << 6 | (p[i] & 0x3fu);
		}
		if (v < lead[k].min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		*cp = v;
		return lead[k].n;
	}
	return 0;
}

static size_t
esc_put_utf8(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool
esc_forbidden(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

static bool
esc_formula(const unsigned char *s, size_t n)
{
	return n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
	                 s[0] == '\r');
}

/* Decode out (escaped in mode how) into dec (at least strlen(out) + 1
 * bytes: decoding never grows); the length, or SIZE_MAX when out has
 * something escaping never writes. */
static size_t
esc_decode(const char *out, enum ta_esc how, bool formula, unsigned char *dec)
{
	static const char *const ref[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
	static const char refc[] = "&<>\"'";
	size_t i = 0, n = 0, len = strlen(out);

	if (how == TA_ESC_CSV && formula) {
		if (out[0] != '\'')
			return SIZE_MAX;
		i = 1;
	}
	while (i < len) {
		unsigned c = (unsigned char)out[i];

		if (c == '\\' && i + 1 < len && out[i + 1] == '\\') {
			dec[n++] = '\\';
			i += 2;
		} else if (c == '\\' && i + 3 < len && out[i + 1] == 'x') {
			unsigned v;

			if (!isxdigit((unsigned char)out[i + 2]) ||
			    !isxdigit((unsigned char)out[i + 3]) ||
			    sscanf(out + i + 2, "%2x", &v) != 1)
				return SIZE_MAX;
			dec[n++] = (unsigned char)v;
			i += 4;
		} else if (c == '\\' && i + 2 < len && out[i + 1] == 'u' && out[i + 2] == '{') {
			char *end;
			unsigned long v = strtoul(out + i + 3, &end, 16);

			if (*end != '}' || v > 0x10ffff)
				return SIZE_MAX;
			n += esc_put_utf8((uint32_t)v, dec + n);
			i = (size_t)(end - out) + 1;
		} else if (c == '\\') {
			/* A bare backslash stays only where no escape could start. */
			if (i + 1 < len && (out[i + 1] == 'x' || out[i + 1] == 'u'))
				return SIZE_MAX;
			dec[n++] = '\\';
			i++;
		} else if ((how == TA_ESC_HTML || how == TA_ESC_XML) && c == '&') {
			size_t k = 0;

			while (k < 5 && strncmp(out + i, ref[k], strlen(ref[k])) != 0)
				k++;
			if (k == 5)
				return SIZE_MAX;
			dec[n++] = (unsigned char)refc[k];
			i += strlen(ref[k]);
		} else if (how == TA_ESC_CSV && c == '"') {
			if (i + 1 >= len || out[i + 1] != '"')
				return SIZE_MAX;
			dec[n++] = '"';
			i += 2;
		} else {
			dec[n++] = (unsigned char)c;
			i++;
		}
	}
	return n;
}

/* Everything about one mode's output, given the input. */
static const char *
esc_check_output(const char *out, const unsigned char *in, size_t inlen, enum ta_esc how)
{
	const unsigned char *p = (const unsigned char *)out;
	size_t len = strlen(out), dlen;
	unsigned char *dec;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = esc_utf8(p + i, len - i, &cp);

		if (n == 0)
			return "output is not valid UTF-8";
		if (esc_forbidden(cp))
			return "a control or bidi character got through";
		if (how == TA_ESC_ASCII && cp >= 0x80)
			return "non-ASCII in ASCII mode";
		if ((how == TA_ESC_HTML || how == TA_ESC_XML) &&
		    (cp == '<' || cp == '>' || cp == '\'' || cp == '"'))
			return "an HTML special character got through";
		if (how == TA_ESC_XML && (cp == 0xfffe || cp == 0xffff))
			return "a character XML 1.0 forbids got through";
		i += n;
	}
	if (how == TA_ESC_CSV && len > 0 && esc_formula(p, len))
		return "a CSV cell starts a formula";
	dec = malloc(len + 1);
	if (!dec)
		return NULL; /* not the code under test */
	dlen = esc_decode(out, how, how == TA_ESC_CSV && esc_formula(in, inlen), dec);
	if (dlen == SIZE_MAX) {
		free(dec);
		return "output has a sequence escaping never writes";
	}
	if (dlen != inlen || memcmp(dec, in, inlen) != 0) {
		free(dec);
		return "output does not decode back to the input";
	}
	free(dec);
	return NULL;
}

static const char *
esc_check(const unsigned char *in, size_t inlen)
{
	static const enum ta_esc modes[] = {TA_ESC_ASCII, TA_ESC_UTF8, TA_ESC_CSV, TA_ESC_HTML,
	                                    TA_ESC_XML};

	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		size_t need = ta_esc_buf(NULL, 0, (const char *)in, inlen, modes[m]), got;
		char *full = malloc(need + 1), *cut, *mem = NULL;
		const char *why;
		size_t memlen = 0, nul = strnlen((const char *)in, inlen);
		FILE *f;

		if (!full)
			return NULL;
		got = ta_esc_buf(full, need + 1, (const char *)in, inlen, modes[m]);
		if (got != need || strlen(full) != need) {
			free(full);
			return "buffer length disagrees with the returned length";
		}
		if ((why = esc_check_output(full, in, inlen, modes[m])) != NULL) {
			free(full);
			return why;
		}
		/* A short buffer holds a prefix that ends at a whole escape. */
		for (size_t cap = 1; cap <= need; cap += 1 + need / 3) {
			cut = malloc(cap);
			if (!cut)
				break;
			ta_esc_buf(cut, cap, (const char *)in, inlen, modes[m]);
			if (strlen(cut) >= cap || strncmp(cut, full, strlen(cut)) != 0) {
				free(cut);
				free(full);
				return "a cut buffer is not a prefix of the whole output";
			}
			free(cut);
		}
		/* The FILE writer writes what the buffer writer writes (up to a NUL). */
		f = open_memstream(&mem, &memlen);
		if (f) {
			char *z = strndup((const char *)in, nul);
			char *want = malloc(4 * 12 * nul + 8);

			if (z && want) {
				ta_esc_put(f, z, modes[m]);
				fclose(f);
				f = NULL;
				ta_esc_buf(want, 4 * 12 * nul + 8, z, nul, modes[m]);
				if (strcmp(mem, want) != 0)
					why = "the FILE writer and the buffer writer differ";
			}
			if (f)
				fclose(f);
			free(z);
			free(want);
			free(mem);
		}
		free(full);
		if (why)
			return why;
	}
	return NULL;
}

#endif
