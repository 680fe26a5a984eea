/*
 * Inside the X.509 analysis (cert/cert.h is the interface): x509.c has
 * "now", the chain and the trust store; x509_cert.c decodes one
 * certificate into a struct ta_cert.
 */
#ifndef TA_CERT_X509_INT_H
#define TA_CERT_X509_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "cert/cert.h"

/* Fill c (zeroed) from x, whose DER is der[0..len), as of now; on failure
 * c may be half-filled, and ta_cert_clear() frees that too. */
int ta_cert_fill(struct ta_cert *c, X509 *x, const uint8_t *der, size_t len, int64_t now);
/* Free what c holds and zero it. */
void ta_cert_clear(struct ta_cert *c);

#endif
