/*
 * A document as the store keeps it: compact JSON, zlib-compressed, after a
 * 4-byte tag and the 4-byte length of the JSON (big-endian), so that a
 * blob read back is checked before anything is inflated.  A blob is
 * hostile like any file: its stated length is capped, inflation stops at
 * that length, and the JSON must be a target document.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "report/report.h"
#include "store/store.h"

#define BLOB_TAG     "TAd1"
#define BLOB_HEAD    8
#define BLOB_MAX_DOC (64u * 1024 * 1024) /* a target's JSON is ~200 KB */

int
ta_store_pack(const json_t *doc, unsigned char **out, size_t *outlen)
{
	char *json = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n = json ? strlen(json) : 0;
	uLongf cap;
	unsigned char *buf;

	*out = NULL;
	*outlen = 0;
	if (!json)
		return TA_ENOMEM;
	if (n > BLOB_MAX_DOC) {
		free(json);
		return TA_EINVAL;
	}
	cap = compressBound((uLong)n);
	buf = malloc(BLOB_HEAD + cap);
	if (!buf) {
		free(json);
		return TA_ENOMEM;
	}
	memcpy(buf, BLOB_TAG, 4);
	buf[4] = (unsigned char)(n >> 24);
	buf[5] = (unsigned char)(n >> 16);
	buf[6] = (unsigned char)(n >> 8);
	buf[7] = (unsigned char)n;
	if (compress2(buf + BLOB_HEAD, &cap, (const Bytef *)json, (uLong)n, 6) != Z_OK) {
		free(json);
		free(buf);
		return TA_ENOMEM;
	}
	free(json);
	*out = buf;
	*outlen = BLOB_HEAD + cap;
	return TA_OK;
}

json_t *
ta_store_unpack(const unsigned char *blob, size_t len, char *err, size_t errlen)
{
	size_t n;
	uLongf got;
	char *json;
	json_t *doc;
	json_error_t jerr;

	if (len < BLOB_HEAD || memcmp(blob, BLOB_TAG, 4) != 0) {
		snprintf(err, errlen, "a stored document has no tlsaudit tag");
		return NULL;
	}
	n = (size_t)blob[4] << 24 | (size_t)blob[5] << 16 | (size_t)blob[6] << 8 | blob[7];
	if (n == 0 || n > BLOB_MAX_DOC) {
		snprintf(err, errlen, "a stored document claims %zu bytes", n);
		return NULL;
	}
	json = malloc(n);
	if (!json) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	got = (uLongf)n;
	if (uncompress((Bytef *)json, &got, blob + BLOB_HEAD, (uLong)(len - BLOB_HEAD)) != Z_OK ||
	    got != n) {
		free(json);
		snprintf(err, errlen, "a stored document does not inflate to its length");
		return NULL;
	}
	/* NUL escapes are JSON and server text may hold them; jansson's
	 * message quotes the input, so only its position is told */
	doc = json_loadb(json, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	free(json);
	if (!doc) {
		snprintf(err, errlen, "a stored document is not JSON (at byte %d)", jerr.position);
		return NULL;
	}
	if (!ta_doc_is_target(doc)) {
		json_decref(doc);
		snprintf(err, errlen, "a stored document is not a target (host, port, status)");
		return NULL;
	}
	return doc;
}
