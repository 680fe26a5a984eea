/*
 * Signature scheme eliminations: TLS 1.2 (the ServerKeyExchange names the
 * scheme) and TLS 1.3 (full handshakes through OpenSSL: the
 * CertificateVerify names it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/kinds.h"
#include "probe/ossl.h"

/* Scheme windows: a server that reads only part of a long list (above)
 * would refuse schemes it never looked at. */
#define SIGALG_WINDOW 16

/* ---- signature schemes in TLS 1.2 ---- */

/* flag of the TLS 1.2 scheme hellos: accepted schemes of other classes
 * ride at the end (see reject_sigalgs12) */
#define SIG12_RIDERS 0x1u
#define MAX_RIDERS   4

static uint8_t klass_sigalgs(struct ta_elim *e, uint16_t id);

/* Accepted schemes of another class than ids[0..n): those a certificate
 * chain is most often signed with first. */
static size_t
sig_riders(struct ta_elim *e, const uint16_t *ids, size_t n, uint16_t *out)
{
	static const uint16_t chain_first[] = {0x0401, 0x0403, 0x0804, 0x0501, 0x0503, 0x0601};
	uint32_t classes = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		classes |= 1u << klass_sigalgs(e, ids[i]);
	classes &= ~1u;
	if (!classes)
		return 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < e->nacc && k < MAX_RIDERS; i++) {
			uint16_t a = e->acc[i];
			bool first = ta_u16_contains(chain_first,
			                             sizeof chain_first / sizeof chain_first[0], a);

			if (first == (pass == 0) && !(classes & (1u << klass_sigalgs(e, a))) &&
			    !ta_u16_contains(out, k, a))
				out[k++] = a;
		}
	return k;
}

/* The kind of certificate key a scheme class signs with. */
static uint8_t
scheme_cert_kind(uint8_t klass)
{
	switch (klass) {
	case 1:
	case 2:
		return TA_CERTK_RSA;
	case 3:
	case 4:
	case 5:
		return TA_CERTK_EC; /* EdDSA keys serve ECDHE_ECDSA suites too */
	case 6:
		return TA_CERTK_DSA;
	default:
		return TA_CERTK_NONE;
	}
}

/* The accepted signed-ServerKeyExchange suites a scheme hello offers: those
 * of the key its schemes need.  A server choosing DHE_RSA for a hello
 * listing only ECDSA schemes (JSSE) fails when it comes to sign. */
static size_t
suites_for_schemes(struct ta_elim *e, const uint16_t *ids, size_t n, uint16_t *out)
{
	uint8_t kind = TA_CERTK_NONE;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t ck = scheme_cert_kind(klass_sigalgs(e, ids[i]));

		if (ck == TA_CERTK_NONE)
			continue;
		if (kind != TA_CERTK_NONE && ck != kind) {
			kind = TA_CERTK_NONE; /* several kinds: every suite */
			break;
		}
		kind = ck;
	}
	for (size_t i = 0; kind != TA_CERTK_NONE && i < e->nextra; i++) {
		const struct ta_suite *s = ta_suite_find(e->extra[i]);

		if (s && ta_suite_cert_kind(s) == kind)
			out[k++] = e->extra[i];
	}
	if (k == 0) {
		memcpy(out, e->extra, e->nextra * sizeof *out);
		k = e->nextra;
	}
	return k;
}

/*
 * In TLS 1.2 the server's whole chain must be signed with schemes the
 * client lists (RFC 5246 7.4.1.4.1), and JSSE and Erlang enforce it: a
 * hello listing only ECDSA schemes is refused when the EC certificate was
 * signed with RSA.  So every hello also sends signature_algorithms_cert
 * with every scheme (RFC 8446 4.2.3 asks TLS 1.2 servers to honour it),
 * and a refused hello is offered once more with accepted schemes of other
 * classes riding at the end (Erlang reads only signature_algorithms for
 * an ECDSA key).  Choosing a rider, which cannot sign with the key the
 * candidates need, is a refusal of the candidates.
 */
static int
build_sigalgs12(struct ta_elim *e, const uint16_t *ids, size_t n, struct ta_wr *w)
{
	struct ta_hello h;
	uint16_t groups[96], list[TA_ELIM_WINDOW + MAX_RIDERS], cert[96], suites[TA_MAX_ACCEPT];

	e->built_flags = e->flags;
	e->flags = 0;
	ta_kind_base_hello(e, TA_TLS12, &h);
	h.nsuites = suites_for_schemes(e, ids, n, suites);
	h.suites = suites;
	h.ngroups = ta_target_groups12(e->job.t, groups, 96);
	h.groups = groups;
	memcpy(list, ids, n * sizeof *ids);
	h.nsigalgs = n;
	if (e->built_flags & SIG12_RIDERS)
		h.nsigalgs += sig_riders(e, ids, n, list + n);
	h.sigalgs = list;
	h.nsigalgs_cert = ta_list_sigalgs(cert, 96, false);
	h.sigalgs_cert = cert;
	return ta_hello_write(&h, w);
}

static int
reject_sigalgs12(struct ta_elim *e, const uint16_t *ids, size_t n)
{
	uint16_t r[MAX_RIDERS];

	if (!(e->built_flags & SIG12_RIDERS) && sig_riders(e, ids, n, r) > 0) {
		e->flags |= SIG12_RIDERS;
		return TA_R_RESEND;
	}
	return TA_R_DROP;
}

static int
judge_sigalgs12(struct ta_elim *e, const struct ta_response *r, uint16_t *id)
{
	if (r->outcome == TA_OUT_HELLO && r->has_ske && r->has_sigalg &&
	    (e->built_flags & SIG12_RIDERS) && !ta_elim_offered(e, r->sigalg) &&
	    ta_u16_contains(e->acc, e->nacc, r->sigalg))
		return TA_J_REJECT; /* a rider */
	if (r->outcome == TA_OUT_HELLO) {
		if (r->has_ske && r->has_sigalg) {
			*id = r->sigalg;
			return TA_J_PICK;
		}
		return TA_J_REJECT;
	}
	return ta_kind_judge_common(r);
}

/* The schemes an elimination found: into its version's list and the union. */
static void
store_schemes(struct ta_elim *e, uint16_t *list, size_t *n, const char *what)
{
	struct ta_result *r = &e->job.t->res;

	for (size_t i = 0; i < e->nacc; i++) {
		ta_u16_push(r->sigschemes, &r->nsigschemes, TA_MAX_ACCEPT, e->acc[i]);
		ta_u16_push(list, n, 64, e->acc[i]);
	}
	if (e->incomplete)
		ta_result_note(r, "%s: probing incomplete (%s)", what,
		               e->last_detail ? e->last_detail : "no usable answer");
}

static void
finish_sigalgs12(struct ta_elim *e)
{
	struct ta_result *r = &e->job.t->res;

	r->sig12_tested = !e->incomplete;
	store_schemes(e, r->sig12, &r->nsig12, "signature schemes");
}

/*
 * The kind of key a signature scheme needs: a server with an RSA and an
 * ECDSA certificate picks one from the schemes a hello lists (HAProxy
 * takes the RSA one whenever an RSA PKCS#1 scheme is listed, even in TLS
 * 1.3 where it cannot sign with it), so schemes are eliminated by kind
 * (elim.h).  Rare families (GOST, SM2, ML-DSA) have no class.
 */
static uint8_t
klass_sigalgs(struct ta_elim *e, uint16_t id)
{
	(void)e;
	switch (id) {
	case 0x0804:
	case 0x0805:
	case 0x0806:
		return 1; /* rsa_pss_rsae: an RSA key */
	case 0x0809:
	case 0x080a:
	case 0x080b:
		return 2; /* rsa_pss_pss: an RSA-PSS key */
	case 0x0807:
		return 3;
	case 0x0808:
		return 4;
	case 0x081a:
	case 0x081b:
	case 0x081c:
		return 5; /* ECDSA over brainpool (TLS 1.3) */
	default:
		break;
	}
	if (id <= 0x06ff) {
		switch (id & 0xff) {
		case 1:
			return 1; /* rsa_pkcs1 */
		case 2:
			return 6; /* DSA */
		case 3:
			return 5; /* ECDSA */
		}
	}
	return 0;
}

const struct ta_elim_kind ta_kind_sigalgs12 = {
        .name = "signature schemes (TLS 1.2)",
        .klass = klass_sigalgs,
        .window = SIGALG_WINDOW,
        .want = TA_WANT_SKE,
        .build = build_sigalgs12,
        .judge = judge_sigalgs12,
        .on_reject = reject_sigalgs12,
        .finish = finish_sigalgs12,
};

/* ---- signature schemes in TLS 1.3: full handshakes through OpenSSL ---- */

static int
submit_sigalgs13(struct ta_elim *e, const uint16_t *ids, size_t n, ta_xchg_cb cb)
{
	char list[1024];
	size_t len = 0;
	struct ta_ossl_req req = {.min_version = TA_TLS13, .max_version = TA_TLS13};

	list[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct ta_sigscheme *s = ta_sigscheme_find(ids[i]);
		int k;

		if (!s)
			continue;
		k = snprintf(list + len, sizeof list - len, "%s%s", len ? ":" : "", s->iana);
		if (k < 0 || (size_t)k >= sizeof list - len)
			return TA_ENOSPC;
		len += (size_t)k;
	}
	req.sigalgs = list;
	return ta_xchg_submit_ossl(&e->job, &req, cb);
}

static int
judge_sigalgs13(struct ta_elim *e, const struct ta_response *r, uint16_t *id)
{
	(void)e;
	if (r->ossl && r->ossl_ok) {
		if (!r->ossl_sigscheme)
			return TA_J_FAIL;
		*id = r->ossl_sigscheme;
		return TA_J_PICK;
	}
	if (r->ossl && r->outcome == TA_OUT_ALERT)
		return TA_J_REJECT;
	return ta_kind_judge_common(r);
}

static void
finish_sigalgs13(struct ta_elim *e)
{
	struct ta_result *r = &e->job.t->res;

	e->job.t->sig13_done = true;
	r->sig13_tested = !e->incomplete;
	store_schemes(e, r->sig13, &r->nsig13, "TLS 1.3 signature schemes");
}

const struct ta_elim_kind ta_kind_sigalgs13 = {
        .name = "signature schemes (TLS 1.3)",
        .klass = klass_sigalgs,
        .window = SIGALG_WINDOW,
        .submit = submit_sigalgs13,
        .judge = judge_sigalgs13,
        .finish = finish_sigalgs13,
};
