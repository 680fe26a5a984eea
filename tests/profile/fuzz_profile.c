/*
 * Fuzz target: the profile file parser (src/profile/profile.c).  Any input
 * either parses into a profile, which is then rendered as text and
 * evaluated against an empty scan result and turned into the configuration
 * of every server software `tlsaudit config` knows (src/confgen), or is
 * rejected with a one-line message naming the file.
 */
#include <stdio.h>
#include <string.h>

#include "confgen/confgen.h"
#include "fuzz.h"
#include "profile/profile.h"
#include "report/report.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_profile_set *set = ta_profiles_new();
	char err[512] = "";

	if (!set)
		return 0;
	if (ta_profiles_add_buffer(set, "fuzz.json", (const char *)data, size, err, sizeof err) ==
	    0) {
		static struct ta_result r;
		const struct ta_profile *p = ta_profiles_get(set, 0);
		struct ta_eval *e = NULL;
		FILE *devnull = fopen("/dev/null", "w");

		FUZZ_ASSERT(p != NULL && ta_profiles_count(set) == 1);
		r.ok = true;
		if (devnull) {
			ta_profile_print(p, devnull);
			for (size_t k = 0; cg_fragment(p, k, false, devnull, NULL) != TA_EINVAL;
			     k++)
				FUZZ_ASSERT(cg_fragment(p, k, true, devnull, NULL) == TA_OK);
			fclose(devnull);
		}
		if (ta_profile_evaluate(p, &r, true, &e) == 0) {
			json_t *j = ta_eval_json(e);

			FUZZ_ASSERT(ta_eval_nrules(e) > 0);
			json_decref(j);
			ta_eval_free(e);
		}
	} else {
		FUZZ_ASSERT(strncmp(err, "fuzz.json: ", 11) == 0 && !strchr(err, '\n'));
	}
	ta_profiles_free(set);
	return 0;
}
