/*
 * Fuzz target: two stored JSON reports (the input split at the first
 * "\n=====\n"; without one, the input against itself) read back
 * (report/reread.c) and compared (report/diff*.c), the diff written as
 * text and as JSON.  Invariants: no crash whatever the documents hold; a
 * diff is made for any two reports that read; its text carries no
 * terminal control; its JSON is valid and its summary counts its
 * endpoints; a report compared with itself has no changes.
 */
#define _GNU_SOURCE /* memmem */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "report/diff.h"
#include "report/report.h"

static int
keep(void *arg, const json_t *t)
{
	return json_array_append((json_t *)arg, (json_t *)t) == 0 ? TA_OK : TA_ENOMEM;
}

static json_t *meta_kept;

static int
keep_meta(void *arg, const json_t *m)
{
	(void)arg;
	json_decref(meta_kept);
	meta_kept = json_deep_copy(m);
	return TA_OK;
}

/* The targets of the report in buf, or NULL when it is not one. */
static json_t *
read_run(const uint8_t *buf, size_t len, json_t **meta)
{
	json_t *arr = json_array();
	struct ta_report_reader rd = {keep_meta, keep, arr};
	char err[256];

	meta_kept = NULL;
	err[0] = '\0';
	if (ta_report_read_buffer((const char *)buf, len, &rd, err, sizeof err) != TA_OK) {
		FUZZ_ASSERT(fuzz_printable(err, sizeof err) && err[0]);
		json_decref(arr);
		json_decref(meta_kept);
		return NULL;
	}
	*meta = meta_kept;
	return arr;
}

static void
check(const json_t *d)
{
	char *out = NULL, *js;
	size_t len = 0, n = 0, i;
	FILE *f = open_memstream(&out, &len);
	const json_t *s = json_object_get(d, "summary"), *e;
	json_t *back;

	FUZZ_ASSERT(d && f);
	FUZZ_ASSERT(ta_diff_text(f, d, 0) == TA_OK);
	fclose(f);
	for (i = 0; i < len; i++)
		FUZZ_ASSERT((unsigned char)out[i] >= 0x20 || out[i] == '\n');
	free(out);
	js = json_dumps(d, JSON_ENSURE_ASCII);
	FUZZ_ASSERT(js != NULL);
	back = json_loads(js, 0, NULL);
	FUZZ_ASSERT(back && json_equal(back, d));
	json_decref(back);
	free(js);
	json_array_foreach (json_object_get(d, "endpoints"), i, e)
		FUZZ_ASSERT(json_array_size(json_object_get(e, "changes")) > 0);
	static const char *const kinds[] = {"changed", "appeared", "vanished", "started_failing",
	                                    "recovered"};
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		n += (size_t)json_integer_value(json_object_get(s, kinds[i]));
	FUZZ_ASSERT(n == ta_diff_count(d));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n=====\n";
	const uint8_t *cut = memmem(data, size, sep, sizeof sep - 1);
	size_t la = cut ? (size_t)(cut - data) : size;
	const uint8_t *b = cut ? cut + sizeof sep - 1 : data;
	size_t lb = cut ? size - la - (sizeof sep - 1) : size;
	json_t *ma = NULL, *mb = NULL, *ra, *rb, *d;

	setenv("TLSAUDIT_NOW", "2026-12-07T12:00:00Z", 1);
	ra = read_run(data, la, &ma);
	rb = read_run(b, lb, &mb);
	if (ra && rb) {
		d = ta_diff_runs(ra, ma, rb, mb);
		check(d);
		json_decref(d);
		d = ta_diff_runs(ra, ma, ra, ma); /* a run against itself: nothing */
		FUZZ_ASSERT(d && ta_diff_count(d) == 0);
		json_decref(d);
	}
	json_decref(ra);
	json_decref(rb);
	json_decref(ma);
	json_decref(mb);
	return 0;
}
