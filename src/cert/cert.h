/*
 * X.509 analysis on top of OpenSSL: one served chain (DER, leaf first, as
 * the server sent it) becomes plain data the reports and profiles read.
 * No I/O except reading the trust store; "now" comes from ta_now().
 */
#ifndef TA_CERT_CERT_H
#define TA_CERT_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TA_CERT_MAX_SAN  256
#define TA_CERT_MAX_URLS 8

/* One certificate. Strings are malloc'd, NUL-terminated, already free of
 * control bytes? NO: they are the certificate's text as decoded (UTF-8);
 * writers must escape them. */
struct ta_cert {
	char *subject; /* RFC 2253 one-line form */
	char *issuer;
	char *serial; /* hex, upper case, no separators */
	char **san;   /* "DNS:example.org", "IP:192.0.2.1", "email:..." */
	size_t nsan;
	char key_type[16]; /* "RSA", "EC", "Ed25519", "Ed448", "DSA", "RSA-PSS", "unknown" */
	int key_bits;      /* modulus / field size */
	char curve[32];    /* EC: "secp256r1" / "secp384r1" ... (TLS group names); "" otherwise */
	char signature_algorithm[64]; /* OpenSSL long name: "sha256WithRSAEncryption" */
	int64_t not_before;           /* Unix time */
	int64_t not_after;
	int days_left;           /* floor((not_after - now) / 86400); negative when expired */
	int lifetime_days;       /* ceil((not_after - not_before) / 86400) */
	bool expired;            /* now > not_after */
	bool not_yet_valid;      /* now < not_before */
	bool self_signed;        /* issuer == subject and the signature verifies with its own key */
	bool is_ca;              /* basicConstraints cA */
	int path_len;            /* -1: none */
	char key_usage[160];     /* "digitalSignature,keyEncipherment" ("" when absent) */
	char ext_key_usage[160]; /* "serverAuth,clientAuth" */
	bool must_staple;        /* TLS feature extension with status_request */
	char *ocsp_urls[TA_CERT_MAX_URLS];
	size_t nocsp;
	char *crl_urls[TA_CERT_MAX_URLS];
	size_t ncrl;
	int sct_count;       /* embedded SCTs; 0 when none */
	bool sha1_signature; /* signed with SHA-1 (or MD5) */
	bool weak_key;       /* RSA/DSA < 2048 bits, EC < 224 bits */
	char sha256[65];     /* fingerprint, lower-case hex */
	char sha1[41];
};

/* A chain as served, analysed. */
struct ta_chain {
	struct ta_cert *certs; /* served order, leaf first */
	size_t n;
	int hostname_match;    /* 1 yes, 0 no, -1 not checked (no name given) */
	int trusted;           /* 1: verifies to a trust anchor, 0: does not */
	char trust_error[128]; /* OpenSSL's reason when not trusted */
	bool order_ok;         /* each certificate is issued by the next one */
	bool complete; /* the served certificates reach a root or a trust anchor without fetching */
	bool sha1_in_chain; /* some certificate other than a trust anchor is SHA-1/MD5 signed */
	bool has_anchor_in_chain; /* the server also sent the root */
};

struct ta_cert_ctx;

/*
 * A context holds the trust store: ca_file (PEM bundle) when given, else the
 * system's hashed certificate directory (ta_cert_default_dir), else
 * OpenSSL's default paths.  NULL on failure (message in err).
 */
struct ta_cert_ctx *ta_cert_ctx_new(const char *ca_file, char *err, size_t errlen);

/*
 * The system trust as a hashed directory (SSL_CERT_DIR, else OpenSSL's
 * default, /usr/lib/ssl/certs on Debian), or NULL when there is none with
 * hash links, or when SSL_CERT_FILE names a bundle and SSL_CERT_DIR is
 * unset.  A directory is read one certificate at a time when a chain needs
 * it; the bundle file (~150 certificates) would be parsed whole at every
 * start, which was most of a quick scan's time.
 */
const char *ta_cert_default_dir(void);
void ta_cert_ctx_free(struct ta_cert_ctx *ctx);

/*
 * Analyse a chain: der[i] / len[i] for i < n, leaf first as served.  host is
 * the name to match (a DNS name or an IP address literal), or NULL.  Fills
 * *out (free with ta_chain_free).  Returns 0, or TA_EDECODE when the leaf
 * does not parse (certificates after the leaf that do not parse are
 * skipped and counted as an incomplete chain), TA_EINVAL for a NULL argument
 * or n == 0, TA_ENOMEM or TA_EINTERNAL.
 */
int ta_chain_analyse(struct ta_cert_ctx *ctx, const uint8_t *const *der, const size_t *len,
                     size_t n, const char *host, struct ta_chain *out);
void ta_chain_free(struct ta_chain *c);

/*
 * "Now" for every validity computation: the TLSAUDIT_NOW environment variable
 * (Unix seconds, or "YYYY-MM-DDTHH:MM:SSZ") when set, else time(NULL).
 * Read in this one place.
 */
time_t ta_now(void);
/* "YYYY-MM-DDTHH:MM:SSZ", exactly (a real date), to seconds since the
 * epoch; 0 when s is not one. */
int ta_parse_iso_time(const char *s, int64_t *out);

#endif
