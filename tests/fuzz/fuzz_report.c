/*
 * Fuzz target: a stored JSON report read back (report/reread.c) and
 * rendered in every format (the text, HTML, CSV, JSON and JUnit writers
 * render whatever the document holds; JUnit twice: with --require
 * profiles, and with each target's own target profile).  Invariants: the
 * reader accepts or rejects with a printable one-line reason, never
 * crashes; what it writes carries no terminal control (text), no markup
 * of the input (HTML), no bare line break inside a CSV record, valid
 * JSON, and well-formed XML (expat) whose only elements are JUnit's.
 */
#include <expat.h>
#include <jansson.h>
#include <limits.h>
#include <strings.h>

#include "fuzz.h"
#include "report/report.h"

/* Elements the JUnit writer writes; anything else came from the input. */
static void XMLCALL
junit_element(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	static const char *const ours[] = {"testsuites", "testsuite",  "properties",
	                                   "property",   "testcase",   "failure",
	                                   "error",      "system-out", "system-err"};
	int *bad = arg;
	size_t k = 0;

	(void)attrs;
	while (k < sizeof ours / sizeof ours[0] && strcmp(name, ours[k]) != 0)
		k++;
	*bad |= k == sizeof ours / sizeof ours[0];
}

static void
check_xml(const char *out, size_t len)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	int bad = 0;

	FUZZ_ASSERT(p != NULL);
	XML_SetUserData(p, &bad);
	XML_SetStartElementHandler(p, junit_element);
	FUZZ_ASSERT(len < INT_MAX && XML_Parse(p, out, (int)len, 1) == XML_STATUS_OK);
	FUZZ_ASSERT(!bad);
	XML_ParserFree(p);
}

static void
check_output(enum ta_format fmt, const char *out, size_t len)
{
	switch (fmt) {
	case TA_FORMAT_TEXT:
		for (size_t i = 0; i < len; i++)
			FUZZ_ASSERT((unsigned char)out[i] >= 0x20 || out[i] == '\n');
		break;
	case TA_FORMAT_HTML:
		for (size_t i = 0; i + 7 <= len; i++)
			FUZZ_ASSERT(strncasecmp(out + i, "<script", 7) != 0);
		break;
	case TA_FORMAT_CSV:
		for (size_t i = 0; i < len; i++)
			if (out[i] == '\n' || out[i] == '\r')
				FUZZ_ASSERT((out[i] == '\r' && i + 1 < len && out[i + 1] == '\n') ||
				            (out[i] == '\n' && i > 0 && out[i - 1] == '\r'));
		break;
	case TA_FORMAT_JSON: {
		json_error_t e;
		json_t *j = json_loadb(out, len, JSON_ALLOW_NUL, &e); /* "\u0000" is JSON */

		FUZZ_ASSERT(j != NULL);
		json_decref(j);
		break;
	}
	case TA_FORMAT_JUNIT:
		check_xml(out, len);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ta_format fmts[] = {TA_FORMAT_JSON, TA_FORMAT_TEXT,  TA_FORMAT_CSV,
	                                      TA_FORMAT_HTML, TA_FORMAT_JUNIT, TA_FORMAT_JUNIT};
	static const char *const required[] = {"hkcert-modern", "mozilla-5.7-old"};

	setenv("TLSAUDIT_NOW", "2026-12-07T12:00:00Z", 1);
	for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
		char *out = NULL, err[256];
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		int rc;

		FUZZ_ASSERT(f != NULL);
		err[0] = '\0';
		rc = ta_report_buffer((const char *)data, size, fmts[k], f, 0,
		                      "hkcert-intermediate", k == 4 ? required : NULL,
		                      k == 4 ? 2 : 0, err, sizeof err);
		fclose(f);
		FUZZ_ASSERT(rc == TA_OK || rc == TA_EINVAL || rc == TA_ENOMEM);
		if (rc == TA_OK)
			check_output(fmts[k], out, len);
		else
			FUZZ_ASSERT(fuzz_printable(err, sizeof err) && err[0]);
		free(out);
		if (rc == TA_EINVAL)
			break; /* rejected: the same for every format */
	}
	return 0;
}
