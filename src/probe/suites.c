/*
 * Cipher suite eliminations (TLS 1.3, and SSLv3 to TLS 1.2): how their
 * hellos are built and judged, the certificate kind of each suite, the
 * second pass over DHE suites with FFDHE groups, and the shortcut below
 * TLS 1.2 (docs/probing.md).
 *
 * The TLS <= 1.2 suite hellos list the signature schemes and curves not
 * yet seen in a ServerKeyExchange first (the same sets, only reordered, so
 * no server chooses a different suite): a server that takes the client's
 * first acceptable one names a new one with every choice, and those become
 * the first choices of sigalgs12 and groups12.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/kinds.h"

/* Move the items of v[0..n) that are in seen[0..nseen) to the end (stable). */
static void
seen_last(uint16_t *v, size_t n, const uint16_t *seen, size_t nseen)
{
	uint16_t tmp[96];
	size_t k = 0;

	if (n > 96)
		return;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if (ta_u16_contains(seen, nseen, v[i]) == (pass == 1))
				tmp[k++] = v[i];
	memcpy(v, tmp, n * sizeof *v);
}

static bool
g13_seeded(const struct ta_target *t, uint16_t g)
{
	return ta_u16_contains(t->g13_seed, t->ng13_seed, g);
}

/* TLS 1.3 suite hellos offering every group: when the group choices seen so
 * far (seeds) show p chosen over an accepted a listed after it and do not
 * show the server's order yet, list a before p: a server with an order of
 * its own still names p, one taking the client's first names a.  The
 * groups job reads the answer from the seeds. */
static void
g13_test_order(const struct ta_target *t, uint16_t *g, size_t n)
{
	uint16_t a = 0, p = 0;
	bool pair = false;

	for (size_t i = 0; i < t->ng13_seed; i++) {
		const uint16_t *w = t->g13_seed_win[i];
		bool before = true;

		for (size_t k = 0; k < t->g13_seed_nwin[i]; k++) {
			if (w[k] == t->g13_seed[i]) {
				before = false;
			} else if (g13_seeded(t, w[k])) {
				if (before)
					return; /* a choice skipped it: server order */
				if (!pair) {
					pair = true;
					a = w[k];
					p = t->g13_seed[i];
				}
			}
		}
	}
	if (!pair || n > 96 || !ta_u16_contains(g, n, a) || !ta_u16_contains(g, n, p))
		return;
	uint16_t tmp[96];
	size_t k = 0;

	tmp[k++] = a;
	tmp[k++] = p;
	for (size_t i = 0; i < n; i++)
		if (g[i] != a && g[i] != p)
			tmp[k++] = g[i];
	memcpy(g, tmp, n * sizeof *g);
}

static int
build_suites(struct ta_elim *e, const uint16_t *ids, size_t n, struct ta_wr *w)
{
	struct ta_hello h;
	uint16_t groups[96], sigs[96];
	static const uint16_t v13[] = {TA_TLS13};
	struct suites_ctx *c = e->ctx;

	ta_kind_base_hello(e, e->version, &h);
	h.suites = ids;
	h.nsuites = n;
	if (e->version == TA_SSL3)
		return ta_hello_write(&h, w);
	if (e->version >= TA_TLS13) {
		struct ta_target *t = e->job.t;

		/* Offer only the groups not yet seen chosen, with no key share:
		 * each HelloRetryRequest names a suite and a group at once. */
		e->built_flags = e->flags;
		e->flags = 0;
		if (t->ng13_rem && !e->ordering && !(e->built_flags & S13_ALL_GROUPS)) {
			h.groups = t->g13_rem;
			h.ngroups = t->ng13_rem;
		} else {
			h.ngroups = ta_list_tls13_groups(groups, 96);
			h.groups = groups;
			e->built_flags |= S13_ALL_GROUPS;
			if (!(e->built_flags & S13_SHARES))
				g13_test_order(t, groups, h.ngroups);
		}
		if (c) {
			c->ng13_list = h.ngroups < 96 ? h.ngroups : 96;
			memcpy(c->g13_list, h.groups, c->ng13_list * sizeof *h.groups);
		}
		h.nsigalgs = ta_list_sigalgs(sigs, 96, true);
		h.sigalgs = sigs;
		h.versions = v13;
		h.nversions = 1;
		h.key_share_ext = true;
		if (e->built_flags & S13_SHARES) {
			/* for servers that refuse an empty key_share */
			static const uint16_t sg[] = {29, 23};
			static uint8_t share[2][160];

			for (size_t i = 0; i < 2; i++) {
				size_t slen;

				if (ta_keyshare_make(sg[i], share[i], sizeof share[i], &slen) ==
				    TA_OK)
					h.shares[h.nshares++] =
					        (struct ta_key_share){sg[i], share[i], slen};
			}
		}
		return ta_hello_write(&h, w);
	}
	e->built_flags = e->flags;
	h.ngroups = ta_list_ec_groups(groups, 96);
	if (e->built_flags & S12_FFDHE)
		h.ngroups += ta_list_ffdhe_groups(groups + h.ngroups, 96 - h.ngroups);
	h.groups = groups;
	if (e->version >= TA_TLS12) {
		h.nsigalgs = ta_list_sigalgs(sigs, 96, false);
		h.sigalgs = sigs;
	}
	if (c) {
		/* what was not seen yet first: the same sets, reordered, but the
		 * common curves stay in front (see GROUP_WINDOW) */
		size_t ncore = 0;

		while (ncore < h.ngroups &&
		       ta_u16_contains(ta_preferred_groups, ta_npreferred_groups, groups[ncore]))
			ncore++;
		seen_last(groups, ncore, c->curve_seen, c->ncurve_seen);
		seen_last(groups + ncore, h.ngroups - ncore, c->curve_seen, c->ncurve_seen);
		c->ngrp_list = h.ngroups;
		memcpy(c->grp_list, groups, h.ngroups * sizeof *groups);
		/* the core schemes stay in front (see ta_core_sigalgs) */
		ncore = 0;
		while (ncore < h.nsigalgs &&
		       ta_u16_contains(ta_core_sigalgs, ta_ncore_sigalgs, sigs[ncore]))
			ncore++;
		seen_last(sigs, ncore, c->sig_seen, c->nsig_seen);
		seen_last(sigs + ncore, h.nsigalgs - ncore, c->sig_seen, c->nsig_seen);
		c->nsig_list = h.nsigalgs;
		memcpy(c->sig_list, sigs, h.nsigalgs * sizeof *sigs);
	}
	return ta_hello_write(&h, w);
}

static bool
is_dhe_suite(uint16_t id)
{
	const struct ta_suite *s = ta_suite_find(id);

	return s && (s->kx == TA_KX_DHE || s->kx == TA_KX_DH_ANON || s->kx == TA_KX_DHE_PSK);
}

static int
judge_suites(struct ta_elim *e, const struct ta_response *r, uint16_t *id)
{
	if (e->version >= TA_TLS13) {
		if (r->outcome == TA_OUT_HRR || r->outcome == TA_OUT_HELLO) {
			if (r->sh.has_supported_versions && r->sh.version != TA_TLS13) {
				ta_result_note(&e->job.t->res,
				               "TLSv1.3: the server answered with version 0x%04x, "
				               "which was not offered",
				               r->sh.version);
				e->why = "the server answered with a version that was not offered";
				return TA_J_BROKEN;
			}
			if (r->sh.version != TA_TLS13)
				return TA_J_NOVERSION; /* a TLS 1.2 (or older) answer */
			*id = r->sh.suite;
			return TA_J_PICK;
		}
		if (r->outcome == TA_OUT_SSL2 || r->outcome == TA_OUT_SSL2_ERROR)
			return TA_J_NOVERSION;
		return ta_kind_judge_common(r);
	}
	if (r->outcome == TA_OUT_HELLO) {
		if (r->sh.version > e->version || (r->sh.version >> 8) != 3) {
			ta_result_note(&e->job.t->res,
			               "%s: the server answered with version 0x%04x, which was not "
			               "offered",
			               ta_ver_name(e->vidx), r->sh.version);
			e->why = "the server answered with a version that was not offered";
			return TA_J_BROKEN;
		}
		if (r->sh.version != e->version)
			return TA_J_NOVERSION;
		*id = r->sh.suite;
		return TA_J_PICK;
	}
	if (r->outcome == TA_OUT_HRR) {
		e->why = "a HelloRetryRequest to a hello that did not offer TLS 1.3";
		return TA_J_BROKEN;
	}
	if (r->outcome == TA_OUT_SSL2 || r->outcome == TA_OUT_SSL2_ERROR)
		return TA_J_NOVERSION;
	return ta_kind_judge_common(r);
}

static void
observe_suites(struct ta_elim *e, const struct ta_response *r)
{
	struct ta_target *t = e->job.t;
	struct suites_ctx *c = e->ctx;

	if (r->outcome != TA_OUT_HELLO || !r->has_ske)
		return;
	/* the server's own prime shows only when no FFDHE group was offered */
	if (r->ske_kind == TA_SKE_DH && r->dh_p_len && !(e->built_flags & S12_FFDHE)) {
		struct ta_dh_seen d = {0};

		ta_dh_classify(r->dh_p, r->dh_p_len, &d);
		if (t->res.dh.bits == 0 || d.bits < t->res.dh.bits)
			t->res.dh = d;
	}
	/* side facts for sigalgs12 and groups12, from answers that are what
	 * they should be: this version, a suite that was offered, a scheme or
	 * curve from the lists offered */
	if (!c || r->sh.version != e->version || !ta_elim_offered(e, r->sh.suite))
		return;
	if (c->ffdhe_pass && (e->built_flags & S12_FFDHE) && is_dhe_suite(r->sh.suite))
		c->dhe_needs_ffdhe = true;
	if (r->has_sigalg && e->version == TA_TLS12 &&
	    ta_u16_contains(c->sig_list, c->nsig_list, r->sigalg))
		ta_u16_push(c->sig_seen, &c->nsig_seen, 64, r->sigalg);
	if (r->ske_kind == TA_SKE_ECDH && r->curve &&
	    ta_u16_contains(c->grp_list, c->ngrp_list, r->curve)) {
		bool same = false;

		ta_u16_push(c->curve_seen, &c->ncurve_seen, 64, r->curve);
		if (c->ncseed > 0) {
			const size_t l = c->ncseed - 1;

			same = c->cseed[l].id == r->curve && c->cseed[l].nwin == c->ngrp_list &&
			       memcmp(c->cseed[l].win, c->grp_list,
			              c->ngrp_list * sizeof *c->grp_list) == 0;
		}
		if (!same && c->ncseed < SEEDS_MAX && c->ngrp_list <= 64) {
			c->cseed[c->ncseed].id = r->curve;
			c->cseed[c->ncseed].nwin = c->ngrp_list;
			memcpy(c->cseed[c->ncseed].win, c->grp_list,
			       c->ngrp_list * sizeof *c->grp_list);
			c->ncseed++;
		}
	}
}

/* Suites defined for TLS 1.2 only that a version below it does not try
 * without --exhaustive. */
static size_t
tls12_only_count(int vidx)
{
	uint16_t all[TA_MAX_ACCEPT];

	return ta_list_suites(vidx, all, TA_MAX_ACCEPT, true) -
	       ta_list_suites(vidx, all, TA_MAX_ACCEPT, false);
}

static void
finish_suites(struct ta_elim *e)
{
	struct ta_target *t = e->job.t;
	struct ta_ver_result *v = &t->res.ver[e->vidx];
	const struct suites_ctx *c = e->ctx;

	v->tested = true;
	v->offered = !e->noversion && e->nacc > 0;
	v->nsuites = e->nacc;
	for (size_t i = 0; i < e->nacc; i++)
		v->suites[i] = e->acc[i];
	v->server_order = e->nacc >= 2 ? e->server_order : TA_UNKNOWN;
	v->chacha_priority = e->chacha;
	v->incomplete = e->incomplete;
	if (e->mixed_order)
		ta_result_note(&t->res,
		               "%s: the server's choice of suite follows neither an order of its "
		               "own nor the client's; listed in the client's order",
		               ta_ver_name(e->vidx));
	if (e->incomplete)
		ta_result_note(&t->res, "%s: probing incomplete (%s)", ta_ver_name(e->vidx),
		               e->last_detail ? e->last_detail : "no usable answer");
	if (e->closed_is_reject) {
		t->closes_on_refusal = true;
		ta_result_note(&t->res,
		               "%s: the server closes the connection instead of sending an "
		               "alert when it accepts nothing offered",
		               ta_ver_name(e->vidx));
	}
	if (v->offered && e->vidx < TA_V_TLS12 && e->vidx > TA_V_SSL2 && !t->scan->cfg.exhaustive)
		ta_result_note(&t->res,
		               "%s: the %zu suites defined for TLS 1.2 only (SHA-256/384, GCM, "
		               "CCM, ChaCha20) were not tried; some servers accept them here "
		               "anyway (--exhaustive tries them)",
		               ta_ver_name(e->vidx), tls12_only_count(e->vidx));
	if (c && c->dhe_needs_ffdhe) {
		t->dhe_needs_ffdhe = true;
		ta_result_note(&t->res,
		               "%s: DHE suites are negotiated only when the client offers an RFC "
		               "7919 FFDHE group (the server has no DH parameters of its own)",
		               ta_ver_name(e->vidx));
	}
	t->v_done[e->vidx] = true;
}

static uint8_t
klass_suites(struct ta_elim *e, uint16_t id)
{
	const struct ta_suite *s = ta_suite_find(id);

	return s && e->version < TA_TLS13 ? ta_suite_cert_kind(s) : TA_CERTK_NONE;
}

/* A DHE suite accepted only in a hello offering FFDHE groups could not
 * have been chosen in a hello without them. */
static bool
comparable_suites(struct ta_elim *e, const struct ta_elim_pick *p, uint16_t other)
{
	const struct suites_ctx *c = e->ctx;

	return !(c && c->dhe_needs_ffdhe && !(p->flags & S12_FFDHE) && is_dhe_suite(other));
}

/*
 * Servers without DH parameters of their own (GnuTLS, since 3.6, without
 * a DH file) negotiate DHE only with a client offering an RFC 7919 group,
 * while servers with their own prime but FFDHE disabled must refuse DHE to
 * a client that offers only unknown FFDHE groups (RFC 7919 4).  So the
 * suite hellos offer no FFDHE group (which also shows the server's own
 * prime), and when no DHE suite was accepted, the DHE suites that could
 * be (no certificate, or a kind accepted; every one when nothing was
 * accepted: a server offering only DHE suites refuses every hello without
 * an FFDHE group) are offered once more with the FFDHE groups.
 */
static bool
refill_suites(struct ta_elim *e)
{
	struct suites_ctx *c = e->ctx;
	uint32_t kinds = e->nacc ? 1u << TA_CERTK_NONE : ~0u;

	if (!c || c->ffdhe_pass || e->version < TA_TLS10 || e->version >= TA_TLS13 ||
	    e->incomplete || e->noversion || e->stopped_early)
		return false;
	c->ffdhe_pass = true;
	for (size_t i = 0; i < e->nacc; i++) {
		if (is_dhe_suite(e->acc[i]))
			return false;
		kinds |= 1u << klass_suites(e, e->acc[i]);
	}
	for (size_t i = 0; i < e->norder0; i++) {
		uint16_t id = e->order0[i];

		if (is_dhe_suite(id) && (kinds & (1u << klass_suites(e, id))) &&
		    !ta_u16_contains(e->cand, e->ncand, id) && e->ncand < e->cand_cap)
			e->cand[e->ncand++] = id;
	}
	if (e->ncand == 0)
		return false;
	e->flags |= S12_FFDHE;
	return true;
}

/* Below TLS 1.2 the candidates start with the suites the server accepts in
 * TLS 1.2.  A server refusing those at this version refuses the version:
 * no TLS stack we know configures suites per version below TLS 1.2, so
 * the other suites are not tried unless the user asks (--exhaustive). */
static int
reject_lower(struct ta_elim *e, const uint16_t *ids, size_t n)
{
	struct ta_target *t = e->job.t;
	size_t known = 0;

	if (e->nacc > 0 || e->npicks > 0 || t->scan->cfg.exhaustive || e->ncand <= n ||
	    e->stopped_early)
		return TA_R_DROP;
	if (e->nextra == 0) {
		/* TLS 1.2 accepts nothing this version can use (AEAD or SHA-2
		 * suites only): by the same token it accepts nothing here */
		if (!t->res.ver[TA_V_TLS12].offered)
			return TA_R_DROP;
		ta_result_note(
		        &t->res,
		        "%s: not offered: TLS 1.2 accepts no suite it can use, and a hello with "
		        "%zu common suites was refused; %zu rarer ones and %zu for TLS 1.2 only "
		        "were not tried (--exhaustive tries them)",
		        ta_ver_name(e->vidx), n, e->ncand - n, tls12_only_count(e->vidx));
		return TA_R_STOP;
	}
	for (size_t i = 0; i < n; i++)
		if (ta_u16_contains(e->extra, e->nextra, ids[i]))
			known++;
	if (known == 0)
		return TA_R_DROP;
	ta_result_note(&t->res,
	               "%s: not offered: refused a hello with the %zu suites it accepts in TLS 1.2 "
	               "that it can use; %zu rarer ones and %zu for TLS 1.2 only were not tried "
	               "(--exhaustive tries them)",
	               ta_ver_name(e->vidx), known, e->ncand - n, tls12_only_count(e->vidx));
	return TA_R_STOP;
}

static bool
cert_kx(uint8_t kx)
{
	return kx == TA_KX_RSA || kx == TA_KX_RSA_EXPORT || kx == TA_KX_DHE || kx == TA_KX_ECDHE;
}

/*
 * How likely a suite is to be accepted, from what this version accepted so
 * far: accepted in TLS 1.2 (lower versions); then popular suites, anonymous
 * ones, those signed or decrypted with a certificate kind already seen
 * (RSA, ECDHE, DHE key exchange) and those of a key exchange and
 * authentication already seen; then the rest.  A server with one RSA
 * certificate thus gets its RSA suites together, whatever the registry
 * order (see elim.h: this changes how many hellos it takes, not what is
 * found).
 */
static void
rank_suites(struct ta_elim *e, const uint16_t *ids, size_t n, uint8_t *out)
{
	uint32_t auths = 0, kxauth[32] = {0};

	for (size_t i = 0; i < e->nacc; i++) {
		const struct ta_suite *s = ta_suite_find(e->acc[i]);

		if (!s || s->kx >= 32 || s->auth >= 32)
			continue;
		kxauth[s->kx] |= 1u << s->auth;
		if (cert_kx(s->kx))
			auths |= 1u << s->auth;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ta_suite *s = ta_suite_find(ids[i]);

		if (ta_u16_contains(e->extra, e->nextra, ids[i]))
			out[i] = TA_ELIM_KNOWN;
		else if (!s || s->kx >= 32 || s->auth >= 32)
			out[i] = TA_ELIM_UNLIKELY;
		else if (e->version >= TA_TLS13)
			out[i] = ids[i] >= 0x1301 && ids[i] <= 0x1303 ? TA_ELIM_LIKELY
			                                              : TA_ELIM_UNLIKELY;
		else if (ta_u16_contains(ta_popular_suites, ta_npopular_suites, ids[i]) ||
		         s->kx == TA_KX_DH_ANON || s->kx == TA_KX_ECDH_ANON ||
		         (cert_kx(s->kx) && (auths & (1u << s->auth))) ||
		         (kxauth[s->kx] & (1u << s->auth)))
			out[i] = TA_ELIM_LIKELY;
		else
			out[i] = TA_ELIM_UNLIKELY;
	}
}

const struct ta_elim_kind ta_kind_suites = {
        .name = "suites",
        .want = TA_WANT_SKE,
        .build = build_suites,
        .judge = judge_suites,
        .observe = observe_suites,
        .on_reject = reject_lower,
        .rank = rank_suites,
        .finish = finish_suites,
        .klass = klass_suites,
        .comparable = comparable_suites,
        .refill = refill_suites,
};

static void
g13_remove(struct ta_target *t, uint16_t id)
{
	for (size_t i = 0; i < t->ng13_rem; i++)
		if (t->g13_rem[i] == id) {
			memmove(t->g13_rem + i, t->g13_rem + i + 1,
			        (t->ng13_rem - i - 1) * sizeof *t->g13_rem);
			t->ng13_rem--;
			return;
		}
}

/* Keep a group choice and the list it was chosen from for the groups job. */
static void
g13_add_seed(struct ta_target *t, uint16_t g, const uint16_t *win, size_t n)
{
	if (t->ng13_seed >= 64 || n == 0)
		return;
	t->g13_seed_win[t->ng13_seed] = malloc(n * sizeof(uint16_t));
	if (!t->g13_seed_win[t->ng13_seed])
		return;
	memcpy(t->g13_seed_win[t->ng13_seed], win, n * sizeof(uint16_t));
	t->g13_seed_nwin[t->ng13_seed] = n;
	t->g13_seed[t->ng13_seed++] = g;
}

/* A suite hello's HelloRetryRequest also chose a group from the remaining
 * ones: keep that choice and its offer for the groups job. */
static void
observe_suites13(struct ta_elim *e, const struct ta_response *r)
{
	struct ta_target *t = e->job.t;
	struct suites_ctx *c = e->ctx;
	uint16_t g = r->sh.key_share_group;

	if ((r->outcome != TA_OUT_HRR && r->outcome != TA_OUT_HELLO) || !r->sh.has_key_share ||
	    r->sh.version != TA_TLS13)
		return;
	if (r->outcome == TA_OUT_HRR)
		t->res.hrr_seen = TA_YES;
	if (e->built_flags & S13_ALL_GROUPS) {
		if (e->pending_groups_check) {
			/* every group works where the remaining ones did not:
			 * none of the remaining groups is supported */
			e->pending_groups_check = false;
			t->ng13_rem = 0;
		}
		/* a choice among every group is an ordering fact too (and the
		 * answer to g13_test_order) */
		if (c && r->outcome == TA_OUT_HRR && !(e->built_flags & S13_SHARES) &&
		    ta_u16_contains(c->g13_list, c->ng13_list, g)) {
			g13_add_seed(t, g, c->g13_list, c->ng13_list);
			g13_remove(t, g);
		}
		return;
	}
	if (!ta_u16_contains(t->g13_rem, t->ng13_rem, g))
		return;
	g13_add_seed(t, g, t->g13_rem, t->ng13_rem);
	g13_remove(t, g);
}

static int
reject_suites13(struct ta_elim *e, const uint16_t *ids, size_t n)
{
	struct ta_target *t = e->job.t;

	(void)ids;
	(void)n;
	if (e->pair_sent && !(e->built_flags & S13_ALL_GROUPS) && t->ng13_rem < t->ng13_all) {
		/* two suites accepted before were offered with the remaining
		 * groups: it is the groups that are refused (TLS 1.3 chooses
		 * suite and group apart); offer every group */
		e->pending_groups_check = false;
		t->ng13_rem = 0;
		return TA_R_RESEND;
	}
	if (!(e->built_flags & S13_ALL_GROUPS) && t->ng13_rem < t->ng13_all) {
		/* maybe only the remaining groups were unacceptable: ask again
		 * with every group, which settles it */
		e->flags |= S13_ALL_GROUPS;
		e->pending_groups_check = true;
		return TA_R_RESEND;
	}
	e->pending_groups_check = false;
	if (e->nacc == 0 && !e->shares_tried) {
		e->shares_tried = true;
		e->flags |= S13_ALL_GROUPS | S13_SHARES;
		return TA_R_RESEND;
	}
	return TA_R_DROP;
}

const struct ta_elim_kind ta_kind_suites13 = {
        .name = "suites",
        .build = build_suites,
        .judge = judge_suites,
        .observe = observe_suites13,
        .on_reject = reject_suites13,
        .rank = rank_suites,
        .finish = finish_suites,
};
