/*
 * The difference between two runs (report/diff.h): matching the endpoints
 * of run A and run B, the endpoint-level changes (appeared, vanished,
 * started failing, recovered), the summary, and reading two JSON reports
 * (report/reread.c checks them).  The comparisons of each category are in
 * diff_cmp.c and diff_cert.c, the text in diff_text.c.
 *
 * Run A is kept as a digest of each document (diff_digest.c): the fields
 * compared as a compact JSON text, so two large runs fit in little memory.
 */
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* timegm() when built without the project's flags */
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/diff.h"
#include "report/diff_int.h"
#include "report/escape.h"
#include "report/report.h"

/* ---- helpers over hostile documents (diff_int.h) ---- */

const char *
ta_dstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *
ta_dstr0(const json_t *o, const char *key)
{
	const char *s = ta_dstr(o, key);

	return s ? s : "";
}

bool
ta_dhas(const json_t *o, const char *key)
{
	return json_object_get(o, key) != NULL;
}

int
ta_dtri(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
}

const char *
ta_dtri_text(int v)
{
	return v == 1 ? "yes" : v == 0 ? "no" : "unknown";
}

json_t *
ta_dtri_json(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

json_t *
ta_dget(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v ? json_incref(v) : json_null();
}

const char *
ta_djoin(char *buf, size_t cap, const json_t *arr)
{
	size_t len = 0, i;
	const json_t *v;

	if (cap == 0)
		return "";
	buf[0] = '\0';
	json_array_foreach (arr, i, v) {
		const char *s = json_string_value(v);
		int n;

		if (!s)
			continue;
		n = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", s);
		if (n < 0 || (size_t)n >= cap - len) {
			/* cut at a character, with room for the dots */
			len = cap > 4 ? cap - 4 : 0;
			while (len > 0 && ((unsigned char)buf[len] & 0xC0) == 0x80)
				len--;
			snprintf(buf + len, cap - len, "...");
			break;
		}
		len += (size_t)n;
	}
	return buf;
}

json_t *
ta_dset(const json_t *arr)
{
	json_t *set = json_object(), *v;
	size_t i;

	if (!set)
		return NULL;
	json_array_foreach (arr, i, v)
		if (json_is_string(v) &&
		    json_object_setn_new_nocheck(set, json_string_value(v), json_string_length(v),
		                                 json_true()) != 0) {
			json_decref(set);
			return NULL;
		}
	return set;
}

bool
ta_din(const json_t *set, const json_t *str)
{
	return json_is_string(str) &&
	       json_object_getn(set, json_string_value(str), json_string_length(str)) != NULL;
}

bool
ta_dparse_time(const char *s, int64_t *out)
{
	struct tm tm;
	char tail;

	memset(&tm, 0, sizeof tm);
	if (!s || strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail) != 6 ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return true;
}

/* text as a JSON string: a text cut inside a character, or made of a
 * string cut so, gets that byte escaped instead */
static json_t *
text_json(const char *text)
{
	char esc[TA_DIFF_TEXT_MAX * 4];
	json_t *j = json_string(text);

	if (j)
		return j;
	ta_esc_buf(esc, sizeof esc, text, strlen(text), TA_ESC_UTF8);
	return json_string(esc);
}

void
ta_dchg_add(struct ta_dchg *c, const char *category, const char *scope, const char *item,
            json_t *before, json_t *after, int reg, const char *fmt, ...)
{
	char text[TA_DIFF_TEXT_MAX];
	va_list ap;
	int n;
	json_t *o;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		text[0] = '\0';
	else if ((size_t)n >= sizeof text) {
		size_t len = sizeof text - 4;

		while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
			len--;
		memcpy(text + len, "...", 4);
	}
	o = json_object();
	if (c->err || !o || !c->list) {
		json_decref(before);
		json_decref(after);
		json_decref(o);
		c->err = TA_ENOMEM;
		return;
	}
	/* each set takes its value, also when it fails: all are called */
	n = json_object_set_new(o, "category", json_string(category));
	n |= json_object_set_new(o, "scope", scope ? json_string(scope) : json_null());
	n |= json_object_set_new(o, "item", json_string(item ? item : ""));
	n |= json_object_set_new(o, "before", before ? before : json_null());
	n |= json_object_set_new(o, "after", after ? after : json_null());
	n |= json_object_set_new(o, "regression",
	                         reg == TA_DREG_NEUTRAL ? json_null() : json_boolean(reg));
	n |= json_object_set_new(o, "text", text_json(text));
	if (n != 0 || json_array_append_new(c->list, o) != 0) {
		if (n != 0)
			json_decref(o);
		c->err = TA_ENOMEM;
	}
}

/* ---- the runs ---- */

/* One endpoint of run A: its digest, a compact JSON text (diff_digest.c). */
struct aent {
	char *digest;
	bool matched;
	bool null_ip;
};

struct ta_diff {
	json_t *meta[2];
	struct ta_dside side[2]; /* doc unused: the times */
	struct aent *a;
	size_t na, cap;
	json_t *by_key; /* key -> [indexes into a] */
	json_t *by_hpp; /* host, port and protocol -> [indexes] */
	json_t *endpoints;
	size_t nb;
	size_t count[6]; /* by enum kind */
};

enum kind { K_UNCHANGED, K_CHANGED, K_APPEARED, K_VANISHED, K_FAILING, K_RECOVERED };
static const char *const kind_name[] = {"unchanged", "changed",         "appeared",
                                        "vanished",  "started_failing", "recovered"};

static int
set_meta(struct ta_diff *d, int side, const json_t *meta)
{
	int64_t t;

	json_decref(d->meta[side]);
	d->meta[side] = meta ? json_deep_copy(meta) : json_null();
	if (!d->meta[side])
		return TA_ENOMEM;
	d->side[side].has_time = ta_dparse_time(ta_dstr(meta, "report_time"), &t);
	d->side[side].time = d->side[side].has_time ? t : 0;
	return TA_OK;
}

struct ta_diff *
ta_diff_new(const json_t *meta_a, const json_t *meta_b)
{
	struct ta_diff *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->by_key = json_object();
	d->by_hpp = json_object();
	d->endpoints = json_array();
	if (!d->by_key || !d->by_hpp || !d->endpoints || set_meta(d, 0, meta_a) != TA_OK ||
	    set_meta(d, 1, meta_b) != TA_OK) {
		ta_diff_free(d);
		return NULL;
	}
	return d;
}

void
ta_diff_free(struct ta_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->na; i++)
		free(d->a[i].digest);
	free(d->a);
	json_decref(d->by_key);
	json_decref(d->by_hpp);
	json_decref(d->endpoints);
	json_decref(d->meta[0]);
	json_decref(d->meta[1]);
	free(d);
}

/* "tls" for implicit TLS, else the STARTTLS protocol. */
static const char *
protocol_of(const json_t *t)
{
	const char *p = ta_dstr(json_object_get(t, "starttls"), "protocol");

	return p ? p : "tls";
}

/* The matching key of t, unambiguous whatever the strings hold: a JSON
 * text (ASCII, no NUL) of host, port, protocol and, with_ip, the address.
 * NULL when out of memory. */
static char *
key_of(const json_t *t, bool with_ip)
{
	json_t *k = json_pack("[O?O?s]", json_object_get(t, "host"), json_object_get(t, "port"),
	                      protocol_of(t));
	char *s;

	if (!k)
		return NULL;
	if (with_ip && json_array_append_new(k, ta_dget(t, "ip")) != 0) {
		json_decref(k);
		return NULL;
	}
	s = json_dumps(k, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(k);
	return s;
}

static int
index_add(json_t *map, const char *key, size_t i)
{
	json_t *l = json_object_get(map, key);

	if (!l) {
		l = json_array();
		if (!l || json_object_set_new(map, key, l) != 0)
			return TA_ENOMEM;
	}
	return json_array_append_new(l, json_integer((json_int_t)i)) == 0 ? TA_OK : TA_ENOMEM;
}

/* The first unmatched entry of run A under key (want_null_ip: only one
 * whose name did not resolve), or SIZE_MAX. */
static size_t
index_find(const struct ta_diff *d, const json_t *map, const char *key, bool want_null_ip)
{
	const json_t *l = json_object_get(map, key), *v;
	size_t i;

	json_array_foreach (l, i, v) {
		size_t k = (size_t)json_integer_value(v);

		if (k < d->na && !d->a[k].matched && (!want_null_ip || d->a[k].null_ip))
			return k;
	}
	return SIZE_MAX;
}

int
ta_diff_add_a(struct ta_diff *d, const json_t *target)
{
	char *key = NULL, *hpp = NULL;
	int rc = TA_ENOMEM;

	if (!json_is_object(target))
		return TA_EINVAL;
	if (d->na == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct aent *a = realloc(d->a, cap * sizeof *a);

		if (!a)
			return TA_ENOMEM;
		d->a = a;
		d->cap = cap;
	}
	if (!(key = key_of(target, true)) || !(hpp = key_of(target, false)))
		goto out;
	d->a[d->na] = (struct aent){.digest = ta_diff_digest(target),
	                            .null_ip = !json_is_string(json_object_get(target, "ip"))};
	if (!d->a[d->na].digest)
		goto out;
	d->na++;
	if (index_add(d->by_key, key, d->na - 1) != TA_OK ||
	    index_add(d->by_hpp, hpp, d->na - 1) != TA_OK)
		goto out;
	rc = TA_OK;
out:
	free(key);
	free(hpp);
	return rc;
}

static bool
is_ok(const json_t *t)
{
	const char *s = ta_dstr(t, "status");

	return s && strcmp(s, "ok") == 0;
}

/* "offers TLSv1.2, TLSv1.3; certificate CN=x until 2027-03-07" */
static void
offer_summary(char *buf, size_t cap, const json_t *t)
{
	const json_t *protos = json_object_get(t, "protocols");
	const json_t *leaf = json_array_get(json_object_get(t, "certificates"), 0);
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 6 && len < cap; i++)
		if (ta_dtri(json_object_get(protos, ta_dversions[i]), "offered") == 1) {
			int n = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "offers ",
			                 ta_dversions[i]);

			len += n > 0 ? (size_t)n : 0;
		}
	if (len < cap && json_is_object(leaf))
		snprintf(buf + len, cap - len, "%scertificate %s until %.10s", len ? "; " : "",
		         ta_dstr0(leaf, "subject"), ta_dstr0(leaf, "not_after"));
}

/* The changes on the status of a pair scanned both times. */
static void
status_changes(struct ta_dchg *c, const json_t *a, const json_t *b)
{
	int ia = ta_dtri(a, "incomplete"), ib = ta_dtri(b, "incomplete");
	const char *sa = ta_dstr(a, "service"), *sb = ta_dstr(b, "service");

	if (ia >= 0 && ib >= 0 && ia != ib)
		ta_dchg_add(c, "status", NULL, "incomplete", json_boolean(ia), json_boolean(ib),
		            TA_DREG_NEUTRAL,
		            ib ? "scan incomplete: %s (facts missing from this run are not "
		                 "listed as changes)"
		               : "scan complete again%s",
		            ib ? ta_dstr0(b, "incomplete_reason") : "");
	if (sa && sb && strcmp(sa, sb) != 0)
		ta_dchg_add(c, "status", NULL, "service", json_string(sa), json_string(sb),
		            TA_DREG_NEUTRAL, "service %s -> %s", sa, sb);
}

/* The changes of a pair; *k gets the kind.  a or b may be NULL. */
static void
compare(struct ta_dchg *c, const struct ta_dside *a, const struct ta_dside *b, enum kind *k)
{
	char what[200];

	if (!a->doc || !b->doc) {
		const json_t *t = a->doc ? a->doc : b->doc;

		offer_summary(what, sizeof what, t);
		*k = a->doc ? K_VANISHED : K_APPEARED;
		if (!is_ok(t))
			ta_dchg_add(c, "status", NULL, "status",
			            a->doc ? ta_dget(t, "status") : NULL,
			            b->doc ? ta_dget(t, "status") : NULL, TA_DREG_NEUTRAL,
			            "%s, failing: %s", a->doc ? "vanished" : "new endpoint",
			            ta_dstr0(t, "error"));
		else
			ta_dchg_add(
			        c, "status", NULL, "status", a->doc ? ta_dget(t, "status") : NULL,
			        b->doc ? ta_dget(t, "status") : NULL, TA_DREG_NEUTRAL, "%s%s%s",
			        a->doc ? "vanished" : "new endpoint", what[0] ? ": " : "", what);
		return;
	}
	if (is_ok(a->doc) && !is_ok(b->doc)) {
		*k = K_FAILING;
		ta_dchg_add(c, "status", NULL, "status", ta_dget(a->doc, "status"),
		            ta_dget(b->doc, "status"), TA_DREG_WORSE, "started failing: %s",
		            ta_dstr0(b->doc, "error"));
		return;
	}
	if (!is_ok(a->doc) && is_ok(b->doc)) {
		*k = K_RECOVERED;
		offer_summary(what, sizeof what, b->doc);
		ta_dchg_add(c, "status", NULL, "status", ta_dget(a->doc, "status"),
		            ta_dget(b->doc, "status"), TA_DREG_BETTER,
		            "answers again (it failed: %s)%s%s", ta_dstr0(a->doc, "error"),
		            what[0] ? "; " : "", what);
		return;
	}
	if (!is_ok(a->doc)) {
		const json_t *ea = json_object_get(a->doc, "error"),
		             *eb = json_object_get(b->doc, "error");

		if (!(ea && eb && json_equal(ea, eb)) && !(!ea && !eb))
			ta_dchg_add(c, "status", NULL, "error", ta_dget(a->doc, "error"),
			            ta_dget(b->doc, "error"), TA_DREG_NEUTRAL,
			            "still failing: %s (was: %s)", ta_dstr0(b->doc, "error"),
			            ta_dstr0(a->doc, "error"));
	} else {
		status_changes(c, a->doc, b->doc);
		ta_dcmp_versions(c, a->doc, b->doc);
		ta_dcmp_suites(c, a->doc, b->doc);
		ta_dcmp_groups(c, a->doc, b->doc);
		ta_dcmp_dh(c, a->doc, b->doc);
		ta_dcmp_schemes(c, a->doc, b->doc);
		ta_dcmp_certs(c, a, b);
		ta_dcmp_features(c, a->doc, b->doc);
		ta_dcmp_http(c, a->doc, b->doc);
		ta_dcmp_dns(c, a->doc, b->doc);
		ta_dcmp_verdicts(c, a->doc, b->doc);
	}
	*k = json_array_size(c->list) ? K_CHANGED : K_UNCHANGED;
}

/* Compare and record the endpoint (when anything changed): digest_a is
 * run A's digest (NULL: none), b run B's document (NULL: none). */
static int
record(struct ta_diff *d, const char *digest_a, const json_t *b)
{
	struct ta_dside sa = d->side[0], sb = d->side[1];
	struct ta_dchg c = {json_array(), 0};
	json_t *a = digest_a ? json_loads(digest_a, JSON_ALLOW_NUL, NULL) : NULL, *e;
	const json_t *t = b ? b : a, *port = json_object_get(t, "port");
	enum kind k = K_UNCHANGED;
	int rc = TA_ENOMEM;

	sa.doc = a;
	sb.doc = b;
	if (!c.list || (digest_a && !a)) /* our own text: only memory can fail */
		goto out;
	compare(&c, &sa, &sb, &k);
	d->count[k]++;
	if (c.err || k == K_UNCHANGED) {
		rc = c.err;
		goto out;
	}
	e = json_pack("{s:O?,s:o,s:s,s:O?,s:s,s:O}", "host", json_object_get(t, "host"), "port",
	              json_is_integer(port) ? json_incref((json_t *)port) : json_null(), "protocol",
	              protocol_of(t), "ip", json_object_get(t, "ip"), "change", kind_name[k],
	              "changes", c.list);
	rc = e && json_array_append_new(d->endpoints, e) == 0 ? TA_OK : TA_ENOMEM;
out:
	json_decref(c.list);
	json_decref(a);
	return rc;
}

int
ta_diff_add_b(struct ta_diff *d, const json_t *target)
{
	char *key = NULL, *hpp = NULL;
	size_t k;
	int rc = TA_ENOMEM;

	if (!json_is_object(target))
		return TA_EINVAL;
	d->nb++;
	if (!(key = key_of(target, true)) || !(hpp = key_of(target, false)))
		goto out;
	k = index_find(d, d->by_key, key, false);
	/* a name that did not resolve in one run: the same host, port and
	 * protocol (the first such endpoint of run A) */
	if (k == SIZE_MAX)
		k = index_find(d, d->by_hpp, hpp, json_is_string(json_object_get(target, "ip")));
	if (k != SIZE_MAX)
		d->a[k].matched = true;
	rc = record(d, k == SIZE_MAX ? NULL : d->a[k].digest, target);
out:
	free(key);
	free(hpp);
	return rc;
}

size_t
ta_diff_count(const json_t *diff)
{
	return json_array_size(json_object_get(diff, "endpoints"));
}

json_t *
ta_diff_finish(struct ta_diff *d)
{
	json_t *out = NULL, *summary;
	size_t regress = 0, better = 0, i, j;
	const json_t *e, *ch;

	if (!d)
		return NULL;
	for (i = 0; i < d->na; i++)
		if (!d->a[i].matched && record(d, d->a[i].digest, NULL) != TA_OK)
			goto out;
	json_array_foreach (d->endpoints, i, e)
		json_array_foreach (json_object_get(e, "changes"), j, ch) {
			regress += json_is_true(json_object_get(ch, "regression"));
			better += json_is_false(json_object_get(ch, "regression"));
		}
	summary = json_pack(
	        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "endpoints_a", (json_int_t)d->na,
	        "endpoints_b", (json_int_t)d->nb, "changed", (json_int_t)d->count[K_CHANGED],
	        "appeared", (json_int_t)d->count[K_APPEARED], "vanished",
	        (json_int_t)d->count[K_VANISHED], "started_failing",
	        (json_int_t)d->count[K_FAILING], "recovered", (json_int_t)d->count[K_RECOVERED],
	        "unchanged", (json_int_t)d->count[K_UNCHANGED], "regressions", (json_int_t)regress,
	        "improvements", (json_int_t)better);
	out = json_pack("{s:O,s:O,s:o,s:O}", "a", d->meta[0], "b", d->meta[1], "summary", summary,
	                "endpoints", d->endpoints);
out:
	ta_diff_free(d);
	return out;
}

json_t *
ta_diff_runs(const json_t *targets_a, const json_t *meta_a, const json_t *targets_b,
             const json_t *meta_b)
{
	struct ta_diff *d = ta_diff_new(meta_a, meta_b);
	const json_t *t;
	size_t i;

	if (!d)
		return NULL;
	json_array_foreach (targets_a, i, t)
		if (json_is_object(t) && ta_diff_add_a(d, t) != TA_OK)
			goto fail;
	json_array_foreach (targets_b, i, t)
		if (json_is_object(t) && ta_diff_add_b(d, t) != TA_OK)
			goto fail;
	return ta_diff_finish(d);
fail:
	ta_diff_free(d);
	return NULL;
}

int
ta_diff_write(FILE *out, const json_t *diff, enum ta_format fmt, int color)
{
	int rc;

	if (fmt == TA_FORMAT_JSON)
		rc = json_dumpf(diff, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 &&
		                     fputc('\n', out) != EOF
		             ? TA_OK
		             : TA_ESYS;
	else if (fmt == TA_FORMAT_TEXT)
		rc = ta_diff_text(out, diff, color);
	else
		return TA_EINVAL;
	return rc == TA_OK && (fflush(out) != 0 || ferror(out)) ? TA_ESYS : rc;
}

/* ---- two JSON reports ---- */

struct reading {
	struct ta_diff *d;
	int side;
	const char *path;
};

static int
on_meta(void *arg, const json_t *meta)
{
	struct reading *r = arg;
	char file[512];
	json_t *m = json_object();
	int rc;

	/* a file name is bytes: escaped, so that the JSON stays UTF-8 */
	ta_esc_buf(file, sizeof file, r->path, strlen(r->path), TA_ESC_UTF8);
	if (!m || json_object_set_new(m, "file", json_string(file)) != 0 ||
	    json_object_update(m, (json_t *)meta) != 0) {
		json_decref(m);
		return TA_ENOMEM;
	}
	rc = set_meta(r->d, r->side, m);
	json_decref(m);
	return rc;
}

static int
on_target(void *arg, const json_t *t)
{
	struct reading *r = arg;

	return r->side == 0 ? ta_diff_add_a(r->d, t) : ta_diff_add_b(r->d, t);
}

int
ta_diff_files(const char *path_a, const char *path_b, enum ta_format fmt, FILE *out, int color,
              size_t *changed, char *err, size_t errlen)
{
	struct reading r = {.d = NULL};
	struct ta_report_reader rd = {on_meta, on_target, &r};
	json_t *diff;
	int rc;

	if (changed)
		*changed = 0;
	if (fmt != TA_FORMAT_TEXT && fmt != TA_FORMAT_JSON) {
		snprintf(err, errlen, "diff: text or json");
		return TA_EINVAL;
	}
	if (!(r.d = ta_diff_new(NULL, NULL))) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	r.path = path_a;
	rc = ta_report_read_file(path_a, &rd, err, errlen);
	if (rc == TA_OK) {
		r.side = 1;
		r.path = path_b;
		rc = ta_report_read_file(path_b, &rd, err, errlen);
	}
	if (rc != TA_OK) {
		ta_diff_free(r.d);
		return rc;
	}
	if (!(diff = ta_diff_finish(r.d))) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	if (changed)
		*changed = ta_diff_count(diff);
	rc = ta_diff_write(out, diff, fmt, color);
	if (rc != TA_OK)
		snprintf(err, errlen, "cannot write the diff");
	json_decref(diff);
	return rc;
}
