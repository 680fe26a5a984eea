/*
 * Fuzz target: the record layer as a probe reads it.  Split the input into
 * records with ta_record_parse() until it stops, parse every alert record,
 * and walk the handshake headers inside every handshake record.  Also asks
 * ta_looks_ssl2() about the input.
 */
#include "fuzz.h"
#include "wire/tls.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_rd r;

	(void)ta_looks_ssl2(data, size);
	ta_rd_init(&r, data, size);
	for (;;) {
		const uint8_t *before = r.p;
		struct ta_record rec;
		int rc;

		rc = ta_record_parse(&r, &rec);
		if (rc != TA_OK) {
			FUZZ_ASSERT(rc == TA_ENOSPC || rc == TA_EDECODE);
			FUZZ_ASSERT(r.p == before); /* nothing consumed */
			break;
		}
		FUZZ_ASSERT(r.p == before + 5 + ta_rd_left(&rec.body));
		FUZZ_ASSERT(fuzz_within(rec.body, data, size));
		FUZZ_ASSERT(ta_rd_left(&rec.body) <= TA_RECORD_MAX);
		FUZZ_ASSERT((rec.version >> 8) == 3);
		if (rec.type == TA_CT_ALERT) {
			struct ta_alert a;

			rc = ta_alert_parse(rec.body, &a);
			FUZZ_ASSERT((rc == TA_OK) == (ta_rd_left(&rec.body) == 2));
		} else if (rec.type == TA_CT_HANDSHAKE) {
			struct ta_rd hs = rec.body, body;
			uint8_t type;

			while (ta_handshake_parse(&hs, &type, &body) == TA_OK) {
				FUZZ_ASSERT(fuzz_within(body, data, size));
				FUZZ_ASSERT(body.end == hs.p);
			}
		}
	}
	return 0;
}
