/*
 * Fuzz target: an HTTP response head as libcurl hands it over, through
 * ta_http_head_parse(), then what src/net/http.c does with it: walk the
 * fields, look up Strict-Transport-Security, Content-Security-Policy,
 * Content-Encoding and Location, parse them, and make printable copies.
 * Invariants: views stay inside the input, field names are non-empty,
 * printable copies are printable, lookups agree with the walk.
 */
#include <string.h>

#include "fuzz.h"
#include "wire/httptext.h"

static void
copy_check(struct ta_rd v)
{
	char small[32], big[512];

	ta_text_printable(small, sizeof small, v.p, ta_rd_left(&v));
	FUZZ_ASSERT(fuzz_printable(small, sizeof small));
	ta_text_printable(big, sizeof big, v.p, ta_rd_left(&v));
	FUZZ_ASSERT(fuzz_printable(big, sizeof big));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"Strict-Transport-Security",
	                                    "Content-Security-Policy",
	                                    "Content-Security-Policy-Report-Only",
	                                    "Content-Encoding",
	                                    "Location",
	                                    "Content-Type"};
	struct ta_http_head h;
	struct ta_http_field f;
	struct ta_http_location loc;
	struct ta_rd it, v;
	const char *why = NULL;
	size_t nfields = 0;
	int rc;

	/* Location parsing on the raw input, too */
	ta_http_location_parse((const char *)data, size, &loc);
	FUZZ_ASSERT(loc.kind >= TA_LOC_RELATIVE && loc.kind <= TA_LOC_INVALID);
	if (loc.kind == TA_LOC_HTTPS) {
		FUZZ_ASSERT(fuzz_within(loc.host, data, size));
		FUZZ_ASSERT(ta_rd_left(&loc.host) > 0);
		FUZZ_ASSERT(loc.port <= 65535);
	}

	rc = ta_http_head_parse((const char *)data, size, &h, &why);
	FUZZ_ASSERT(why != NULL);
	if (rc != TA_OK) {
		FUZZ_ASSERT(rc == TA_EDECODE || rc == TA_ENOSPC);
		FUZZ_ASSERT(why[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(why[0] == '\0');
	FUZZ_ASSERT(h.status >= 100 && h.status <= 999);
	FUZZ_ASSERT(fuzz_within(h.fields, data, size));
	it = h.fields;
	while (ta_http_field_next(&it, &f)) {
		nfields++;
		FUZZ_ASSERT(ta_rd_left(&f.name) > 0);
		FUZZ_ASSERT(fuzz_within(f.name, data, size));
		FUZZ_ASSERT(fuzz_within(f.value, data, size));
		FUZZ_ASSERT(fuzz_within(f.value, h.fields.p, ta_rd_left(&h.fields)));
		copy_check(f.value);
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = ta_http_head_find(&h, names[i], &v);

		FUZZ_ASSERT(n <= nfields);
		FUZZ_ASSERT(fuzz_within(v, data, size));
		if (n == 0) {
			FUZZ_ASSERT(ta_rd_left(&v) == 0);
			continue;
		}
		copy_check(v);
		if (i == 0) {
			struct ta_hsts_policy p;

			rc = ta_hsts_parse((const char *)v.p, ta_rd_left(&v), &p);
			FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
			FUZZ_ASSERT(fuzz_printable(p.error, sizeof p.error));
		} else if (i == 3) {
			(void)ta_http_coding_compressed(v);
		} else if (i == 4) {
			ta_http_location_parse((const char *)v.p, ta_rd_left(&v), &loc);
			if (loc.kind == TA_LOC_HTTPS) {
				FUZZ_ASSERT(fuzz_within(loc.host, v.p, ta_rd_left(&v)));
				(void)ta_http_host_eq(loc.host, "localhost", 9);
			}
		}
	}
	return 0;
}
