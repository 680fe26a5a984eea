/*
 * Tests for the X.509 analysis (src/cert/x509.c).  Most cases read the PKI
 * that gen_pki.sh makes at test time (run_test_cert.sh passes its directory
 * as argv[1]); every field of every certificate is checked against a table
 * and, for fingerprints, serial and names, against what "openssl x509"
 * printed.  Hostile certificates (NUL and invalid UTF-8 in names, oversized
 * lists, broken dates) are built here with OpenSSL's API and signed with a
 * throwaway key.  TLSAUDIT_NOW is pinned so days and expiry are exact.
 */
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* setenv() when built without the project's flags */
#endif

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../unit/tharness.h"
#include "cert/cert.h"
#include "tlsaudit.h"
#include "utf8.h"

/* Every date below is what gen_pki.sh passes to "openssl ca". */
#define NOW        1772366400LL /* 2026-03-01T12:00:00Z */
#define NOW_TEXT   "1772366400"
#define ROOT_NB    1577836800LL /* 2020-01-01T00:00:00Z */
#define ROOT_NA    2556144000LL /* 2051-01-01T00:00:00Z, a GeneralizedTime */
#define ROOT2_NA   2208988800LL /* 2040-01-01T00:00:00Z */
#define INT_NB     1609459200LL /* 2021-01-01T00:00:00Z */
#define INT_NA     1924992000LL /* 2031-01-01T00:00:00Z */
#define LEAF_NB    1764547200LL /* 2025-12-01T00:00:00Z */
#define LEAF_NA    1780271999LL /* 2026-05-31T23:59:59Z */
#define EXPIRED_NB 1704067200LL /* 2024-01-01T00:00:00Z */
#define EXPIRED_NA 1735689600LL /* 2025-01-01T00:00:00Z */
#define NOTYET_NB  1798761600LL /* 2027-01-01T00:00:00Z */
#define NOTYET_NA  1830297600LL /* 2028-01-01T00:00:00Z */
#define SELF_NB    1767225600LL /* 2026-01-01T00:00:00Z */
#define SELF_NA    1798761600LL /* 2027-01-01T00:00:00Z */

#define E_LOCAL_ISSUER "unable to get local issuer certificate"
#define E_ISSUER       "unable to get issuer certificate"
#define E_SELF_CHAIN   "self-signed certificate in certificate chain"
#define E_SELF         "self-signed certificate"
#define E_EXPIRED      "certificate has expired"
#define E_NOTYET       "certificate is not yet valid"
#define E_PURPOSE      "unsuitable certificate purpose"

#define KU_RSA    "digitalSignature,keyEncipherment"
#define KU_EC     "digitalSignature"
#define KU_CA     "keyCertSign,cRLSign"
#define SHA256RSA "sha256WithRSAEncryption"

static const char *pki; /* directory gen_pki.sh filled */

struct blob {
	uint8_t *p;
	size_t n;
};

static struct blob
load(const char *name, const char *ext)
{
	struct blob b = {NULL, 0};
	char path[4096];
	FILE *f;
	long sz;

	snprintf(path, sizeof path, "%s/%s%s", pki, name, ext);
	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b.p = malloc((size_t)sz + 1)) == NULL ||
	    fread(b.p, 1, (size_t)sz, f) != (size_t)sz) {
		fprintf(stderr, "test_cert: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	b.p[sz] = '\0';
	b.n = (size_t)sz;
	return b;
}

/* What "openssl x509" printed, as gen_pki.sh saved it in NAME.expect. */
struct expect {
	char sha256[65], sha1[41];
	char serial[128];
	char subject[1200], issuer[1200];
};

static void
expect_value(const char *text, const char *key, char *out, size_t outlen, bool fingerprint)
{
	const char *p = strstr(text, key), *e;
	size_t o = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(key);
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	for (; p < e && o + 1 < outlen; p++) {
		if (fingerprint && *p == ':')
			continue;
		out[o++] = fingerprint && *p >= 'A' && *p <= 'F' ? (char)(*p - 'A' + 'a') : *p;
	}
	out[o] = '\0';
}

static void
expect_load(const char *name, struct expect *x)
{
	struct blob b = load(name, ".expect");
	char *t = (char *)b.p;

	expect_value(t, "sha256 Fingerprint=", x->sha256, sizeof x->sha256, true);
	expect_value(t, "sha1 Fingerprint=", x->sha1, sizeof x->sha1, true);
	expect_value(t, "serial=", x->serial, sizeof x->serial, false);
	expect_value(t, "subject=", x->subject, sizeof x->subject, false);
	expect_value(t, "issuer=", x->issuer, sizeof x->issuer, false);
	free(b.p);
}

/* ---- contexts ---- */

static struct ta_cert_ctx *
ctx_for(const char *ca)
{
	static struct ta_cert_ctx *root, *inter, *root2;
	struct ta_cert_ctx **slot = strcmp(ca, "int") == 0     ? &inter
	                            : strcmp(ca, "root2") == 0 ? &root2
	                                                       : &root;
	char path[4096], err[256];

	if (*slot == NULL) {
		snprintf(path, sizeof path, "%s/%s.pem", pki, ca);
		*slot = ta_cert_ctx_new(path, err, sizeof err);
		if (*slot == NULL) {
			fprintf(stderr, "test_cert: %s\n", err);
			exit(2);
		}
	}
	return *slot;
}

static void
ctx_free_all(void)
{
	ta_cert_ctx_free(ctx_for("root"));
	ta_cert_ctx_free(ctx_for("int"));
	ta_cert_ctx_free(ctx_for("root2"));
}

/* Analyse names[] (files in the PKI, NULL-terminated) as one served chain. */
static int
analyse_files(const char *const *names, const char *ca, const char *host, struct ta_chain *out)
{
	struct blob b[8];
	const uint8_t *der[8];
	size_t len[8], n = 0;
	int rc;

	for (; names[n] != NULL && n < 8; n++) {
		b[n] = load(names[n], ".der");
		der[n] = b[n].p;
		len[n] = b[n].n;
	}
	rc = ta_chain_analyse(ctx_for(ca), der, len, n, host, out);
	for (size_t i = 0; i < n; i++)
		free(b[i].p);
	return rc;
}

/* ---- text invariants ---- */

static void
check_text(const char *s, size_t max)
{
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(strlen(s) <= max);
	CHECK(valid_utf8(s));
}

static void
check_invariants(const struct ta_chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct ta_cert *t = &c->certs[i];

		check_text(t->subject, 1024);
		check_text(t->issuer, 1024);
		check_text(t->serial, 1024);
		CHECK(t->nsan <= TA_CERT_MAX_SAN);
		for (size_t j = 0; j < t->nsan; j++)
			check_text(t->san[j], 1024 + 6);
		CHECK(t->nocsp <= TA_CERT_MAX_URLS);
		CHECK(t->ncrl <= TA_CERT_MAX_URLS);
		for (size_t j = 0; j < t->nocsp; j++)
			check_text(t->ocsp_urls[j], 1024);
		for (size_t j = 0; j < t->ncrl; j++)
			check_text(t->crl_urls[j], 1024);
		CHECK_EQ(strlen(t->sha256), 64);
		CHECK_EQ(strlen(t->sha1), 40);
	}
}

/* ---- every field of every certificate ---- */

struct cert_case {
	const char *name;
	const char *key_type;
	int key_bits;
	const char *curve;
	const char *sigalg;
	long long nb, na;
	int days_left, lifetime;
	bool expired, not_yet_valid, self_signed, is_ca;
	int path_len;
	const char *ku, *eku;
	bool must_staple;
	int sct;
	bool sha1sig, weak;
	const char *san[4];
	const char *ocsp[3];
	const char *crl[3];
};

/* clang-format off */
#define LEAF LEAF_NB, LEAF_NA, 91, 182, false, false, false, false, -1

static const struct cert_case cert_cases[] = {
	{"root", "RSA", 4096, "", SHA256RSA, ROOT_NB, ROOT_NA, 9071, 11323, false, false, true,
	 true, -1, KU_CA, "", false, 0, false, false, {NULL}, {NULL}, {NULL}},
	{"root2", "RSA", 2048, "", "sha1WithRSAEncryption", ROOT_NB, ROOT2_NA, 5053, 7305, false,
	 false, true, true, -1, KU_CA, "", false, 0, true, false, {NULL}, {NULL}, {NULL}},
	{"int", "RSA", 2048, "", SHA256RSA, INT_NB, INT_NA, 1766, 3652, false, false, false, true,
	 0, KU_CA, "", false, 0, false, false, {NULL}, {NULL}, {NULL}},
	{"rsa1024", "RSA", 1024, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, true,
	 {"DNS:rsa1024.example.test"}, {NULL}, {NULL}},
	{"rsa2048", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {"DNS:rsa2048.example.test", "DNS:www.example.test"}, {NULL}, {NULL}},
	{"rsa3072", "RSA", 3072, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {"DNS:rsa3072.example.test"}, {NULL}, {NULL}},
	{"rsa4096", "RSA", 4096, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {"DNS:rsa4096.example.test"}, {NULL}, {NULL}},
	{"ec256", "EC", 256, "secp256r1", SHA256RSA, LEAF, KU_EC, "serverAuth,clientAuth", false,
	 0, false, false, {"DNS:ec256.example.test"}, {NULL}, {NULL}},
	{"ec384", "EC", 384, "secp384r1", SHA256RSA, LEAF, KU_EC, "serverAuth,clientAuth", false,
	 0, false, false, {"DNS:ec384.example.test"}, {NULL}, {NULL}},
	/* EVP_PKEY_get_bits: 256 for Ed25519 in OpenSSL 3.0. */
	{"ed25519", "Ed25519", 256, "", SHA256RSA, LEAF, KU_EC, "serverAuth,clientAuth", false, 0,
	 false, false, {"DNS:ed25519.example.test"}, {NULL}, {NULL}},
	{"sha1", "RSA", 2048, "", "sha1WithRSAEncryption", LEAF, KU_RSA, "serverAuth", false, 0,
	 true, false, {"DNS:sha1.example.test"}, {NULL}, {NULL}},
	{"wronghost", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false,
	 false, {"DNS:other.test"}, {NULL}, {NULL}},
	{"wildcard", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {"DNS:*.example.test"}, {NULL}, {NULL}},
	{"ip", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {"IP:127.0.0.1", "IP:::1"}, {NULL}, {NULL}},
	{"staple", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", true, 0, false, false,
	 {"DNS:staple.example.test"}, {NULL}, {NULL}},
	{"urls", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {"DNS:urls.example.test", "email:admin@example.test", "URI:https://urls.example.test/"},
	 {"http://ocsp.example.test/", "http://ocsp2.example.test/status"},
	 {"http://crl.example.test/int.crl", "ldap://crl.example.test/cn=int"}},
	{"clientonly", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "clientAuth", false, 0, false,
	 false, {"DNS:client.example.test"}, {NULL}, {NULL}},
	{"sct", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 2, false, false,
	 {"DNS:sct.example.test"}, {NULL}, {NULL}},
	{"cnonly", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {NULL}, {NULL}, {NULL}},
	{"utf8", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {"DNS:utf8.example.test"}, {NULL}, {NULL}},
	{"leaf2", "RSA", 2048, "", SHA256RSA, LEAF, KU_RSA, "serverAuth", false, 0, false, false,
	 {"DNS:leaf2.example.test"}, {NULL}, {NULL}},
	{"expired", "RSA", 2048, "", SHA256RSA, EXPIRED_NB, EXPIRED_NA, -425, 366, true, false,
	 false, false, -1, KU_RSA, "serverAuth", false, 0, false, false,
	 {"DNS:expired.example.test"}, {NULL}, {NULL}},
	{"notyet", "RSA", 2048, "", SHA256RSA, NOTYET_NB, NOTYET_NA, 670, 365, false, true, false,
	 false, -1, KU_RSA, "serverAuth", false, 0, false, false, {"DNS:notyet.example.test"},
	 {NULL}, {NULL}},
	/* keyUsage without keyCertSign: still self-signed (X509_check_issued would say no). */
	{"selfsigned", "EC", 256, "secp256r1", "ecdsa-with-SHA256", SELF_NB, SELF_NA, 305, 365,
	 false, false, true, false, -1, KU_EC, "serverAuth", false, 0, false, false,
	 {"DNS:self.example.test"}, {NULL}, {NULL}},
};
/* clang-format on */

static void
check_list(char *const *got, size_t n, const char *const *want, size_t wmax)
{
	size_t w = 0;

	while (w < wmax && want[w] != NULL)
		w++;
	CHECK_EQ(n, w);
	for (size_t i = 0; i < n && i < w; i++)
		CHECK_STR(got[i], want[i]);
}

static void
test_fields(void)
{
	for (size_t i = 0; i < TH_LEN(cert_cases); i++) {
		const struct cert_case *k = &cert_cases[i];
		const char *names[] = {k->name, NULL};
		struct ta_chain c;
		struct expect x;
		const struct ta_cert *t;

		TH_CASE(k->name);
		expect_load(k->name, &x);
		CHECK_EQ(analyse_files(names, "root", NULL, &c), TA_OK);
		CHECK_EQ(c.n, 1);
		if (c.n != 1) {
			ta_chain_free(&c);
			continue;
		}
		check_invariants(&c);
		t = &c.certs[0];
		CHECK_STR(t->subject, x.subject);
		CHECK_STR(t->issuer, x.issuer);
		CHECK_STR(t->serial, x.serial);
		CHECK_STR(t->sha256, x.sha256);
		CHECK_STR(t->sha1, x.sha1);
		CHECK_STR(t->key_type, k->key_type);
		CHECK_EQ(t->key_bits, k->key_bits);
		CHECK_STR(t->curve, k->curve);
		CHECK_STR(t->signature_algorithm, k->sigalg);
		CHECK_EQ(t->not_before, k->nb);
		CHECK_EQ(t->not_after, k->na);
		CHECK_EQ(t->days_left, k->days_left);
		CHECK_EQ(t->lifetime_days, k->lifetime);
		CHECK_EQ(t->expired, k->expired);
		CHECK_EQ(t->not_yet_valid, k->not_yet_valid);
		CHECK_EQ(t->self_signed, k->self_signed);
		CHECK_EQ(t->is_ca, k->is_ca);
		CHECK_EQ(t->path_len, k->path_len);
		CHECK_STR(t->key_usage, k->ku);
		CHECK_STR(t->ext_key_usage, k->eku);
		CHECK_EQ(t->must_staple, k->must_staple);
		CHECK_EQ(t->sct_count, k->sct);
		CHECK_EQ(t->sha1_signature, k->sha1sig);
		CHECK_EQ(t->weak_key, k->weak);
		check_list(t->san, t->nsan, k->san, TH_LEN(k->san));
		check_list(t->ocsp_urls, t->nocsp, k->ocsp, TH_LEN(k->ocsp));
		check_list(t->crl_urls, t->ncrl, k->crl, TH_LEN(k->crl));
		ta_chain_free(&c);
		CHECK(c.certs == NULL && c.n == 0);
	}
	TH_CASE(NULL);
}

/* Names as RFC 2253 text, fixed here too so the check does not rest on openssl's printing alone. */
static void
test_names(void)
{
	const char *names[] = {"utf8", NULL};
	struct ta_chain c;

	CHECK_EQ(analyse_files(names, "root", NULL, &c), TA_OK);
	CHECK_STR(c.certs[0].subject, "CN=utf8.example.test,O=T\xc3\xabst\\, Inc.");
	CHECK_STR(c.certs[0].issuer, "CN=tlsaudit test intermediate,O=tlsaudit test");
	ta_chain_free(&c);
}

/* ---- chains ---- */

struct chain_case {
	const char *name;
	const char *files[5];
	const char *ca;
	const char *host;
	int rc;
	size_t n;
	int hostname_match, trusted;
	const char *trust_error;
	bool order_ok, complete, sha1_in_chain, has_anchor;
};

/* clang-format off */
static const struct chain_case chain_cases[] = {
	{"complete", {"rsa2048", "int"}, "root", "rsa2048.example.test", 0, 2, 1, 1, "", true,
	 true, false, false},
	{"incomplete", {"rsa2048"}, "root", "rsa2048.example.test", 0, 1, 1, 0, E_LOCAL_ISSUER,
	 true, false, false, false},
	{"wrong order", {"rsa2048", "root", "int"}, "root", NULL, 0, 3, -1, 1, "", false, true,
	 false, true},
	{"root included", {"rsa2048", "int", "root"}, "root", NULL, 0, 3, -1, 1, "", true, true,
	 false, true},
	{"unrelated extra", {"rsa2048", "ec256", "int"}, "root", NULL, 0, 3, -1, 1, "", false,
	 true, false, false},
	/* A store with the intermediate and no root: the gap is in the store, not the server's. */
	{"store lacks root", {"rsa2048"}, "int", NULL, 0, 1, -1, 0, E_ISSUER, true, true, false,
	 false},
	{"store lacks root, int served", {"rsa2048", "int"}, "int", NULL, 0, 2, -1, 0, E_ISSUER,
	 true, true, false, false},
	/* An unknown root not sent looks the same as a missing intermediate. */
	{"foreign store", {"rsa2048", "int"}, "root2", NULL, 0, 2, -1, 0, E_LOCAL_ISSUER, true,
	 false, false, false},
	{"foreign store, root sent", {"rsa2048", "int", "root"}, "root2", NULL, 0, 3, -1, 0,
	 E_SELF_CHAIN, true, true, false, true},
	{"self-signed", {"selfsigned"}, "root", "self.example.test", 0, 1, 1, 0, E_SELF, true, true,
	 false, false},
	{"expired", {"expired", "int"}, "root", "expired.example.test", 0, 2, 1, 0, E_EXPIRED,
	 true, true, false, false},
	{"not yet valid", {"notyet", "int"}, "root", NULL, 0, 2, -1, 0, E_NOTYET, true, true, false,
	 false},
	{"client only", {"clientonly", "int"}, "root", NULL, 0, 2, -1, 0, E_PURPOSE, true, true,
	 false, false},
	{"sha1 leaf", {"sha1", "int"}, "root", NULL, 0, 2, -1, 1, "", true, true, true, false},
	{"sha1 root sent", {"leaf2", "root2"}, "root2", NULL, 0, 2, -1, 1, "", true, true, false,
	 true},
	{"sha1 root not sent", {"leaf2"}, "root2", NULL, 0, 1, -1, 1, "", true, true, false, false},
	{"rsa1024", {"rsa1024", "int"}, "root", NULL, 0, 2, -1, 1, "", true, true, false, false},
	{"ed25519", {"ed25519", "int"}, "root", "ed25519.example.test", 0, 2, 1, 1, "", true, true,
	 false, false},
	{"ec384", {"ec384", "int", "root"}, "root", NULL, 0, 3, -1, 1, "", true, true, false, true},
	/* Unparsable certificates after the leaf are skipped and make the chain incomplete. */
	{"garbage skipped", {"rsa2048", "garbage", "int"}, "root", NULL, 0, 2, -1, 1, "", false,
	 false, false, false},
	{"truncated int", {"rsa2048", "truncated"}, "root", NULL, 0, 1, -1, 0, E_LOCAL_ISSUER,
	 false, false, false, false},
	{"garbage leaf", {"garbage", "int"}, "root", NULL, TA_EDECODE, 0, -1, 0, "", false, false,
	 false, false},
	{"truncated leaf", {"truncated", "int"}, "root", NULL, TA_EDECODE, 0, -1, 0, "", false,
	 false, false, false},
	{"trailing byte", {"trailing", "int"}, "root", NULL, TA_EDECODE, 0, -1, 0, "", false, false,
	 false, false},
};
/* clang-format on */

static void
test_chains(void)
{
	for (size_t i = 0; i < TH_LEN(chain_cases); i++) {
		const struct chain_case *k = &chain_cases[i];
		struct ta_chain c;

		TH_CASE(k->name);
		CHECK_EQ(analyse_files(k->files, k->ca, k->host, &c), k->rc);
		CHECK_EQ(c.n, k->n);
		check_invariants(&c);
		CHECK_EQ(c.hostname_match, k->hostname_match);
		CHECK_EQ(c.trusted, k->trusted);
		CHECK_STR(c.trust_error, k->trust_error);
		CHECK_EQ(c.order_ok, k->order_ok);
		CHECK_EQ(c.complete, k->complete);
		CHECK_EQ(c.sha1_in_chain, k->sha1_in_chain);
		CHECK_EQ(c.has_anchor_in_chain, k->has_anchor);
		if (k->rc != TA_OK)
			CHECK(c.certs == NULL);
		ta_chain_free(&c);
	}
	TH_CASE(NULL);
}

/* ---- host names ---- */

struct host_case {
	const char *cert;
	const char *host;
	int match;
};

/* clang-format off */
static const struct host_case host_cases[] = {
	{"rsa2048", "rsa2048.example.test", 1},
	{"rsa2048", "www.example.test", 1},
	{"rsa2048", "RSA2048.Example.TEST", 1},
	{"rsa2048", "example.test", 0},
	{"rsa2048", "x.rsa2048.example.test", 0},
	{"rsa2048", "127.0.0.1", 0},
	{"rsa2048", "", 0},
	{"rsa2048", NULL, -1},
	{"wronghost", "www.example.test", 0},
	{"wronghost", "other.test", 1},
	{"wildcard", "a.example.test", 1},
	{"wildcard", "www.example.test", 1},
	{"wildcard", "a.b.example.test", 0},
	{"wildcard", "example.test", 0},
	{"wildcard", "a.example.org", 0},
	{"ip", "127.0.0.1", 1},
	{"ip", "::1", 1},
	{"ip", "0:0:0:0:0:0:0:1", 1},
	{"ip", "[::1]", 1},
	{"ip", "127.0.0.2", 0},
	{"ip", "::2", 0},
	{"ip", "localhost", 0},
	/* No DNS SAN: OpenSSL falls back to the subject CN. */
	{"cnonly", "cnonly.example.test", 1},
	{"cnonly", "other.example.test", 0},
	{"urls", "admin@example.test", 0},
};
/* clang-format on */

static void
test_hosts(void)
{
	for (size_t i = 0; i < TH_LEN(host_cases); i++) {
		const struct host_case *k = &host_cases[i];
		const char *names[] = {k->cert, "int", NULL};
		struct ta_chain c;

		TH_CASE(k->host != NULL ? k->host : "(null)");
		CHECK_EQ(analyse_files(names, "root", k->host, &c), TA_OK);
		CHECK_EQ(c.hostname_match, k->match);
		ta_chain_free(&c);
	}
	TH_CASE(NULL);
}

/* ---- "now" ---- */

struct now_case {
	const char *text;
	long long want; /* -1: not accepted, time(NULL) is used */
};

/* clang-format off */
static const struct now_case now_cases[] = {
	{"1772366400", 1772366400LL},
	{"2026-03-01T12:00:00Z", 1772366400LL},
	{"0", 0},
	{"1970-01-01T00:00:00Z", 0},
	{"-86400", -86400},
	{"2024-02-29T00:00:00Z", 1709164800LL},
	{"2051-01-01T00:00:00Z", 2556144000LL},
	{"2023-02-29T00:00:00Z", -1},
	{"2026-13-01T00:00:00Z", -1},
	{"2026-03-01T24:00:00Z", -1},
	{"2026-03-01T12:00:60Z", -1},
	{"2026-03-01 12:00:00Z", -1},
	{"2026-03-01T12:00:00", -1},
	{"2026-03-01T12:00:00+01:00", -1},
	{"2026-3-1T12:00:00Z", -1},
	{"12x", -1},
	{"x12", -1},
	{"-", -1},
	{"", -1},
	{" 1", -1},
	{"99999999999999999999", -1},
	{"999999999999", -1}, /* past year 9999 */
};
/* clang-format on */

static void
test_now(void)
{
	for (size_t i = 0; i < TH_LEN(now_cases); i++) {
		const struct now_case *k = &now_cases[i];
		time_t got;

		TH_CASE(k->text);
		setenv("TLSAUDIT_NOW", k->text, 1);
		got = ta_now();
		if (k->want != -1) {
			CHECK_EQ(got, k->want);
		} else {
			time_t t = time(NULL);

			CHECK(got >= t - 5 && got <= t + 5);
		}
	}
	TH_CASE("unset");
	unsetenv("TLSAUDIT_NOW");
	{
		time_t t = time(NULL), got = ta_now();

		CHECK(got >= t - 5 && got <= t + 5);
	}
	TH_CASE(NULL);
	setenv("TLSAUDIT_NOW", NOW_TEXT, 1);
}

/*
 * Validity at the edges.  RFC 5280 makes notAfter the last valid second and
 * so does expired; OpenSSL's verification already fails at notAfter itself.
 */
struct edge_case {
	const char *now;
	int days_left;
	bool expired, not_yet_valid;
	int trusted;
	const char *trust_error;
};

/* clang-format off */
static const struct edge_case edge_cases[] = {
	{"1780271999", 0, false, false, 0, E_EXPIRED},
	{"2026-05-31T23:59:59Z", 0, false, false, 0, E_EXPIRED},
	{"1780271998", 0, false, false, 1, ""},
	{"1780272000", -1, true, false, 0, E_EXPIRED},
	{"1780185599", 1, false, false, 1, ""}, /* exactly one day before not_after */
	{"1780185598", 1, false, false, 1, ""},
	{"1780185600", 0, false, false, 1, ""},
	{"1764547200", 181, false, false, 1, ""}, /* not_before itself is valid */
	{"1764547199", 182, false, true, 0, E_NOTYET},
	{"2025-12-01T00:00:00Z", 181, false, false, 1, ""},
	{"1000000000", 9030, false, true, 0, E_NOTYET},
};
/* clang-format on */

static void
test_edges(void)
{
	for (size_t i = 0; i < TH_LEN(edge_cases); i++) {
		const struct edge_case *k = &edge_cases[i];
		const char *names[] = {"rsa2048", "int", NULL};
		struct ta_chain c;

		TH_CASE(k->now);
		setenv("TLSAUDIT_NOW", k->now, 1);
		CHECK_EQ(analyse_files(names, "root", NULL, &c), TA_OK);
		CHECK_EQ(c.certs[0].days_left, k->days_left);
		CHECK_EQ(c.certs[0].lifetime_days, 182);
		CHECK_EQ(c.certs[0].expired, k->expired);
		CHECK_EQ(c.certs[0].not_yet_valid, k->not_yet_valid);
		CHECK_EQ(c.trusted, k->trusted);
		CHECK_STR(c.trust_error, k->trust_error);
		CHECK_EQ(c.complete, true);
		ta_chain_free(&c);
	}
	TH_CASE(NULL);
	setenv("TLSAUDIT_NOW", NOW_TEXT, 1);
}

/* ---- API edges ---- */

static void
test_api(void)
{
	struct blob leaf = load("rsa2048", ".der"), text = load("root", ".expect");
	const uint8_t *der[] = {leaf.p};
	size_t len[] = {leaf.n}, zero[] = {0};
	const uint8_t *nul[] = {NULL};
	struct ta_chain c;
	struct ta_cert_ctx *ctx;
	char err[256], path[4096];

	ta_cert_ctx_free(NULL);
	ta_chain_free(NULL);

	TH_CASE("missing ca file");
	err[0] = '\0';
	CHECK(ta_cert_ctx_new("/nonexistent/tlsaudit-ca.pem", err, sizeof err) == NULL);
	CHECK(strstr(err, "/nonexistent/tlsaudit-ca.pem") != NULL);
	CHECK(ta_cert_ctx_new("/nonexistent/tlsaudit-ca.pem", NULL, 0) == NULL);

	TH_CASE("ca file without certificates");
	snprintf(path, sizeof path, "%s/root.expect", pki);
	err[0] = '\0';
	CHECK(ta_cert_ctx_new(path, err, sizeof err) == NULL);
	CHECK(err[0] != '\0');

	TH_CASE("default store");
	ctx = ta_cert_ctx_new(NULL, err, sizeof err);
	CHECK(ctx != NULL);
	if (ctx != NULL) {
		/* The test root is in no system store. */
		CHECK_EQ(ta_chain_analyse(ctx, der, len, 1, NULL, &c), TA_OK);
		CHECK_EQ(c.trusted, 0);
		CHECK_STR(c.trust_error, E_LOCAL_ISSUER);
		ta_chain_free(&c);
	}

	TH_CASE("bad arguments");
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 0, NULL, &c), TA_EINVAL);
	CHECK(c.certs == NULL && c.n == 0);
	CHECK_EQ(ta_chain_analyse(NULL, der, len, 1, NULL, &c), TA_EINVAL);
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), NULL, len, 1, NULL, &c), TA_EINVAL);
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, NULL, 1, NULL, &c), TA_EINVAL);
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, NULL, NULL), TA_EINVAL);
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, zero, 1, NULL, &c), TA_EDECODE);
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), nul, len, 1, NULL, &c), TA_EDECODE);
	CHECK(c.certs == NULL && c.n == 0);

	TH_CASE("free twice");
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, NULL, &c), TA_OK);
	ta_chain_free(&c);
	ta_chain_free(&c);

	TH_CASE(NULL);
	ta_cert_ctx_free(ctx);
	free(leaf.p);
	free(text.p);
}

/* ---- hostile certificates, built here ---- */

static EVP_PKEY *hkey;

static void
add_name_entry(X509_NAME *nm, const char *field, int type, const void *v, int len)
{
	CHECK(X509_NAME_add_entry_by_txt(nm, field, type, v, len, -1, 0) == 1);
}

static void
add_gen(GENERAL_NAMES *gens, int type, const void *v, int len)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_STRING *s =
	        ASN1_STRING_type_new(type == GEN_IPADD ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);

	CHECK(gn != NULL && s != NULL && ASN1_STRING_set(s, v, len) == 1);
	GENERAL_NAME_set0_value(gn, type, s);
	CHECK(sk_GENERAL_NAME_push(gens, gn) > 0);
}

/* DER of a certificate, signed by hkey, after edit() filled it in. */
static struct blob
build(void (*edit)(X509 *))
{
	struct blob b = {NULL, 0};
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	unsigned char *p = NULL;
	int n;

	CHECK(x != NULL && nm != NULL && sn != NULL);
	CHECK(X509_set_version(x, X509_VERSION_3) == 1);
	CHECK(ASN1_INTEGER_set(sn, 0x1234) == 1);
	CHECK(X509_set_serialNumber(x, sn) == 1);
	add_name_entry(nm, "CN", MBSTRING_ASC, "hostile.example.test", -1);
	CHECK(X509_set_issuer_name(x, nm) == 1);
	CHECK(X509_set_subject_name(x, nm) == 1);
	CHECK(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)LEAF_NB) != NULL);
	CHECK(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)LEAF_NA) != NULL);
	CHECK(X509_set_pubkey(x, hkey) == 1);
	edit(x);
	CHECK(X509_sign(x, hkey, EVP_sha256()) > 0);
	n = i2d_X509(x, &p);
	CHECK(n > 0);
	if (n > 0) {
		b.p = (uint8_t *)p;
		b.n = (size_t)n;
	}
	X509_NAME_free(nm);
	ASN1_INTEGER_free(sn);
	X509_free(x);
	return b;
}

static void
add_ext_i2d(X509 *x, int nid, void *value)
{
	CHECK(X509_add1_ext_i2d(x, nid, value, 0, X509V3_ADD_APPEND) == 1);
}

static void
edit_sans(X509 *x)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	static const unsigned char nul[] = "a\0b.example.test";
	static const unsigned char bad[] = "\xff\xfe.example.\xc0\xaf.\xed\xa0\x80.test";
	static const unsigned char v4[] = {192, 0, 2, 1}, odd[] = {1, 2, 3, 4, 5};
	char big[2000];
	char n[32];

	add_gen(gens, GEN_DNS, nul, (int)sizeof nul - 1);
	add_gen(gens, GEN_DNS, bad, (int)sizeof bad - 1);
	/* 1023 letters then a two-byte character that TEXT_MAX would cut. */
	memset(big, 'a', sizeof big);
	memcpy(big + 1023, "\xc3\xa9", 2);
	add_gen(gens, GEN_DNS, big, 1025);
	memset(big, 'b', sizeof big);
	add_gen(gens, GEN_DNS, big, (int)sizeof big);
	add_gen(gens, GEN_IPADD, v4, 4);
	add_gen(gens, GEN_IPADD, odd, 5);
	add_gen(gens, GEN_EMAIL, "a\nb@example.test", -1);
	for (int i = 0; i < 300; i++) {
		snprintf(n, sizeof n, "n%d.example.test", i);
		add_gen(gens, GEN_DNS, n, -1);
	}
	add_ext_i2d(x, NID_subject_alt_name, gens);
	GENERAL_NAMES_free(gens);
}

static void
test_hostile_sans(void)
{
	struct blob b = build(edit_sans);
	const uint8_t *der[] = {b.p};
	size_t len[] = {b.n};
	struct ta_chain c;
	char want[1100];

	TH_CASE("hostile SANs");
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, "b.example.test", &c), TA_OK);
	check_invariants(&c);
	CHECK_EQ(c.certs[0].nsan, TA_CERT_MAX_SAN);
	if (c.certs[0].nsan == TA_CERT_MAX_SAN) {
		CHECK_STR(c.certs[0].san[0], "DNS:a?b.example.test");
		CHECK_STR(c.certs[0].san[1], "DNS:??.example.??.???.test");
		memcpy(want, "DNS:", 4);
		memset(want + 4, 'a', 1023);
		want[4 + 1023] = '\0';
		CHECK_STR(c.certs[0].san[2], want);
		CHECK_EQ(strlen(c.certs[0].san[3]), 4 + 1024);
		CHECK_STR(c.certs[0].san[4], "IP:192.0.2.1");
		CHECK_STR(c.certs[0].san[5], "IP:invalid");
		CHECK_STR(c.certs[0].san[6], "email:a\nb@example.test");
		CHECK_STR(c.certs[0].san[7], "DNS:n0.example.test");
		CHECK_STR(c.certs[0].san[255], "DNS:n248.example.test");
	}
	/* "a\0b.example.test" must not match b.example.test (nor anything). */
	CHECK_EQ(c.hostname_match, 0);
	ta_chain_free(&c);
	OPENSSL_free(b.p);
}

static void
edit_names(X509 *x)
{
	X509_NAME *nm = X509_NAME_new();
	char big[3000];

	memset(big, 'x', sizeof big);
	add_name_entry(nm, "CN", V_ASN1_UTF8STRING, "line\nbreak,+\"<>;", -1);
	add_name_entry(nm, "O", V_ASN1_UTF8STRING, big, (int)sizeof big);
	CHECK(X509_set_subject_name(x, nm) == 1);
	X509_NAME_free(nm);
	/* Placeholders that test_hostile_names patches in the DER. */
	nm = X509_NAME_new();
	add_name_entry(nm, "CN", V_ASN1_UTF8STRING, "QQ", 2);
	add_name_entry(nm, "O", V_ASN1_PRINTABLESTRING, "RR", 2);
	CHECK(X509_set_issuer_name(x, nm) == 1);
	X509_NAME_free(nm);
}

/* Replace the first pattern in b (the signature no longer matches; nothing here checks it). */
static void
patch(struct blob *b, const char *from, const char *to, size_t n)
{
	for (size_t i = 0; i + n <= b->n; i++)
		if (memcmp(b->p + i, from, n) == 0) {
			memcpy(b->p + i, to, n);
			return;
		}
	CHECK(!"pattern not found");
}

static void
test_hostile_names(void)
{
	struct blob b = build(edit_names);
	const uint8_t *der[] = {b.p};
	size_t len[] = {b.n};
	struct ta_chain c;

	TH_CASE("hostile names");
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, NULL, &c), TA_OK);
	check_invariants(&c);
	CHECK_EQ(strlen(c.certs[0].subject), 1024);
	CHECK(strncmp(c.certs[0].subject, "O=xxxx", 6) == 0);
	CHECK(strstr(c.certs[0].subject, "\n") == NULL);
	CHECK_STR(c.certs[0].issuer, "O=RR,CN=QQ");
	CHECK_STR(c.certs[0].serial, "1234");
	CHECK_EQ(c.certs[0].self_signed, false);
	ta_chain_free(&c);

	/* Bytes >= 0x80 in a PrintableString are read as Latin-1. */
	TH_CASE("latin-1 in PrintableString");
	patch(&b, "\x13\x02RR", "\x13\x02\xff\xfe", 4);
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, NULL, &c), TA_OK);
	check_invariants(&c);
	CHECK_STR(c.certs[0].issuer, "O=\xc3\xbf\xc3\xbe,CN=QQ");
	ta_chain_free(&c);

	/* OpenSSL refuses to decode a UTF8String that is not UTF-8. */
	TH_CASE("bad UTF8String");
	patch(&b, "\x0c\x02QQ", "\x0c\x02\xff\xfe", 4);
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, NULL, &c), TA_EDECODE);
	CHECK(c.certs == NULL);
	ta_chain_free(&c);

	/* A control byte in a name is escaped by the RFC 2253 printing. */
	TH_CASE("control byte");
	patch(&b, "\x0c\x02\xff\xfe", "\x0c\x02\x01\x7f", 4);
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, NULL, &c), TA_OK);
	CHECK_STR(c.certs[0].issuer, "O=\xc3\xbf\xc3\xbe,CN=\\01\\7F");
	ta_chain_free(&c);
	TH_CASE(NULL);
	OPENSSL_free(b.p);
}

static void
edit_lists(X509 *x)
{
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
	CRL_DIST_POINTS *dps = sk_DIST_POINT_new_null();
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	TLS_FEATURE *tf = sk_ASN1_INTEGER_new_null();
	char buf[64];

	for (int i = 0; i < 40; i++) {
		snprintf(buf, sizeof buf, "1.3.6.1.4.1.99999.%d", i);
		CHECK(sk_ASN1_OBJECT_push(eku, OBJ_txt2obj(buf, 1)) > 0);
	}
	add_ext_i2d(x, NID_ext_key_usage, eku);
	for (int i = 0; i < 12; i++) {
		ACCESS_DESCRIPTION *ad = ACCESS_DESCRIPTION_new();
		GENERAL_NAMES *one = GENERAL_NAMES_new();

		snprintf(buf, sizeof buf, "http://ocsp%d.example.test/", i);
		add_gen(one, GEN_URI, buf, -1);
		ASN1_OBJECT_free(ad->method);
		ad->method = OBJ_nid2obj(NID_ad_OCSP);
		GENERAL_NAME_free(ad->location);
		ad->location = sk_GENERAL_NAME_shift(one);
		GENERAL_NAMES_free(one);
		CHECK(sk_ACCESS_DESCRIPTION_push(aia, ad) > 0);

		DIST_POINT *dp = DIST_POINT_new();
		dp->distpoint = DIST_POINT_NAME_new();
		dp->distpoint->type = 0;
		dp->distpoint->name.fullname = GENERAL_NAMES_new();
		snprintf(buf, sizeof buf, "http://crl%d.example.test/", i);
		add_gen(dp->distpoint->name.fullname, GEN_URI, buf, -1);
		add_gen(dp->distpoint->name.fullname, GEN_DNS, "not.a.uri", -1);
		CHECK(sk_DIST_POINT_push(dps, dp) > 0);
	}
	add_ext_i2d(x, NID_info_access, aia);
	add_ext_i2d(x, NID_crl_distribution_points, dps);
	for (int i = 0; i < 9; i++)
		CHECK(ASN1_BIT_STRING_set_bit(ku, i, 1) == 1);
	add_ext_i2d(x, NID_key_usage, ku);
	for (int i = 0; i < 3; i++) {
		ASN1_INTEGER *v = ASN1_INTEGER_new();

		CHECK(ASN1_INTEGER_set(v, i == 1 ? 5 : 17) == 1);
		CHECK(sk_ASN1_INTEGER_push(tf, v) > 0);
	}
	add_ext_i2d(x, NID_tlsfeature, tf);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	AUTHORITY_INFO_ACCESS_free(aia);
	CRL_DIST_POINTS_free(dps);
	ASN1_BIT_STRING_free(ku);
	sk_ASN1_INTEGER_pop_free(tf, ASN1_INTEGER_free);
}

static void
test_hostile_lists(void)
{
	struct blob b = build(edit_lists);
	const uint8_t *der[] = {b.p};
	size_t len[] = {b.n};
	struct ta_chain c;
	const struct ta_cert *t;

	TH_CASE("long lists");
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, NULL, &c), TA_OK);
	check_invariants(&c);
	t = &c.certs[0];
	CHECK_EQ(t->nocsp, TA_CERT_MAX_URLS);
	CHECK_EQ(t->ncrl, TA_CERT_MAX_URLS);
	CHECK_STR(t->ocsp_urls[0], "http://ocsp0.example.test/");
	CHECK_STR(t->ocsp_urls[7], "http://ocsp7.example.test/");
	CHECK_STR(t->crl_urls[0], "http://crl0.example.test/");
	CHECK_STR(t->crl_urls[7], "http://crl7.example.test/");
	CHECK_STR(t->key_usage, "digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,"
	                        "keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly");
	/* Whole items only: eight 19-character OIDs and their commas fill 159 bytes. */
	CHECK(strncmp(t->ext_key_usage, "1.3.6.1.4.1.99999.0,1.3.6.1.4.1.99999.1,", 40) == 0);
	CHECK(strlen(t->ext_key_usage) < sizeof t->ext_key_usage);
	CHECK(t->ext_key_usage[strlen(t->ext_key_usage) - 1] != ',');
	CHECK_EQ(strlen(t->ext_key_usage), 159);
	CHECK(strstr(t->ext_key_usage, ",1.3.6.1.4.1.99999.7") != NULL);
	CHECK_EQ(t->must_staple, true);
	CHECK_EQ(t->self_signed, true);
	/* A self-signed leaf is not "an anchor sent along". */
	CHECK_EQ(c.has_anchor_in_chain, false);
	ta_chain_free(&c);
	OPENSSL_free(b.p);
}

static void
edit_dates(X509 *x)
{
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();

	/* An unreadable notAfter reads as 1970; a negative serial keeps its sign. */
	CHECK(ASN1_STRING_set(X509_getm_notAfter(x), "garbage", 7) == 1);
	CHECK(ASN1_INTEGER_set(sn, -5) == 1);
	CHECK(X509_set_serialNumber(x, sn) == 1);
	bc->ca = 1;
	bc->pathlen = ASN1_INTEGER_new();
	CHECK(ASN1_INTEGER_set_int64(bc->pathlen, 1LL << 40) == 1);
	add_ext_i2d(x, NID_basic_constraints, bc);
	BASIC_CONSTRAINTS_free(bc);
	ASN1_INTEGER_free(sn);
}

static void
test_hostile_dates(void)
{
	struct blob b = build(edit_dates);
	const uint8_t *der[] = {b.p};
	size_t len[] = {b.n};
	struct ta_chain c;

	TH_CASE("broken dates");
	CHECK_EQ(ta_chain_analyse(ctx_for("root"), der, len, 1, NULL, &c), TA_OK);
	check_invariants(&c);
	CHECK_EQ(c.certs[0].not_before, LEAF_NB);
	CHECK_EQ(c.certs[0].not_after, 0);
	CHECK_EQ(c.certs[0].expired, true);
	CHECK(c.certs[0].days_left < -20000);
	CHECK_STR(c.certs[0].serial, "-05");
	CHECK_EQ(c.certs[0].is_ca, true);
	CHECK_EQ(c.certs[0].path_len, INT_MAX);
	CHECK_EQ(c.trusted, 0);
	ta_chain_free(&c);
	OPENSSL_free(b.p);
}

/* The system trust as a hashed directory, chosen from the environment. */
static void
test_trust_dir(void)
{
	char dir[] = "/tmp/tlsaudit-trust-XXXXXX", link[64], two[160];
	struct ta_cert_ctx *c;
	char err[128];
	FILE *f;

	TH_CASE("trust dir");
	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	unsetenv("SSL_CERT_FILE");
	setenv("SSL_CERT_DIR", dir, 1);
	CHECK(ta_cert_default_dir() == NULL); /* no hash link: not a trust dir */
	snprintf(link, sizeof link, "%s/1a2b3c4d.0", dir);
	f = fopen(link, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	CHECK_STR(ta_cert_default_dir(), dir);
	c = ta_cert_ctx_new(NULL, err, sizeof err);
	CHECK(c != NULL);
	ta_cert_ctx_free(c);
	snprintf(two, sizeof two, "%s:%s", dir, dir);
	setenv("SSL_CERT_DIR", two, 1);
	CHECK(ta_cert_default_dir() == NULL); /* a list: left to OpenSSL */
	unsetenv("SSL_CERT_DIR");
	setenv("SSL_CERT_FILE", link, 1);
	CHECK(ta_cert_default_dir() == NULL); /* a bundle named, no directory */
	setenv("SSL_CERT_DIR", dir, 1);
	CHECK_STR(ta_cert_default_dir(), dir); /* both: the directory */
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	remove(link);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_cert PKI-DIR (made by gen_pki.sh)\n");
		return 2;
	}
	pki = argv[1];
	setenv("TLSAUDIT_NOW", NOW_TEXT, 1);
	hkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (hkey == NULL) {
		fprintf(stderr, "test_cert: cannot make a key\n");
		return 2;
	}

	test_now();
	test_fields();
	test_names();
	test_chains();
	test_hosts();
	test_edges();
	test_api();
	test_hostile_sans();
	test_hostile_names();
	test_hostile_lists();
	test_hostile_dates();
	test_trust_dir();

	ctx_free_all();
	EVP_PKEY_free(hkey);
	return th_done("test_cert");
}
