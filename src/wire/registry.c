/*
 * Registry tables: the SSLv2 cipher kinds, every IANA "TLS Supported
 * Groups" entry and every "TLS SignatureScheme" (with the TLS 1.2
 * hash/signature pairs that never got a scheme name), and the lookups
 * declared in registry.h; the cipher suite table is registry_suites.c's.
 * Pure data: no I/O, no allocation, no OpenSSL.  Every table is sorted
 * by id; the lookups depend on it.
 *
 * Groups: bits is the curve or field size; for ML-KEM and the hybrids
 * it is the ML-KEM parameter set (512/768/1024).  key_share_len is the
 * client share (uncompressed point, X25519/X448 u-coordinate, g^x mod p
 * padded to the prime, ML-KEM encapsulation key, hybrids concatenated);
 * prime curves that are not TLS 1.3 groups get their uncompressed point
 * size too, for the TLS 1.2 ClientKeyExchange.  It is 0 for binary,
 * GOST, SM2 and explicit curves, which this client cannot make.
 */

#include <stddef.h>
#include <stdint.h>

#include "registry.h"

#define F_EXP  TA_SUITE_EXPORT
#define F_SSL2 TA_SUITE_SSL2

const struct ta_suite ta_ssl2_suites[] = {
        {0x010080, "SSL_CK_RC4_128_WITH_MD5", "RC4-MD5", TA_KX_RSA, TA_AUTH_RSA, TA_CIPHER_RC4,
         TA_MAC_MD5, 128, F_SSL2},
        {0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5", "EXP-RC4-MD5", TA_KX_RSA, TA_AUTH_RSA,
         TA_CIPHER_RC4, TA_MAC_MD5, 40, F_EXP | F_SSL2},
        {0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5", "RC2-CBC-MD5", TA_KX_RSA, TA_AUTH_RSA,
         TA_CIPHER_RC2, TA_MAC_MD5, 128, F_SSL2},
        {0x040080, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", "EXP-RC2-CBC-MD5", TA_KX_RSA,
         TA_AUTH_RSA, TA_CIPHER_RC2, TA_MAC_MD5, 40, F_EXP | F_SSL2},
        {0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5", "IDEA-CBC-MD5", TA_KX_RSA, TA_AUTH_RSA,
         TA_CIPHER_IDEA, TA_MAC_MD5, 128, F_SSL2},
        {0x060040, "SSL_CK_DES_64_CBC_WITH_MD5", "DES-CBC-MD5", TA_KX_RSA, TA_AUTH_RSA,
         TA_CIPHER_DES, TA_MAC_MD5, 56, F_SSL2},
        {0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "DES-CBC3-MD5", TA_KX_RSA, TA_AUTH_RSA,
         TA_CIPHER_3DES, TA_MAC_MD5, 112, F_SSL2},
        {0x080080, "SSL_CK_RC4_64_WITH_MD5", "RC4-64-MD5", TA_KX_RSA, TA_AUTH_RSA, TA_CIPHER_RC4,
         TA_MAC_MD5, 64, F_SSL2},
};
const size_t ta_ssl2_suites_count = sizeof(ta_ssl2_suites) / sizeof(ta_ssl2_suites[0]);

const struct ta_group ta_groups[] = {
        /* RFC 8422 binary curves (deprecated) */
        {0x0001, "sect163k1", "sect163k1", TA_GROUP_EC, 163, 0, 0},
        {0x0002, "sect163r1", "sect163r1", TA_GROUP_EC, 163, 0, 0},
        {0x0003, "sect163r2", "sect163r2", TA_GROUP_EC, 163, 0, 0},
        {0x0004, "sect193r1", "sect193r1", TA_GROUP_EC, 193, 0, 0},
        {0x0005, "sect193r2", "sect193r2", TA_GROUP_EC, 193, 0, 0},
        {0x0006, "sect233k1", "sect233k1", TA_GROUP_EC, 233, 0, 0},
        {0x0007, "sect233r1", "sect233r1", TA_GROUP_EC, 233, 0, 0},
        {0x0008, "sect239k1", "sect239k1", TA_GROUP_EC, 239, 0, 0},
        {0x0009, "sect283k1", "sect283k1", TA_GROUP_EC, 283, 0, 0},
        {0x000A, "sect283r1", "sect283r1", TA_GROUP_EC, 283, 0, 0},
        {0x000B, "sect409k1", "sect409k1", TA_GROUP_EC, 409, 0, 0},
        {0x000C, "sect409r1", "sect409r1", TA_GROUP_EC, 409, 0, 0},
        {0x000D, "sect571k1", "sect571k1", TA_GROUP_EC, 571, 0, 0},
        {0x000E, "sect571r1", "sect571r1", TA_GROUP_EC, 571, 0, 0},
        /* RFC 8422 prime curves */
        {0x000F, "secp160k1", "secp160k1", TA_GROUP_EC, 160, 41, 0},
        {0x0010, "secp160r1", "secp160r1", TA_GROUP_EC, 160, 41, 0},
        {0x0011, "secp160r2", "secp160r2", TA_GROUP_EC, 160, 41, 0},
        {0x0012, "secp192k1", "secp192k1", TA_GROUP_EC, 192, 49, 0},
        {0x0013, "secp192r1", "secp192r1", TA_GROUP_EC, 192, 49, 0},
        {0x0014, "secp224k1", "secp224k1", TA_GROUP_EC, 224, 57, 0},
        {0x0015, "secp224r1", "secp224r1", TA_GROUP_EC, 224, 57, 0},
        {0x0016, "secp256k1", "secp256k1", TA_GROUP_EC, 256, 65, 0},
        {0x0017, "secp256r1", "secp256r1", TA_GROUP_EC, 256, 65, 1},
        {0x0018, "secp384r1", "secp384r1", TA_GROUP_EC, 384, 97, 1},
        {0x0019, "secp521r1", "secp521r1", TA_GROUP_EC, 521, 133, 1},
        /* RFC 7027 Brainpool (TLS 1.2 only) */
        {0x001A, "brainpoolP256r1", "brainpoolP256r1", TA_GROUP_EC, 256, 65, 0},
        {0x001B, "brainpoolP384r1", "brainpoolP384r1", TA_GROUP_EC, 384, 97, 0},
        {0x001C, "brainpoolP512r1", "brainpoolP512r1", TA_GROUP_EC, 512, 129, 0},
        /* RFC 8422 / 8446 Montgomery curves */
        {0x001D, "x25519", "x25519", TA_GROUP_ECX, 255, 32, 1},
        {0x001E, "x448", "x448", TA_GROUP_ECX, 448, 56, 1},
        /* RFC 8734 Brainpool for TLS 1.3 */
        {0x001F, "brainpoolP256r1tls13", "brainpoolP256r1tls13", TA_GROUP_EC, 256, 65, 1},
        {0x0020, "brainpoolP384r1tls13", "brainpoolP384r1tls13", TA_GROUP_EC, 384, 97, 1},
        {0x0021, "brainpoolP512r1tls13", "brainpoolP512r1tls13", TA_GROUP_EC, 512, 129, 1},
        /* RFC 9189 / 9367 GOST R 34.10-2012 curves */
        {0x0022, "GC256A", NULL, TA_GROUP_GOST, 256, 0, 1},
        {0x0023, "GC256B", NULL, TA_GROUP_GOST, 256, 0, 1},
        {0x0024, "GC256C", NULL, TA_GROUP_GOST, 256, 0, 1},
        {0x0025, "GC256D", NULL, TA_GROUP_GOST, 256, 0, 1},
        {0x0026, "GC512A", NULL, TA_GROUP_GOST, 512, 0, 1},
        {0x0027, "GC512B", NULL, TA_GROUP_GOST, 512, 0, 1},
        {0x0028, "GC512C", NULL, TA_GROUP_GOST, 512, 0, 1},
        /* RFC 8998 ShangMi */
        {0x0029, "curveSM2", NULL, TA_GROUP_SM2, 256, 0, 1},
        /* RFC 7919 finite-field groups */
        {0x0100, "ffdhe2048", "ffdhe2048", TA_GROUP_FFDHE, 2048, 256, 1},
        {0x0101, "ffdhe3072", "ffdhe3072", TA_GROUP_FFDHE, 3072, 384, 1},
        {0x0102, "ffdhe4096", "ffdhe4096", TA_GROUP_FFDHE, 4096, 512, 1},
        {0x0103, "ffdhe6144", "ffdhe6144", TA_GROUP_FFDHE, 6144, 768, 1},
        {0x0104, "ffdhe8192", "ffdhe8192", TA_GROUP_FFDHE, 8192, 1024, 1},
        /* draft-connolly-tls-mlkem-key-agreement (pure ML-KEM) */
        {0x0200, "MLKEM512", "MLKEM512", TA_GROUP_KEM, 512, 800, 1},
        {0x0201, "MLKEM768", "MLKEM768", TA_GROUP_KEM, 768, 1184, 1},
        {0x0202, "MLKEM1024", "MLKEM1024", TA_GROUP_KEM, 1024, 1568, 1},
        /* ECDHE + ML-KEM hybrids (draft-kwiatkowski-tls-ecdhe-mlkem) */
        {0x11EB, "SecP256r1MLKEM768", "SecP256r1MLKEM768", TA_GROUP_HYBRID, 768, 1249, 1},
        {0x11EC, "X25519MLKEM768", "X25519MLKEM768", TA_GROUP_HYBRID, 768, 1216, 1},
        {0x11ED, "SecP384r1MLKEM1024", "SecP384r1MLKEM1024", TA_GROUP_HYBRID, 1024, 1665, 1},
        {0x11EE, "curveSM2MLKEM768", NULL, TA_GROUP_HYBRID, 768, 0, 1},
        /* Obsolete pre-standard Kyber hybrids */
        {0x6399, "X25519Kyber768Draft00", NULL, TA_GROUP_HYBRID, 768, 1216, 1},
        {0x639A, "SecP256r1Kyber768Draft00", NULL, TA_GROUP_HYBRID, 768, 1249, 1},
        /* RFC 8422 explicit curves (deprecated) */
        {0xFF01, "arbitrary_explicit_prime_curves", NULL, TA_GROUP_OTHER, 0, 0, 0},
        {0xFF02, "arbitrary_explicit_char2_curves", NULL, TA_GROUP_OTHER, 0, 0, 0},
};
const size_t ta_groups_count = sizeof(ta_groups) / sizeof(ta_groups[0]);

const struct ta_sigscheme ta_sigschemes[] = {
        /* RFC 5246 hash/signature pairs and RFC 8446 legacy schemes.
	 * Pairs without an IANA scheme name (md5, sha224, dsa) are
	 * named "<sig>_<hash>".
	 */
        {0x0101, "rsa_md5", 0},
        {0x0102, "dsa_md5", 0},
        {0x0103, "ecdsa_md5", 0},
        {0x0201, "rsa_pkcs1_sha1", 0},
        {0x0202, "dsa_sha1", 0},
        {0x0203, "ecdsa_sha1", 0},
        {0x0301, "rsa_sha224", 0},
        {0x0302, "dsa_sha224", 0},
        {0x0303, "ecdsa_sha224", 0},
        {0x0401, "rsa_pkcs1_sha256", 0},
        {0x0402, "dsa_sha256", 0},
        {0x0403, "ecdsa_secp256r1_sha256", 1},
        {0x0420, "rsa_pkcs1_sha256_legacy", 1},
        {0x0501, "rsa_pkcs1_sha384", 0},
        {0x0502, "dsa_sha384", 0},
        {0x0503, "ecdsa_secp384r1_sha384", 1},
        {0x0520, "rsa_pkcs1_sha384_legacy", 1},
        {0x0601, "rsa_pkcs1_sha512", 0},
        {0x0602, "dsa_sha512", 0},
        {0x0603, "ecdsa_secp521r1_sha512", 1},
        {0x0620, "rsa_pkcs1_sha512_legacy", 1},
        /* draft-wang-tls-raw-public-key-with-ibc, RFC 8998, RFC 9367 */
        {0x0704, "eccsi_sha256", 1},
        {0x0705, "iso_ibs1", 1},
        {0x0706, "iso_ibs2", 1},
        {0x0707, "iso_chinese_ibs", 1},
        {0x0708, "sm2sig_sm3", 1},
        {0x0709, "gostr34102012_256a", 1},
        {0x070A, "gostr34102012_256b", 1},
        {0x070B, "gostr34102012_256c", 1},
        {0x070C, "gostr34102012_256d", 1},
        {0x070D, "gostr34102012_512a", 1},
        {0x070E, "gostr34102012_512b", 1},
        {0x070F, "gostr34102012_512c", 1},
        /* RFC 8446 PSS and EdDSA */
        {0x0804, "rsa_pss_rsae_sha256", 1},
        {0x0805, "rsa_pss_rsae_sha384", 1},
        {0x0806, "rsa_pss_rsae_sha512", 1},
        {0x0807, "ed25519", 1},
        {0x0808, "ed448", 1},
        {0x0809, "rsa_pss_pss_sha256", 1},
        {0x080A, "rsa_pss_pss_sha384", 1},
        {0x080B, "rsa_pss_pss_sha512", 1},
        /* RFC 8734 */
        {0x081A, "ecdsa_brainpoolP256r1tls13_sha256", 1},
        {0x081B, "ecdsa_brainpoolP384r1tls13_sha384", 1},
        {0x081C, "ecdsa_brainpoolP512r1tls13_sha512", 1},
        /* RFC 9189 GOST (TLS 1.2, "reserved for backward compatibility") */
        {0x0840, "gostr34102012_256_intrinsic", 0},
        {0x0841, "gostr34102012_512_intrinsic", 0},
        /* draft-ietf-tls-mldsa */
        {0x0904, "mldsa44", 1},
        {0x0905, "mldsa65", 1},
        {0x0906, "mldsa87", 1},
        /* Not IANA: pre-RFC 9189 GOST code points (OpenSSL, gost-engine) */
        {0xEDED, "gostr34102001_gostr3411", 0},
        {0xEEEE, "gostr34102012_256_gostr34112012_256", 0},
        {0xEFEF, "gostr34102012_512_gostr34112012_512", 0},
};
const size_t ta_sigschemes_count = sizeof(ta_sigschemes) / sizeof(ta_sigschemes[0]);

#undef F_EXP
#undef F_SSL2

static const struct ta_suite *
suite_bsearch(const struct ta_suite *tab, size_t n, uint32_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tab[mid].id < id)
			lo = mid + 1;
		else if (tab[mid].id > id)
			hi = mid;
		else
			return &tab[mid];
	}
	return NULL;
}

const struct ta_suite *
ta_suite_find(uint32_t id)
{
	return suite_bsearch(ta_suites, ta_suites_count, id);
}

const struct ta_suite *
ta_ssl2_suite_find(uint32_t id)
{
	return suite_bsearch(ta_ssl2_suites, ta_ssl2_suites_count, id);
}

const struct ta_group *
ta_group_find(uint16_t id)
{
	size_t lo = 0, hi = ta_groups_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ta_groups[mid].id < id)
			lo = mid + 1;
		else if (ta_groups[mid].id > id)
			hi = mid;
		else
			return &ta_groups[mid];
	}
	return NULL;
}

/* ASCII case-insensitive equality; locale-independent. */
static int
name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return 0;
		if (ca == '\0')
			return 1;
	}
}

/*
 * By IANA name first ("x25519", "secp256r1", "X25519MLKEM768"), then
 * by OpenSSL group name, ignoring case either way.
 */
const struct ta_group *
ta_group_by_name(const char *iana)
{
	size_t i;

	if (iana == NULL)
		return NULL;
	for (i = 0; i < ta_groups_count; i++)
		if (name_eq(ta_groups[i].iana, iana))
			return &ta_groups[i];
	for (i = 0; i < ta_groups_count; i++)
		if (ta_groups[i].openssl != NULL && name_eq(ta_groups[i].openssl, iana))
			return &ta_groups[i];
	return NULL;
}

const struct ta_sigscheme *
ta_sigscheme_find(uint16_t id)
{
	size_t lo = 0, hi = ta_sigschemes_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ta_sigschemes[mid].id < id)
			lo = mid + 1;
		else if (ta_sigschemes[mid].id > id)
			hi = mid;
		else
			return &ta_sigschemes[mid];
	}
	return NULL;
}

uint8_t
ta_suite_cert_kind(const struct ta_suite *s)
{
	switch (s->kx) {
	case TA_KX_RSA:
	case TA_KX_RSA_EXPORT:
	case TA_KX_RSA_PSK:
		return TA_CERTK_RSA;
	case TA_KX_ECDH: /* the certificate holds the ECDH key, whoever signed it */
		return TA_CERTK_EC;
	case TA_KX_DH:
		return TA_CERTK_DH;
	case TA_KX_GOST:
		return TA_CERTK_GOST;
	case TA_KX_DHE:
	case TA_KX_ECDHE:
	case TA_KX_SRP:
		switch (s->auth) {
		case TA_AUTH_RSA:
			return TA_CERTK_RSA;
		case TA_AUTH_ECDSA:
			return TA_CERTK_EC;
		case TA_AUTH_DSS:
			return TA_CERTK_DSA;
		case TA_AUTH_GOST:
			return TA_CERTK_GOST;
		default:
			return TA_CERTK_NONE;
		}
	default:
		return TA_CERTK_NONE;
	}
}
