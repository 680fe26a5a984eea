/*
 * Fuzz target: a document as the store keeps it (store/blob.c), read back
 * from a file someone else may have written.  Invariants: unpacking accepts
 * a target document or rejects with a printable one-line reason, never
 * crashes or inflates past the stated length; what it accepts packs and
 * unpacks again to the same document.
 */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "store/store.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	json_t *doc = ta_store_unpack(data, size, err, sizeof err);

	if (!doc) {
		FUZZ_ASSERT(err[0] != '\0');
		for (const char *p = err; *p; p++)
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
		return 0;
	}
	unsigned char *blob = NULL;
	size_t len = 0;

	FUZZ_ASSERT(ta_store_pack(doc, &blob, &len) == TA_OK);
	json_t *again = ta_store_unpack(blob, len, err, sizeof err);

	FUZZ_ASSERT(again != NULL);
	FUZZ_ASSERT(json_equal(doc, again));
	json_decref(again);
	json_decref(doc);
	free(blob);
	return 0;
}
