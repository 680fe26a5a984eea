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

#include "api/output_int.h"
#include "api/trend.h"

static void
output_free(void *p)
{
	struct ta_output *o = p;

	if (!o)
		return;
	for (size_t i = 0; i < o->npending; i++) {
		json_decref(o->pending[i].doc);
		free(o->pending[i].key);
	}
	ta_output_store_free(o);
	for (size_t i = 0; i < o->nrequire; i++)
		free(o->require[i]);
	free(o->pending);
	if (o->spill)
		fclose(o->spill);
	for (size_t i = 0; i < o->nsinks; i++)
		ta_sink_free(o->sink[i]);
	free(o->noncompliant);
	ta_assess_free(o->assess);
	free(o);
}

struct ta_output *
ta_output_of(const struct ta_scan *cs)
{
	struct ta_scan *s = (struct ta_scan *)cs; /* created on first use: logically const */
	struct ta_output *o = s->report_state;

	if (o)
		return o;
	o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->scan = s;
	o->inventory = -1;
	o->assess = ta_assess_new(o->err, sizeof o->err);
	s->report_state = o;
	s->report_state_free = output_free;
	return o;
}

int
ta_scan_add_profile_file(struct ta_scan *s, const char *path, char *err, size_t errlen)
{
	struct ta_output *o = ta_output_of(s);

	if (!o || !o->assess) {
		snprintf(err, errlen, "built-in profiles: %s", o ? o->err : "out of memory");
		return TA_EINTERNAL;
	}
	return ta_assess_add_profile_file(o->assess, path, err, errlen);
}

int
ta_scan_has_profile(const struct ta_scan *s, const char *id)
{
	struct ta_output *o = ta_output_of(s);

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

/* Count doc against every profile, for --require. */
static void
count_verdicts(struct ta_output *o, const json_t *doc)
{
	const struct ta_profile_set *set = ta_assess_profiles(o->assess);

	for (size_t k = 0; k < ta_profiles_count(set); k++)
		if (!ta_doc_complies(doc, ta_profile_id(ta_profiles_get(set, k))))
			o->noncompliant[k]++;
}

/* Write the documents that no earlier target is waited for any more. */
void
ta_output_flush(struct ta_output *o)
{
	while (o->next < o->npending && (o->pending[o->next].doc || o->pending[o->next].spilled ||
	                                 o->pending[o->next].key)) {
		struct pending *p = &o->pending[o->next++];
		json_t *doc;

		if (p->key) {
			doc = ta_output_stored(o, p);
			if (doc)
				count_verdicts(o, doc);
			else if (!o->write_err)
				o->write_err = TA_EINVAL;
		} else if (p->spilled) {
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

bool
ta_output_slot(struct ta_output *o, size_t index)
{
	size_t n;
	struct pending *v;

	if (index < o->npending)
		return true;
	n = index + 1 > 2 * o->npending ? index + 1 : 2 * o->npending;
	v = realloc(o->pending, n * sizeof *v);
	if (!v) {
		if (!o->write_err)
			o->write_err = TA_ENOMEM;
		return false;
	}
	memset(v + o->npending, 0, (n - o->npending) * sizeof *v);
	o->pending = v;
	o->npending = n;
	return true;
}

static void
on_target(void *arg, size_t index, const struct ta_endpoint *e, const struct ta_result *r)
{
	struct ta_output *o = arg;
	json_t *doc;

	o->nseen++;
	if (!r) { /* in the store already (ta_output_have): its turn comes */
		ta_output_flush(o);
		return;
	}
	doc = ta_assess_target(o->assess, r);
	if (!doc) {
		if (!o->write_err)
			o->write_err = TA_ENOMEM;
		return;
	}
	ta_doc_refresh_dates(doc, o->now);
	count_verdicts(o, doc);
	ta_output_store(o, e, doc);
	if (!ta_output_slot(o, index)) {
		json_decref(doc);
		return;
	}
	o->pending[index].doc = doc;
	if (index != o->next && o->nmemory >= PENDING_IN_MEMORY && spill(o, &o->pending[index])) {
		o->nspilled++;
		if (o->trace)
			fprintf(stderr,
			        "trace: report: target %zu waits for target %zu: spilled (%zu in "
			        "the file, %zu in memory)\n",
			        index, o->next, o->nspilled, o->nmemory);
	} else {
		o->nmemory++;
	}
	ta_output_flush(o);
}

/* With a store, an HTML report shows the trend of its runs up to this
 * one, as `tlsaudit export` of this run will (api/trend.c). */
static void
output_trend(struct ta_output *o)
{
	struct ta_trend_point *p = NULL;
	size_t n = 0;
	bool want = false;
	int rc;

	for (size_t i = 0; i < o->nsinks; i++)
		want |= ta_sink_wants_trend(o->sink[i]);
	if (!o->store || !want)
		return;
	rc = ta_api_trend(o->store, o->run, o->scan->focus_profile, &p, &n);
	for (size_t i = 0; rc == TA_OK && i < o->nsinks; i++)
		rc = ta_sink_trend(o->sink[i], p, n);
	if (rc != TA_OK && !o->write_err)
		o->write_err = rc;
	free(p);
}

static void
on_end(void *arg, const struct ta_mail_result *mails, size_t nmails)
{
	struct ta_output *o = arg;
	json_t *m = json_array();
	int rc;

	/* a target that never came (none should): write the rest in order */
	while (o->next < o->npending) {
		if (!o->pending[o->next].doc && !o->pending[o->next].spilled &&
		    !o->pending[o->next].key)
			o->next++;
		else
			ta_output_flush(o);
	}
	ta_output_store_end(o);
	output_trend(o);
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
ta_output_start(struct ta_output *o)
{
	if (o->started)
		return TA_OK;
	o->trace = o->scan->trace;
	/* one report time for every copy (a resumed run keeps its own) */
	if (!o->now)
		o->now = ta_now();
	o->noncompliant =
	        calloc(ta_profiles_count(ta_assess_profiles(o->assess)) + 1, sizeof(long));
	if (!o->noncompliant)
		return TA_ENOMEM;
	o->started = true;
	return TA_OK;
}

void
ta_output_install(struct ta_output *o)
{
	struct ta_scan_consumer c = {
	        .have = ta_output_have, .target = on_target, .end = on_end, .arg = o};

	ta_scan_set_consumer(o->scan, &c);
}

int
ta_scan_output(struct ta_scan *s, enum ta_format fmt, FILE *out, int color)
{
	struct ta_output *o = ta_output_of(s);
	struct ta_render_opts opts = {.color = color, .focus_profile = s->focus_profile};
	json_t *meta;

	if (!o || !o->assess)
		return TA_EINTERNAL;
	opts.require = (const char *const *)o->require;
	opts.nrequire = o->nrequire;
	if (o->nsinks == TA_MAX_SINKS)
		return TA_EINVAL;
	TA_TRY(ta_output_start(o));
	opts.now = o->now;
	meta = ta_doc_meta(o->now);
	if (!meta)
		return TA_ENOMEM;
	o->sink[o->nsinks] = ta_sink_open(fmt, out, &opts, meta);
	json_decref(meta);
	if (!o->sink[o->nsinks])
		return TA_ENOMEM;
	o->nsinks++;
	ta_output_install(o);
	return TA_OK;
}

int
ta_scan_output_error(const struct ta_scan *s)
{
	const struct ta_output *o = s->report_state;

	return o ? o->write_err : TA_OK;
}

int
ta_scan_require(struct ta_scan *s, const char *id)
{
	struct ta_output *o = ta_output_of(s);

	if (!o || !ta_scan_has_profile(s, id))
		return TA_EINVAL;
	for (size_t i = 0; i < o->nrequire; i++)
		if (strcmp(o->require[i], id) == 0)
			return TA_OK;
	if (o->nrequire == TA_REQUIRE_MAX)
		return TA_EINVAL;
	if (!(o->require[o->nrequire] = strdup(id)))
		return TA_ENOMEM;
	o->nrequire++;
	return TA_OK;
}

long
ta_scan_noncompliant(const struct ta_scan *s, const char *id)
{
	struct ta_output *o = ta_output_of(s);
	const struct ta_profile_set *set = o ? ta_assess_profiles(o->assess) : NULL;

	for (size_t k = 0; set && o->noncompliant && k < ta_profiles_count(set); k++)
		if (strcmp(ta_profile_id(ta_profiles_get(set, k)), id) == 0)
			return o->noncompliant[k];
	return -1;
}
