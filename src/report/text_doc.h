/*
 * Internal to the text writer (text_doc.c, text_profiles.c): the output
 * state and the escaping helpers both files use.  Not for other writers;
 * the interface is report/render.h.
 */
#ifndef TA_REPORT_TEXT_DOC_H
#define TA_REPORT_TEXT_DOC_H

#include <jansson.h>
#include <stdio.h>

#include "report/escape.h"

struct ta_txt {
	FILE *out;
	int color;
	enum ta_esc esc; /* the terminal mode (ta_esc_term_mode) */
};

/* s escaped for the terminal (NULL: nothing). */
void ta_txt_put(const struct ta_txt *t, const char *s);

/* s escaped, then spaces up to width bytes (printf's "%-*s" on the
 * escaped text). */
void ta_txt_pad(const struct ta_txt *t, const char *s, int width);

/* The string under key in o, or NULL. */
const char *ta_txt_str(const json_t *o, const char *key);

/* The "Profiles" part of a target's block: the matrix of every profile in
 * the document, then the failing and warning rules of focus (NULL: none). */
void ta_txt_profiles(const struct ta_txt *t, const json_t *profiles, const char *focus);

/* The known vulnerabilities of a target (vulns_render.c). */
void ta_text_vulns(const struct ta_txt *t, const json_t *list);

/* The client simulation of a target (clients_render.c). */
void ta_text_clients(const struct ta_txt *t, const json_t *list);

#endif
