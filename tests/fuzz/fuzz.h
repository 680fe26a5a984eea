/*
 * Shared by the fuzz targets: the libFuzzer entry point's prototype and
 * checks of invariants the parsers promise (views stay inside the input).
 * A broken invariant aborts, which libFuzzer and the replay driver report
 * like a crash.
 */
#ifndef TA_TESTS_FUZZ_H
#define TA_TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/rd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* s is NUL-terminated within cap bytes and all printable ASCII (may be
 * empty): what every text a parser keeps must be. */
static inline bool
fuzz_printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/* A view lies inside [data, data + size), or is the empty default. */
static inline bool
fuzz_within(struct ta_rd v, const uint8_t *data, size_t size)
{
	if (v.p == NULL && v.end == NULL)
		return true;
	return v.p >= data && v.p <= v.end && v.end <= data + size;
}

#endif
