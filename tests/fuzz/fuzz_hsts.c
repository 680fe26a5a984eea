/*
 * Fuzz target: ta_hsts_parse() on the input as a Strict-Transport-Security
 * value.  Invariants: a valid result has no error and a non-negative
 * max-age; an invalid one has a printable reason and no directive facts.
 */
#include <string.h>

#include "fuzz.h"
#include "wire/httptext.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_hsts_policy p;
	int rc;

	rc = ta_hsts_parse((const char *)data, size, &p);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
	FUZZ_ASSERT(fuzz_printable(p.error, sizeof p.error));
	if (rc == TA_OK) {
		FUZZ_ASSERT(p.valid);
		FUZZ_ASSERT(p.error[0] == '\0');
		FUZZ_ASSERT(p.max_age >= 0);
	} else {
		FUZZ_ASSERT(!p.valid);
		FUZZ_ASSERT(p.error[0] != '\0');
		FUZZ_ASSERT(p.max_age == 0 && !p.include_subdomains && !p.preload);
	}
	return 0;
}
