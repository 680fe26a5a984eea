/*
 * Registries as data: every IANA TLS cipher suite, named group and
 * signature scheme, with the attributes the probes and profiles need.
 * Pure data and lookups; no I/O, no allocation, no OpenSSL.
 * Sources: IANA "TLS Cipher Suites", "TLS Supported Groups",
 * "TLS SignatureScheme" registries; RFC 8446 B.4, RFC 5246 A.5.
 */
#ifndef TA_WIRE_REGISTRY_H
#define TA_WIRE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

enum ta_kx {
	TA_KX_NULL, /* TLS_NULL_WITH_NULL_NULL */
	TA_KX_RSA,
	TA_KX_RSA_EXPORT,
	TA_KX_DH, /* static DH (DH_DSS, DH_RSA) */
	TA_KX_DHE,
	TA_KX_DH_ANON,
	TA_KX_ECDH, /* static ECDH (ECDH_ECDSA, ECDH_RSA) */
	TA_KX_ECDHE,
	TA_KX_ECDH_ANON,
	TA_KX_PSK,
	TA_KX_DHE_PSK,
	TA_KX_RSA_PSK,
	TA_KX_ECDHE_PSK,
	TA_KX_SRP,
	TA_KX_KRB5,
	TA_KX_GOST, /* GOST R 34.10 key transport / VKO */
	TA_KX_ECCPWD,
	TA_KX_TLS13,    /* negotiated through key_share, not the suite */
	TA_KX_SCSV,     /* signalling value, not a real suite */
	TA_KX_FORTEZZA, /* SSLv3 FORTEZZA_KEA (0x001C, 0x001D) */
};

enum ta_auth {
	TA_AUTH_NULL, /* anonymous or none */
	TA_AUTH_RSA,
	TA_AUTH_DSS,
	TA_AUTH_ECDSA,
	TA_AUTH_PSK,
	TA_AUTH_SRP, /* SRP without certificate */
	TA_AUTH_KRB5,
	TA_AUTH_GOST,
	TA_AUTH_ECCPWD,
	TA_AUTH_TLS13, /* by the certificate / signature schemes */
};

enum ta_cipher {
	TA_CIPHER_NULL,
	TA_CIPHER_RC4,
	TA_CIPHER_RC2,
	TA_CIPHER_DES,
	TA_CIPHER_DES40,
	TA_CIPHER_3DES,
	TA_CIPHER_IDEA,
	TA_CIPHER_SEED,
	TA_CIPHER_AES_CBC,
	TA_CIPHER_AES_GCM,
	TA_CIPHER_AES_CCM,
	TA_CIPHER_AES_CCM_8,
	TA_CIPHER_CAMELLIA_CBC,
	TA_CIPHER_CAMELLIA_GCM,
	TA_CIPHER_ARIA_CBC,
	TA_CIPHER_ARIA_GCM,
	TA_CIPHER_CHACHA20_POLY1305,
	TA_CIPHER_GOST28147,
	TA_CIPHER_KUZNYECHIK, /* GOST R 34.12-2015 */
	TA_CIPHER_MAGMA,
	TA_CIPHER_SM4_GCM,
	TA_CIPHER_SM4_CCM,
	TA_CIPHER_SKIPJACK, /* FORTEZZA_CBC (SSLv3) */
	TA_CIPHER_AEGIS_128L,
	TA_CIPHER_AEGIS_256,
};

enum ta_mac {
	TA_MAC_NULL,
	TA_MAC_AEAD,
	TA_MAC_MD5,
	TA_MAC_SHA1,
	TA_MAC_SHA256,
	TA_MAC_SHA384,
	TA_MAC_GOST,
	TA_MAC_SM3,
};

/* Suite flags */
#define TA_SUITE_EXPORT 0x01u /* export-grade (40/56-bit) */
#define TA_SUITE_TLS13  0x02u /* TLS 1.3 only suite */
#define TA_SUITE_TLS12  0x04u /* needs TLS 1.2 (SHA-256/384 PRF or AEAD) */
#define TA_SUITE_SSL2   0x08u /* SSLv2 3-byte cipher kind */
#define TA_SUITE_FS     0x10u /* forward secret key exchange */
#define TA_SUITE_AEAD   0x20u

struct ta_suite {
	uint32_t id;         /* 16-bit TLS code point; SSLv2 kinds are 24-bit */
	const char *iana;    /* canonical IANA name */
	const char *openssl; /* OpenSSL name, or NULL when OpenSSL has none */
	uint8_t kx;          /* enum ta_kx */
	uint8_t auth;        /* enum ta_auth */
	uint8_t cipher;      /* enum ta_cipher */
	uint8_t mac;         /* enum ta_mac */
	uint16_t bits;       /* effective symmetric key bits (3DES: 112) */
	uint8_t flags;       /* TA_SUITE_* */
};

/* The kind of certificate key a suite needs the server to have (TLS 1.2
 * and below).  A server with several certificates picks one by the suites
 * and schemes a client offers, so suites of different kinds are not always
 * chosen among each other (src/probe/plan.c). */
enum ta_cert_kind {
	TA_CERTK_NONE, /* anonymous, PSK, SRP, Kerberos: no certificate */
	TA_CERTK_RSA,  /* RSA key exchange, (EC)DHE_RSA, RSA_PSK, SRP_RSA */
	TA_CERTK_EC,   /* ECDHE_ECDSA, and static ECDH_RSA / ECDH_ECDSA (an EC key) */
	TA_CERTK_DSA,  /* DHE_DSS, SRP_DSS */
	TA_CERTK_DH,   /* static DH_RSA / DH_DSS (a DH key) */
	TA_CERTK_GOST,
	TA_CERTK_COUNT,
};

/* Named group kinds */
enum ta_group_kind {
	TA_GROUP_EC,  /* Weierstrass curve (secp*, brainpool*) */
	TA_GROUP_ECX, /* x25519, x448 */
	TA_GROUP_FFDHE,
	TA_GROUP_HYBRID, /* classical + ML-KEM */
	TA_GROUP_KEM,    /* pure ML-KEM */
	TA_GROUP_GOST,
	TA_GROUP_SM2,
	TA_GROUP_OTHER,
};

struct ta_group {
	uint16_t id;
	const char *iana;       /* IANA name: "x25519", "secp256r1", "ffdhe2048",
				 * "X25519MLKEM768" */
	const char *openssl;    /* OpenSSL group name, or NULL */
	uint8_t kind;           /* enum ta_group_kind */
	uint16_t bits;          /* curve / field size in bits */
	uint16_t key_share_len; /* client key_share length this client sends;
				 * 0 when we cannot make one */
	uint8_t tls13;          /* usable in TLS 1.3 */
};

struct ta_sigscheme {
	uint16_t id;
	const char *iana; /* "rsa_pss_rsae_sha256" ... */
	uint8_t tls13;    /* allowed in TLS 1.3 signatures */
};

extern const struct ta_suite ta_suites[];
extern const size_t ta_suites_count; /* TLS (16-bit) suites */
extern const struct ta_suite ta_ssl2_suites[];
extern const size_t ta_ssl2_suites_count;
extern const struct ta_group ta_groups[];
extern const size_t ta_groups_count;
extern const struct ta_sigscheme ta_sigschemes[];
extern const size_t ta_sigschemes_count;

/* Lookups: NULL when unknown. */
const struct ta_suite *ta_suite_find(uint32_t id);
const struct ta_suite *ta_ssl2_suite_find(uint32_t id);
const struct ta_group *ta_group_find(uint16_t id);
const struct ta_group *ta_group_by_name(const char *iana);
const struct ta_sigscheme *ta_sigscheme_find(uint16_t id);

/* enum ta_cert_kind of a suite (TA_CERTK_NONE for TLS 1.3 suites). */
uint8_t ta_suite_cert_kind(const struct ta_suite *s);

#endif
