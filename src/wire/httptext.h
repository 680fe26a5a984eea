/*
 * Text parsers for what web and mail-policy servers send: an HTTP response
 * head (status line and header fields, RFC 9110 5, RFC 9112 2-5), the
 * Strict-Transport-Security header (RFC 6797 6.1), Location URLs (RFC 3986
 * 3.2), the MTA-STS TXT record and policy file (RFC 8461 3.1, 3.2, 4.1) and
 * the TLS-RPT TXT record (RFC 8460 3).
 *
 * Pure functions: no I/O, no allocation, no OpenSSL.  Every parser reads
 * through a bounded reader (wire/rd.h) and returns views into the caller's
 * bytes; error texts are our own words (plus names that passed a token
 * check), so they are always printable ASCII.  Everything given to these
 * functions is treated as hostile.
 */
#ifndef TA_WIRE_HTTPTEXT_H
#define TA_WIRE_HTTPTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/rd.h"
#include "wire/text.h" /* ta_text_printable(), used with these parsers */

/* Cap on one response head (status line, fields, empty line). */
#define TA_HTTP_HEAD_MAX (64 * 1024)

/* ---- response heads ---------------------------------------------------- */

struct ta_http_head {
	unsigned version;    /* 10, 11, 20 or 30 for HTTP/1.0, 1.1, 2, 3 */
	unsigned status;     /* 100..999 */
	struct ta_rd fields; /* the field lines after the status line, validated */
};

struct ta_http_field {
	struct ta_rd name;  /* a token (RFC 9110 5.1) */
	struct ta_rd value; /* without leading and trailing whitespace; may hold
	                     * bytes >= 0x80 (obs-text), never control bytes */
};

/*
 * Parse one response head: "HTTP/x[.y] NNN [reason]", field lines, and the
 * empty line that ends the head (the last bytes of the input).  Lines end in
 * CRLF or a bare LF (RFC 9112 2.2).  Rejected with TA_EDECODE and a reason
 * in *why: obsolete line folding (RFC 9112 5.2 allows a client to reject it),
 * whitespace before a colon, a name that is not a token, control bytes in a
 * value, a missing end, bytes after the end.  TA_ENOSPC: more than
 * TA_HTTP_HEAD_MAX bytes.  On success h->fields can be walked with
 * ta_http_field_next() and searched with ta_http_head_find().
 */
int TA_MUST_CHECK ta_http_head_parse(const char *p, size_t len, struct ta_http_head *h,
                                     const char **why);

/* Next field of a validated head; false after the last one.  *it starts as
 * a copy of h->fields. */
bool ta_http_field_next(struct ta_rd *it, struct ta_http_field *f);

/* How many fields are named name (case-insensitive); *first gets the value
 * of the first of them (an empty view when there is none).  RFC 6797 8.1 and
 * the other single-valued headers here use only the first occurrence. */
size_t ta_http_head_find(const struct ta_http_head *h, const char *name, struct ta_rd *first);

/* A Content-Encoding value names a transformation other than "identity"
 * (gzip, deflate, br, compress, zstd or an unknown coding): the body was
 * compressed.  The value is a comma-separated list (RFC 9110 8.4). */
bool ta_http_coding_compressed(struct ta_rd value);

/* ---- Strict-Transport-Security (RFC 6797 6.1) -------------------------- */

struct ta_hsts_policy {
	bool valid;      /* the value follows the grammar and the rules below */
	int64_t max_age; /* seconds; saturates at INT64_MAX */
	bool include_subdomains;
	bool preload;
	char error[120]; /* why the value is invalid ("" when valid) */
};

/*
 * Parse a Strict-Transport-Security value strictly: directives separated by
 * ";" (empty ones allowed), names are tokens compared case-insensitively,
 * values are tokens or quoted-strings; max-age is required exactly once with
 * a delta-seconds value (1*DIGIT, quoted or not); includeSubDomains and
 * preload take no value; any directive appearing twice makes the value
 * invalid (6.1 rule 2); unknown directives are ignored (rule 4) but still
 * have to follow the grammar (rule 5).  Returns TA_OK (out->valid) or
 * TA_EDECODE with out->error set.
 */
int TA_MUST_CHECK ta_hsts_parse(const char *v, size_t len, struct ta_hsts_policy *out);

/* ---- Location URLs ----------------------------------------------------- */

enum ta_loc_kind {
	TA_LOC_RELATIVE = 0, /* no scheme: a path or "//authority" reference */
	TA_LOC_HTTPS,        /* absolute https:// URL with a valid authority */
	TA_LOC_OTHER,        /* absolute URL with another scheme */
	TA_LOC_INVALID,      /* not a URL reference we can read unambiguously */
};

struct ta_http_location {
	int kind;          /* enum ta_loc_kind */
	struct ta_rd host; /* TA_LOC_HTTPS: the host, without [] for IPv6 */
	uint32_t port;     /* TA_LOC_HTTPS: the port, 0 when absent */
};

/* Classify a Location value.  Only TA_LOC_HTTPS fills host and port; a
 * character outside RFC 3986's sets in the authority (a backslash, a space)
 * makes the URL invalid rather than guessed at. */
void ta_http_location_parse(const char *p, size_t len, struct ta_http_location *loc);

/* Host names equal, ASCII case-insensitively, ignoring one trailing dot on
 * either side. */
bool ta_http_host_eq(struct ta_rd a, const char *b, size_t blen);

/* ---- MTA-STS (RFC 8461) ------------------------------------------------ */

/* The TXT record at _mta-sts.<domain>. */
struct ta_mtasts_txt {
	char id[33];     /* 1-32 letters and digits */
	char error[120]; /* why the record is invalid ("" when valid) */
};

/* The record begins with "v=STSv1" followed by ";", whitespace or its end:
 * RFC 8461 3.1 discards the other TXT records at the name. */
bool ta_mtasts_txt_candidate(const char *p, size_t len);

/*
 * Parse the record (the TXT strings of one record concatenated): "v=STSv1"
 * first, fields separated by *WSP ";" *WSP, id required (given twice is an
 * error), unknown fields ignored if they follow sts-extension.  TA_OK or
 * TA_EDECODE with out->error.
 */
int TA_MUST_CHECK ta_mtasts_txt_parse(const char *p, size_t len, struct ta_mtasts_txt *out);

enum ta_mtasts_mode { TA_MTASTS_NONE = 0, TA_MTASTS_TESTING, TA_MTASTS_ENFORCE };

#define TA_MTASTS_MAX_MX     32
#define TA_MTASTS_MAX_AGE    31557600u /* RFC 8461 3.2 */
#define TA_MTASTS_POLICY_MAX (64 * 1024)

/* The policy file at https://mta-sts.<domain>/.well-known/mta-sts.txt. */
struct ta_mtasts_policy {
	int mode; /* enum ta_mtasts_mode */
	uint32_t max_age;
	struct ta_rd mx[TA_MTASTS_MAX_MX]; /* patterns: a domain, or "*." and a domain */
	size_t nmx;
	char error[120]; /* why the policy is invalid, naming the line ("" when valid) */
};

/*
 * Parse a policy: "key: value" lines ended by CRLF or LF (the ABNF's
 * sts-policy-term), no whitespace before the colon, trailing whitespace
 * allowed; version (STSv1), mode (enforce, testing or none) and max_age
 * (0..31557600, at most 10 digits) required, mx required at least once
 * unless the mode is none, each mx a domain with an optional leftmost "*."
 * label; of a repeated field other than mx the first counts; unknown fields
 * are ignored if they follow sts-policy-extension; an empty line is allowed
 * only at the end.  TA_OK or TA_EDECODE with out->error ("line N: ...");
 * TA_ENOSPC for more than TA_MTASTS_MAX_MX mx lines or
 * TA_MTASTS_POLICY_MAX bytes.  The mx views point into p.
 */
int TA_MUST_CHECK ta_mtasts_policy_parse(const char *p, size_t len, struct ta_mtasts_policy *out);

/* One pattern against an MX host name (RFC 8461 4.1): equal ignoring ASCII
 * case, or "*.rest" where the host is exactly one label followed by ".rest".
 * One trailing dot on the host is ignored. */
bool ta_mtasts_pattern_matches(struct ta_rd pattern, const char *host, size_t len);

/* Any of the policy's patterns matches mx_hostname (NUL-terminated). */
bool ta_mtasts_mx_matches(const struct ta_mtasts_policy *policy, const char *mx_hostname);

/* ---- TLS-RPT (RFC 8460 3) ---------------------------------------------- */

#define TA_TLSRPT_MAX_RUA 8

struct ta_tlsrpt {
	struct ta_rd rua[TA_TLSRPT_MAX_RUA]; /* each mailto: or https:, views into the input */
	size_t nrua;
	char error[120]; /* why the record is invalid ("" when valid) */
};

/* The record begins with "v=TLSRPTv1" followed by ";", whitespace or its end. */
bool ta_tlsrpt_txt_candidate(const char *p, size_t len);

/*
 * Parse the TXT record at _smtp._tls.<domain>: "v=TLSRPTv1" first, fields
 * separated by *WSP ";" *WSP, rua required once with one or more URIs
 * separated by *WSP "," *WSP, each "mailto:" with an address or "https://"
 * with a host (other schemes are errors: the RFC defines only these two),
 * unknown fields ignored if they follow tlsrpt-extension.  TA_OK or
 * TA_EDECODE with out->error; TA_ENOSPC for more than TA_TLSRPT_MAX_RUA URIs.
 */
int TA_MUST_CHECK ta_tlsrpt_parse(const char *p, size_t len, struct ta_tlsrpt *out);

#endif
