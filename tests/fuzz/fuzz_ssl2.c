/*
 * Fuzz target: SSLv2 records.  Asks ta_looks_ssl2() about the input, then
 * parses SERVER-HELLO records with ta_ssl2_server_hello_parse() for as long
 * as each call consumes a record.
 */
#include "fuzz.h"
#include "wire/tls.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_rd r;

	(void)ta_looks_ssl2(data, size);
	ta_rd_init(&r, data, size);
	while (ta_rd_left(&r) > 0) {
		const uint8_t *before = r.p;
		struct ta_ssl2_server_hello sh;
		int rc;

		rc = ta_ssl2_server_hello_parse(&r, &sh);
		FUZZ_ASSERT(r.p >= before && r.p <= data + size);
		if (rc == TA_ENOSPC)
			FUZZ_ASSERT(r.p == before);
		if (rc == TA_OK) {
			FUZZ_ASSERT(sh.nkinds <= TA_SSL2_MAX_KINDS);
			FUZZ_ASSERT(fuzz_within(sh.cert, data, size));
			FUZZ_ASSERT(fuzz_within(sh.connection_id, data, size));
			FUZZ_ASSERT(sh.cert.p >= before && sh.connection_id.end <= r.p);
			for (size_t i = 0; i < sh.nkinds; i++)
				FUZZ_ASSERT(sh.kinds[i] <= 0xffffff);
		} else {
			FUZZ_ASSERT(rc == TA_ENOSPC || rc == TA_EDECODE || rc == TA_EPROTO);
		}
		if (r.p == before)
			break;
	}
	return 0;
}
