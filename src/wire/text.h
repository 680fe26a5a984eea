/*
 * Server text kept in results: one printable-ASCII form for all of it, so
 * the writers (report/escape.h) never see a control byte from a parser.
 */
#ifndef TA_WIRE_TEXT_H
#define TA_WIRE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy src into dst (cap >= 1) as printable ASCII: bytes outside 0x20-0x7e
 * and the backslash become \xNN and \\, and the copy is cut (never inside an
 * escape) to fit.  Returns true when all of src fitted. */
bool ta_text_printable(char *dst, size_t cap, const uint8_t *src, size_t len);

#endif
