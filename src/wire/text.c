/*
 * Printable copies of server text, for every parser that keeps some
 * (banners, header values, error texts).  See text.h.
 */
#include <string.h>

#include "wire/text.h"

bool
ta_text_printable(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (cap == 0)
		return len == 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = src[i];
		char tmp[4];
		size_t n;

		if (c == '\\') {
			tmp[0] = tmp[1] = '\\';
			n = 2;
		} else if (c >= 0x20 && c <= 0x7e) {
			tmp[0] = (char)c;
			n = 1;
		} else {
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[c >> 4];
			tmp[3] = hex[c & 15];
			n = 4;
		}
		if (cap - 1 - o < n) {
			dst[o] = '\0';
			return false;
		}
		memcpy(dst + o, tmp, n);
		o += n;
	}
	dst[o] = '\0';
	return true;
}
