/*
 * The reports of a scan (the public API of include/tlsaudit.h): the
 * profiles a run is judged against, and the report written while the scan
 * runs.  The scan hands each finished target over (probe/scan_internal.h);
 * here it becomes its document (src/assess), is counted for --require,
 * waits for the targets before it so the report keeps the order they were
 * given in, and is written and freed.  Memory follows the targets in
 * flight: behind a slow target (a tarpit that takes its whole timeout),
 * the documents that wait beyond the first PENDING_IN_MEMORY go to an
 * unlinked temporary file and are read back in their turn.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assess/assess.h"
#include "cert/cert.h"
#include "probe/engine.h"
#include "probe/scan_internal.h"
#include "profile/profile.h"
#include "report/report.h"
#include "report/sink.h"

#define TA_MAX_SINKS      4
#define PENDING_IN_MEMORY 16

/* A target's document until it is written: in memory, or at off in the
 * spill file. */
struct pending {
	json_t *doc;
	long off;
	size_t len;
	bool spilled;
};

struct ta_output {
	struct ta_assess *assess;
	char err[200]; /* why the built-in profiles did not load */
	/* the report being written */
	struct ta_sink *sink[TA_MAX_SINKS]; /* the report, and any copies (--save) */
	size_t nsinks;
	time_t now;
	struct pending *pending; /* documents by target index, waiting for those before */
	size_t npending, next;
	size_t nmemory;  /* documents waiting in memory */
	size_t nspilled; /* documents waiting in the spill file */
	FILE *spill;     /* tmpfile(), from the first spill */
	bool trace;      /* TLSAUDIT_TRACE: say when documents are spilled */
	size_t nseen;
	long *noncompliant; /* by profile, over the targets seen */
	int write_err;      /* the first TA_E* of writing */
};

static void
output_free(void *p)
{
	struct ta_output *o = p;

	if (!o)
		return;
	for (size_t i = 0; i < o->npending; i++)
		json_decref(o->pending[i].doc);
	free(o->pending);
	if (o->spill)
		fclose(o->spill);
	for (size_t i = 0; i < o->nsinks; i++)
		ta_sink_free(o->sink[i]);
	free(o->noncompliant);
	ta_assess_free(o->assess);
	free(o);
}

static struct ta_output *
output(const struct ta_scan *cs)
{
	struct ta_scan *s = (struct ta_scan *)cs; /* created on first use: logically const */
	struct ta_output *o = s->report_state;

	if (o)
		return o;
	o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->assess = ta_assess_new(o->err, sizeof o->err);
	s->report_state = o;
	s->report_state_free = output_free;
	return o;
}

int
ta_scan_add_profile_file(struct ta_scan *s, const char *path, char *err, size_t errlen)
{
	struct ta_output *o = output(s);

	if (!o || !o->assess) {
		snprintf(err, errlen, "built-in profiles: %s", o ? o->err : "out of memory");
		return TA_EINTERNAL;
	}
	return ta_assess_add_profile_file(o->assess, path, err, errlen);
}

int
ta_scan_has_profile(const struct ta_scan *s, const char *id)
{
	struct ta_output *o = output(s);

	return o && ta_assess_has_profile(o->assess, id);
}

static void
write_target(struct ta_output *o, const json_t *doc)
{
	for (size_t i = 0; i < o->nsinks; i++) {
		int rc = ta_sink_target(o->sink[i], doc);

		if (rc != TA_OK && !o->write_err)
			o->write_err = rc;
	}
}

/* Keep a waiting document in the spill file instead of memory; false
 * when it cannot (it then stays in memory). */
static bool
spill(struct ta_output *o, struct pending *p)
{
	char *text;
	size_t len;
	long off;

	if (!o->spill && !(o->spill = tmpfile()))
		return false;
	text = json_dumps(p->doc, JSON_COMPACT);
	if (!text)
		return false;
	len = strlen(text);
	if (fseek(o->spill, 0, SEEK_END) != 0 || (off = ftell(o->spill)) < 0 ||
	    fwrite(text, 1, len, o->spill) != len) {
		free(text);
		return false;
	}
	free(text);
	json_decref(p->doc);
	p->doc = NULL;
	p->off = off;
	p->len = len;
	p->spilled = true;
	return true;
}

/* A spilled document read back; NULL when it cannot be. */
static json_t *
unspill(struct ta_output *o, struct pending *p)
{
	char *buf = malloc(p->len ? p->len : 1);
	json_t *doc = NULL;
	json_error_t e;

	if (buf && fseek(o->spill, p->off, SEEK_SET) == 0 &&
	    fread(buf, 1, p->len, o->spill) == p->len)
		doc = json_loadb(buf, p->len, JSON_ALLOW_NUL, &e);
	free(buf);
	p->spilled = false;
	/* nothing left in it: its space is used again (if the cut fails, the
	 * next documents go after the old ones) */
	if (--o->nspilled == 0 && ftruncate(fileno(o->spill), 0) == 0)
		rewind(o->spill);
	return doc;
}

/* Write the documents that no earlier target is waited for any more. */
static void
flush(struct ta_output *o)
{
	while (o->next < o->npending && (o->pending[o->next].doc || o->pending[o->next].spilled)) {
		struct pending *p = &o->pending[o->next++];
		json_t *doc;

		if (p->spilled) {
			doc = unspill(o, p);
			if (!doc && !o->write_err)
				o->write_err = TA_ESYS;
		} else {
			doc = p->doc;
			p->doc = NULL;
			o->nmemory--;
		}
		if (doc)
			write_target(o, doc);
		json_decref(doc);
	}
}

static void
on_target(void *arg, size_t index, const struct ta_result *r)
{
	struct ta_output *o = arg;
	const struct ta_profile_set *set = ta_assess_profiles(o->assess);
	json_t *doc = ta_assess_target(o->assess, r);

	o->nseen++;
	if (!doc) {
		if (!o->write_err)
			o->write_err = TA_ENOMEM;
		return;
	}
	ta_doc_refresh_dates(doc, o->now);
	for (size_t k = 0; k < ta_profiles_count(set); k++)
		if (!ta_doc_complies(doc, ta_profile_id(ta_profiles_get(set, k))))
			o->noncompliant[k]++;
	if (index >= o->npending) {
		size_t n = index + 1 > 2 * o->npending ? index + 1 : 2 * o->npending;
		struct pending *v = realloc(o->pending, n * sizeof *v);

		if (!v) {
			json_decref(doc);
			if (!o->write_err)
				o->write_err = TA_ENOMEM;
			return;
		}
		memset(v + o->npending, 0, (n - o->npending) * sizeof *v);
		o->pending = v;
		o->npending = n;
	}
	o->pending[index].doc = doc;
	if (index != o->next && o->nmemory >= PENDING_IN_MEMORY && spill(o, &o->pending[index])) {
		o->nspilled++;
		if (o->trace)
			fprintf(stderr,
			        "trace: report: target %zu waits for target %zu: spilled (%zu in "
			        "the "
			        "file, %zu in memory)\n",
			        index, o->next, o->nspilled, o->nmemory);
	} else {
		o->nmemory++;
	}
	flush(o);
}

static void
on_end(void *arg, const struct ta_mail_result *mails, size_t nmails)
{
	struct ta_output *o = arg;
	json_t *m = json_array();
	int rc;

	/* a target that never came (none should): write the rest in order */
	while (o->next < o->npending) {
		if (!o->pending[o->next].doc && !o->pending[o->next].spilled)
			o->next++;
		else
			flush(o);
	}
	for (size_t i = 0; m && i < nmails; i++)
		json_array_append_new(m, ta_doc_mail(&mails[i]));
	for (size_t i = 0; i < o->nsinks; i++) {
		rc = m ? ta_sink_close(o->sink[i], m) : TA_ENOMEM;
		if (rc != TA_OK && !o->write_err)
			o->write_err = rc;
		ta_sink_free(o->sink[i]);
		o->sink[i] = NULL;
	}
	o->nsinks = 0;
	json_decref(m);
}

int
ta_scan_output(struct ta_scan *s, enum ta_format fmt, FILE *out, int color)
{
	struct ta_output *o = output(s);
	struct ta_render_opts opts = {.color = color, .focus_profile = s->focus_profile};
	struct ta_scan_consumer c = {.target = on_target, .end = on_end};
	json_t *meta;

	if (!o || !o->assess)
		return TA_EINTERNAL;
	if (o->nsinks == TA_MAX_SINKS)
		return TA_EINVAL;
	if (o->nsinks == 0) {
		o->trace = s->trace;
		/* one report time for every copy */
		o->now = ta_now();
		o->noncompliant =
		        calloc(ta_profiles_count(ta_assess_profiles(o->assess)) + 1, sizeof(long));
		if (!o->noncompliant)
			return TA_ENOMEM;
	}
	opts.now = o->now;
	meta = ta_doc_meta(o->now);
	if (!meta)
		return TA_ENOMEM;
	o->sink[o->nsinks] = ta_sink_open(fmt, out, &opts, meta);
	json_decref(meta);
	if (!o->sink[o->nsinks])
		return TA_ENOMEM;
	o->nsinks++;
	c.arg = o;
	ta_scan_set_consumer(s, &c);
	return TA_OK;
}

int
ta_scan_output_error(const struct ta_scan *s)
{
	const struct ta_output *o = s->report_state;

	return o ? o->write_err : TA_OK;
}

long
ta_scan_noncompliant(const struct ta_scan *s, const char *id)
{
	struct ta_output *o = output(s);
	const struct ta_profile_set *set = o ? ta_assess_profiles(o->assess) : NULL;

	for (size_t k = 0; set && o->noncompliant && k < ta_profiles_count(set); k++)
		if (strcmp(ta_profile_id(ta_profiles_get(set, k)), id) == 0)
			return o->noncompliant[k];
	return -1;
}
