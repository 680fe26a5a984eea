/*
 * Writing a report while the targets arrive (report/sink.h): each format
 * as a stream of target documents.  JSON is written exactly as jansson
 * would write the whole tree (two-space indent, the keys in the
 * document's order, ASCII only), one target at a time; CSV is the JSON
 * tree flattened (csv.c); text, HTML and JUnit are render.h's.
 */
#include "report/sink.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "report/csv.h"
#include "report/render.h"

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)

struct ta_sink {
	enum ta_format fmt;
	FILE *out;
	struct ta_render_opts opts;
	size_t ntargets; /* written so far */
	struct ta_html *html;
	struct ta_junit *junit;
	bool closed;
};

/* Write value dumped as jansson would at nesting depth `depth` (its first
 * line where the cursor is, the others indented by 2 * depth spaces): one
 * write per line, not per character or per token. */
static int
put_indented(FILE *out, const json_t *v, unsigned depth)
{
	static const char spaces[64] =
	        "                                                               ";
	size_t pad = 2 * (size_t)depth < sizeof spaces - 1 ? 2 * (size_t)depth : sizeof spaces - 1;
	char *s = json_dumps(v, JSON_FLAGS | JSON_ENCODE_ANY);
	const char *p;
	size_t left;

	if (!s)
		return TA_ENOMEM;
	for (p = s, left = strlen(s); left;) {
		const char *nl = memchr(p, '\n', left);
		size_t n = nl ? (size_t)(nl - p) + 1 : left;

		fwrite(p, 1, n, out);
		if (nl)
			fwrite(spaces, 1, pad, out);
		p += n;
		left -= n;
	}
	free(s);
	return TA_OK;
}

struct ta_sink *
ta_sink_open(enum ta_format fmt, FILE *out, const struct ta_render_opts *o, const json_t *meta)
{
	struct ta_sink *k = calloc(1, sizeof *k);
	const char *key;
	json_t *v;

	if (!k)
		return NULL;
	k->fmt = fmt;
	k->out = out;
	k->opts = *o;
	switch (fmt) {
	case TA_FORMAT_JSON:
		fputs("{\n", out);
		json_object_foreach ((json_t *)meta, key, v) {
			json_t *name = json_string(key);

			fputs("  ", out);
			if (!name || put_indented(out, name, 1) != TA_OK ||
			    (fputs(": ", out), put_indented(out, v, 1)) != TA_OK) {
				json_decref(name);
				free(k);
				return NULL;
			}
			json_decref(name);
			fputs(",\n", out);
		}
		fputs("  \"targets\": [", out);
		break;
	case TA_FORMAT_CSV:
		ta_csv_header(out);
		ta_csv_meta(out, meta);
		break;
	case TA_FORMAT_HTML:
		k->html = ta_html_open(out, meta, o);
		if (!k->html) {
			free(k);
			return NULL;
		}
		break;
	case TA_FORMAT_JUNIT:
		k->junit = ta_junit_open(out, meta, o);
		if (!k->junit) {
			free(k);
			return NULL;
		}
		break;
	case TA_FORMAT_TEXT:
		break;
	}
	return k;
}

int
ta_sink_target(struct ta_sink *k, const json_t *target)
{
	int rc = TA_OK;

	switch (k->fmt) {
	case TA_FORMAT_JSON:
		fputs(k->ntargets ? ",\n    " : "\n    ", k->out);
		rc = put_indented(k->out, target, 2);
		break;
	case TA_FORMAT_CSV:
		ta_csv_target(k->out, target);
		break;
	case TA_FORMAT_HTML:
		rc = ta_html_target(k->html, target);
		break;
	case TA_FORMAT_JUNIT:
		rc = ta_junit_target(k->junit, target);
		break;
	case TA_FORMAT_TEXT:
		rc = ta_text_target(k->out, target, &k->opts);
		break;
	}
	k->ntargets++;
	/* out of the process with each target: a crash or a kill later loses
	 * nothing written (HTML and JUnit are assembled at the end) */
	if (rc == TA_OK && (ferror(k->out) || (k->fmt != TA_FORMAT_HTML &&
	                                       k->fmt != TA_FORMAT_JUNIT && fflush(k->out) != 0)))
		rc = TA_ESYS;
	return rc;
}

int
ta_sink_trend(struct ta_sink *k, const struct ta_trend_point *p, size_t n)
{
	return k->html ? ta_html_trend(k->html, p, n) : TA_OK;
}

void
ta_sink_plan(struct ta_sink *k, json_t *plan)
{
	if (k->html)
		ta_html_plan(k->html, plan);
}

bool
ta_sink_wants_trend(const struct ta_sink *k)
{
	return k && k->html;
}

int
ta_sink_close(struct ta_sink *k, const json_t *mails)
{
	size_t i, n = json_array_size(mails);
	json_t *m;
	int rc = TA_OK;

	switch (k->fmt) {
	case TA_FORMAT_JSON:
		fputs(k->ntargets ? "\n  ]" : "]", k->out);
		if (n) {
			fputs(",\n  \"mail\": [", k->out);
			json_array_foreach (mails, i, m) {
				fputs(i ? ",\n    " : "\n    ", k->out);
				if (rc == TA_OK)
					rc = put_indented(k->out, m, 2);
			}
			fputs("\n  ]", k->out);
		}
		fputs("\n}\n", k->out);
		break;
	case TA_FORMAT_CSV:
		json_array_foreach (mails, i, m)
			ta_csv_mail(k->out, m);
		break;
	case TA_FORMAT_HTML:
		json_array_foreach (mails, i, m)
			if (rc == TA_OK)
				rc = ta_html_mail(k->html, m);
		if (rc == TA_OK)
			rc = ta_html_close(k->html);
		else
			ta_html_abort(k->html);
		k->html = NULL;
		break;
	case TA_FORMAT_JUNIT: /* the MX hosts are targets; a domain is no test case */
		rc = ta_junit_close(k->junit);
		k->junit = NULL;
		break;
	case TA_FORMAT_TEXT:
		json_array_foreach (mails, i, m)
			if (rc == TA_OK)
				rc = ta_text_mail(k->out, m, &k->opts);
		break;
	}
	k->closed = true;
	if (rc == TA_OK && (ferror(k->out) || fflush(k->out) != 0))
		rc = TA_ESYS;
	return rc;
}

void
ta_sink_free(struct ta_sink *k)
{
	if (!k)
		return;
	if (k->html)
		ta_html_abort(k->html);
	ta_junit_abort(k->junit);
	free(k);
}
