/*
 * What the commands share: numbers, formats and report files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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
	         {"html", TA_FORMAT_HTML},
	         {"junit", TA_FORMAT_JUNIT}};

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (strcmp(s, f[i].name) == 0) {
			*fmt = f[i].fmt;
			return 0;
		}
	fprintf(stderr, "tlsaudit: --format: '%.64s' is not text, json, csv, html or junit\n", s);
	return -1;
}

enum ta_format
cli_format_of(const char *path, enum ta_format fallback)
{
	static const struct {
		const char *ext;
		enum ta_format fmt;
	} e[] = {{".json", TA_FORMAT_JSON}, {".csv", TA_FORMAT_CSV},   {".html", TA_FORMAT_HTML},
	         {".htm", TA_FORMAT_HTML},  {".xml", TA_FORMAT_JUNIT}, {".txt", TA_FORMAT_TEXT}};
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

void
cli_buf_add(struct cli_buf *b, const char *s)
{
	size_t k = strlen(s);

	if (b->oom)
		return;
	if (b->n + k + 1 > b->cap) {
		size_t cap = (b->n + k + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, k + 1);
	b->n += k;
}

void
cli_buf_json(struct cli_buf *b, const char *s)
{
	char esc[8];

	cli_buf_add(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			snprintf(esc, sizeof esc, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			snprintf(esc, sizeof esc, "\\u%04x",
			         ch); /* bytes, not UTF-8: shown safely */
		else
			snprintf(esc, sizeof esc, "%c", ch);
		cli_buf_add(b, esc);
	}
	cli_buf_add(b, "\"");
}

void
cli_buf_free(struct cli_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

int
cli_out_open(struct cli_out *o, const char *path)
{
	char shown[128];
	int fd = -1;

	o->f = stdout;
	o->path = path;
	if (!path)
		return 0;
	if (snprintf(o->partial, sizeof o->partial, "%s.XXXXXX", path) >= (int)sizeof o->partial) {
		fprintf(stderr, "tlsaudit: the -o name is too long\n");
		return EXIT_USAGE;
	}
	if ((fd = mkstemp(o->partial)) < 0 || !(o->f = fdopen(fd, "w"))) {
		ta_text_for_terminal(shown, sizeof shown, path);
		fprintf(stderr, "tlsaudit: cannot write '%s': %s\n", shown, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(o->partial);
		}
		o->f = NULL;
		return EXIT_USAGE;
	}
	mode_t mask = umask(0);

	umask(mask);
	(void)fchmod(fd, 0666 & ~mask); /* as fopen() would have made it */
	return 0;
}

int
cli_out_close(struct cli_out *o, int rc)
{
	char shown[128];

	if (!o->path)
		return fflush(stdout) != 0 && rc == TA_OK ? TA_ESYS : rc;
	if (fclose(o->f) != 0 && rc == TA_OK) {
		fprintf(stderr, "tlsaudit: cannot write the report: %s\n", strerror(errno));
		rc = TA_ESYS;
	}
	if (rc == TA_OK && rename(o->partial, o->path) != 0) {
		ta_text_for_terminal(shown, sizeof shown, o->path);
		fprintf(stderr, "tlsaudit: cannot write '%s': %s\n", shown, strerror(errno));
		rc = TA_ESYS;
	}
	if (rc != TA_OK)
		unlink(o->partial);
	return rc;
}

int
cli_add_require(const char **ids, size_t *n, const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 64 || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789.-") != len) {
		char shown[80];

		ta_text_for_terminal(shown, sizeof shown, id);
		fprintf(stderr,
		        "tlsaudit: --require: '%s' is not a profile id (see tlsaudit profiles)\n",
		        shown);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		if (strcmp(ids[i], id) == 0)
			return 0;
	if (*n == TA_REQUIRE_MAX) {
		fprintf(stderr, "tlsaudit: --require: at most %d profiles\n", TA_REQUIRE_MAX);
		return -1;
	}
	ids[(*n)++] = id;
	return 0;
}

int
cli_exit(int rc)
{
	return rc == TA_OK ? EXIT_SCANNED : rc == TA_EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
}

int
cli_bad_option(const char *cmd, int c, char *const *argv)
{
	fprintf(stderr,
	        c == ':' ? "tlsaudit: %s%soption '%.64s' needs a value\n"
	                 : "tlsaudit: %s%sunknown option '%.64s'\n",
	        cmd ? cmd : "", cmd ? ": " : "", argv[optind - 1]);
	return EXIT_USAGE;
}
