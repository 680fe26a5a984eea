/*
 * Fuzz target: ta_tlsrpt_parse() on the input as a TLS-RPT TXT record.
 * Invariants: rua views inside the input, at most TA_TLSRPT_MAX_RUA, each
 * beginning with mailto: or https:, printable errors, a valid record is a
 * candidate.
 */
#include <string.h>

#include "fuzz.h"
#include "wire/httptext.h"

static bool
starts_ci(struct ta_rd v, const char *s)
{
	size_t n = strlen(s);

	if (ta_rd_left(&v) < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v.p[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)s[i])
			return false;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_tlsrpt t;
	int rc;

	(void)ta_tlsrpt_txt_candidate((const char *)data, size);
	rc = ta_tlsrpt_parse((const char *)data, size, &t);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE || rc == TA_ENOSPC);
	FUZZ_ASSERT(fuzz_printable(t.error, sizeof t.error));
	if (rc != TA_OK) {
		FUZZ_ASSERT(t.error[0] != '\0' && t.nrua == 0);
		return 0;
	}
	FUZZ_ASSERT(ta_tlsrpt_txt_candidate((const char *)data, size));
	FUZZ_ASSERT(t.error[0] == '\0');
	FUZZ_ASSERT(t.nrua >= 1 && t.nrua <= TA_TLSRPT_MAX_RUA);
	for (size_t i = 0; i < t.nrua; i++) {
		FUZZ_ASSERT(fuzz_within(t.rua[i], data, size));
		FUZZ_ASSERT(starts_ci(t.rua[i], "mailto:") || starts_ci(t.rua[i], "https://"));
	}
	return 0;
}
