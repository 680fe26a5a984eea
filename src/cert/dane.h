/*
 * DANE TLSA matching (RFC 6698 2.1, RFC 7671): does a certificate chain as a
 * server sent it match a TLSA record?  Selector 0 is the whole certificate,
 * 1 its SubjectPublicKeyInfo; matching type 0 the bytes themselves, 1
 * SHA-256, 2 SHA-512.  DANE-EE (3) and PKIX-EE (1) records are compared with
 * the leaf, DANE-TA (2) and PKIX-TA (0) with the other certificates.  PKIX
 * validation for usages 0 and 1 is the certificate analysis's business.
 */
#ifndef TA_CERT_DANE_H
#define TA_CERT_DANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ta_dane_result {
	TA_DANE_MATCH,
	TA_DANE_NO_MATCH,
	TA_DANE_UNUSABLE, /* unknown usage, selector or matching type (RFC 7671 4) */
	TA_DANE_CUT,      /* the published data was longer than what was kept */
	TA_DANE_BADCERT,  /* a certificate of the chain does not parse */
};

/*
 * Compare the chain (n DER certificates, leaf first) with one record.  On a
 * match *pos is the index of the matching certificate.
 */
int ta_dane_match(const uint8_t *const *der, const size_t *len, size_t n, uint8_t usage,
                  uint8_t selector, uint8_t mtype, const uint8_t *data, size_t dlen, size_t rawlen,
                  size_t *pos);

#endif
