/*
 * The inventory as CSV (RFC 4180): the reader and the writer.
 *
 * Reading takes what spreadsheets write: a UTF-8 BOM (stripped before we
 * get here), CRLF, LF or a lone CR between records, "," or, as Excel
 * writes in locales with a decimal comma, ";" between cells (whichever the
 * header line has more of), quoted cells holding separators, quotes ("")
 * and line breaks (RFC 4180 section 2).  The first record names the
 * columns, in any order and any case, ' ' and '-' taken for '_'; unknown
 * columns are ignored (an export's observed columns come back that way).
 * A record's line is the line it starts on, so that the messages after a
 * cell spanning lines still name the right line.  Records and cells are
 * capped (TA_INV_RECORD_MAX, TA_INV_FIELDS_MAX); a quote left open runs to
 * the end of the file and is reported once, at the line it opened.
 *
 * Writing: ',' and CRLF, a cell quoted only when it must be, and a cell
 * that a spreadsheet would take for a formula prefixed with a single quote
 * (OWASP's advice on CSV injection), which the reader removes again.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_int.h"

struct csvr {
	const char *p, *end;
	char sep;
	unsigned line; /* the physical line p is on */
	char *buf;     /* the cells of the record, each NUL-terminated */
	size_t used;
	size_t off[TA_INV_FIELDS_MAX], len[TA_INV_FIELDS_MAX];
	size_t nf;
	char why[128]; /* the record's first problem, "" when none */
};

static void
problem(struct csvr *r, const char *fmt, unsigned a)
{
	if (!r->why[0])
		snprintf(r->why, sizeof r->why, fmt, a);
}

static void
put(struct csvr *r, char ch)
{
	if (r->used < TA_INV_RECORD_MAX)
		r->buf[r->used++] = ch;
	else
		problem(r, "the record is longer than %u bytes", TA_INV_RECORD_MAX);
}

/* A line break at r->p (CRLF, LF or CR): step over it. */
static bool
eol(struct csvr *r)
{
	if (r->p < r->end && *r->p == '\r') {
		r->p++;
		if (r->p < r->end && *r->p == '\n')
			r->p++;
		r->line++;
		return true;
	}
	if (r->p < r->end && *r->p == '\n') {
		r->p++;
		r->line++;
		return true;
	}
	return false;
}

/* One record into r->buf and r->off/len; false at the end of the input. */
static bool
read_record(struct csvr *r)
{
	r->used = r->nf = 0;
	r->why[0] = '\0';
	if (r->p >= r->end)
		return false;
	for (;;) {
		size_t start = r->used;

		if (r->p < r->end && *r->p == '"') {
			unsigned opened = r->line;

			r->p++;
			for (;;) {
				if (r->p >= r->end) {
					problem(r,
					        "the quoted cell that starts on line %u is not "
					        "closed (a '\"' is missing)",
					        opened);
					break;
				}
				if (*r->p == '"') {
					if (r->p + 1 < r->end && r->p[1] == '"') {
						put(r, '"');
						r->p += 2;
						continue;
					}
					r->p++;
					break;
				}
				if (*r->p == '\n' ||
				    (*r->p == '\r' && (r->p + 1 >= r->end || r->p[1] != '\n')))
					r->line++;
				put(r, *r->p++);
			}
			if (r->p < r->end && *r->p != r->sep && *r->p != '\r' && *r->p != '\n')
				problem(r, "text after the closing quote of cell %u",
				        (unsigned)r->nf + 1);
		}
		/* an unquoted cell, or what follows a closing quote by mistake */
		while (r->p < r->end && *r->p != r->sep && *r->p != '\r' && *r->p != '\n')
			put(r, *r->p++);
		put(r, '\0');
		if (r->nf < TA_INV_FIELDS_MAX) {
			r->off[r->nf] = start;
			r->len[r->nf] = r->used > start ? r->used - start - 1 : 0;
			r->nf++;
		} else {
			problem(r, "more than %u cells", TA_INV_FIELDS_MAX);
		}
		if (r->p < r->end && *r->p == r->sep) {
			r->p++;
			continue;
		}
		eol(r);
		return true;
	}
}

static const char *
cellp(const struct csvr *r, size_t i)
{
	return r->buf + r->off[i];
}

/* The header line's separator: ';' when it has more of them than ','. */
static char
pick_sep(const char *p, const char *end)
{
	size_t commas = 0, semis = 0;
	bool quoted = false;

	for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ',')
			commas++;
		else if (!quoted && *p == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

/* A header cell as a column: trimmed, lower case, ' ' and '-' as '_'. */
static int
column_of(const char *s, size_t n)
{
	char name[32];
	size_t k = 0;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= sizeof name)
		return -1;
	for (; k < n; k++)
		name[k] = s[k] == ' ' || s[k] == '-' ? '_' : (char)tolower((unsigned char)s[k]);
	name[k] = '\0';
	for (size_t i = 0; i < NCOLS; i++)
		if (strcmp(name, ta_inv_column(i)) == 0)
			return (int)i;
	return -1;
}

/* A cell our writer marked as not a formula: drop the one quote it added. */
static void
unmark(const char **s, size_t *n)
{
	size_t q = 0;

	while (q < *n && (*s)[q] == '\'')
		q++;
	if (q > 0 && q < *n && (*s)[q] != '\0' && strchr("=+-@\t\r", (*s)[q])) {
		(*s)++;
		(*n)--;
	}
}

void
inv_parse_csv(struct inv_ctx *c, const char *buf, size_t len)
{
	struct csvr *r = calloc(1, sizeof *r);
	int colmap[TA_INV_FIELDS_MAX];
	size_t ncols;
	bool have[NCOLS] = {false};

	if (!r || !(r->buf = malloc(TA_INV_RECORD_MAX))) {
		inv_fatal(c, 0, "out of memory");
		goto out;
	}
	r->p = buf;
	r->end = buf + len;
	r->line = 1;
	for (;;) { /* blank lines before the header */
		const char *q = r->p;

		while (q < r->end && (*q == ' ' || *q == '\t'))
			q++;
		if (q == r->p && r->p < r->end && *q != '\r' && *q != '\n')
			break;
		r->p = q;
		if (!eol(r))
			break;
	}
	r->sep = pick_sep(r->p, r->end);
	if (!read_record(r)) {
		inv_fatal(c, 0,
		          "empty file: a CSV inventory starts with a header line naming its "
		          "columns (docs/inventory.md)");
		goto out;
	}
	if (r->why[0]) {
		inv_fatal(c, 1, "header: %s", r->why);
		goto out;
	}
	ncols = r->nf;
	for (size_t i = 0; i < ncols; i++) {
		int col = column_of(cellp(r, i), r->len[i]);

		colmap[i] = col;
		if (col >= 0 && have[col]) {
			inv_fatal(c, 1, "header: column '%s' appears twice",
			          ta_inv_column((size_t)col));
			goto out;
		}
		if (col >= 0)
			have[col] = true;
	}
	if (!have[C_HOST]) {
		inv_fatal(c, 1,
		          "the header names no 'host' column (a CSV inventory starts with "
		          "a line such as \"asset_id,name,owner,service,host,port,protocol,...\": "
		          "docs/inventory.md)");
		goto out;
	}
	while (!c->fatal && !c->stop) {
		unsigned line = r->line;
		struct inv_cells cells = {0};
		bool blank = true;

		if (!read_record(r))
			break;
		if (r->why[0]) {
			inv_bad(c, line, "%s", r->why);
			continue;
		}
		for (size_t i = 0; i < r->nf; i++)
			if (strspn(cellp(r, i), " \t") < r->len[i])
				blank = false;
		if (blank)
			continue; /* an empty line, or a row of empty or blank cells */
		for (size_t i = ncols; i < r->nf; i++)
			if (r->len[i]) {
				inv_bad(c, line, "%zu cells, but the header names %zu columns",
				        r->nf, ncols);
				goto next;
			}
		for (size_t i = 0; i < r->nf && i < ncols; i++) {
			const char *s = cellp(r, i);
			size_t n = r->len[i];

			if (colmap[i] < 0)
				continue;
			unmark(&s, &n);
			cells.v[colmap[i]] = s;
			cells.len[colmap[i]] = n;
		}
		inv_add(c, &cells, line);
	next:;
	}
out:
	if (r)
		free(r->buf);
	free(r);
}

/* ------------------------------------------------------------------ */
/* writing */

static void
put_cell(FILE *out, const char *s)
{
	size_t q = strspn(s, "'");
	bool formula = s[q] != '\0' && strchr("=+-@\t\r", s[q]) != NULL;
	bool quote = strpbrk(s, "\",\r\n") != NULL;

	if (quote)
		putc('"', out);
	if (formula)
		putc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	if (quote)
		putc('"', out);
}

int
ta_inv_write_csv(FILE *out, const struct ta_inventory *inv, const char *const *extra_names,
                 size_t nextra, const char *const *const *extra_values, unsigned flags)
{
	if (flags & TA_INV_WRITE_BOM)
		fputs("\xef\xbb\xbf", out);
	for (size_t i = 0; i < NCOLS; i++) {
		if (i)
			putc(',', out);
		put_cell(out, ta_inv_column(i));
	}
	for (size_t k = 0; k < nextra; k++) {
		putc(',', out);
		put_cell(out, extra_names && extra_names[k] ? extra_names[k] : "");
	}
	fputs("\r\n", out);
	for (size_t r = 0; r < inv->n; r++) {
		const char *const *ev = extra_values ? extra_values[r] : NULL;
		char num[8];

		for (size_t i = 0; i < NCOLS; i++) {
			if (i)
				putc(',', out);
			put_cell(out, inv_col_text(&inv->rows[r], (enum inv_col)i, num));
		}
		for (size_t k = 0; k < nextra; k++) {
			putc(',', out);
			put_cell(out, ev && ev[k] ? ev[k] : "");
		}
		if (fputs("\r\n", out) == EOF)
			break;
	}
	return ferror(out) ? TA_ESYS : TA_OK;
}
