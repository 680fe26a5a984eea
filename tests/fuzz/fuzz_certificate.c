/*
 * Fuzz target: ta_certificate_parse().  Bit 0 of the first input byte
 * selects the TLS 1.3 layout (RFC 8446 4.4.2); the rest is the body.
 */
#include "fuzz.h"
#include "wire/tls.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_cert_list cl;
	struct ta_rd r;
	bool tls13;
	int rc;

	if (size < 1)
		return 0;
	tls13 = data[0] & 1;
	ta_rd_init(&r, data + 1, size - 1);
	rc = ta_certificate_parse(r, tls13, &cl);
	if (rc != TA_OK) {
		FUZZ_ASSERT(rc == TA_EDECODE);
		return 0;
	}
	FUZZ_ASSERT(cl.n <= TA_CERT_MAX_CHAIN);
	FUZZ_ASSERT(!cl.truncated || cl.n == TA_CERT_MAX_CHAIN);
	for (size_t i = 0; i < cl.n; i++) {
		FUZZ_ASSERT(fuzz_within(cl.der[i], data, size));
		if (i > 0)
			FUZZ_ASSERT(cl.der[i].p >= cl.der[i - 1].end);
	}
	return 0;
}
