/*
 * `tlsaudit profiles`: the profiles themselves, listed or shown rule by
 * rule (the evaluations of targets are the assessment's, src/assess).
 */
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "report/report.h"

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
	ta_profile_print(p, out);
	ta_profiles_free(set);
	return TA_OK;
}
