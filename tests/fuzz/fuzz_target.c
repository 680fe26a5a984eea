/*
 * Fuzz target: targets as users give them.  The input is used twice:
 * - as one command-line target: ta_parse_target() on a NUL-terminated copy
 *   (the text ends at the first NUL byte, as an argument would);
 * - as a target file: split after each '\n', every line through
 *   ta_target_line() (NUL bytes, length cap, blanks, comments) and what it
 *   keeps through ta_parse_target().
 * Invariants: results are bounded; every error is one line of printable
 * ASCII (it names the user's text, which may hold anything); a kept spec
 * has no blank at either end and no comment, CR or LF.
 */
#include <string.h>

#include "fuzz.h"
#include "probe/scan_internal.h"

static void
check_spec(const char *spec)
{
	char host[256], err[256];
	uint16_t port = 0;
	int rc;

	host[0] = err[0] = '\0';
	rc = ta_parse_target(spec, 443, host, sizeof host, &port, err, sizeof err);
	if (rc == TA_OK) {
		FUZZ_ASSERT(host[0] != '\0');
		FUZZ_ASSERT(strlen(host) < sizeof host);
		FUZZ_ASSERT(strlen(host) <= strlen(spec));
		FUZZ_ASSERT(port != 0);
	} else {
		FUZZ_ASSERT(rc == TA_EINVAL);
		FUZZ_ASSERT(err[0] != '\0' && fuzz_printable(err, sizeof err));
	}
}

static void
check_line(const uint8_t *data, size_t len)
{
	char *line = malloc(len + 1), *spec, err[128];
	int rc;

	if (!line)
		return;
	memcpy(line, data, len);
	line[len] = '\0';
	err[0] = '\0';
	rc = ta_target_line(line, len, &spec, err, sizeof err);
	if (rc != TA_OK) {
		FUZZ_ASSERT(rc == TA_EINVAL);
		FUZZ_ASSERT(spec == NULL);
		FUZZ_ASSERT(err[0] != '\0' && fuzz_printable(err, sizeof err));
	} else if (spec) {
		size_t n = strlen(spec);

		FUZZ_ASSERT(spec >= line && spec + n <= line + len);
		FUZZ_ASSERT(n > 0 && spec[0] != ' ' && spec[0] != '\t');
		FUZZ_ASSERT(spec[n - 1] != ' ' && spec[n - 1] != '\t');
		FUZZ_ASSERT(strpbrk(spec, "#\r\n") == NULL);
		check_spec(spec);
	}
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	size_t start = 0;

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	check_spec(spec);
	free(spec);
	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n') {
			check_line(data + start, i + 1 - start);
			start = i + 1;
		}
	if (start < size)
		check_line(data + start, size - start);
	return 0;
}
