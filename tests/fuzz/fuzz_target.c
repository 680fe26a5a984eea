/*
 * Fuzz target: ta_parse_target() on a NUL-terminated copy of the input
 * (so the text ends at the first NUL byte, as a command-line argument
 * would).
 */
#include <string.h>

#include "fuzz.h"
#include "probe/scan_internal.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[256], err[256];
	uint16_t port = 0;
	char *spec;
	int rc;

	spec = malloc(size + 1);
	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	host[0] = err[0] = '\0';
	rc = ta_parse_target(spec, 443, host, sizeof host, &port, err, sizeof err);
	if (rc == TA_OK) {
		FUZZ_ASSERT(host[0] != '\0');
		FUZZ_ASSERT(strlen(host) < sizeof host);
		FUZZ_ASSERT(strlen(host) <= strlen(spec));
		FUZZ_ASSERT(port != 0);
	} else {
		FUZZ_ASSERT(rc == TA_EINVAL);
		FUZZ_ASSERT(err[0] != '\0');
		FUZZ_ASSERT(strlen(err) < sizeof err);
	}
	free(spec);
	return 0;
}
