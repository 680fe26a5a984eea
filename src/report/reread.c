/*
 * Reading a JSON report back (`tlsaudit report FILE.json`): the document
 * a scan wrote renders again in any format, without scanning.  A stored
 * report is input like any other: it may be large (one target at a time is
 * parsed, from a read-only mapping of the file), malformed or hostile
 * (every value is checked for its type where it is used, and the writers
 * escape every string).  The top level is split by a small tokenizer that
 * only finds where each member and each element of "targets" and "mail"
 * begins and ends; jansson parses those pieces.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assess/assess.h"
#include "cert/cert.h"
#include "report/report.h"
#include "report/sink.h"
#include "wire/text.h"

#define MAX_DEPTH 512 /* nesting of one value; jansson's own limit is 2048 */

struct span {
	const char *p;
	size_t n;
};

struct scanner {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
};

static size_t
line_of(const struct scanner *s, const char *at)
{
	size_t line = 1;

	for (const char *q = s->start; q < at; q++)
		line += *q == '\n';
	return line;
}

static int
fail(struct scanner *s, const char *at, const char *what)
{
	snprintf(s->err, s->errlen, "line %zu: %s", line_of(s, at), what);
	return TA_EINVAL;
}

static void
skip_ws(struct scanner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* A string from its opening quote; s->p ends after the closing one. */
static int
skip_string(struct scanner *s)
{
	const char *at = s->p++;

	while (s->p < s->end && *s->p != '"')
		s->p += *s->p == '\\' && s->end - s->p > 1 ? 2 : 1;
	if (s->p >= s->end)
		return fail(s, at, "a string does not end");
	s->p++;
	return TA_OK;
}

/* One value, whatever it is, into *v (s->p after it). */
static int
value_span(struct scanner *s, struct span *v)
{
	unsigned depth = 0;

	skip_ws(s);
	v->p = s->p;
	if (s->p >= s->end)
		return fail(s, s->p, "a value is missing");
	if (*s->p == '"') {
		TA_TRY(skip_string(s));
	} else if (*s->p == '{' || *s->p == '[') {
		while (s->p < s->end) {
			char c = *s->p;

			if (c == '"') {
				TA_TRY(skip_string(s));
				continue;
			}
			s->p++;
			if (c == '{' || c == '[') {
				if (++depth > MAX_DEPTH)
					return fail(s, s->p - 1, "nested too deeply");
			} else if ((c == '}' || c == ']') && --depth == 0) {
				break;
			}
		}
		if (depth > 0)
			return fail(s, v->p, "an object or array does not end");
	} else {
		while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
			s->p++;
	}
	v->n = (size_t)(s->p - v->p);
	if (v->n == 0)
		return fail(s, v->p, "a value is missing");
	return TA_OK;
}

static int
expect(struct scanner *s, char c, const char *what)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != c)
		return fail(s, s->p, what);
	s->p++;
	return TA_OK;
}

/* Parse one piece with jansson; errors name the line in the file. */
static json_t *
parse(struct scanner *s, struct span v, const char *what)
{
	json_error_t e;
	json_t *j = json_loadb(v.p, v.n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);

	if (!j) {
		char msg[160], text[128];

		/* jansson quotes the bytes it stopped at: never print them raw */
		(void)ta_text_printable(text, sizeof text, (const uint8_t *)e.text,
		                        strnlen(e.text, sizeof e.text));
		snprintf(msg, sizeof msg, "%s: %s", what, text);
		(void)fail(s, v.p + (e.position > 0 && (size_t)e.position <= v.n ? e.position : 0),
		           msg);
	}
	return j;
}

typedef int (*member_fn)(void *arg, struct scanner *s, const char *key, struct span v);

/* Every member of the top-level object, in the order written. */
static int
members(struct scanner *s, member_fn fn, void *arg)
{
	s->p = s->start;
	TA_TRY(expect(s, '{', "a report is a JSON object"));
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		skip_ws(s);
		return s->p == s->end ? TA_OK : fail(s, s->p, "something follows the report");
	}
	for (;;) {
		struct span k, v;
		char key[32];

		skip_ws(s);
		if (s->p >= s->end || *s->p != '"')
			return fail(s, s->p, "a member name is missing");
		k.p = s->p;
		TA_TRY(skip_string(s));
		k.n = (size_t)(s->p - k.p);
		snprintf(key, sizeof key, "%.*s", (int)(k.n > 2 ? k.n - 2 : 0), k.p + 1);
		TA_TRY(expect(s, ':', "':' is missing after a member name"));
		TA_TRY(value_span(s, &v));
		TA_TRY(fn(arg, s, key, v));
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		TA_TRY(expect(s, '}', "',' or '}' is missing"));
		skip_ws(s);
		if (s->p != s->end)
			return fail(s, s->p, "something follows the report");
		return TA_OK;
	}
}

/* Each element of an array value. */
static int
elements(struct scanner *outer, struct span arr, int (*fn)(void *, struct scanner *, struct span),
         void *arg)
{
	struct scanner s = *outer;

	s.p = arr.p;
	s.end = arr.p + arr.n;
	TA_TRY(expect(&s, '[', "\"targets\" and \"mail\" are arrays"));
	skip_ws(&s);
	if (s.p < s.end && *s.p == ']')
		return TA_OK;
	for (;;) {
		struct span v;

		TA_TRY(value_span(&s, &v));
		TA_TRY(fn(arg, &s, v));
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		return expect(&s, ']', "',' or ']' is missing in an array");
	}
}

static int check_target(void *arg, struct scanner *s, struct span v);

struct reread {
	struct ta_sink *sink;
	time_t now;
	json_t *mails;
	size_t ntargets;
	int write_err;
};

/* Pass 1: the top level must be a report, every target must read; keep
 * "mail" for the end. */
static int
check_member(void *arg, struct scanner *s, const char *key, struct span v)
{
	struct reread *r = arg;

	if (strcmp(key, "mail") == 0) {
		json_t *m = parse(s, v, "\"mail\"");

		if (!m)
			return TA_EINVAL;
		if (!json_is_array(m)) {
			json_decref(m);
			return fail(s, v.p, "\"mail\" is not an array");
		}
		json_decref(r->mails);
		r->mails = m;
	} else if (strcmp(key, "targets") == 0) {
		if (*v.p != '[')
			return fail(s, v.p, "\"targets\" is not an array");
		return elements(s, v, check_target, r);
	}
	return TA_OK;
}

bool
ta_doc_is_target(const json_t *t)
{
	return json_is_object(t) && json_is_string(json_object_get(t, "host")) &&
	       json_is_integer(json_object_get(t, "port")) &&
	       json_is_string(json_object_get(t, "status"));
}

/* One target parsed and checked: NULL (the reason in s->err) when it is
 * not one. */
static json_t *
target_of(struct scanner *s, struct span v)
{
	json_t *t = parse(s, v, "a target");

	if (!t)
		return NULL;
	if (!ta_doc_is_target(t)) {
		json_decref(t);
		(void)fail(s, v.p, "a target is not an object with host, port and status");
		return NULL;
	}
	return t;
}

/* Pass 1: every target must read, so a damaged file writes nothing. */
static int
check_target(void *arg, struct scanner *s, struct span v)
{
	json_t *t = target_of(s, v);

	(void)arg;
	if (!t)
		return TA_EINVAL;
	json_decref(t);
	return TA_OK;
}

/* Pass 2: each target rendered and let go. */
static int
one_target(void *arg, struct scanner *s, struct span v)
{
	struct reread *r = arg;
	json_t *t = target_of(s, v);
	int rc;

	if (!t)
		return TA_EINVAL; /* read in pass 1: only memory can fail here */
	ta_doc_refresh_dates(t, r->now);
	rc = ta_sink_target(r->sink, t);
	json_decref(t);
	r->ntargets++;
	if (rc != TA_OK && !r->write_err)
		r->write_err = rc;
	return TA_OK;
}

static int
targets_member(void *arg, struct scanner *s, const char *key, struct span v)
{
	return strcmp(key, "targets") == 0 ? elements(s, v, one_target, arg) : TA_OK;
}

int
ta_report_buffer(const char *buf, size_t len, enum ta_format fmt, FILE *out, int color,
                 const char *focus, const char *const *require, size_t nrequire, char *err,
                 size_t errlen)
{
	struct scanner s = {buf, buf + len, buf, err, errlen};
	struct reread r = {.now = ta_now()};
	struct ta_render_opts o = {.color = color,
	                           .focus_profile = focus,
	                           .now = r.now,
	                           .require = require,
	                           .nrequire = nrequire};
	json_t *meta;
	int rc;

	rc = members(&s, check_member, &r);
	if (rc != TA_OK) {
		json_decref(r.mails); /* a "mail" read before what failed */
		return rc;
	}
	meta = ta_doc_meta(r.now);
	r.sink = meta ? ta_sink_open(fmt, out, &o, meta) : NULL;
	json_decref(meta);
	if (!r.sink) {
		json_decref(r.mails);
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	rc = members(&s, targets_member, &r);
	if (rc == TA_OK) {
		rc = ta_sink_close(r.sink, r.mails);
		if (rc != TA_OK)
			snprintf(err, errlen, "cannot write the report: %s", strerror(errno));
	}
	if (rc == TA_OK && r.write_err) {
		rc = r.write_err;
		snprintf(err, errlen, "cannot write the report: %s", strerror(errno));
	}
	ta_sink_free(r.sink);
	json_decref(r.mails);
	return rc;
}

/* path mapped read-only into *map, *size bytes; TA_EINVAL with a reason
 * naming the file. */
static int
map_file(const char *path, void **map, size_t *size, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read '%.200s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return TA_EINVAL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		snprintf(err, errlen, "'%.200s' is %s", path,
		         S_ISREG(st.st_mode) ? "empty" : "not a file");
		close(fd);
		return TA_EINVAL;
	}
	*map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (*map == MAP_FAILED) {
		snprintf(err, errlen, "cannot read '%.200s': %s", path, strerror(errno));
		return TA_EINVAL;
	}
	*size = (size_t)st.st_size;
	return TA_OK;
}

int
ta_report_file(const char *path, enum ta_format fmt, FILE *out, int color, const char *focus,
               const char *const *require, size_t nrequire, char *err, size_t errlen)
{
	void *map;
	size_t size;
	char inner[240];
	int rc;

	TA_TRY(map_file(path, &map, &size, err, errlen));
	rc = ta_report_buffer(map, size, fmt, out, color, focus, require, nrequire, inner,
	                      sizeof inner);
	if (rc != TA_OK)
		snprintf(err, errlen, "%.200s: %s", path, inner);
	munmap(map, size);
	return rc;
}

/* ---- the documents of a report, for other readers (tlsaudit diff) ---- */

struct pieces {
	struct reread r; /* first: check_member takes it */
	json_t *meta;
	const struct ta_report_reader *rd;
	int cb_err; /* a callback's error: stops the reading */
	bool targets_seen;
};

/* Pass 1 as for a report, keeping the top-level facts of the run. */
static int
meta_member(void *arg, struct scanner *s, const char *key, struct span v)
{
	static const char *const keep[] = {"tool", "version", "schema", "report_time"};
	struct pieces *p = arg;

	p->targets_seen |= strcmp(key, "targets") == 0;
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		if (strcmp(key, keep[i]) != 0)
			continue;
		json_t *j = json_loadb(v.p, v.n, JSON_DECODE_ANY, NULL);

		/* as for `tlsaudit report`, a value that is not of use is no error */
		if (json_is_string(j) && json_object_set_new(p->meta, key, j) == 0)
			return TA_OK;
		json_decref(j);
		return TA_OK;
	}
	return check_member(&p->r, s, key, v);
}

static int
hand_target(void *arg, struct scanner *s, struct span v)
{
	struct pieces *p = arg;
	json_t *t = target_of(s, v);
	int rc;

	if (!t) {
		p->cb_err = TA_ENOMEM; /* read in pass 1: only memory can fail here */
		return TA_ENOMEM;
	}
	rc = p->rd->on_target(p->rd->arg, t);
	json_decref(t);
	if (rc != TA_OK)
		p->cb_err = rc;
	return rc;
}

static int
hand_targets(void *arg, struct scanner *s, const char *key, struct span v)
{
	return strcmp(key, "targets") == 0 ? elements(s, v, hand_target, arg) : TA_OK;
}

int
ta_report_read_buffer(const char *buf, size_t len, const struct ta_report_reader *rd, char *err,
                      size_t errlen)
{
	struct scanner s = {buf, buf + len, buf, err, errlen};
	struct pieces p = {.rd = rd, .meta = json_object()};
	int rc;

	if (!p.meta) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	rc = members(&s, meta_member, &p);
	json_decref(p.r.mails); /* checked, not needed */
	/* a run to compare has its "targets" (maybe none), not just any object */
	if (rc == TA_OK && !p.targets_seen)
		rc = fail(&s, buf, "not a report: no \"targets\"");
	if (rc == TA_OK && rd->on_meta)
		rc = p.cb_err = rd->on_meta(rd->arg, p.meta);
	if (rc == TA_OK)
		rc = members(&s, hand_targets, &p);
	if (rc != TA_OK && p.cb_err)
		snprintf(err, errlen, "%s",
		         p.cb_err == TA_ENOMEM ? "out of memory" : ta_strerror(rc));
	json_decref(p.meta);
	return rc;
}

int
ta_report_read_file(const char *path, const struct ta_report_reader *rd, char *err, size_t errlen)
{
	void *map;
	size_t size;
	char inner[240];
	int rc;

	TA_TRY(map_file(path, &map, &size, err, errlen));
	rc = ta_report_read_buffer(map, size, rd, inner, sizeof inner);
	if (rc != TA_OK)
		snprintf(err, errlen, "%.200s: %s", path, inner);
	munmap(map, size);
	return rc;
}
