/*
 * Inside the text parsers of wire/httptext.h: httptext.c (HTTP response
 * heads, Strict-Transport-Security, Location URLs, and the character
 * classes and readers below) and mailpolicy.c (the MTA-STS and TLS-RPT
 * texts).  Not for other modules.
 */
#ifndef TA_WIRE_HTTPTEXT_INT_H
#define TA_WIRE_HTTPTEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/httptext.h"

/* Character classes (RFC 5234 DIGIT, ALPHA / DIGIT, WSP; RFC 3986 2.3
 * unreserved and 2.2 sub-delims). */
bool ta_ht_is_digit(uint8_t c);
bool ta_ht_is_alnum(uint8_t c);
bool ta_ht_is_wsp(uint8_t c);
bool ta_ht_is_unreserved(uint8_t c);
bool ta_ht_is_sub_delim(uint8_t c);

/* Readers over the caller's bytes. */
bool ta_ht_rd_peek(const struct ta_rd *r, uint8_t *c);
bool ta_ht_rd_eat(struct ta_rd *r, uint8_t c);
/* Consume the literal s (case-sensitive) if it is next. */
bool ta_ht_rd_eat_str(struct ta_rd *r, const char *s);
void ta_ht_rd_skip_wsp(struct ta_rd *r);
/* Split off the longest prefix whose bytes all satisfy ok. */
struct ta_rd ta_ht_rd_span(struct ta_rd *r, bool (*ok)(uint8_t));
/* Split off the next line without its LF or CRLF; *ended is false when the
 * input ran out before a LF. */
void ta_ht_rd_line(struct ta_rd *r, struct ta_rd *line, bool *ended);
void ta_ht_rd_trim_right(struct ta_rd *r);
bool ta_ht_view_all(struct ta_rd v, bool (*ok)(uint8_t));
/* ASCII case-insensitive equality of n bytes. */
bool ta_ht_mem_eq_ci(const uint8_t *a, const uint8_t *b, size_t n);

void ta_ht_set_error(char *dst, size_t cap, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A name for an error text: only names that passed a token check are given
 * here, cut so that the message fits. */
#define NAME_FMT    "%.*s"
#define NAME_ARG(v) (int)(ta_rd_left(&(v)) > 40 ? 40 : ta_rd_left(&(v))), (const char *)(v).p

#endif
