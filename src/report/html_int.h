/*
 * Inside the HTML writer: html_doc.c (the stream, the page, the summary),
 * html_target.c (a target's section), html_mail.c (a mail domain's
 * section) and html_util.c (the primitives they share).  Not for other
 * writers: report/render.h is the interface.
 *
 * Output safety: every string that comes from the document (so from a
 * server, a certificate, a profile or a stored file) is written with
 * hw_esc / hw_jesc, which escape with TA_ESC_HTML (report/escape.h): it
 * becomes element text or a quoted attribute value, nothing else.  Only our
 * own literals and numbers we format are written raw ("words" parameters).
 * Document text never reaches the style sheet, a tag or attribute name, or
 * a link: the only links are "#summary", "#t<index>" and "#m<index>".
 */
#ifndef TA_REPORT_HTML_INT_H
#define TA_REPORT_HTML_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Verdict levels: each is a CSS class that only colours words. */
enum hw_level { HW_GOOD, HW_WARN, HW_BAD, HW_INFO };

/* Certificates expiring within this many days are marked warn. */
#define HW_EXPIRY_WARN_DAYS 30

/* Protocol versions as the document names them, oldest first; below
 * HW_V_TLS12 a version is obsolete (RFC 8996) or broken. */
#define HW_NVER    6
#define HW_V_TLS12 4
extern const char *const hw_versions[HW_NVER];

/* ---- JSON access (a missing or mistyped member reads as absent) ---- */

/* The string member, or NULL; hw_nstr: NULL for "" too. */
const char *hw_str(const json_t *o, const char *key);
const char *hw_nstr(const json_t *o, const char *key);
/* true / false / null: 1 / 0 / -1 (enum ta_tri); absent reads as -1. */
int hw_tri(const json_t *o, const char *key);
bool hw_true(const json_t *o, const char *key);
/* The integer member, or dflt. */
long long hw_int(const json_t *o, const char *key, long long dflt);
/* The array member (NULL when absent) and its length (0 when absent). */
const json_t *hw_arr(const json_t *o, const char *key);
size_t hw_len(const json_t *o, const char *key);

/* ---- writing ---- */

/* s escaped (TA_ESC_HTML); NULL writes nothing. */
void hw_esc(FILE *out, const char *s);
/* A JSON string escaped whole, embedded NUL bytes included (as \x00). */
void hw_jesc(FILE *out, const json_t *str);
/* A verdict in words, coloured by level; words are our literals. */
void hw_mark(FILE *out, enum hw_level lv, const char *words);
const char *hw_tri_word(int v, const char *unknown);

/* Key-value tables: <table class="kv">, one <tr><th>label</th><td> per
 * fact.  Labels are our literals. */
void hw_kv_open(FILE *out);
void hw_kv_close(FILE *out);
void hw_row_begin(FILE *out, const char *label);
void hw_row_end(FILE *out);
void hw_row(FILE *out, const char *label, const char *value); /* value escaped */
void hw_row_mark(FILE *out, const char *label, enum hw_level lv, const char *words);

/* "2025-01-31" from the document's "2025-01-31T00:00:00Z" (escaped; "?"
 * when absent). */
void hw_date(FILE *out, const char *iso);
/* host:port, brackets around an IPv6 literal. */
void hw_endpoint(FILE *out, const char *host, long long port);

/* A certificate's validity: level and words ("12 days left", "expired
 * (-3 days left)", "not yet valid") from its days_left, expired and
 * not_yet_valid. */
enum hw_level hw_validity(long long days_left, bool expired, bool not_yet_valid, char *words,
                          size_t cap);

/* "error <text>", "incomplete <reason>" or "ok" with its mark. */
void hw_status(FILE *out, const char *status, const char *error, bool incomplete,
               const char *reason);

/* Profile verdict of one evaluation (an element of "profiles"), as the
 * summary and the profile headings say it: "compliant", "not compliant",
 * "incomplete"; "not tested" when the target was not scanned (or
 * "compliant" is null); "not evaluated" when prof is NULL. */
enum hw_level hw_profile_verdict(const json_t *prof, bool scanned, const char **words);

/* ---- the sections ---- */

/* The section of target index (html_target.c).  0 or TA_ESYS. */
int hw_target_section(FILE *out, const json_t *target, size_t index);
/* The section of mail domain index (html_mail.c).  0 or TA_ESYS. */
int hw_mail_section(FILE *out, const json_t *mail, size_t index);

/* The known vulnerabilities of a target (vulns_render.c). */
void hw_vulns(FILE *out, const json_t *list);

#endif
