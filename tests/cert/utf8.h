/*
 * Test helper shared by test_cert.c and fuzz_cert.c: is s well-formed
 * UTF-8 (no overlong 2-byte leads, no bytes above U+10FFFF leads)?
 */
#ifndef TA_TEST_CERT_UTF8_H
#define TA_TEST_CERT_UTF8_H

#include <stdbool.h>
#include <stddef.h>

static inline bool
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;

		if (*p >= 0x80 && (*p < 0xc2 || *p > 0xf4))
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

#endif
