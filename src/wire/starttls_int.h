/*
 * Inside the STARTTLS dialogues (wire/starttls.h is the interface):
 * starttls.c has the table and the engine, starttls_lines.c the dialogues
 * of the line protocols, starttls_msgs.c those that wait for whole
 * messages.  Not for other modules.
 */
#ifndef TA_WIRE_STARTTLS_INT_H
#define TA_WIRE_STARTTLS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "wire/starttls.h"

/* starttls.c: what every dialogue uses */

/* A printable copy of p[0..n), cut to cap (a cut banner is still a banner). */
void ta_st_copy_printable(char *dst, size_t cap, const uint8_t *p, size_t n);
/* Queue our text for the server. */
void ta_st_say(struct ta_st *st, const char *text);
/* The dialogue failed (kind, enum in starttls.h): why, with the server's
 * line when there is one; returns TA_ST_FAIL. */
int ta_st_fail(struct ta_st *st, int kind, const char *what, const uint8_t *line, size_t len);

/* starttls_lines.c: SMTP, LMTP, FTP, IMAP, POP3, NNTP, ManageSieve */

int ta_st_smtp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
int ta_st_lmtp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
int ta_st_ftp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
int ta_st_imap_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
int ta_st_pop3_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
int ta_st_nntp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
int ta_st_sieve_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);

/* starttls_msgs.c: XMPP, LDAP, PostgreSQL, MySQL */

void ta_st_xmpp_begin(struct ta_st *st);
void ta_st_xmpp_server_begin(struct ta_st *st);
int ta_st_xmpp_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
void ta_st_ldap_begin(struct ta_st *st);
int ta_st_ldap_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
void ta_st_pg_begin(struct ta_st *st);
int ta_st_pg_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
int ta_st_mysql_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);

#endif
