/*
 * Fuzz target: the MTA-STS texts.  The whole input goes to
 * ta_mtasts_txt_parse() (as a TXT record) and to ta_mtasts_policy_parse()
 * (as a policy file); a valid policy's patterns are then matched against
 * host names taken from the input.  Invariants: views inside the input,
 * counts within their caps, printable errors, a valid TXT id of 1-32
 * letters and digits, every plain pattern matching itself.
 */
#include <string.h>

#include "fuzz.h"
#include "wire/httptext.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_mtasts_txt t;
	struct ta_mtasts_policy p;
	char host[300 + 2];
	int rc;

	(void)ta_mtasts_txt_candidate((const char *)data, size);
	rc = ta_mtasts_txt_parse((const char *)data, size, &t);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
	FUZZ_ASSERT(fuzz_printable(t.error, sizeof t.error));
	if (rc == TA_OK) {
		size_t n = strnlen(t.id, sizeof t.id);

		FUZZ_ASSERT(ta_mtasts_txt_candidate((const char *)data, size));
		FUZZ_ASSERT(n >= 1 && n <= 32 && t.error[0] == '\0');
	} else {
		FUZZ_ASSERT(t.error[0] != '\0' && t.id[0] == '\0');
	}

	rc = ta_mtasts_policy_parse((const char *)data, size, &p);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE || rc == TA_ENOSPC);
	FUZZ_ASSERT(fuzz_printable(p.error, sizeof p.error));
	if (rc != TA_OK) {
		FUZZ_ASSERT(p.error[0] != '\0' && p.nmx == 0);
		return 0;
	}
	FUZZ_ASSERT(p.error[0] == '\0');
	FUZZ_ASSERT(p.nmx <= TA_MTASTS_MAX_MX);
	FUZZ_ASSERT(p.max_age <= TA_MTASTS_MAX_AGE);
	FUZZ_ASSERT(p.mode == TA_MTASTS_NONE || p.nmx > 0);
	for (size_t i = 0; i < p.nmx; i++) {
		size_t n = ta_rd_left(&p.mx[i]);

		FUZZ_ASSERT(fuzz_within(p.mx[i], data, size));
		FUZZ_ASSERT(n > 0 && n + 2 < sizeof host);
		memcpy(host, p.mx[i].p, n);
		host[n] = '\0';
		if (host[0] != '*') {
			FUZZ_ASSERT(ta_mtasts_mx_matches(&p, host));
		} else {
			/* "*.rest" matches "x.rest", not "rest", not "y.x.rest" */
			host[0] = 'x';
			FUZZ_ASSERT(ta_mtasts_pattern_matches(p.mx[i], host, n));
			FUZZ_ASSERT(!ta_mtasts_pattern_matches(p.mx[i], host + 2, n - 2));
			memmove(host + 2, host, n + 1);
			host[0] = 'y';
			host[1] = '.';
			FUZZ_ASSERT(!ta_mtasts_pattern_matches(p.mx[i], host, n + 2));
		}
	}
	return 0;
}
