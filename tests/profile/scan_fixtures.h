/*
 * Hand-built scan results for the profile tests: each matches one published
 * profile exactly, as a server configured to the letter of that guideline
 * would be seen by a complete scan.  Certificates are struct ta_chain
 * values built in place (no X.509 parsing).
 */
#ifndef TA_TESTS_SCAN_FIXTURES_H
#define TA_TESTS_SCAN_FIXTURES_H

#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "model/result.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every version probed to completion, none offered; features all known. */
static void __attribute__((unused)) fx_init(struct ta_result *r, const char *host)
{
	memset(r, 0, sizeof *r);
	snprintf(r->host, sizeof r->host, "%s", host);
	r->port = 443;
	r->ok = true;
	for (int i = 0; i < TA_NVER; i++) {
		r->ver[i].tested = true;
		r->ver[i].server_order = TA_UNKNOWN;
		r->ver[i].chacha_priority = TA_UNKNOWN;
	}
	r->groups_tested = true;
	r->groups_server_order = TA_UNKNOWN;
	r->hrr_seen = TA_UNKNOWN;
	r->features.tested = true;
	r->features.ocsp_stapling = TA_YES;
	r->features.secure_renegotiation = TA_YES;
	r->features.client_renegotiation = TA_NO;
	r->features.fallback_scsv = TA_UNKNOWN;
	r->features.compression = TA_NO;
	r->features.extended_master_secret = TA_YES;
	r->features.early_data = TA_NO;
	r->features.encrypt_then_mac = TA_UNKNOWN;
	r->features.heartbeat = TA_NO;
	r->features.record_size_limit = -1;
}

static void __attribute__((unused))
fx_ver(struct ta_result *r, int idx, const uint32_t *suites, size_t n, int server_order)
{
	r->ver[idx].offered = true;
	memcpy(r->ver[idx].suites, suites, n * sizeof *suites);
	r->ver[idx].nsuites = n;
	r->ver[idx].server_order = n >= 2 ? server_order : TA_UNKNOWN;
}

static void __attribute__((unused)) fx_groups(struct ta_result *r, const uint16_t *g, size_t n)
{
	if (n)
		memcpy(r->groups, g, n * sizeof *g);
	r->ngroups = n;
}

static void __attribute__((unused)) fx_sigs(struct ta_result *r, const uint16_t *s, size_t n)
{
	memcpy(r->sigschemes, s, n * sizeof *s);
	r->nsigschemes = n;
	r->sig12_tested = r->ver[TA_V_TLS12].offered;
	r->sig13_tested = r->ver[TA_V_TLS13].offered;
}

static void __attribute__((unused)) fx_dh(struct ta_result *r, unsigned bits, const char *group)
{
	r->dh.bits = (uint16_t)bits;
	snprintf(r->dh.group, sizeof r->dh.group, "%s", group);
}

/* Add a served chain whose leaf has these properties. */
static void __attribute__((unused))
fx_cert(struct ta_result *r, const char *how, const char *type, int bits, const char *curve,
        const char *sig, int lifetime_days)
{
	struct ta_served_chain *sc = &r->chains[r->nchains++];
	struct ta_chain *ch = calloc(1, sizeof *ch);
	struct ta_cert *c = calloc(1, sizeof *c);

	if (!ch || !c)
		abort();
	snprintf(c->key_type, sizeof c->key_type, "%s", type);
	c->key_bits = bits;
	snprintf(c->curve, sizeof c->curve, "%s", curve);
	snprintf(c->signature_algorithm, sizeof c->signature_algorithm, "%s", sig);
	c->lifetime_days = lifetime_days;
	c->days_left = lifetime_days / 2;
	/* A made-up fingerprint, distinct per chain: 00..01, 00..02 ... */
	snprintf(c->sha256, sizeof c->sha256, "%064zx", r->nchains);
	ch->certs = c;
	ch->n = 1;
	ch->hostname_match = 1;
	ch->trusted = 1;
	ch->order_ok = ch->complete = true;
	snprintf(sc->how[0], sizeof sc->how[0], "%s", how);
	sc->nhow = 1;
	sc->sni = true;
	sc->analysis = ch;
}

static void __attribute__((unused)) fx_free(struct ta_result *r)
{
	for (size_t i = 0; i < r->nchains; i++) {
		struct ta_chain *ch = r->chains[i].analysis;

		if (ch) {
			free(ch->certs);
			free(ch);
		}
		r->chains[i].analysis = NULL;
	}
	r->nchains = 0;
}

static const uint32_t TLS13_MOZ[] = {0x1301, 0x1302, 0x1303};
static const uint16_t GROUPS_MOZ[] = {0x001D, 0x0017, 0x0018}; /* x25519, P-256, P-384 */

/* HKCERT Modern = Mozilla 5.4/5.7 Modern: TLS 1.3 only, ECDSA P-256. */
static void __attribute__((unused)) fx_hkcert_modern(struct ta_result *r)
{
	static const uint16_t sigs[] = {0x0403};

	fx_init(r, "modern.example");
	fx_ver(r, TA_V_TLS13, TLS13_MOZ, N(TLS13_MOZ), TA_NO);
	fx_groups(r, GROUPS_MOZ, N(GROUPS_MOZ));
	fx_sigs(r, sigs, N(sigs));
	/* TLS 1.2 facts do not exist for a TLS 1.3-only server. */
	r->features.secure_renegotiation = TA_UNKNOWN;
	r->features.client_renegotiation = TA_UNKNOWN;
	r->features.compression = TA_UNKNOWN;
	r->features.extended_master_secret = TA_UNKNOWN;
	fx_cert(r, "TLSv1.3, ECDSA signature", "EC", 256, "secp256r1", "ecdsa-with-SHA256", 90);
}

/* Both certificates a Mozilla intermediate server needs (ECDSA and RSA suites). */
static void __attribute__((unused)) fx_two_certs(struct ta_result *r)
{
	fx_cert(r, "TLSv1.2 ECDSA suites, SNI", "EC", 256, "secp256r1", "ecdsa-with-SHA256", 90);
	fx_cert(r, "TLSv1.2 RSA suites, SNI", "RSA", 2048, "", "sha256WithRSAEncryption", 90);
}

static const uint16_t SIGS_BOTH[] = {0x0403, 0x0804, 0x0401};

/* HKCERT Intermediate = Mozilla 5.4 Intermediate: 8 TLS 1.2 suites. */
static void __attribute__((unused)) fx_hkcert_intermediate(struct ta_result *r)
{
	static const uint32_t s12[] = {0xC02B, 0xC02F, 0xC02C, 0xC030,
	                               0xCCA9, 0xCCA8, 0x009E, 0x009F};
	static const uint16_t groups[] = {0x001D, 0x0017, 0x0018, 0x0100};

	fx_init(r, "intermediate54.example");
	fx_ver(r, TA_V_TLS12, s12, N(s12), TA_NO);
	fx_ver(r, TA_V_TLS13, TLS13_MOZ, N(TLS13_MOZ), TA_NO);
	fx_groups(r, groups, N(groups));
	fx_sigs(r, SIGS_BOTH, N(SIGS_BOTH));
	fx_dh(r, 2048, "ffdhe2048");
	r->features.fallback_scsv = TA_YES;
	fx_two_certs(r);
}

/* Mozilla 5.7 Intermediate: 9 TLS 1.2 suites (adds DHE-RSA-CHACHA20). */
static void __attribute__((unused)) fx_mozilla_intermediate(struct ta_result *r)
{
	static const uint32_t s12[] = {0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9,
	                               0xCCA8, 0x009F, 0x009E, 0xCCAA};
	static const uint16_t groups[] = {0x001D, 0x0017, 0x0018, 0x0100};

	fx_init(r, "intermediate57.example");
	fx_ver(r, TA_V_TLS12, s12, N(s12), TA_NO);
	fx_ver(r, TA_V_TLS13, TLS13_MOZ, N(TLS13_MOZ), TA_NO);
	fx_groups(r, groups, N(groups));
	fx_sigs(r, SIGS_BOTH, N(SIGS_BOTH));
	fx_dh(r, 2048, "ffdhe2048");
	r->features.fallback_scsv = TA_YES;
	fx_two_certs(r);
}

/* NCSC (UK) Suite B Combination 1: TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256, P-256. */
static void __attribute__((unused)) fx_ncsc_suiteb(struct ta_result *r)
{
	static const uint32_t s12[] = {0xC02B};
	static const uint16_t groups[] = {0x0017};
	static const uint16_t sigs[] = {0x0403};

	fx_init(r, "suiteb.example");
	fx_ver(r, TA_V_TLS12, s12, N(s12), TA_UNKNOWN);
	fx_groups(r, groups, N(groups));
	fx_sigs(r, sigs, N(sigs));
	r->features.ocsp_stapling = TA_NO;
	fx_cert(r, "TLSv1.2 ECDSA suites, SNI", "EC", 256, "secp256r1", "ecdsa-with-SHA256", 365);
}

/* NCSC (UK) Foundation: TLS 1.2, DHE-RSA-AES128-SHA256, group 14, RSA 2048. */
static void __attribute__((unused)) fx_ncsc_foundation(struct ta_result *r)
{
	static const uint32_t s12[] = {0x0067};
	static const uint16_t sigs[] = {0x0401};

	fx_init(r, "foundation.example");
	fx_ver(r, TA_V_TLS12, s12, N(s12), TA_UNKNOWN);
	fx_groups(r, NULL, 0);
	fx_sigs(r, sigs, N(sigs));
	fx_dh(r, 2048, "rfc3526-2048");
	r->features.ocsp_stapling = TA_NO;
	fx_cert(r, "TLSv1.2 RSA suites, SNI", "RSA", 2048, "", "sha256WithRSAEncryption", 365);
}

#endif
