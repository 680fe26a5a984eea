/*
 * What the commands share: numbers, formats and report files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int
cli_parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max || s[0] == '-') {
		fprintf(stderr, "tlsaudit: %s: '%s' is not a number from %u to %u\n", opt, s, min,
		        max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int
cli_parse_format(const char *s, enum ta_format *fmt)
{
	static const struct {
		const char *name;
		enum ta_format fmt;
	} f[] = {{"text", TA_FORMAT_TEXT},
	         {"json", TA_FORMAT_JSON},
	         {"csv", TA_FORMAT_CSV},
	         {"html", TA_FORMAT_HTML}};

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (strcmp(s, f[i].name) == 0) {
			*fmt = f[i].fmt;
			return 0;
		}
	fprintf(stderr, "tlsaudit: --format: '%.64s' is not text, json, csv or html\n", s);
	return -1;
}

enum ta_format
cli_format_of(const char *path, enum ta_format fallback)
{
	static const struct {
		const char *ext;
		enum ta_format fmt;
	} e[] = {{".json", TA_FORMAT_JSON},
	         {".csv", TA_FORMAT_CSV},
	         {".html", TA_FORMAT_HTML},
	         {".htm", TA_FORMAT_HTML},
	         {".txt", TA_FORMAT_TEXT}};
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		size_t k = strlen(e[i].ext);

		if (n > k && strcasecmp(path + n - k, e[i].ext) == 0)
			return e[i].fmt;
	}
	return fallback;
}

int
cli_close_outputs(FILE **outs, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		if (outs[i] && fclose(outs[i]) != 0)
			bad = 1;
	return bad;
}

