/*
 * DANE TLSA matching on top of OpenSSL's X.509 parser and digests.
 */
#include "cert/dane.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

/* The bytes selector picks from one DER certificate, into *out (OpenSSL
 * allocated for SPKI, a view for the whole certificate). */
static int
selected(const uint8_t *der, size_t len, uint8_t selector, uint8_t **spki, const uint8_t **p,
         size_t *n)
{
	const unsigned char *q = der;
	X509 *x;
	int k;

	if (selector == 0) {
		*p = der;
		*n = len;
		return TA_DANE_MATCH;
	}
	x = d2i_X509(NULL, &q, (long)len);
	if (!x)
		return TA_DANE_BADCERT;
	*spki = NULL;
	k = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), spki);
	X509_free(x);
	if (k <= 0)
		return TA_DANE_BADCERT;
	*p = *spki;
	*n = (size_t)k;
	return TA_DANE_MATCH;
}

static bool
matches(const uint8_t *p, size_t n, uint8_t mtype, const uint8_t *data, size_t dlen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const EVP_MD *alg = mtype == 1 ? EVP_sha256() : EVP_sha512();

	if (mtype == 0)
		return n == dlen && memcmp(p, data, n) == 0;
	if (!EVP_Digest(p, n, md, &mdlen, alg, NULL))
		return false;
	return mdlen == dlen && memcmp(md, data, dlen) == 0;
}

int
ta_dane_match(const uint8_t *const *der, const size_t *len, size_t n, uint8_t usage,
              uint8_t selector, uint8_t mtype, const uint8_t *data, size_t dlen, size_t rawlen,
              size_t *pos)
{
	size_t first, last;

	if (usage > 3 || selector > 1 || mtype > 2)
		return TA_DANE_UNUSABLE;
	if (rawlen > dlen)
		return TA_DANE_CUT;
	if (n == 0)
		return TA_DANE_NO_MATCH;
	/* end-entity usages look at the leaf, trust-anchor usages above it */
	first = (usage == 1 || usage == 3) ? 0 : 1;
	last = (usage == 1 || usage == 3) ? 1 : n;
	for (size_t i = first; i < last; i++) {
		uint8_t *spki = NULL;
		const uint8_t *p;
		size_t k;
		int rc = selected(der[i], len[i], selector, &spki, &p, &k);
		bool hit;

		if (rc != TA_DANE_MATCH)
			return rc;
		hit = matches(p, k, mtype, data, dlen);
		OPENSSL_free(spki);
		if (hit) {
			*pos = i;
			return TA_DANE_MATCH;
		}
	}
	return TA_DANE_NO_MATCH;
}
