/*
 * Group eliminations: TLS 1.3 (the HelloRetryRequest names the server's
 * choice), TLS 1.2 curves (the ServerKeyExchange names the curve) and
 * RFC 7919 FFDHE groups in TLS 1.2 (a DHE handshake uses exactly that
 * prime).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/kinds.h"

/* Group windows: mbedTLS 2.28 reads only the first 11 or so curves it
 * knows from supported_groups and ignores the rest. */
#define GROUP_WINDOW 10

/* Curves no stack with a short read knows (binary and 160-bit curves,
 * explicit ones, GOST, SM2) do not count towards GROUP_WINDOW. */
static bool
group_counts(struct ta_elim *e, uint16_t id)
{
	const struct ta_group *g = ta_group_find(id);

	(void)e;
	return !(id < 18 || id == 0xff01 || id == 0xff02 ||
	         (g && (g->kind == TA_GROUP_GOST || g->kind == TA_GROUP_SM2)));
}

/* ---- groups in TLS 1.3: HelloRetryRequest names the choice ---- */

static int
build_groups13(struct ta_elim *e, const uint16_t *ids, size_t n, struct ta_wr *w)
{
	struct ta_hello h;
	uint16_t sigs[96];
	static const uint16_t v13[] = {TA_TLS13};

	ta_kind_base_hello(e, TA_TLS13, &h);
	h.suites = e->extra;
	h.nsuites = e->nextra;
	h.groups = ids;
	h.ngroups = n;
	h.nsigalgs = ta_list_sigalgs(sigs, 96, true);
	h.sigalgs = sigs;
	h.versions = v13;
	h.nversions = 1;
	h.key_share_ext = true; /* and empty */
	return ta_hello_write(&h, w);
}

static int
judge_groups13(struct ta_elim *e, const struct ta_response *r, uint16_t *id)
{
	struct ta_target *t = e->job.t;

	if (r->outcome == TA_OUT_HRR && r->sh.has_key_share) {
		t->res.hrr_seen = TA_YES;
		*id = r->sh.key_share_group;
		return TA_J_PICK;
	}
	if (r->outcome == TA_OUT_HELLO && r->sh.has_key_share && r->sh.version == TA_TLS13) {
		*id = r->sh.key_share_group; /* a share we never sent: odd, but a choice */
		return TA_J_PICK;
	}
	if (r->outcome == TA_OUT_ALERT && r->alert.desc == TA_ALERT_PROTOCOL_VERSION)
		return TA_J_FAIL;
	return ta_kind_judge_common(r);
}

static void
finish_groups(struct ta_elim *e, uint16_t *out, size_t *nout, int *order)
{
	struct ta_target *t = e->job.t;

	*nout = 0;
	for (size_t i = 0; i < e->nacc; i++)
		ta_u16_push(out, nout, TA_MAX_ACCEPT, e->acc[i]);
	if (order)
		*order = e->nacc >= 2 ? e->server_order : TA_UNKNOWN;
	if (e->mixed_order)
		ta_result_note(&t->res,
		               "%s %s: the server's choice follows neither an order of its own nor "
		               "the client's; listed in the client's order",
		               ta_ver_name(e->vidx), e->kind->name);
	if (e->incomplete)
		ta_result_note(&t->res, "%s: probing incomplete (%s)", e->kind->name,
		               e->last_detail ? e->last_detail : "no usable answer");
}

static void
finish_groups13(struct ta_elim *e)
{
	struct ta_target *t = e->job.t;

	finish_groups(e, t->g13, &t->ng13, &t->g13_order);
	t->g13_done = true;
}

const struct ta_elim_kind ta_kind_groups13 = {
        .name = "groups (TLS 1.3)",
        .window = GROUP_WINDOW,
        .counts = group_counts,
        .build = build_groups13,
        .judge = judge_groups13,
        .finish = finish_groups13,
};

/* ---- groups in TLS 1.2: the ServerKeyExchange names the curve ---- */

static int
build_groups12(struct ta_elim *e, const uint16_t *ids, size_t n, struct ta_wr *w)
{
	struct ta_hello h;
	uint16_t sigs[96];

	ta_kind_base_hello(e, e->version, &h);
	h.suites = e->extra;
	h.nsuites = e->nextra;
	h.groups = ids;
	h.ngroups = n;
	h.groups_empty_ext = true;
	if (e->version >= TA_TLS12) {
		h.nsigalgs = ta_list_sigalgs(sigs, 96, false);
		h.sigalgs = sigs;
	}
	return ta_hello_write(&h, w);
}

static int
judge_groups12(struct ta_elim *e, const struct ta_response *r, uint16_t *id)
{
	if (r->outcome == TA_OUT_HELLO) {
		if (r->has_ske && r->ske_kind == TA_SKE_ECDH && r->curve && !e->ordering &&
		    !ta_elim_offered(e, r->curve) && ta_u16_contains(e->acc, e->nacc, r->curve)) {
			/* wolfSSL uses a curve of its own when none offered fits:
			 * a refusal of the offer, and a finding (RFC 8422 5.1) */
			const struct ta_group *g = ta_group_find(r->curve);

			ta_result_note(&e->job.t->res,
			               "%s: offered only curves it does not support, the server "
			               "uses %s anyway (RFC 8422 5.1: it must not choose an ECDHE "
			               "suite then)",
			               ta_ver_name(e->vidx), g ? g->iana : "another curve");
			return TA_J_REJECT;
		}
		if (r->has_ske && r->ske_kind == TA_SKE_ECDH && r->curve) {
			*id = r->curve;
			return TA_J_PICK;
		}
		return TA_J_REJECT; /* fell back to something without ECDHE */
	}
	return ta_kind_judge_common(r);
}

static void
finish_groups12(struct ta_elim *e)
{
	struct ta_target *t = e->job.t;

	finish_groups(e, t->g12, &t->ng12, &t->g12_order);
}

const struct ta_elim_kind ta_kind_groups12 = {
        .name = "groups (TLS 1.2 ECDHE)",
        .window = GROUP_WINDOW,
        .counts = group_counts,
        .want = TA_WANT_SKE,
        .build = build_groups12,
        .judge = judge_groups12,
        .finish = finish_groups12,
};

/* ---- FFDHE negotiation in TLS 1.2 (RFC 7919) ---- */

static int
judge_ffdhe12(struct ta_elim *e, const struct ta_response *r, uint16_t *id)
{
	if (r->outcome == TA_OUT_HELLO) {
		struct ta_dh_seen d = {0};
		const struct ta_group *g;

		if (!r->has_ske || r->ske_kind != TA_SKE_DH)
			return TA_J_REJECT;
		ta_dh_classify(r->dh_p, r->dh_p_len, &d);
		g = ta_group_by_name(d.group);
		if (g && g->kind == TA_GROUP_FFDHE && (e->ordering || ta_elim_offered(e, g->id))) {
			*id = g->id;
			return TA_J_PICK;
		}
		/* its own prime, or a fixed FFDHE prime whatever was offered:
		 * nothing offered here was negotiated */
		return TA_J_REJECT;
	}
	return ta_kind_judge_common(r);
}

static void
finish_ffdhe12(struct ta_elim *e)
{
	struct ta_target *t = e->job.t;

	finish_groups(e, t->gff, &t->ngff, &t->gff_order);
}

const struct ta_elim_kind ta_kind_ffdhe12 = {
        .name = "FFDHE groups (TLS 1.2)",
        .want = TA_WANT_SKE,
        .build = build_groups12,
        .judge = judge_ffdhe12,
        .finish = finish_ffdhe12,
};
