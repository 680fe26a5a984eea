/*
 * The inventory: one row per TLS endpoint an organisation runs, with what
 * its owners know about it (asset, owner, service, software, TLS library,
 * target profile, whether it can be upgraded, contingency, exception).
 * This layer reads it from three formats and writes it as CSV; it does no
 * I/O of its own beyond writing to a FILE and keeps no state: the store
 * and the commands around it live above.  docs/inventory.md documents the
 * formats for users.
 *
 *   CSV         our documented columns (RFC 4180; "," or ";"; BOM; CRLF/LF)
 *   target list the syntax of `tlsaudit scan -i`: HOST[:PORT][/PROTO] a line
 *   nmap XML    `nmap -oX` with or without -sV (parsed with libexpat)
 *
 * Every row from any format goes through the same checks, so a row means
 * the same whichever file it came from.
 */
#ifndef TA_INVENTORY_INVENTORY_H
#define TA_INVENTORY_INVENTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tlsaudit.h"

/* Caps (every one gives a clear error when reached). */
#define TA_INV_FILE_MAX   (512u << 20) /* bytes of one input file */
#define TA_INV_ROWS_MAX   1000000u     /* rows in one inventory */
#define TA_INV_FIELD_MAX  4096u        /* bytes of one CSV cell */
#define TA_INV_RECORD_MAX 65536u       /* bytes of one CSV record (all its lines) */
#define TA_INV_FIELDS_MAX 256u         /* cells of one CSV record or header */
#define TA_INV_XML_DEPTH  32u          /* element nesting of an nmap file */
#define TA_INV_KEY_MAX    320u         /* ta_inv_key(): 253 + "|65535|" + protocol */

enum ta_inv_upgradable { TA_UPG_UNSET, TA_UPG_YES, TA_UPG_VENDOR, TA_UPG_NO };

/*
 * One endpoint.  Every string is malloc'd on its own, "" when empty, never
 * NULL (ta_inv_row_init() makes such a row; ta_inv_row_free() frees it).
 * A parsed row is checked and canonical: host is a host name, an IPv4 or an
 * IPv6 address (no brackets), port 1-65535, protocol "tls", "https" or a
 * STARTTLS dialogue's name as the scanner spells it ("smtp", "postgres" ...),
 * exposure, upgradable and protocol in lower case, dates real.
 */
struct ta_inv_row {
	char *asset_id, *name, *owner;
	char *service; /* service type, free text: web, mail, ldap, db, vpn ... */
	char *host;    /* host name, IPv4 or IPv6 address (no brackets) */
	uint16_t port;
	char *protocol;    /* "tls", "https" (TLS plus HTTP checks) or a STARTTLS
	                    * dialogue: "smtp", "imap", "postgres" ... */
	char *sni;         /* server name to send, "" = the scanner's default */
	char *exposure;    /* "internet", "internal", "partner" or "" */
	char *criticality; /* free text, e.g. "high" */
	char *software;    /* server software and version, free text */
	char *tls_library; /* free text, e.g. "OpenSSL 3.0.11" */
	char *profile;     /* a profile id ([A-Za-z0-9._-], up to 64), "" = default */
	enum ta_inv_upgradable upgradable;
	char *contingency;      /* free text: what happens if it cannot be upgraded */
	char *exception_expiry; /* "YYYY-MM-DD" or "" */
	char *tags, *notes;     /* free text */
	unsigned line;          /* source line (1-based), 0 if not from a file */
};

struct ta_inventory {
	struct ta_inv_row *rows;
	size_t n, cap;
};

enum ta_inv_format { TA_INV_AUTO, TA_INV_CSV, TA_INV_NMAP, TA_INV_LIST };

/* What a message of ta_inv_parse() is: an error counts as a bad row; a note
 * says what was left out on purpose (an nmap port that is not TLS). */
enum ta_inv_severity { TA_INV_ERROR, TA_INV_NOTE };

/*
 * Parse buf[0..len) (a whole file; name is used in messages, as given).
 * Every bad row or line gives one on_msg(arg, TA_INV_ERROR, "NAME:LINE:
 * problem") and is skipped; the good rows are appended to inv.  Notes
 * (TA_INV_NOTE, same form) report what was skipped on purpose and are not
 * bad rows.  Quoted values in messages are printable ASCII (other bytes as
 * \xNN) and cut at 60 bytes, so a message is always one line of text.
 *
 * A row whose endpoint (ta_inv_key) is already in inv, from this file or
 * an earlier one, is an error naming the earlier line.  Once inv holds
 * TA_INV_ROWS_MAX rows, one error says so and the rest is not read.
 *
 * Returns the number of bad rows, or -1 when the file as a whole is
 * unusable, after exactly one TA_INV_ERROR message (and no other): larger
 * than TA_INV_FILE_MAX, binary (a NUL byte in its first 4096 bytes), a CSV
 * without a header naming a "host" column (or naming one twice), XML that
 * is not well-formed (a truncated file too) or not nmap output, XML
 * declaring entities or nested deeper than TA_INV_XML_DEPTH.  Memory
 * running out mid-file also gives -1, after "NAME: out of memory" and the
 * messages of the rows before.  On -1 inv is as it was before.
 * TA_INV_AUTO picks the format by content: '<' first (after a BOM and
 * white space) is nmap XML; a first non-blank line with ',' or ';' that is
 * not a '#' comment is CSV; anything else is a target list.  on_msg may be
 * NULL.
 */
int ta_inv_parse(const char *buf, size_t len, const char *name, enum ta_inv_format fmt,
                 struct ta_inventory *inv,
                 void (*on_msg)(void *arg, enum ta_inv_severity sev, const char *msg), void *arg);

/* The file at path, with its format picked by content (TA_INV_AUTO) and
 * path as its name in messages: as ta_inv_parse(), and -1 after one
 * TA_INV_ERROR message ("PATH: why") when it cannot be read, is not a
 * regular file or is larger than TA_INV_FILE_MAX. */
int ta_inv_parse_file(const char *path, struct ta_inventory *inv,
                      void (*on_msg)(void *arg, enum ta_inv_severity sev, const char *msg),
                      void *arg);

/* An inventory with no rows; ta_inv_free() frees its rows (inv may be NULL)
 * and leaves it empty. */
void ta_inv_init(struct ta_inventory *inv);
void ta_inv_free(struct ta_inventory *inv);

/* A row of "" strings, port 0, upgradable unset; TA_ENOMEM (and nothing
 * to free) when memory runs out.  ta_inv_row_free() accepts a row whose
 * strings are NULL and leaves them NULL. */
int ta_inv_row_init(struct ta_inv_row *r) TA_MUST_CHECK;
void ta_inv_row_free(struct ta_inv_row *r);
/* Move *r to the end of inv (inv owns it from then on: *r is zeroed);
 * TA_ENOMEM (r untouched) or TA_ENOSPC at TA_INV_ROWS_MAX rows.  No checks:
 * rows built by hand are the caller's to get right. */
int ta_inv_push(struct ta_inventory *inv, struct ta_inv_row *r) TA_MUST_CHECK;

/* The endpoint key a store uses: "host|port|protocol", host lower-cased,
 * an IPv6 address in its RFC 5952 form, "https" as "tls" (the same TLS
 * endpoint, only the scanner's HTTP checks differ), into buf (cap >= TA_INV_KEY_MAX
 * always fits; a smaller cap cuts it). */
void ta_inv_key(const struct ta_inv_row *r, char *buf, size_t cap);

/* Our CSV columns in the order the writer uses: "asset_id", "name", ...
 * "notes"; NULL for i past the last. */
const char *ta_inv_column(size_t i);
/* "yes", "vendor", "no" or "". */
const char *ta_inv_upgradable_name(enum ta_inv_upgradable u);

/* Start the CSV with a UTF-8 byte order mark, which Excel needs to read
 * non-ASCII text as UTF-8 (our reader and LibreOffice skip it). */
#define TA_INV_WRITE_BOM 1u

/*
 * Write inv as CSV (RFC 4180: "," separated, CRLF, the header first, a cell
 * quoted when it holds '"', ',', CR or LF).  extra_names[0..nextra) are
 * observed columns appended after ours for `inventory export`, with
 * extra_values[row][col] their values (NULL extra_values, a NULL row or a
 * NULL value: empty cells); the reader ignores such columns.  A cell a
 * spreadsheet would run as a formula (starting with = + - @ TAB or CR,
 * after any number of single quotes) is written with one more single quote
 * in front; the reader removes one quote from such a cell, so that export
 * then import gives back the same text.  TA_ESYS when writing fails.
 */
int ta_inv_write_csv(FILE *out, const struct ta_inventory *inv, const char *const *extra_names,
                     size_t nextra, const char *const *const *extra_values,
                     unsigned flags) TA_MUST_CHECK;

#endif
