/*
 * The OpenSSL side of probing: valid client key shares for every group we
 * can speak (X25519, X448, NIST and brainpool curves, FFDHE, and ML-KEM
 * hybrids with a well-formed encapsulation key), known DH primes, and
 * randomness.  OpenSSL 3.0 has no ML-KEM; detecting a server's support
 * needs only its choice, so the ML-KEM half is a correctly encoded key
 * whose secret we never need (FIPS 203 ByteEncode_12 of values below q).
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "probe/engine.h"

void
ta_random(void *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) != 1)
		abort(); /* no entropy: nothing a scan can do safely */
}

static int
raw_pub(EVP_PKEY *pk, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = cap;

	if (EVP_PKEY_get_raw_public_key(pk, buf, &n) != 1)
		return TA_EINTERNAL;
	*len = n;
	return TA_OK;
}

static int
ec_share(const char *curve, uint8_t *buf, size_t cap, size_t *len)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	size_t n;
	int rc = TA_EINTERNAL;

	if (!pk)
		return TA_EINTERNAL;
	if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, cap, &n) ==
	    1) {
		*len = n;
		rc = TA_OK;
	}
	EVP_PKEY_free(pk);
	return rc;
}

static int
ecx_share(const char *alg, uint8_t *buf, size_t cap, size_t *len)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, alg);
	int rc;

	if (!pk)
		return TA_EINTERNAL;
	rc = raw_pub(pk, buf, cap, len);
	EVP_PKEY_free(pk);
	return rc;
}

static EVP_PKEY *
dh_named(const char *group, bool keygen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *pk = NULL;
	OSSL_PARAM params[2];

	if (!ctx)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (keygen) {
		if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_params(ctx, params) != 1 ||
		    EVP_PKEY_generate(ctx, &pk) != 1)
			pk = NULL;
	} else {
		if (EVP_PKEY_paramgen_init(ctx) != 1 || EVP_PKEY_CTX_set_params(ctx, params) != 1 ||
		    EVP_PKEY_generate(ctx, &pk) != 1)
			pk = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static int
ffdhe_share(const char *group, unsigned bits, uint8_t *buf, size_t cap, size_t *len)
{
	EVP_PKEY *pk = dh_named(group, true);
	BIGNUM *pub = NULL;
	int rc = TA_EINTERNAL;
	size_t n = bits / 8;

	if (!pk)
		return TA_EINTERNAL;
	if (n <= cap && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PUB_KEY, &pub) == 1 &&
	    BN_bn2binpad(pub, buf, (int)n) == (int)n) {
		*len = n;
		rc = TA_OK;
	}
	BN_free(pub);
	EVP_PKEY_free(pk);
	return rc;
}

/* ML-KEM encapsulation key: k*256 coefficients below q = 3329 packed 12
 * bits each, then the 32-byte seed rho (FIPS 203, 7.2). */
static int
mlkem_ek(unsigned k, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = (size_t)k * 384 + 32;
	uint8_t rnd[2];

	if (cap < n)
		return TA_ENOSPC;
	for (size_t i = 0; i < (size_t)k * 128; i++) {
		uint16_t c[2];

		for (int j = 0; j < 2; j++) {
			do {
				ta_random(rnd, 2);
				c[j] = (uint16_t)(((rnd[0] << 8) | rnd[1]) & 0x0fff);
			} while (c[j] >= 3329);
		}
		buf[3 * i] = (uint8_t)(c[0] & 0xff);
		buf[3 * i + 1] = (uint8_t)((c[0] >> 8) | ((c[1] & 0x0f) << 4));
		buf[3 * i + 2] = (uint8_t)(c[1] >> 4);
	}
	ta_random(buf + (size_t)k * 384, 32);
	*len = n;
	return TA_OK;
}

static int
make_share(uint16_t group, uint8_t *buf, size_t cap, size_t *len)
{
	size_t a, b;

	switch (group) {
	case 23:
		return ec_share("P-256", buf, cap, len);
	case 24:
		return ec_share("P-384", buf, cap, len);
	case 25:
		return ec_share("P-521", buf, cap, len);
	case 26:
	case 31:
		return ec_share("brainpoolP256r1", buf, cap, len);
	case 27:
	case 32:
		return ec_share("brainpoolP384r1", buf, cap, len);
	case 28:
	case 33:
		return ec_share("brainpoolP512r1", buf, cap, len);
	case 29:
		return ecx_share("X25519", buf, cap, len);
	case 30:
		return ecx_share("X448", buf, cap, len);
	case 256:
		return ffdhe_share("ffdhe2048", 2048, buf, cap, len);
	case 257:
		return ffdhe_share("ffdhe3072", 3072, buf, cap, len);
	case 258:
		return ffdhe_share("ffdhe4096", 4096, buf, cap, len);
	case 259:
		return ffdhe_share("ffdhe6144", 6144, buf, cap, len);
	case 260:
		return ffdhe_share("ffdhe8192", 8192, buf, cap, len);
	case 0x0200:
		return mlkem_ek(2, buf, cap, len);
	case 0x0201:
		return mlkem_ek(3, buf, cap, len);
	case 0x0202:
		return mlkem_ek(4, buf, cap, len);
	case 0x11ec: /* X25519MLKEM768: ML-KEM-768 ek || X25519 */
		TA_TRY(mlkem_ek(3, buf, cap, &a));
		TA_TRY(ecx_share("X25519", buf + a, cap - a, &b));
		*len = a + b;
		return TA_OK;
	case 0x11eb: /* SecP256r1MLKEM768: P-256 point || ML-KEM-768 ek */
		TA_TRY(ec_share("P-256", buf, cap, &a));
		TA_TRY(mlkem_ek(3, buf + a, cap - a, &b));
		*len = a + b;
		return TA_OK;
	case 0x11ed: /* SecP384r1MLKEM1024 */
		TA_TRY(ec_share("P-384", buf, cap, &a));
		TA_TRY(mlkem_ek(4, buf + a, cap - a, &b));
		*len = a + b;
		return TA_OK;
	default:
		return TA_EINVAL;
	}
}

/* One share per group per process: generation is the costly part. */
#define SHARE_CACHE 32

static struct {
	uint16_t group;
	size_t len;
	uint8_t *data;
} share_cache[SHARE_CACHE];
static size_t share_cache_n;

int
ta_keyshare_make(uint16_t group, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t tmp[4096];
	size_t n;

	for (size_t i = 0; i < share_cache_n; i++)
		if (share_cache[i].group == group) {
			if (share_cache[i].len > cap)
				return TA_ENOSPC;
			memcpy(buf, share_cache[i].data, share_cache[i].len);
			*len = share_cache[i].len;
			return TA_OK;
		}
	TA_TRY(make_share(group, tmp, sizeof tmp, &n));
	if (n > cap)
		return TA_ENOSPC;
	memcpy(buf, tmp, n);
	*len = n;
	if (share_cache_n < SHARE_CACHE) {
		uint8_t *d = malloc(n);

		if (d) {
			memcpy(d, tmp, n);
			share_cache[share_cache_n].group = group;
			share_cache[share_cache_n].len = n;
			share_cache[share_cache_n].data = d;
			share_cache_n++;
		}
	}
	return TA_OK;
}

/* Known DH primes, loaded once. */
struct known_prime {
	const char *name; /* output name */
	uint8_t *p;
	size_t len;
};

static struct known_prime known[24];
static size_t nknown;
static bool known_loaded;

static void
add_known(const char *name, BIGNUM *p)
{
	if (!p || nknown >= sizeof known / sizeof known[0]) {
		BN_free(p);
		return;
	}
	known[nknown].len = (size_t)BN_num_bytes(p);
	known[nknown].p = malloc(known[nknown].len);
	if (known[nknown].p) {
		BN_bn2bin(p, known[nknown].p);
		known[nknown].name = name;
		nknown++;
	}
	BN_free(p);
}

static void
add_named(const char *name, const char *ossl)
{
	EVP_PKEY *pk = dh_named(ossl, false);
	BIGNUM *p = NULL;

	if (pk && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_FFC_P, &p) == 1)
		add_known(name, p);
	EVP_PKEY_free(pk);
}

static void
load_known(void)
{
	if (known_loaded)
		return;
	known_loaded = true;
	add_named("ffdhe2048", "ffdhe2048");
	add_named("ffdhe3072", "ffdhe3072");
	add_named("ffdhe4096", "ffdhe4096");
	add_named("ffdhe6144", "ffdhe6144");
	add_named("ffdhe8192", "ffdhe8192");
	add_known("rfc2409-768", BN_get_rfc2409_prime_768(NULL));
	add_known("rfc2409-1024", BN_get_rfc2409_prime_1024(NULL));
	add_known("rfc3526-1536", BN_get_rfc3526_prime_1536(NULL));
	add_known("rfc3526-2048", BN_get_rfc3526_prime_2048(NULL));
	add_known("rfc3526-3072", BN_get_rfc3526_prime_3072(NULL));
	add_known("rfc3526-4096", BN_get_rfc3526_prime_4096(NULL));
	add_known("rfc3526-6144", BN_get_rfc3526_prime_6144(NULL));
	add_known("rfc3526-8192", BN_get_rfc3526_prime_8192(NULL));
	add_named("rfc5114-1024-160", "dh_1024_160");
	add_named("rfc5114-2048-224", "dh_2048_224");
	add_named("rfc5114-2048-256", "dh_2048_256");
}

void
ta_dh_classify(const uint8_t *p, size_t len, struct ta_dh_seen *out)
{
	const char *name = "custom";
	unsigned bits;

	while (len > 0 && p[0] == 0) {
		p++;
		len--;
	}
	bits = len ? (unsigned)(len - 1) * 8 : 0;
	if (len) {
		uint8_t top = p[0];

		while (top) {
			bits++;
			top >>= 1;
		}
	}
	load_known();
	for (size_t i = 0; i < nknown; i++)
		if (known[i].len == len && memcmp(known[i].p, p, len) == 0) {
			name = known[i].name;
			break;
		}
	out->bits = (uint16_t)bits;
	snprintf(out->group, sizeof out->group, "%s", name);
	out->ffdhe_only = false; /* a prime the server sent: seen, whatever was offered */
}
