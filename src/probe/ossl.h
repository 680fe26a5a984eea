/*
 * Full handshakes through OpenSSL over our own connections, for what
 * TLS 1.3 encrypts (the server's CertificateVerify scheme, later its
 * certificates).  OpenSSL talks to memory BIOs; the exchange moves the
 * bytes between them and the loop's connection, so nothing blocks.
 */
#ifndef TA_PROBE_OSSL_H
#define TA_PROBE_OSSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/engine.h"

struct ta_ossl;

/* Start a client session for req; the first flight is put into *hello
 * (malloc'd, caller frees).  NULL on failure. */
struct ta_ossl *ta_ossl_new(const struct ta_ossl_req *req, const char *sni, uint8_t **hello,
                            size_t *hello_len);
void ta_ossl_free(struct ta_ossl *o);

/* Feed server bytes; returns TA_CONN_DONE when the handshake has ended one
 * way or the other (result in *r), TA_CONN_MORE otherwise.  Bytes OpenSSL
 * wants sent are appended to *out (malloc'd, caller frees). */
int ta_ossl_feed(struct ta_ossl *o, const uint8_t *in, size_t len, uint8_t **out, size_t *outlen,
                 struct ta_response *r);

/* Write close_notify after a completed handshake; bytes to send in *out. */
void ta_ossl_close(struct ta_ossl *o, uint8_t **out, size_t *outlen);

/* Is the session past its handshake, only waiting for tickets? */
bool ta_ossl_waiting_tickets(const struct ta_ossl *o);
/* Has it sent heartbeats after the handshake, and waits for the answer? */
bool ta_ossl_waiting_heartbeats(const struct ta_ossl *o);
/* How many tickets (NewSessionTicket messages) came so far. */
unsigned ta_ossl_tickets(const struct ta_ossl *o);

/* Does the SSL_SESSION carry a ticket? */
bool ta_ossl_session_has_ticket(void *session);
/* Its ticket (a view into the session) and the version it was made for;
 * false when it has none. */
bool ta_ossl_session_ticket(void *session, const uint8_t **ticket, size_t *len, uint16_t *version);

/* Free an SSL_SESSION kept in a response (NULL is fine). */
void ta_ossl_session_free(void *session);

/* Is this scheme name one OpenSSL can offer in TLS 1.3? */
bool ta_ossl_sigalg_usable(const char *name);

#endif
