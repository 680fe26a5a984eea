/*
 * Fuzz target: report/escape.h on any bytes, in every mode.  Invariants
 * (tests/fuzz/esc_check.h): the output is valid UTF-8 with no control or
 * bidi character, nothing HTML-special in HTML mode, no formula in CSV
 * mode; it decodes back to the input; cut buffers hold whole escapes; the
 * FILE and buffer writers agree.
 */
#include "esc_check.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = esc_check(data, size);

	if (why)
		fprintf(stderr, "escape: %s\n", why);
	FUZZ_ASSERT(why == NULL);
	return 0;
}
