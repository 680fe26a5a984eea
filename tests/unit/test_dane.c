/*
 * DANE TLSA matching (src/cert/dane.c) against certificates made here:
 * which certificate each usage looks at, both selectors, the three
 * matching types, and the records that cannot be used.  The expected
 * digests come from i2d_PUBKEY / i2d_X509 and EVP_Digest, not from the
 * code under test.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "cert/dane.h"
#include "tharness.h"

static X509 *
make_cert(const char *cn, EVP_PKEY **key)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	*key = EVP_EC_gen("P-256");
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, *key);
	X509_sign(x, *key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

static size_t
digest(const unsigned char *p, size_t n, const EVP_MD *md, uint8_t *out)
{
	unsigned len = 0;

	EVP_Digest(p, n, out, &len, md, NULL);
	return len;
}

int
main(void)
{
	EVP_PKEY *kleaf, *kca;
	X509 *leaf = make_cert("leaf.test", &kleaf), *ca = make_cert("ca.test", &kca);
	unsigned char *dl = NULL, *dc = NULL, *spki_leaf = NULL, *spki_ca = NULL;
	int nl = i2d_X509(leaf, &dl), nc = i2d_X509(ca, &dc);
	int sl = i2d_PUBKEY(kleaf, &spki_leaf), sc = i2d_PUBKEY(kca, &spki_ca);
	const uint8_t *chain[2] = {dl, dc};
	size_t lens[2] = {(size_t)nl, (size_t)nc};
	uint8_t h[64];
	size_t hl, pos;

	CHECK(nl > 0 && nc > 0 && sl > 0 && sc > 0);

	TH_CASE("DANE-EE SPKI SHA-256 of the leaf");
	hl = digest(spki_leaf, (size_t)sl, EVP_sha256(), h);
	pos = 9;
	CHECK_EQ(ta_dane_match(chain, lens, 2, 3, 1, 1, h, hl, hl, &pos), TA_DANE_MATCH);
	CHECK_EQ(pos, 0u);
	TH_CASE("the same digest as DANE-TA: the leaf is not a trust anchor");
	CHECK_EQ(ta_dane_match(chain, lens, 2, 2, 1, 1, h, hl, hl, &pos), TA_DANE_NO_MATCH);

	TH_CASE("DANE-TA full certificate SHA-512 of the CA");
	hl = digest(dc, (size_t)nc, EVP_sha512(), h);
	CHECK_EQ(ta_dane_match(chain, lens, 2, 2, 0, 2, h, hl, hl, &pos), TA_DANE_MATCH);
	CHECK_EQ(pos, 1u);
	TH_CASE("DANE-TA with only the leaf served");
	CHECK_EQ(ta_dane_match(chain, lens, 1, 2, 0, 2, h, hl, hl, &pos), TA_DANE_NO_MATCH);
	TH_CASE("DANE-EE with the CA's digest");
	CHECK_EQ(ta_dane_match(chain, lens, 2, 3, 0, 2, h, hl, hl, &pos), TA_DANE_NO_MATCH);

	TH_CASE("matching type 0: the SPKI itself");
	CHECK_EQ(ta_dane_match(chain, lens, 2, 1, 1, 0, spki_leaf, (size_t)sl, (size_t)sl, &pos),
	         TA_DANE_MATCH);
	TH_CASE("matching type 0, one byte changed");
	{
		uint8_t copy[512];

		memcpy(copy, spki_leaf, (size_t)sl);
		copy[sl - 1] ^= 1;
		CHECK_EQ(ta_dane_match(chain, lens, 2, 3, 1, 0, copy, (size_t)sl, (size_t)sl, &pos),
		         TA_DANE_NO_MATCH);
	}

	TH_CASE("unusable and cut records");
	hl = digest(spki_leaf, (size_t)sl, EVP_sha256(), h);
	CHECK_EQ(ta_dane_match(chain, lens, 2, 4, 1, 1, h, hl, hl, &pos), TA_DANE_UNUSABLE);
	CHECK_EQ(ta_dane_match(chain, lens, 2, 3, 2, 1, h, hl, hl, &pos), TA_DANE_UNUSABLE);
	CHECK_EQ(ta_dane_match(chain, lens, 2, 3, 1, 3, h, hl, hl, &pos), TA_DANE_UNUSABLE);
	CHECK_EQ(ta_dane_match(chain, lens, 2, 3, 1, 0, h, hl, 5000, &pos), TA_DANE_CUT);

	TH_CASE("a served certificate that does not parse");
	{
		static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
		const uint8_t *bad[1] = {junk};
		size_t blen[1] = {sizeof junk};

		CHECK_EQ(ta_dane_match(bad, blen, 1, 3, 1, 1, h, hl, hl, &pos), TA_DANE_BADCERT);
		/* selector 0 needs no parsing: a digest simply does not match */
		CHECK_EQ(ta_dane_match(bad, blen, 1, 3, 0, 1, h, hl, hl, &pos), TA_DANE_NO_MATCH);
	}
	TH_CASE("empty chain");
	CHECK_EQ(ta_dane_match(chain, lens, 0, 3, 1, 1, h, hl, hl, &pos), TA_DANE_NO_MATCH);

	OPENSSL_free(dl);
	OPENSSL_free(dc);
	OPENSSL_free(spki_leaf);
	OPENSSL_free(spki_ca);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(kleaf);
	EVP_PKEY_free(kca);
	return th_done("test_dane");
}
