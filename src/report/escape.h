/*
 * Output escaping, one place for every writer.  Text that reached a result
 * from a server (certificate names, banners, headers, DNS text) is hostile:
 * it must not drive a terminal, break out of an HTML element or attribute,
 * split a CSV record, or start a spreadsheet formula.
 *
 * The input is a byte string that should be UTF-8.  In every mode:
 * - a byte that does not start a valid UTF-8 sequence (RFC 3629: no
 *   overlongs, no surrogates, nothing above U+10FFFF) becomes "\xNN";
 * - C0 controls, DEL and the C1 controls (U+0080..U+009F) become "\xNN"
 *   (C0, DEL) or "\u{NNNN}" (C1);
 * - bidirectional controls (U+061C, U+200E/F, U+202A..U+202E,
 *   U+2066..U+2069) and the line and paragraph separators U+2028/U+2029
 *   become "\u{NNNN}", so text cannot reorder what follows it;
 * - a backslash becomes "\\" unless the next byte is printable ASCII
 *   other than 'x', 'u' and '\' (or there is none), so escapes cannot be
 *   forged while RFC 2253 names ("O=A\, B") stay readable.
 * Modes then differ in what else they do:
 * - TA_ESC_ASCII: every other non-ASCII character also becomes "\u{NNNN}"
 *   (for terminals and files whose character set is not UTF-8);
 * - TA_ESC_UTF8: other characters pass as UTF-8;
 * - TA_ESC_CSV: as UTF8, plus '"' doubled, plus a leading "'" when the
 *   escaped text starts with '=', '+', '-', '@' or a '\' of an escaped
 *   tab or CR (OWASP's CSV-injection list), so no cell is a formula.  The
 *   caller writes the enclosing quotes (ta_esc_csv_field does both);
 * - TA_ESC_HTML: as UTF8, plus & < > " ' as character references, safe in
 *   element content and in quoted attribute values.
 * - TA_ESC_XML: as HTML, plus U+FFFE and U+FFFF as "\u{FFFE}", "\u{FFFF}":
 *   with the C0 controls above (as "\xNN", never as character
 *   references, which XML 1.0 forbids for them too) and surrogates never
 *   passed, every character written is an XML 1.0 Char (section 2.2),
 *   safe in element content and in quoted attribute values (JUnit).
 * JSON needs none of this: jansson escapes strings and every string we
 * give it is valid UTF-8.
 */
#ifndef TA_REPORT_ESCAPE_H
#define TA_REPORT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum ta_esc { TA_ESC_ASCII, TA_ESC_UTF8, TA_ESC_CSV, TA_ESC_HTML, TA_ESC_XML };

/* Escape len bytes of s into dst (cap bytes, always NUL-terminated when
 * cap > 0, cut at a whole escape).  Returns the length the whole escaped
 * text needs, without the NUL, like snprintf. */
size_t ta_esc_buf(char *dst, size_t cap, const char *s, size_t len, enum ta_esc how);

/* Write the escaped form of the NUL-terminated s to out. */
void ta_esc_put(FILE *out, const char *s, enum ta_esc how);

/* One CSV field: '"' + ta_esc_put(TA_ESC_CSV) + '"'. */
void ta_esc_csv_field(FILE *out, const char *s);

/* TA_ESC_UTF8 when the locale's character set (LC_CTYPE, as set by the
 * program) is UTF-8, else TA_ESC_ASCII: the terminal mode to use. */
enum ta_esc ta_esc_term_mode(void);

#endif
