/*
 * Inside the HTML writer: html_doc.c (the stream and the page),
 * html_stats.c (what the summary counts of each document, and the trend
 * counter), html_exec.c (the executive summary), html_chart.c (its inline
 * SVG charts), html_plan.c (the plan section), html_table.c (the table of
 * endpoints), html_target.c and html_cert.c (a target's section),
 * html_mail.c (a mail domain's section) and html_util.c (the primitives
 * they share).  Not for other writers: report/render.h is the interface.
 *
 * Output safety: every string that comes from the document (so from a
 * server, a certificate, a profile or a stored file) is written with
 * hw_esc / hw_jesc, which escape with TA_ESC_HTML (report/escape.h): it
 * becomes element text or a quoted attribute value, nothing else.  Only our
 * own literals and numbers we format are written raw ("words" parameters).
 * Document text never reaches the style sheet, a tag or attribute name, or
 * a link: the only links are fragments ("#summary", "#t<index>", ...).
 */
#ifndef TA_REPORT_HTML_INT_H
#define TA_REPORT_HTML_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/render.h"

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
/* A copy of s (NULL stays NULL); *oom set when the copy fails. */
char *hw_dup(const char *s, bool *oom);

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

/* The section of target index (html_target.c); focus: the target profile
 * of a document without one (hw_target_profile).  0 or TA_ESYS. */
int hw_target_section(FILE *out, const json_t *target, size_t index, const char *focus);
/* The section of mail domain index (html_mail.c).  0 or TA_ESYS. */
int hw_mail_section(FILE *out, const json_t *mail, size_t index);

/* The known vulnerabilities of a target (vulns_render.c). */
void hw_vulns(FILE *out, const json_t *list);

/* ---- what the summary counts (html_stats.c) ---- */

/* Categories of the weak-suites chart, each a bit of a target's mask:
 * any suite marked weak (the document's strength mark), then the weak
 * ones by what makes them weak (from the IANA name and the export flag;
 * a suite can be in several), and "no AEAD suite": suites offered, none
 * of them AEAD (CBC or stream only). */
enum hw_weak {
	HW_WK_ANY,
	HW_WK_NULL,
	HW_WK_ANON,
	HW_WK_EXPORT,
	HW_WK_RC4,
	HW_WK_DES,
	HW_WK_OTHER,
	HW_WK_NOAEAD,
	HW_NWEAK
};
extern const char *const hw_weak_label[HW_NWEAK];
unsigned hw_weak_of(const json_t *protocols);
/* The hw_versions index of the highest and lowest version offered (-1
 * each when none). */
void hw_version_span(const json_t *protocols, int *hi, int *lo);

/* Time to expiry of a certificate, the buckets of the chart. */
enum hw_exp { HW_EXP_EXPIRED, HW_EXP_14, HW_EXP_30, HW_EXP_90, HW_EXP_LATER, HW_NEXP };
extern const char *const hw_exp_label[HW_NEXP];
enum hw_exp hw_exp_of(long long days_left, bool expired, bool not_yet_valid);

/* The distinct leaf certificates of a report, by SHA-256 fingerprint: each
 * once, however many endpoints serve it. */
struct hw_cert {
	char *fp, *subject;
	long long days;
	bool expired, not_yet_valid;
	size_t first;      /* the first target (row index) serving it */
	size_t nendpoints; /* targets serving it */
	size_t last;       /* the last row counted, + 1 (a target counts once) */
};
struct hw_certs {
	struct hw_cert *v;
	size_t n, cap;
	size_t *slot; /* open addressing: index + 1, 0 empty */
	size_t nslot;
};
/* Add the leaves of a target (its "certificates") as row.  TA_ENOMEM. */
int hw_certs_add(struct hw_certs *cs, const json_t *certs, size_t row, bool keep_subject);
void hw_certs_free(struct hw_certs *cs);

/* The target profile of a document: its "target_profile", else focus,
 * else hkcert-intermediate; *given tells which.  Its verdict as
 * hw_profile_verdict says it. */
#define HW_DEFAULT_PROFILE "hkcert-intermediate"
const char *hw_target_profile(const json_t *t, const char *focus, bool *given);

/* ---- the page's state (html_doc.c fills it target by target) ---- */

/* Profile columns of the endpoints table, at most; further profiles are
 * still in each target's section. */
#define HW_MAX_PROFILES 64
/* Vulnerability ids counted, at most (the document has about twenty). */
#define HW_MAX_VULNS 64

struct hw_verdict {
	const char *words; /* NULL: the target has no evaluation for this column */
	uint8_t lv;
	uint32_t fail, warn, untested;
};

struct hw_row {
	char *host, *ip, *service, *note; /* note: the error or the incomplete reason */
	long long port;
	bool ok, incomplete;
	int8_t hi, lo;      /* hw_versions index of the highest and lowest offered; -1 none */
	uint32_t weak;      /* suites marked weak */
	unsigned weak_cats; /* 1 << enum hw_weak */
	bool cert, expired, not_yet_valid, untrusted, mismatch;
	long long days; /* of the served leaf that expires first */
	uint64_t vulns; /* 1 << index into ta_html.vulns: vulnerable */
	size_t tp;      /* index into ta_html.tps */
	uint8_t tp_lv;  /* its verdict */
	const char *tp_words;
	struct hw_verdict *v;
	size_t nv;
};

struct hw_column {
	char *id, *title;
	size_t compliant, judged; /* compliant or incomplete, of the scanned */
	size_t good, warn, bad;   /* compliant, incomplete, not compliant */
};

/* A target profile and how its endpoints fare, by hw_level of their
 * verdict: HW_GOOD compliant, HW_WARN incomplete, HW_BAD not compliant,
 * HW_INFO not tested (scan failed) or not evaluated (n_none). */
struct hw_tp {
	char *id;
	bool given; /* some document names it (else the default) */
	size_t n[4], n_none;
};

struct hw_vuln {
	char *id;
	size_t vulnerable, untested;
};

struct ta_html {
	FILE *out, *targets, *mail; /* mail: created with the first domain */
	struct ta_render_opts o;
	char *version, *report_time, *trust;
	struct hw_row *rows;
	size_t nrows, caprows;
	struct hw_column cols[HW_MAX_PROFILES];
	size_t ncols;
	struct hw_tp *tps;
	size_t ntps;
	bool tp_given; /* some document has a target_profile */
	struct hw_vuln vulns[HW_MAX_VULNS];
	size_t nvulns;
	size_t nvuln_docs; /* scanned documents with a vulnerabilities array */
	struct hw_certs certs;
	struct ta_trend_point *trend;
	size_t ntrend;
	json_t *plan;
	char **domains;
	size_t ndomains, capdomains;
	int err; /* the first failure: every later call returns it */
};

/* Count a target into h (its row, the columns, target profiles, vulns,
 * certificates).  TA_ENOMEM. */
int hw_add_row(struct ta_html *h, const json_t *t);
void hw_rows_free(struct ta_html *h);

/* ---- the page's parts ---- */

/* The executive summary (html_exec.c), id "summary". */
void hw_exec_summary(const struct ta_html *h, FILE *out);
/* The plan (html_plan.c), id "plan": plan NULL says none was given. */
void hw_plan_section(FILE *out, const json_t *plan);
/* The table of endpoints with a verdict per profile (html_table.c), id
 * "endpoints". */
void hw_endpoints_table(const struct ta_html *h, FILE *out);

/* ---- inline SVG charts (html_chart.c) ---- */

/* One bar: label (our literal or escaped document text), value, the
 * level that colours it.  A stacked bar has up to 4 segments. */
struct hw_bar {
	const char *label;
	bool label_doc; /* label is document text: escaped, cut to 26 characters */
	size_t seg[4];
	enum hw_level lv; /* the colour of a one-segment bar */
	char note[48];    /* after the bar (our words), "": the value */
};
/* A figure id="chart-<id>": the title in the SVG's <title> and drawn
 * above the bars, one bar per entry (segments coloured good, warn, bad,
 * info; nseg 1: one segment coloured by the bar's lv) with its note, and
 * a table with the same numbers for readers that do not see the chart
 * (class "sr", not printed).  seg_names: the legend and the column heads
 * of that table (nseg of them); label_head: the head of its first
 * column.  id and title are our literals. */
void hw_chart_bars(FILE *out, const char *id, const char *title, const struct hw_bar *bars,
                   size_t n, size_t nseg, const char *const *seg_names, const char *label_head);
/* The trend: one band per metric over the runs (points labelled), and a
 * table of the runs with the same numbers. */
void hw_chart_trend(FILE *out, const struct ta_trend_point *p, size_t n);

/* The client simulation of a target (clients_render.c). */
void hw_clients(FILE *out, const json_t *list);

#endif
