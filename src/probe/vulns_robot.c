/*
 * ROBOT and Ticketbleed (docs/vulnerabilities.md), detected without
 * exploiting.
 *
 * ROBOT (Böck, Somorovsky, Young, "Return Of Bleichenbacher's Oracle
 * Threat", USENIX Security 2018): the five ClientKeyExchange messages of
 * the paper's scanner, each an RSA encryption under the server's own key
 * of a PKCS#1 v1.5 block that is valid, starts with the wrong bytes, has
 * its 0x00 separator in the wrong place, has none, or carries the wrong
 * version, are sent on five connections of one RSA key exchange suite,
 * followed by ChangeCipherSpec and a Finished that cannot decrypt.  A
 * server without an oracle answers all five alike; one whose answers
 * differ (and differ the same way when asked again: noise is no finding)
 * leaks whether a block was valid.  If all five agree, the five go again
 * without ChangeCipherSpec and Finished, where some servers differ.  The
 * oracle is weak when the three malformed blocks get the same answer,
 * strong otherwise (the paper's scanner).  Each RSA key exchange suite is
 * probed in turn (at most ROBOT_MAX_SUITES) with the standard flight, 5
 * connections (10 with an oracle).  Only when the first suite's five
 * answers are alike and not an alert to the whole flight (a close, a
 * timeout) does it go again without ChangeCipherSpec and Finished: a
 * server that waits for them costs the wait.
 *
 * Ticketbleed (CVE-2016-9244): a ticket the server issued (one TLS 1.2
 * handshake through OpenSSL) offered with a session id of one byte; the
 * F5 bug answers with a 32-byte session id whose first byte is ours and
 * the other 31 its memory.  Asked twice with different bytes, so that a
 * fresh random id of 32 bytes cannot pass by chance (1 in 65,536).  The
 * memory is counted, never kept.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/ossl.h"
#include "probe/vulns_int.h"

static const char *const variant_names[ROBOT_VARIANTS] = {"valid block", "wrong first bytes",
                                                          "0x00 in the wrong place",
                                                          "no 0x00 separator", "wrong version"};

/* The five encoded messages (k bytes each) of the paper's scanner. */
static void
robot_block(unsigned variant, uint16_t version, uint8_t *em, size_t k)
{
	uint8_t *pms;
	size_t pad = k - 3 - 48;

	for (size_t i = 0; i < k; i++)
		em[i] = (i & 1) ? 0xcd : 0xab; /* padding: no zero byte */
	em[0] = 0x00;
	em[1] = 0x02;
	pms = em + 2 + pad + 1; /* 48 bytes: version and 46 more */
	em[2 + pad] = 0x00;
	pms[0] = (uint8_t)(version >> 8);
	pms[1] = (uint8_t)version;
	for (size_t i = 2; i < 48; i++)
		pms[i] = (uint8_t)(0x11 * (i % 15 + 1));
	switch (variant) {
	case 1: /* wrong first bytes */
		em[0] = 0x41;
		em[1] = 0x17;
		break;
	case 2: /* the separator just before the end */
		em[2 + pad] = 0x11;
		em[k - 2] = 0x00;
		break;
	case 3: /* no separator at all */
		em[2 + pad] = 0x11;
		break;
	case 4: /* a wrong version in the premaster secret */
		pms[0] = 0x02;
		pms[1] = 0x02;
		break;
	default:
		break;
	}
}

/* The RSA key of the certificate this connection got: decoded once, then
 * reused while the server sends the same certificate (byte for byte). */
static bool
robot_key(struct vuln_job *v, const struct ta_response *r, const BIGNUM **n, const BIGNUM **e)
{
	const unsigned char *der = r->ncerts ? r->chain + r->cert_off[0] : NULL, *p = der;
	size_t len = r->ncerts ? r->cert_len[0] : 0;
	X509 *x;
	EVP_PKEY *pk;
	BIGNUM *bn = NULL, *be = NULL;
	uint8_t *copy;

	if (!der || len == 0)
		return false;
	if (!v->robot_cert || v->robot_cert_len != len || memcmp(v->robot_cert, der, len) != 0) {
		x = d2i_X509(NULL, &p, (long)len);
		pk = x ? X509_get0_pubkey(x) : NULL;
		copy = malloc(len);
		if (!(pk && copy && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
		      EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn) &&
		      EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &be))) {
			BN_free(bn);
			BN_free(be);
			free(copy);
			X509_free(x);
			return false;
		}
		X509_free(x);
		ta_robot_key_free(v);
		memcpy(copy, der, len);
		v->robot_cert = copy;
		v->robot_cert_len = len;
		v->robot_n = bn;
		v->robot_e = be;
	}
	*n = v->robot_n;
	*e = v->robot_e;
	return true;
}

void
ta_robot_key_free(struct vuln_job *v)
{
	BN_free(v->robot_n);
	BN_free(v->robot_e);
	free(v->robot_cert);
	v->robot_n = v->robot_e = NULL;
	v->robot_cert = NULL;
	v->robot_cert_len = 0;
}

/* c = block^e mod n, k bytes; false when the certificate has no RSA key. */
static bool
rsa_encrypt(struct vuln_job *v, const struct ta_response *r, unsigned variant, uint8_t *c,
            size_t cap, size_t *k)
{
	const BIGNUM *n, *e;
	BIGNUM *m = NULL, *out = NULL;
	BN_CTX *ctx = NULL;
	uint8_t em[1024];
	bool ok = false;

	if (!robot_key(v, r, &n, &e))
		return false;
	*k = (size_t)BN_num_bytes(n);
	if (*k >= 64 && *k <= sizeof em && *k <= cap && (out = BN_new()) && (ctx = BN_CTX_new())) {
		robot_block(variant, v->robot_version, em, *k);
		ok = (m = BN_bin2bn(em, (int)*k, NULL)) && BN_mod_exp(out, m, e, n, ctx) &&
		     BN_bn2binpad(out, c, (int)*k) == (int)*k;
	}
	BN_free(m);
	BN_free(out);
	BN_CTX_free(ctx);
	return ok;
}

static void
follow_robot(struct ta_job *job, const struct ta_response *r, uint8_t *out, size_t cap, size_t *len)
{
	struct vuln_job *v = (struct vuln_job *)job;
	unsigned variant = (r->tag >> 8) & 0xf, round = r->tag >> 12;
	uint8_t cke[4 + 2 + 1024], fin[64];
	const uint8_t ccs[1] = {1};
	size_t k = 0;

	if (!rsa_encrypt(v, r, variant, cke + 6, sizeof cke - 6, &k))
		return; /* no RSA key: nothing sent, the answer says so */
	cke[0] = 0x10;  /* client_key_exchange */
	cke[1] = (uint8_t)((k + 2) >> 16);
	cke[2] = (uint8_t)((k + 2) >> 8);
	cke[3] = (uint8_t)(k + 2);
	cke[4] = (uint8_t)(k >> 8);
	cke[5] = (uint8_t)k;
	ta_vuln_record(out, cap, len, TA_CT_HANDSHAKE, r->sh.version, cke, k + 6);
	if (round < 2) { /* the standard flight: and a Finished that cannot decrypt */
		ta_random(fin, sizeof fin);
		ta_vuln_record(out, cap, len, TA_CT_CCS, r->sh.version, ccs, sizeof ccs);
		ta_vuln_record(out, cap, len, TA_CT_HANDSHAKE, r->sh.version, fin, sizeof fin);
	}
}

static void
robot_round(struct vuln_job *v)
{
	v->robot_left = 0;
	for (unsigned k = 0; k < ROBOT_VARIANTS; k++) {
		struct vuln_hello vh = {.version = v->robot_version,
		                        .suites = &v->robot_suite,
		                        .nsuites = 1,
		                        .follow = follow_robot,
		                        .wait_ms = ROBOT_WAIT_MS};
		uint32_t tag = T_ROBOT | k << 8 | v->robot_round << 12;

		if (ta_vuln_send(v, tag, &vh) == TA_OK)
			v->robot_left++;
		else
			snprintf(v->robot_sig[v->robot_round][k], sizeof v->robot_sig[0][0],
			         "not sent");
	}
	if (v->robot_left == 0)
		ta_vuln_set(v->job.t, TA_VP_ROBOT, TA_VS_COULD_NOT_TEST, "out of memory");
}

void
ta_robot_start(struct vuln_job *v)
{
	struct ta_target *t = v->job.t;

	/* every RSA key exchange suite, at the highest version offering it */
	for (int i = TA_V_TLS12; i >= TA_V_TLS10; i--)
		for (size_t k = 0; k < t->res.ver[i].nsuites; k++) {
			const struct ta_suite *s = ta_suite_find((uint16_t)t->res.ver[i].suites[k]);

			if (!s || s->kx != TA_KX_RSA ||
			    ta_u16_contains(v->robot_suites, v->nrobot, (uint16_t)s->id))
				continue;
			if (v->nrobot == ROBOT_MAX_SUITES) {
				v->robot_skipped++;
				continue;
			}
			v->robot_suites[v->nrobot] = (uint16_t)s->id;
			v->robot_versions[v->nrobot++] = ta_ver_code(i);
		}
	if (!v->nrobot) {
		ta_vuln_set(t, TA_VP_ROBOT, TA_VS_NOT_APPLICABLE,
		            "no RSA key exchange suite (TLS_RSA_*) offered in TLS 1.0 to 1.2");
		return;
	}
	v->robot_suite = v->robot_suites[0];
	v->robot_version = v->robot_versions[0];
	robot_round(v);
}

/* The five answers of a round, for the evidence. */
static void
round_text(const struct vuln_job *v, unsigned round, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned k = 0; k < ROBOT_VARIANTS && n < cap; k++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s: %s", k ? "; " : "", variant_names[k],
		                      v->robot_sig[round][k]);
}

static bool
all_alike(const struct vuln_job *v, unsigned round)
{
	for (unsigned k = 1; k < ROBOT_VARIANTS; k++)
		if (strcmp(v->robot_sig[round][k], v->robot_sig[round][0]) != 0)
			return false;
	return true;
}

/* Every suite probed: the verdict. */
static void
robot_final(struct vuln_job *v)
{
	struct ta_target *t = v->job.t;
	char more[64] = "";

	if (v->robot_skipped)
		snprintf(more, sizeof more, " (%zu more not probed: at most %d)", v->robot_skipped,
		         ROBOT_MAX_SUITES);
	if (v->robot_nvuln)
		ta_vuln_set(t, TA_VP_ROBOT, TA_VS_VULNERABLE,
		            "%s; an oracle with %u of the %zu RSA "
		            "key exchange suites probed%s: %s",
		            v->robot_first, v->robot_nvuln, v->nrobot, more, v->robot_vulnerable);
	else if (v->robot_ncnt)
		ta_vuln_set(t, TA_VP_ROBOT, TA_VS_COULD_NOT_TEST,
		            "%s (%u of the %zu RSA key "
		            "exchange suites probed)%s",
		            v->robot_first, v->robot_ncnt, v->nrobot, more);
	else
		ta_vuln_set(t, TA_VP_ROBOT, TA_VS_NOT_VULNERABLE,
		            "the five ClientKeyExchange blocks of the ROBOT scanner got one answer "
		            "with each of the %zu RSA key exchange suites offered%s: %s",
		            v->nrobot, more, v->robot_first);
}

/* One suite is judged: keep what it showed, then the next suite. */
static void robot_next(struct vuln_job *v, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
robot_next(struct vuln_job *v, int status, const char *fmt, ...)
{
	const struct ta_suite *s = ta_suite_find(v->robot_suite);
	size_t n = strlen(v->robot_vulnerable);
	va_list ap;

	/* the evidence kept: the first oracle; else the first noise; else the
	 * first suite's one answer */
	bool keep = status == TA_VS_VULNERABLE       ? v->robot_nvuln == 0
	            : status == TA_VS_COULD_NOT_TEST ? v->robot_nvuln == 0 && v->robot_ncnt == 0
	                                             : !v->robot_first[0];

	if (keep) {
		va_start(ap, fmt);
		vsnprintf(v->robot_first, sizeof v->robot_first, fmt, ap);
		va_end(ap);
	}
	if (status == TA_VS_VULNERABLE) {
		v->robot_nvuln++;
		snprintf(v->robot_vulnerable + n, sizeof v->robot_vulnerable - n, "%s%s",
		         n ? ", " : "", s ? s->iana : "?");
	} else if (status == TA_VS_COULD_NOT_TEST) {
		v->robot_ncnt++;
	}
	if (++v->robot_idx >= v->nrobot) {
		robot_final(v);
		return;
	}
	v->robot_suite = v->robot_suites[v->robot_idx];
	v->robot_version = v->robot_versions[v->robot_idx];
	v->robot_round = 0;
	robot_round(v);
}

static void
robot_verdict(struct vuln_job *v)
{
	const struct ta_suite *s = ta_suite_find(v->robot_suite);
	const char *name = s ? s->iana : "the RSA suite";
	unsigned r = v->robot_round;
	char ans[400];
	bool same_again = true;

	for (unsigned k = 0; k < ROBOT_VARIANTS; k++)
		if (strncmp(v->robot_sig[r][k], "no ServerHello", 14) == 0) {
			robot_next(v, TA_VS_COULD_NOT_TEST, "a hello with %s got %s", name,
			           v->robot_sig[r][k]);
			return;
		}
	if ((r == 0 || r == 2) && !all_alike(v, r)) {
		v->robot_round++; /* ask the same again: noise is no finding */
		robot_round(v);
		return;
	}
	if (r == 0 && v->robot_idx == 0 && strncmp(v->robot_sig[0][0], "alert ", 6) != 0) {
		/* alike with CCS and Finished, and not an alert to the whole flight:
		 * try without them (a server that waits for them costs the wait;
		 * a single-threaded one serves nobody else meanwhile) */
		v->robot_round = 2;
		robot_round(v);
		return;
	}
	round_text(v, r, ans, sizeof ans);
	if (r == 0 || r == 2) {
		robot_next(v, TA_VS_NOT_VULNERABLE, "%s", v->robot_sig[r][0]);
		return;
	}
	for (unsigned k = 0; k < ROBOT_VARIANTS; k++)
		same_again &= strcmp(v->robot_sig[r][k], v->robot_sig[r - 1][k]) == 0;
	if (!same_again) {
		robot_next(
		        v, TA_VS_COULD_NOT_TEST,
		        "with %s the answers changed when asked again (noise or a busy server): %s",
		        name, ans);
		return;
	}
	robot_next(v, TA_VS_VULNERABLE,
	           "%s oracle: the answers to the five ClientKeyExchange blocks (%s, %s) differ, "
	           "twice alike: %s",
	           strcmp(v->robot_sig[r][1], v->robot_sig[r][2]) == 0 &&
	                           strcmp(v->robot_sig[r][2], v->robot_sig[r][3]) == 0
	                   ? "weak"
	                   : "strong",
	           name, r == 1 ? "with ChangeCipherSpec and Finished" : "alone", ans);
}

void
ta_robot_answer(struct vuln_job *v, const struct ta_response *r)
{
	unsigned variant = (r->tag >> 8) & 0xf, round = r->tag >> 12;
	char *sig;

	if (variant >= ROBOT_VARIANTS || round >= ROBOT_ROUNDS)
		return;
	sig = v->robot_sig[round][variant];
	if (r->outcome != TA_OUT_HELLO) {
		char how[32];

		ta_vuln_answer_text(r, how, sizeof how);
		snprintf(sig, sizeof v->robot_sig[0][0], "no ServerHello (%.31s)", how);
	} else if (!r->follow.sent) {
		snprintf(sig, sizeof v->robot_sig[0][0], "no ServerHelloDone or no RSA key");
	} else {
		ta_vuln_follow_text(r, sig, sizeof v->robot_sig[0][0]);
	}
	if (--v->robot_left == 0)
		robot_verdict(v);
}

/* ---- Ticketbleed ---- */

void
ta_ticket_start(struct vuln_job *v)
{
	struct ta_ossl_req req = {.min_version = TA_TLS10, .max_version = v->version};

	v->job.tag = T_TICKET_OSSL;
	if (ta_xchg_submit_ossl(&v->job, &req, ta_vuln_on_answer) == TA_OK)
		v->pending++;
	else
		ta_vuln_set(v->job.t, TA_VP_TICKETBLEED, TA_VS_COULD_NOT_TEST, "out of memory");
}

static void
ticket_send(struct vuln_job *v)
{
	ta_random(v->ticket_sid, sizeof v->ticket_sid);
	if (v->ticket_sid[1] == v->ticket_sid[0])
		v->ticket_sid[1] ^= 0x5a;
	v->ticket_left = 0;
	for (unsigned i = 0; i < TICKET_TRIES; i++) {
		struct vuln_hello vh = {.version = v->ticket_version,
		                        .suites = v->suites,
		                        .nsuites = v->nsuites,
		                        .ticket = v->ticket,
		                        .ticket_len = v->ticket_len,
		                        .sid = &v->ticket_sid[i],
		                        .sid_len = 1};

		v->ticket_echo[i] = -1;
		if (ta_vuln_send(v, T_TICKET | i << 8, &vh) == TA_OK)
			v->ticket_left++;
	}
	if (!v->ticket_left)
		ta_vuln_set(v->job.t, TA_VP_TICKETBLEED, TA_VS_COULD_NOT_TEST, "out of memory");
}

static void
ticket_verdict(struct vuln_job *v)
{
	struct ta_target *t = v->job.t;
	int echoed = 0, answered = 0;

	for (unsigned i = 0; i < TICKET_TRIES; i++) {
		echoed += v->ticket_echo[i] == 1;
		answered += v->ticket_echo[i] >= 0;
	}
	if (echoed == TICKET_TRIES)
		ta_vuln_set(
		        t, TA_VP_TICKETBLEED, TA_VS_VULNERABLE,
		        "its own ticket offered with a 1-byte session id (0x%02x, then 0x%02x) got "
		        "32-byte session ids starting with that byte, twice: 31 bytes of the "
		        "server's memory each (counted, not kept)",
		        v->ticket_sid[0], v->ticket_sid[1]);
	else if (answered)
		ta_vuln_set(t, TA_VP_TICKETBLEED, TA_VS_NOT_VULNERABLE,
		            "its own ticket offered with a 1-byte session id: %s", v->ticket_how);
	else
		ta_vuln_set(t, TA_VP_TICKETBLEED, TA_VS_COULD_NOT_TEST,
		            "the hellos offering its ticket got no ServerHello: %s", v->ticket_how);
}

void
ta_ticket_answer(struct vuln_job *v, const struct ta_response *r)
{
	const uint8_t *tk;
	size_t len, n;
	unsigned i;

	if (r->tag == T_TICKET_OSSL) {
		if (!r->ossl_ok) {
			ta_vuln_set(v->job.t, TA_VP_TICKETBLEED, TA_VS_COULD_NOT_TEST,
			            "the TLS 1.0-1.2 handshake for a session ticket failed");
		} else if (!ta_ossl_session_ticket(r->ossl_session, &tk, &len,
		                                   &v->ticket_version) ||
		           len > 8192) {
			ta_vuln_set(v->job.t, TA_VP_TICKETBLEED, TA_VS_NOT_APPLICABLE,
			            "a TLS 1.0-1.2 handshake got no session ticket (RFC 5077)");
		} else if ((v->ticket = malloc(len))) {
			memcpy(v->ticket, tk, len);
			v->ticket_len = len;
			ticket_send(v);
		} else {
			ta_vuln_set(v->job.t, TA_VP_TICKETBLEED, TA_VS_COULD_NOT_TEST,
			            "out of memory");
		}
		return;
	}
	i = (r->tag >> 8) & 0xf;
	if (i >= TICKET_TRIES)
		return;
	n = strlen(v->ticket_how);
	if (r->outcome == TA_OUT_HELLO) {
		v->ticket_echo[i] =
		        r->sh.session_id_len == 32 && r->sh.session_id[0] == v->ticket_sid[i];
		snprintf(v->ticket_how + n, sizeof v->ticket_how - n,
		         "%sa session id of %u bytes%s", n ? "; " : "", r->sh.session_id_len,
		         r->sh.session_id_len == 1 && r->sh.session_id[0] == v->ticket_sid[i]
		                 ? " (ours, echoed: resumed)"
		         : v->ticket_echo[i] ? " starting with ours"
		                             : "");
	} else {
		char how[48];

		ta_vuln_answer_text(r, how, sizeof how);
		snprintf(v->ticket_how + n, sizeof v->ticket_how - n, "%s%s", n ? "; " : "", how);
	}
	if (--v->ticket_left == 0)
		ticket_verdict(v);
}
