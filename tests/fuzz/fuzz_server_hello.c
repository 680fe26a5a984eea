/*
 * Fuzz target: ta_server_hello_parse() on the input as a ServerHello (or
 * HelloRetryRequest) body.
 */
#include <string.h>

#include "fuzz.h"
#include "wire/tls.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_server_hello sh;
	struct ta_rd r;
	int rc;

	ta_rd_init(&r, data, size);
	rc = ta_server_hello_parse(r, &sh);
	if (rc != TA_OK) {
		FUZZ_ASSERT(rc == TA_EDECODE);
		return 0;
	}
	FUZZ_ASSERT(size >= 38);
	FUZZ_ASSERT(sh.session_id_len <= 32);
	FUZZ_ASSERT(sh.next_types <= TA_SH_MAX_EXTS);
	FUZZ_ASSERT(sh.downgrade == 0 || sh.downgrade == 11 || sh.downgrade == 12);
	FUZZ_ASSERT(memcmp(sh.random, data + 2, 32) == 0);
	FUZZ_ASSERT(sh.has_supported_versions || sh.version == sh.legacy_version);
	FUZZ_ASSERT(fuzz_within(sh.alpn, data, size));
	FUZZ_ASSERT(fuzz_within(sh.cookie, data, size));
	if (sh.has_alpn)
		FUZZ_ASSERT(ta_rd_left(&sh.alpn) <= 255);
	for (size_t i = 0; i < sh.next_types; i++)
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(sh.ext_types[i] != sh.ext_types[j]);
	return 0;
}
