/*
 * Unit tests for the registries (src/wire/registry.c): lookups by id and
 * name, unknown ids, table order (the lookups binary-search), attribute
 * invariants, and a cross-check against the OpenSSL this test links: every
 * suite OpenSSL can offer ("ALL:COMPLEMENTOFALL:@SECLEVEL=0" plus every
 * TLS 1.3 suite, with the legacy provider loaded when it is available)
 * must be in the table with the same IANA (standard) and OpenSSL names.
 * Only this test links OpenSSL; the registry itself does not.
 */
#include <stdbool.h>
#include <strings.h>

#include <openssl/provider.h>
#include <openssl/ssl.h>

#include "tharness.h"
#include "wire/registry.h"

struct suite_case {
	uint32_t id;
	const char *iana; /* NULL: must not be found */
	const char *openssl;
	uint8_t kx, auth, cipher, mac;
	uint16_t bits;
	uint8_t flags;
};

static const struct suite_case suite_cases[] = {
        {0x0000, "TLS_NULL_WITH_NULL_NULL", NULL, TA_KX_NULL, TA_AUTH_NULL, TA_CIPHER_NULL,
         TA_MAC_NULL, 0, 0},
        {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5", TA_KX_RSA_EXPORT, TA_AUTH_RSA,
         TA_CIPHER_RC4, TA_MAC_MD5, 40, TA_SUITE_EXPORT},
        {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", TA_KX_RSA, TA_AUTH_RSA,
         TA_CIPHER_3DES, TA_MAC_SHA1, 112, 0},
        {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", TA_KX_RSA, TA_AUTH_RSA,
         TA_CIPHER_AES_CBC, TA_MAC_SHA1, 128, 0},
        {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", TA_KX_DHE, TA_AUTH_RSA,
         TA_CIPHER_AES_CBC, TA_MAC_SHA1, 128, TA_SUITE_FS},
        {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", TA_KX_DHE,
         TA_AUTH_RSA, TA_CIPHER_AES_GCM, TA_MAC_AEAD, 128,
         TA_SUITE_TLS12 | TA_SUITE_FS | TA_SUITE_AEAD},
        {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", NULL, TA_KX_SCSV, TA_AUTH_NULL,
         TA_CIPHER_NULL, TA_MAC_NULL, 0, 0},
        {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", TA_KX_TLS13, TA_AUTH_TLS13,
         TA_CIPHER_AES_GCM, TA_MAC_AEAD, 128, TA_SUITE_TLS13 | TA_SUITE_FS | TA_SUITE_AEAD},
        {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", TA_KX_TLS13,
         TA_AUTH_TLS13, TA_CIPHER_CHACHA20_POLY1305, TA_MAC_AEAD, 256,
         TA_SUITE_TLS13 | TA_SUITE_FS | TA_SUITE_AEAD},
        {0x5600, "TLS_FALLBACK_SCSV", NULL, TA_KX_SCSV, TA_AUTH_NULL, TA_CIPHER_NULL, TA_MAC_NULL,
         0, 0},
        {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", TA_KX_ECDHE,
         TA_AUTH_RSA, TA_CIPHER_AES_CBC, TA_MAC_SHA1, 128, TA_SUITE_FS},
        {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
         TA_KX_ECDHE, TA_AUTH_ECDSA, TA_CIPHER_AES_GCM, TA_MAC_AEAD, 128,
         TA_SUITE_TLS12 | TA_SUITE_FS | TA_SUITE_AEAD},
        {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
         TA_KX_ECDHE, TA_AUTH_RSA, TA_CIPHER_AES_GCM, TA_MAC_AEAD, 256,
         TA_SUITE_TLS12 | TA_SUITE_FS | TA_SUITE_AEAD},
        {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
         TA_KX_ECDHE, TA_AUTH_RSA, TA_CIPHER_CHACHA20_POLY1305, TA_MAC_AEAD, 256,
         TA_SUITE_TLS12 | TA_SUITE_FS | TA_SUITE_AEAD},
        /* unknown */
        {.id = 0x0a0a, .iana = NULL}, /* GREASE */
        {.id = 0xfafa, .iana = NULL},
        {.id = 0x1308, .iana = NULL},
        {.id = 0xffff, .iana = NULL},
        {.id = 0x010080, .iana = NULL}, /* an SSLv2 kind is not a TLS suite */
};

static void
test_suites(void)
{
	for (size_t i = 0; i < TH_LEN(suite_cases); i++) {
		const struct suite_case *c = &suite_cases[i];
		const struct ta_suite *s = ta_suite_find(c->id);
		char name[32];

		snprintf(name, sizeof name, "suite 0x%04x", (unsigned)c->id);
		TH_CASE(name);
		if (!c->iana) {
			CHECK(s == NULL);
			continue;
		}
		CHECK(s != NULL);
		if (!s)
			continue;
		CHECK_EQ(s->id, c->id);
		CHECK_STR(s->iana, c->iana);
		CHECK_STR(s->openssl, c->openssl);
		CHECK_EQ(s->kx, c->kx);
		CHECK_EQ(s->auth, c->auth);
		CHECK_EQ(s->cipher, c->cipher);
		CHECK_EQ(s->mac, c->mac);
		CHECK_EQ(s->bits, c->bits);
		CHECK_EQ(s->flags, c->flags);
	}
	TH_CASE(NULL);
}

struct ssl2_case {
	uint32_t id;
	const char *iana;
	uint16_t bits;
	bool export;
};

static const struct ssl2_case ssl2_cases[] = {
        {0x010080, "SSL_CK_RC4_128_WITH_MD5", 128, false},
        {0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5", 40, true},
        {0x0700c0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", 112, false},
        {0x060040, "SSL_CK_DES_64_CBC_WITH_MD5", 56, false},
        {0x000001, NULL, 0, false},
        {0x00002f, NULL, 0, false},
        {0xffffff, NULL, 0, false},
};

static void
test_ssl2(void)
{
	for (size_t i = 0; i < TH_LEN(ssl2_cases); i++) {
		const struct ssl2_case *c = &ssl2_cases[i];
		const struct ta_suite *s = ta_ssl2_suite_find(c->id);

		TH_CASE(c->iana ? c->iana : "unknown ssl2 kind");
		if (!c->iana) {
			CHECK(s == NULL);
			continue;
		}
		CHECK(s != NULL);
		if (!s)
			continue;
		CHECK_STR(s->iana, c->iana);
		CHECK_EQ(s->bits, c->bits);
		CHECK_EQ((s->flags & TA_SUITE_EXPORT) != 0, c->export);
		CHECK(s->flags & TA_SUITE_SSL2);
	}
	TH_CASE(NULL);
}

struct group_case {
	uint16_t id;
	const char *iana; /* NULL: unknown */
	uint8_t kind;
	uint16_t bits;
	uint16_t share;
	uint8_t tls13;
};

static const struct group_case group_cases[] = {
        {0x0017, "secp256r1", TA_GROUP_EC, 256, 65, 1},
        {0x0018, "secp384r1", TA_GROUP_EC, 384, 97, 1},
        {0x001d, "x25519", TA_GROUP_ECX, 255, 32, 1},
        {0x001e, "x448", TA_GROUP_ECX, 448, 56, 1},
        {0x001a, "brainpoolP256r1", TA_GROUP_EC, 256, 65, 0},
        {0x0100, "ffdhe2048", TA_GROUP_FFDHE, 2048, 256, 1},
        {0x0104, "ffdhe8192", TA_GROUP_FFDHE, 8192, 1024, 1},
        {0x11ec, "X25519MLKEM768", TA_GROUP_HYBRID, 768, 1216, 1},
        {0x0001, "sect163k1", TA_GROUP_EC, 163, 0, 0},
        {0x0000, NULL, 0, 0, 0, 0},
        {0x0a0a, NULL, 0, 0, 0, 0},
        {0x0105, NULL, 0, 0, 0, 0},
        {0xffff, NULL, 0, 0, 0, 0},
};

static void
test_groups(void)
{
	for (size_t i = 0; i < TH_LEN(group_cases); i++) {
		const struct group_case *c = &group_cases[i];
		const struct ta_group *g = ta_group_find(c->id);
		char name[32];

		snprintf(name, sizeof name, "group 0x%04x", c->id);
		TH_CASE(name);
		if (!c->iana) {
			CHECK(g == NULL);
			continue;
		}
		CHECK(g != NULL);
		if (!g)
			continue;
		CHECK_STR(g->iana, c->iana);
		CHECK_EQ(g->kind, c->kind);
		CHECK_EQ(g->bits, c->bits);
		CHECK_EQ(g->key_share_len, c->share);
		CHECK_EQ(g->tls13, c->tls13);
	}
	TH_CASE(NULL);
}

struct name_case {
	const char *name;
	int id; /* -1: not found */
};

static const struct name_case name_cases[] = {
        {"x25519", 0x001d},
        {"X25519", 0x001d},
        {"SECP256R1", 0x0017},
        {"secp384r1", 0x0018},
        {"x25519mlkem768", 0x11ec},
        {"X25519MLKEM768", 0x11ec},
        {"FFDHE2048", 0x0100},
        {"brainpoolp512r1tls13", 0x0021},
        {"x2551", -1},
        {"x255199", -1},
        {"x25519 ", -1},
        {"P-256x", -1},
        {"", -1},
        {NULL, -1},
};

static void
test_group_names(void)
{
	for (size_t i = 0; i < TH_LEN(name_cases); i++) {
		const struct name_case *c = &name_cases[i];
		const struct ta_group *g = ta_group_by_name(c->name);

		TH_CASE(c->name ? c->name : "(null)");
		if (c->id < 0) {
			CHECK(g == NULL);
			continue;
		}
		CHECK(g != NULL);
		if (g)
			CHECK_EQ(g->id, c->id);
	}
	/* every group is found by its own IANA and OpenSSL names */
	for (size_t i = 0; i < ta_groups_count; i++) {
		const struct ta_group *g = &ta_groups[i];
		const struct ta_group *byname = ta_group_by_name(g->iana);

		TH_CASE(g->iana);
		CHECK(byname == g);
		if (g->openssl) {
			byname = ta_group_by_name(g->openssl);
			CHECK(byname != NULL);
			if (byname)
				CHECK(strcasecmp(byname->openssl ? byname->openssl : byname->iana,
				                 g->openssl) == 0 ||
				      strcasecmp(byname->iana, g->openssl) == 0);
		}
	}
	TH_CASE(NULL);
}

struct sig_case {
	uint16_t id;
	const char *iana;
	uint8_t tls13;
};

static const struct sig_case sig_cases[] = {
        {0x0201, "rsa_pkcs1_sha1", 0},
        {0x0401, "rsa_pkcs1_sha256", 0},
        {0x0403, "ecdsa_secp256r1_sha256", 1},
        {0x0804, "rsa_pss_rsae_sha256", 1},
        {0x0807, "ed25519", 1},
        {0x080b, "rsa_pss_pss_sha512", 1},
        {0x0000, NULL, 0},
        {0x0a0a, NULL, 0},
        {0xffff, NULL, 0},
};

static void
test_sigschemes(void)
{
	for (size_t i = 0; i < TH_LEN(sig_cases); i++) {
		const struct sig_case *c = &sig_cases[i];
		const struct ta_sigscheme *s = ta_sigscheme_find(c->id);
		char name[32];

		snprintf(name, sizeof name, "sigscheme 0x%04x", c->id);
		TH_CASE(name);
		if (!c->iana) {
			CHECK(s == NULL);
			continue;
		}
		CHECK(s != NULL);
		if (!s)
			continue;
		CHECK_STR(s->iana, c->iana);
		CHECK_EQ(s->tls13, c->tls13);
	}
	TH_CASE(NULL);
}

/* The lookups binary-search: every table must be strictly increasing, and
 * every entry must be found by its own id. */
static void
test_sorted(void)
{
	TH_CASE("ta_suites sorted");
	for (size_t i = 0; i < ta_suites_count; i++) {
		if (i > 0 && ta_suites[i - 1].id >= ta_suites[i].id) {
			CHECK_EQ(ta_suites[i - 1].id, ta_suites[i].id - 1);
		}
		CHECK(ta_suite_find(ta_suites[i].id) == &ta_suites[i]);
		CHECK(ta_suites[i].id <= 0xffff);
	}
	TH_CASE("ta_ssl2_suites sorted");
	for (size_t i = 0; i < ta_ssl2_suites_count; i++) {
		if (i > 0)
			CHECK(ta_ssl2_suites[i - 1].id < ta_ssl2_suites[i].id);
		CHECK(ta_ssl2_suite_find(ta_ssl2_suites[i].id) == &ta_ssl2_suites[i]);
	}
	TH_CASE("ta_groups sorted");
	for (size_t i = 0; i < ta_groups_count; i++) {
		if (i > 0)
			CHECK(ta_groups[i - 1].id < ta_groups[i].id);
		CHECK(ta_group_find(ta_groups[i].id) == &ta_groups[i]);
	}
	TH_CASE("ta_sigschemes sorted");
	for (size_t i = 0; i < ta_sigschemes_count; i++) {
		if (i > 0)
			CHECK(ta_sigschemes[i - 1].id < ta_sigschemes[i].id);
		CHECK(ta_sigscheme_find(ta_sigschemes[i].id) == &ta_sigschemes[i]);
	}
	TH_CASE(NULL);
}

/* Attributes that must agree with each other in every row. */
static void
test_invariants(void)
{
	for (size_t i = 0; i < ta_suites_count; i++) {
		const struct ta_suite *s = &ta_suites[i];

		TH_CASE(s->iana ? s->iana : "(suite without name)");
		CHECK(s->iana != NULL && s->iana[0] != '\0');
		CHECK(s->openssl == NULL || s->openssl[0] != '\0');
		CHECK_EQ((s->flags & TA_SUITE_TLS13) != 0, s->kx == TA_KX_TLS13);
		CHECK_EQ((s->flags & TA_SUITE_AEAD) != 0, s->mac == TA_MAC_AEAD);
		CHECK(!(s->flags & TA_SUITE_SSL2));
		if (s->flags & TA_SUITE_EXPORT)
			CHECK(s->bits <= 56);
		if (s->cipher == TA_CIPHER_NULL)
			CHECK_EQ(s->bits, 0);
		if (s->kx == TA_KX_ECDHE || s->kx == TA_KX_DHE || s->kx == TA_KX_TLS13)
			CHECK(s->flags & TA_SUITE_FS);
		if (s->kx == TA_KX_RSA || s->kx == TA_KX_NULL || s->kx == TA_KX_PSK)
			CHECK(!(s->flags & TA_SUITE_FS));
		for (size_t j = 0; j < i; j++) {
			CHECK(strcmp(ta_suites[j].iana, s->iana) != 0);
			if (s->openssl && ta_suites[j].openssl)
				CHECK(strcmp(ta_suites[j].openssl, s->openssl) != 0);
		}
	}
	for (size_t i = 0; i < ta_groups_count; i++) {
		const struct ta_group *g = &ta_groups[i];

		TH_CASE(g->iana);
		if (g->kind == TA_GROUP_FFDHE)
			CHECK_EQ(g->key_share_len * 8, g->bits);
		if (g->kind == TA_GROUP_EC && g->key_share_len)
			CHECK_EQ(g->key_share_len, 1 + 2 * ((g->bits + 7) / 8));
		for (size_t j = 0; j < i; j++)
			CHECK(strcasecmp(ta_groups[j].iana, g->iana) != 0);
	}
	TH_CASE(NULL);
}

static const char tls13_all[] = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
                                "TLS_AES_128_CCM_8_SHA256";

/* Every suite this OpenSSL can offer is in the table under the same names. */
static void
test_openssl_cross_check(void)
{
	OSSL_PROVIDER *legacy, *dflt;
	STACK_OF(SSL_CIPHER) * ciphers;
	SSL_CTX *ctx;
	int n, tls13 = 0;

	TH_CASE("openssl setup");
	/* Loading "legacy" makes the default provider implicit no more. */
	dflt = OSSL_PROVIDER_load(NULL, "default");
	legacy = OSSL_PROVIDER_load(NULL, "legacy");
	CHECK(dflt != NULL);
	ctx = SSL_CTX_new(TLS_method());
	CHECK(ctx != NULL);
	if (!ctx)
		return;
	CHECK_EQ(SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"), 1);
	CHECK_EQ(SSL_CTX_set_ciphersuites(ctx, tls13_all), 1);
	ciphers = SSL_CTX_get_ciphers(ctx);
	n = sk_SSL_CIPHER_num(ciphers);
	CHECK(n > 100);
	for (int i = 0; i < n; i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(ciphers, i);
		uint16_t id = SSL_CIPHER_get_protocol_id(c);
		const char *std = SSL_CIPHER_standard_name(c);
		const char *name = SSL_CIPHER_get_name(c);
		const struct ta_suite *s = ta_suite_find(id);

		TH_CASE(name);
		CHECK(s != NULL);
		if (!s) {
			fprintf(stderr, "  0x%04x %s / %s is not in the registry\n", id, std, name);
			continue;
		}
		CHECK_STR(s->iana, std);
		CHECK_STR(s->openssl, name);
		if (s->flags & TA_SUITE_TLS13)
			tls13++;
	}
	TH_CASE("openssl TLS 1.3 suites");
	CHECK_EQ(tls13, 5);
	printf("openssl cross-check: %d suites (%s legacy provider)\n", n,
	       legacy ? "with" : "without");
	SSL_CTX_free(ctx);
	if (legacy)
		OSSL_PROVIDER_unload(legacy);
	if (dflt)
		OSSL_PROVIDER_unload(dflt);
	TH_CASE(NULL);
}

int
main(void)
{
	test_suites();
	test_ssl2();
	test_groups();
	test_group_names();
	test_sigschemes();
	test_sorted();
	test_invariants();
	test_openssl_cross_check();
	return th_done("test_registry");
}
