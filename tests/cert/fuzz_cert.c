/*
 * Fuzz target: ta_chain_analyse() with the input as a one-certificate
 * chain (DER), against the system trust store, with "now" pinned and a
 * host name to match.  Besides ASan and UBSan, it checks what cert.h
 * promises about the result: TA_EDECODE or success; on success one
 * certificate whose strings are present, capped and valid UTF-8, and
 * lists within their caps.  Built with tests/fuzz/replay_main.c for
 * ctest, or with -fsanitize=fuzzer when TA_FUZZ=ON.
 */
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* setenv() when built without the project's flags */
#endif

#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "cert/cert.h"
#include "tlsaudit.h"
#include "utf8.h"

#define TEXT_MAX 1024 /* as in src/cert/x509.c */

static bool
text_ok(const char *s, size_t max)
{
	return s != NULL && strlen(s) <= max && valid_utf8(s);
}

static bool
fixed_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL && text_ok(s, cap - 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ta_cert_ctx *ctx; /* kept for the whole run */
	const uint8_t *der[1] = {data};
	size_t len[1] = {size};
	struct ta_chain c;
	const struct ta_cert *t;
	int rc;

	if (ctx == NULL) {
		setenv("TLSAUDIT_NOW", "2026-03-01T12:00:00Z", 1);
		ctx = ta_cert_ctx_new(NULL, NULL, 0);
		FUZZ_ASSERT(ctx != NULL);
	}
	rc = ta_chain_analyse(ctx, der, len, 1, "www.example.com", &c);
	if (rc != TA_OK) {
		FUZZ_ASSERT(rc == TA_EDECODE);
		FUZZ_ASSERT(c.n == 0 && c.certs == NULL);
		return 0;
	}
	FUZZ_ASSERT(c.n == 1 && c.certs != NULL);
	FUZZ_ASSERT(c.hostname_match == 0 || c.hostname_match == 1);
	FUZZ_ASSERT(c.trusted == 0 || c.trusted == 1);
	FUZZ_ASSERT(fixed_ok(c.trust_error, sizeof c.trust_error));
	FUZZ_ASSERT(c.order_ok && !c.has_anchor_in_chain);
	t = &c.certs[0];
	FUZZ_ASSERT(text_ok(t->subject, TEXT_MAX));
	FUZZ_ASSERT(text_ok(t->issuer, TEXT_MAX));
	FUZZ_ASSERT(text_ok(t->serial, TEXT_MAX));
	FUZZ_ASSERT(t->nsan <= TA_CERT_MAX_SAN && (t->nsan == 0 || t->san != NULL));
	for (size_t i = 0; i < t->nsan; i++)
		FUZZ_ASSERT(text_ok(t->san[i], TEXT_MAX + 6));
	FUZZ_ASSERT(t->nocsp <= TA_CERT_MAX_URLS && t->ncrl <= TA_CERT_MAX_URLS);
	for (size_t i = 0; i < t->nocsp; i++)
		FUZZ_ASSERT(text_ok(t->ocsp_urls[i], TEXT_MAX));
	for (size_t i = 0; i < t->ncrl; i++)
		FUZZ_ASSERT(text_ok(t->crl_urls[i], TEXT_MAX));
	FUZZ_ASSERT(fixed_ok(t->key_type, sizeof t->key_type));
	FUZZ_ASSERT(fixed_ok(t->curve, sizeof t->curve));
	FUZZ_ASSERT(fixed_ok(t->signature_algorithm, sizeof t->signature_algorithm));
	FUZZ_ASSERT(fixed_ok(t->key_usage, sizeof t->key_usage));
	FUZZ_ASSERT(fixed_ok(t->ext_key_usage, sizeof t->ext_key_usage));
	FUZZ_ASSERT(strlen(t->sha256) == 64 && strlen(t->sha1) == 40);
	FUZZ_ASSERT(t->key_bits >= 0 && t->sct_count >= 0 && t->path_len >= -1);
	FUZZ_ASSERT(t->expired == (t->days_left < 0));
	ta_chain_free(&c);
	return 0;
}
