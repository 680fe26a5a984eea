/*
 * Profiles in the reports: the scan carries a profile set (the built-in
 * ones plus --profile-file), and every target is evaluated against every
 * profile once, on first use, for the JSON and text writers and for the
 * CLI's --require gate.  The probe layer only holds the opaque pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "probe/engine.h"
#include "probe/scan_internal.h"
#include "profile/profile.h"
#include "report/report.h"

struct ta_report_state {
	struct ta_profile_set *set;
	struct ta_eval **evals; /* ntargets x nprofiles, evaluated lazily */
	size_t ntargets, nprofiles;
	bool error; /* the built-in profiles did not load */
	char err[200];
};

static void
state_free(void *p)
{
	struct ta_report_state *st = p;

	if (!st)
		return;
	if (st->evals)
		for (size_t i = 0; i < st->ntargets * st->nprofiles; i++)
			ta_eval_free(st->evals[i]);
	free(st->evals);
	ta_profiles_free(st->set);
	free(st);
}

static struct ta_report_state *
state(const struct ta_scan *cs)
{
	struct ta_scan *s = (struct ta_scan *)cs; /* a cache: logically const */
	struct ta_report_state *st = s->report_state;

	if (st)
		return st;
	st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	if (ta_profiles_builtin(&st->set, st->err, sizeof st->err) != TA_OK)
		st->error = true;
	s->report_state = st;
	s->report_state_free = state_free;
	return st;
}

int
ta_scan_add_profile_file(struct ta_scan *s, const char *path, char *err, size_t errlen)
{
	struct ta_report_state *st = state(s);

	if (!st || !st->set) {
		snprintf(err, errlen, "built-in profiles: %s", st ? st->err : "out of memory");
		return TA_EINTERNAL;
	}
	return ta_profiles_add_file(st->set, path, err, errlen);
}

int
ta_scan_has_profile(const struct ta_scan *s, const char *id)
{
	struct ta_report_state *st = state(s);

	return st && st->set && ta_profiles_find(st->set, id) != NULL;
}

/* The web profiles' HTTP rules apply to HTTPS services. */
static bool
is_https(const struct ta_result *r)
{
	return strcmp(r->service, "https") == 0;
}

/* Evaluations of target i, one per profile; NULL entries on failure. */
struct ta_eval *const *
ta_report_evals(const struct ta_scan *s, size_t i, size_t *n)
{
	struct ta_report_state *st = state(s);
	size_t nt = ta_scan_target_count(s);

	*n = 0;
	if (!st || !st->set || i >= nt)
		return NULL;
	if (!st->evals) {
		st->ntargets = nt;
		st->nprofiles = ta_profiles_count(st->set);
		st->evals = calloc(nt * st->nprofiles + 1, sizeof *st->evals);
		if (!st->evals)
			return NULL;
	}
	for (size_t k = 0; k < st->nprofiles; k++) {
		struct ta_eval **e = &st->evals[i * st->nprofiles + k];

		if (!*e && ta_profile_evaluate(ta_profiles_get(st->set, k), ta_scan_result(s, i),
		                               is_https(ta_scan_result(s, i)), e) != TA_OK)
			*e = NULL;
	}
	*n = st->nprofiles;
	return &st->evals[i * st->nprofiles];
}

long
ta_scan_noncompliant(const struct ta_scan *s, const char *id)
{
	struct ta_report_state *st = state(s);
	long bad = 0;

	if (!st || !st->set || !ta_profiles_find(st->set, id))
		return -1;
	for (size_t i = 0; i < ta_scan_target_count(s); i++) {
		size_t n;
		struct ta_eval *const *ev = ta_report_evals(s, i, &n);
		bool ok = false;

		for (size_t k = 0; ev && k < n; k++)
			if (ev[k] && strcmp(ta_profile_id(ta_eval_profile(ev[k])), id) == 0)
				ok = ta_scan_result(s, i)->ok && ta_eval_compliant(ev[k]);
		if (!ok)
			bad++;
	}
	return bad;
}

static int
load_all(struct ta_profile_set **set, const char *const *files, size_t nfiles, char *err,
         size_t errlen)
{
	TA_TRY(ta_profiles_builtin(set, err, errlen));
	for (size_t i = 0; i < nfiles; i++) {
		int rc = ta_profiles_add_file(*set, files[i], err, errlen);

		if (rc != TA_OK) {
			ta_profiles_free(*set);
			*set = NULL;
			return rc;
		}
	}
	return TA_OK;
}

int
ta_profiles_list(FILE *out, const char *const *files, size_t nfiles, char *err, size_t errlen)
{
	struct ta_profile_set *set;

	TA_TRY(load_all(&set, files, nfiles, err, errlen));
	for (size_t i = 0; i < ta_profiles_count(set); i++) {
		const struct ta_profile *p = ta_profiles_get(set, i);

		fprintf(out, "%-26s ", ta_profile_id(p));
		ta_fput_safe(ta_profile_title(p), out);
		fputc('\n', out);
	}
	ta_profiles_free(set);
	return TA_OK;
}

int
ta_profiles_show(FILE *out, const char *id, const char *const *files, size_t nfiles, char *err,
                 size_t errlen)
{
	struct ta_profile_set *set;
	const struct ta_profile *p;

	TA_TRY(load_all(&set, files, nfiles, err, errlen));
	p = ta_profiles_find(set, id);
	if (!p) {
		snprintf(err, errlen, "no profile '%.64s' (see tlsaudit profiles)", id);
		ta_profiles_free(set);
		return TA_EINVAL;
	}
	ta_profile_text(p, out);
	ta_profiles_free(set);
	return TA_OK;
}
