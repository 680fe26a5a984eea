/*
 * Fuzz target: ta_ske_parse().  The first input byte selects the suite's
 * key exchange (bits 0-4, modulo the number of enum ta_kx values), its
 * authentication (bits 5-6: none, RSA, DSS, ECDSA) and the version (bit 7:
 * TLS 1.2, with a signature algorithm, or TLS 1.0); the rest is the body.
 */
#include "fuzz.h"
#include "wire/registry.h"
#include "wire/tls.h"

static const unsigned auths[4] = {TA_AUTH_NULL, TA_AUTH_RSA, TA_AUTH_DSS, TA_AUTH_ECDSA};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned kx, auth;
	uint16_t version;
	struct ta_ske ske;
	struct ta_rd r;
	int rc;

	if (size < 1)
		return 0;
	kx = (data[0] & 0x1f) % (TA_KX_FORTEZZA + 1);
	auth = auths[(data[0] >> 5) & 3];
	version = (data[0] & 0x80) ? TA_TLS12 : TA_TLS10;
	ta_rd_init(&r, data + 1, size - 1);
	rc = ta_ske_parse(r, kx, auth, version, &ske);
	if (rc != TA_OK) {
		FUZZ_ASSERT(rc == TA_EDECODE);
		return 0;
	}
	FUZZ_ASSERT(ske.kind <= TA_SKE_RSA);
	FUZZ_ASSERT(fuzz_within(ske.p, data, size));
	FUZZ_ASSERT(fuzz_within(ske.g, data, size));
	FUZZ_ASSERT(fuzz_within(ske.ys, data, size));
	FUZZ_ASSERT(fuzz_within(ske.point, data, size));
	FUZZ_ASSERT(fuzz_within(ske.rsa_mod, data, size));
	FUZZ_ASSERT(fuzz_within(ske.sig, data, size));
	FUZZ_ASSERT(!ske.has_sigalg || (ske.has_sig && version >= TA_TLS12));
	FUZZ_ASSERT(!ske.has_sig || auth != TA_AUTH_NULL);
	return 0;
}
