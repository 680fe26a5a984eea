/*
 * Fuzz target: ta_client_hello_from_records() on the input as a client's
 * first flight (handshake records carrying a ClientHello), and
 * ta_client_hello_parse() on the input as a ClientHello body.
 */
#include <string.h>

#include "fuzz.h"
#include "wire/chello.h"

static void
check_list(const struct ta_ch_list *l)
{
	FUZZ_ASSERT(l->n <= TA_CH_MAX_LIST);
	FUZZ_ASSERT(l->present || l->n == 0);
	for (size_t i = 0; i < l->n; i++)
		FUZZ_ASSERT(!ta_is_grease(l->v[i]));
}

static void
check(const struct ta_client_hello *ch, const uint8_t *base, size_t size)
{
	FUZZ_ASSERT(ch->nsuites <= TA_CH_MAX_SUITES);
	FUZZ_ASSERT(ch->nexts <= TA_CH_MAX_EXTS);
	FUZZ_ASSERT(ch->nalpn <= TA_CH_MAX_ALPN);
	for (size_t i = 0; i < ch->nsuites; i++)
		FUZZ_ASSERT(!ta_is_grease(ch->suites[i]) && ch->suites[i] != 0x00ff);
	for (size_t i = 0; i < ch->nexts; i++)
		FUZZ_ASSERT(!ta_is_grease(ch->exts[i]));
	check_list(&ch->versions);
	check_list(&ch->groups);
	check_list(&ch->key_shares);
	check_list(&ch->sigalgs);
	check_list(&ch->sigalgs_cert);
	check_list(&ch->point_formats);
	FUZZ_ASSERT(ch->sni || (ch->sni_name.p == NULL && ch->sni_name.end == NULL));
	FUZZ_ASSERT(fuzz_within(ch->sni_name, base, size));
	for (size_t i = 0; i < ch->nalpn; i++) {
		FUZZ_ASSERT(fuzz_within(ch->alpn[i], base, size));
		FUZZ_ASSERT(ta_rd_left(&ch->alpn[i]) > 0 && ta_rd_left(&ch->alpn[i]) <= 255);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t scratch[TA_CH_MAX_RECORDS];
	struct ta_client_hello ch;
	struct ta_rd r;
	int rc;

	rc = ta_client_hello_from_records(data, size, scratch, sizeof scratch, &ch);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE || rc == TA_ENOSPC);
	if (rc == TA_OK)
		check(&ch, scratch, sizeof scratch);
	ta_rd_init(&r, data, size);
	rc = ta_client_hello_parse(r, &ch);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
	if (rc == TA_OK) {
		FUZZ_ASSERT(size >= 2 + 32 + 1 + 4 + 2);
		check(&ch, data, size);
	}
	return 0;
}
