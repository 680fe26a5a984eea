/*
 * The probe plan for one endpoint: which elimination jobs run, what each
 * hello carries, how answers are judged, and how the results are stored.
 *
 *   suites(SSLv3 .. TLS 1.2)  elimination over every IANA suite, popular
 *                             suites first; no FFDHE group offered, so the
 *                             DHE answers show the server's own DH prime
 *   suites(TLS 1.3)           elimination over the TLS 1.3 suites
 *   ssl2                      one SSLv2 hello: the server lists what it has
 *   groups13                  empty key_share: the HelloRetryRequest names
 *                             the server's choice among the offered groups
 *   groups12                  ECDHE suites; the ServerKeyExchange names the
 *                             curve (groups not already found in TLS 1.3)
 *   ffdhe12                   DHE suites with only FFDHE groups (RFC 7919)
 *   sigalgs12                 signed ServerKeyExchange: the scheme chosen
 *
 * The TLS <= 1.2 suite hellos list the signature schemes and curves not
 * yet seen in a ServerKeyExchange first (the same sets, only reordered, so
 * no server chooses a different suite): a server that takes the client's
 * first acceptable one names a new one with every choice, and those become
 * the first choices of sigalgs12 and groups12.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "probe/elim.h"
#include "probe/ossl.h"

/* Most servers accept some of these: listing them first keeps accepted
 * suites in the first hello, which makes the server's order free to read. */
static const uint16_t popular_suites[] = {
        0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009e, 0x009f, 0xccaa, 0xc0ad, 0xc0ac,
        0xc09f, 0xc09e, 0xc024, 0xc028, 0xc023, 0xc027, 0xc00a, 0xc014, 0xc009, 0xc013, 0x006b,
        0x0067, 0x0039, 0x0033, 0x009d, 0x009c, 0xc09d, 0xc09c, 0x003d, 0x003c, 0x0035, 0x002f,
        0xc012, 0xc008, 0x0016, 0x000a, 0x00a3, 0x00a2, 0x006a, 0x0040, 0x0038, 0x0032, 0x0013,
        0xc0af, 0xc0ae, 0xc0a3, 0xc0a2, 0xc0a1, 0xc0a0, 0xc073, 0xc072, 0xc077, 0xc076, 0x00c4,
        0x00be, 0x0088, 0x0045, 0x00c0, 0x00ba, 0x0084, 0x0041, 0x0005, 0x0004,
};

/* Curves and groups in the order a modern client would list them. */
static const uint16_t preferred_groups[] = {29,     23,  30,  25,  24,  0x11ec, 0x11eb,
                                            0x11ed, 256, 257, 258, 259, 260};

static const int vcode[TA_NVER] = {TA_SSL2, TA_SSL3, TA_TLS10, TA_TLS11, TA_TLS12, TA_TLS13};

static void
push_unique(uint16_t *v, size_t *n, size_t cap, uint16_t x)
{
	if (*n < cap && !ta_u16_contains(v, *n, x))
		v[(*n)++] = x;
}

/* What the suite hellos of one version saw on the side (the job's ctx). */
#define SEEDS_MAX 32
struct suites_ctx {
	/* TLS <= 1.2: schemes and curves seen in a ServerKeyExchange */
	uint16_t sig_seen[64], curve_seen[64];
	size_t nsig_seen, ncurve_seen;
	/* ... and the lists the hello in flight offered them in */
	uint16_t sig_list[96], grp_list[96];
	size_t nsig_list, ngrp_list;
	/* each curve choice with the list it was chosen from (for the order) */
	struct {
		uint16_t id;
		uint16_t win[64];
		size_t nwin;
	} cseed[SEEDS_MAX];
	size_t ncseed;
	/* TLS 1.3: the group list of a hello offering every group */
	uint16_t g13_list[96];
	size_t ng13_list;
	/* TLS <= 1.2: the second pass over DHE suites with FFDHE groups */
	bool ffdhe_pass;
	bool dhe_needs_ffdhe; /* DHE was only accepted in that pass */
};

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

/* ---- lists offered in hellos ---- */

static size_t
ec_groups(uint16_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof preferred_groups / sizeof preferred_groups[0]; i++) {
		const struct ta_group *g = ta_group_find(preferred_groups[i]);

		if (g && (g->kind == TA_GROUP_EC || g->kind == TA_GROUP_ECX))
			push_unique(out, &n, cap, g->id);
	}
	for (size_t i = 0; i < ta_groups_count; i++)
		if (ta_groups[i].kind == TA_GROUP_EC || ta_groups[i].kind == TA_GROUP_ECX)
			push_unique(out, &n, cap, ta_groups[i].id);
	return n;
}

static size_t
tls13_groups(uint16_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof preferred_groups / sizeof preferred_groups[0]; i++)
		push_unique(out, &n, cap, preferred_groups[i]);
	for (size_t i = 0; i < ta_groups_count; i++)
		if (ta_groups[i].tls13)
			push_unique(out, &n, cap, ta_groups[i].id);
	return n;
}

static size_t
ffdhe_groups(uint16_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < ta_groups_count; i++)
		if (ta_groups[i].kind == TA_GROUP_FFDHE)
			push_unique(out, &n, cap, ta_groups[i].id);
	return n;
}

/* The schemes every hello lists first: one or more for each kind of key a
 * certificate can have.  wolfSSL reads only the first 19 entries of
 * signature_algorithms (WOLFSSL_MAX_SIGALGO) and refuses the hello when
 * none of those fits its key, so these must never be pushed back. */
static const uint16_t core_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501,
                                        0x0806, 0x0601, 0x0807, 0x0808, 0x0603, 0x0809,
                                        0x0201, 0x0203, 0x0402, 0x0202};
#define NCORE_SIGALGS (sizeof core_sigalgs / sizeof core_sigalgs[0])

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

/* Scheme windows: a server that reads only part of a long list (above)
 * would refuse schemes it never looked at. */
#define SIGALG_WINDOW 16

static size_t
all_sigalgs(uint16_t *out, size_t cap, bool tls13)
{
	size_t n = 0;

	/* TLS 1.3 hellos list them all too: certificates may still be signed
	 * with PKCS#1 v1.5 or SHA-1 (RFC 8446 4.2.3) */
	for (size_t i = 0; i < NCORE_SIGALGS; i++)
		push_unique(out, &n, cap, core_sigalgs[i]);
	for (size_t i = 0; i < ta_sigschemes_count; i++)
		if (!tls13 || ta_sigschemes[i].tls13)
			push_unique(out, &n, cap, ta_sigschemes[i].id);
	return n;
}

/* Suites to try at a version.  Suites defined for TLS 1.2 only (SHA-256/384
 * PRF, AEAD) are left out below it unless all is set: some stacks accept
 * them there anyway (mbedTLS, wolfSSL), which --exhaustive shows. */
static size_t
suite_candidates(int vidx, uint16_t *out, size_t cap, bool all)
{
	size_t n = 0;
	bool tls13 = vidx == TA_V_TLS13;

	for (size_t pass = 0; pass < 2; pass++) {
		size_t count = pass == 0 ? sizeof popular_suites / sizeof popular_suites[0]
		                         : ta_suites_count;

		for (size_t i = 0; i < count; i++) {
			const struct ta_suite *s =
			        pass == 0 ? ta_suite_find(popular_suites[i]) : &ta_suites[i];

			if (!s || s->kx == TA_KX_SCSV || s->id > 0xffff)
				continue;
			if (tls13 != ((s->flags & TA_SUITE_TLS13) != 0))
				continue;
			if (vidx < TA_V_TLS12 && (s->flags & TA_SUITE_TLS12) && !all)
				continue;
			push_unique(out, &n, cap, (uint16_t)s->id);
		}
	}
	return n;
}

size_t
ta_list_ec_groups(uint16_t *out, size_t cap)
{
	return ec_groups(out, cap);
}

size_t
ta_list_tls13_groups(uint16_t *out, size_t cap)
{
	return tls13_groups(out, cap);
}

size_t
ta_list_sigalgs(uint16_t *out, size_t cap, bool tls13)
{
	return all_sigalgs(out, cap, tls13);
}

/* ---- hello building ---- */

/* flags of the TLS 1.3 suite hellos */
#define S13_ALL_GROUPS 0x1u /* offer every group, not just the unknown ones */
#define S13_SHARES     0x2u /* send real key shares */
/* flags of the TLS <= 1.2 suite hellos (kept from hello to hello) */
#define S12_FFDHE 0x4u /* offer the RFC 7919 FFDHE groups too */

static void
base_hello(struct ta_elim *e, uint16_t version, struct ta_hello *h)
{
	struct ta_target *t = e->job.t;

	memset(h, 0, sizeof *h);
	ta_random(h->random, sizeof h->random);
	h->version = version >= TA_TLS13 ? TA_TLS12 : version;
	if (version == TA_SSL3) {
		h->no_extensions = true;
		h->scsv_reneg = true;
		return;
	}
	h->sni = t->sni[0] ? t->sni : NULL;
	h->ec_point_formats = true;
	h->reneg_info = version < TA_TLS13;
	h->pad_to = 512; /* RFC 7685: hellos of 256..511 bytes upset some servers */
	if (version >= TA_TLS13) {
		/* a random session id: middlebox compatibility mode, RFC 8446 D.4 */
		h->session_id_len = 32;
		ta_random(h->session_id, 32);
		h->psk_modes = true;
	}
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

	base_hello(e, e->version, &h);
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
			h.ngroups = tls13_groups(groups, 96);
			h.groups = groups;
			e->built_flags |= S13_ALL_GROUPS;
			if (!(e->built_flags & S13_SHARES))
				g13_test_order(t, groups, h.ngroups);
		}
		if (c) {
			c->ng13_list = h.ngroups < 96 ? h.ngroups : 96;
			memcpy(c->g13_list, h.groups, c->ng13_list * sizeof *h.groups);
		}
		h.nsigalgs = all_sigalgs(sigs, 96, true);
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
	h.ngroups = ec_groups(groups, 96);
	if (e->built_flags & S12_FFDHE)
		h.ngroups += ffdhe_groups(groups + h.ngroups, 96 - h.ngroups);
	h.groups = groups;
	if (e->version >= TA_TLS12) {
		h.nsigalgs = all_sigalgs(sigs, 96, false);
		h.sigalgs = sigs;
	}
	if (c) {
		/* what was not seen yet first: the same sets, reordered, but the
		 * common curves stay in front (see GROUP_WINDOW) */
		size_t ncore = 0;

		while (ncore < h.ngroups &&
		       ta_u16_contains(preferred_groups,
		                       sizeof preferred_groups / sizeof preferred_groups[0],
		                       groups[ncore]))
			ncore++;
		seen_last(groups, ncore, c->curve_seen, c->ncurve_seen);
		seen_last(groups + ncore, h.ngroups - ncore, c->curve_seen, c->ncurve_seen);
		c->ngrp_list = h.ngroups;
		memcpy(c->grp_list, groups, h.ngroups * sizeof *groups);
		/* the core schemes stay in front (see core_sigalgs) */
		ncore = 0;
		while (ncore < h.nsigalgs &&
		       ta_u16_contains(core_sigalgs, NCORE_SIGALGS, sigs[ncore]))
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
judge_alert(const struct ta_response *r)
{
	switch (r->alert.desc) {
	case TA_ALERT_PROTOCOL_VERSION:
		return TA_J_NOVERSION;
	case TA_ALERT_DECODE_ERROR:
	case 22: /* record_overflow */
		return TA_J_FAIL;
	default: /* handshake_failure, insufficient_security ... */
		return TA_J_REJECT;
	}
}

static int
judge_common(const struct ta_response *r)
{
	switch (r->outcome) {
	case TA_OUT_ALERT:
		return judge_alert(r);
	case TA_OUT_CONNECT:
		return TA_J_UNREACHABLE;
	default:
		return TA_J_FAIL;
	}
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
		return judge_common(r);
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
	return judge_common(r);
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
		struct ta_dh_seen d;

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
		push_unique(c->sig_seen, &c->nsig_seen, 64, r->sigalg);
	if (r->ske_kind == TA_SKE_ECDH && r->curve &&
	    ta_u16_contains(c->grp_list, c->ngrp_list, r->curve)) {
		bool same = false;

		push_unique(c->curve_seen, &c->ncurve_seen, 64, r->curve);
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

	return suite_candidates(vidx, all, TA_MAX_ACCEPT, true) -
	       suite_candidates(vidx, all, TA_MAX_ACCEPT, false);
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
 * be (no certificate, or a kind accepted) are offered once more with the
 * FFDHE groups.
 */
static bool
refill_suites(struct ta_elim *e)
{
	struct suites_ctx *c = e->ctx;
	uint32_t kinds = 1u << TA_CERTK_NONE;

	if (!c || c->ffdhe_pass || e->version < TA_TLS10 || e->version >= TA_TLS13 ||
	    e->incomplete || e->noversion || e->stopped_early || e->nacc == 0)
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
		else if (ta_u16_contains(popular_suites,
		                         sizeof popular_suites / sizeof popular_suites[0],
		                         ids[i]) ||
		         s->kx == TA_KX_DH_ANON || s->kx == TA_KX_ECDH_ANON ||
		         (cert_kx(s->kx) && (auths & (1u << s->auth))) ||
		         (kxauth[s->kx] & (1u << s->auth)))
			out[i] = TA_ELIM_LIKELY;
		else
			out[i] = TA_ELIM_UNLIKELY;
	}
}

static const struct ta_elim_kind kind_suites = {
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

static const struct ta_elim_kind kind_suites13 = {
        .name = "suites",
        .build = build_suites,
        .judge = judge_suites,
        .observe = observe_suites13,
        .on_reject = reject_suites13,
        .rank = rank_suites,
        .finish = finish_suites,
};

/* ---- groups in TLS 1.3: HelloRetryRequest names the choice ---- */

static int
build_groups13(struct ta_elim *e, const uint16_t *ids, size_t n, struct ta_wr *w)
{
	struct ta_hello h;
	uint16_t sigs[96];
	static const uint16_t v13[] = {TA_TLS13};

	base_hello(e, TA_TLS13, &h);
	h.suites = e->extra;
	h.nsuites = e->nextra;
	h.groups = ids;
	h.ngroups = n;
	h.nsigalgs = all_sigalgs(sigs, 96, true);
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
	return judge_common(r);
}

static void
finish_groups(struct ta_elim *e, uint16_t *out, size_t *nout, int *order)
{
	struct ta_target *t = e->job.t;

	*nout = 0;
	for (size_t i = 0; i < e->nacc; i++)
		push_unique(out, nout, TA_MAX_ACCEPT, e->acc[i]);
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

static const struct ta_elim_kind kind_groups13 = {
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

	base_hello(e, e->version, &h);
	h.suites = e->extra;
	h.nsuites = e->nextra;
	h.groups = ids;
	h.ngroups = n;
	h.groups_empty_ext = true;
	if (e->version >= TA_TLS12) {
		h.nsigalgs = all_sigalgs(sigs, 96, false);
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
	return judge_common(r);
}

static void
finish_groups12(struct ta_elim *e)
{
	struct ta_target *t = e->job.t;

	finish_groups(e, t->g12, &t->ng12, &t->g12_order);
}

static const struct ta_elim_kind kind_groups12 = {
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
		struct ta_dh_seen d;
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
	return judge_common(r);
}

static void
finish_ffdhe12(struct ta_elim *e)
{
	struct ta_target *t = e->job.t;

	finish_groups(e, t->gff, &t->ngff, &t->gff_order);
}

static const struct ta_elim_kind kind_ffdhe12 = {
        .name = "FFDHE groups (TLS 1.2)",
        .want = TA_WANT_SKE,
        .build = build_groups12,
        .judge = judge_ffdhe12,
        .finish = finish_ffdhe12,
};

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
	base_hello(e, TA_TLS12, &h);
	h.nsuites = suites_for_schemes(e, ids, n, suites);
	h.suites = suites;
	h.ngroups = ec_groups(groups, 96);
	h.groups = groups;
	memcpy(list, ids, n * sizeof *ids);
	h.nsigalgs = n;
	if (e->built_flags & SIG12_RIDERS)
		h.nsigalgs += sig_riders(e, ids, n, list + n);
	h.sigalgs = list;
	h.nsigalgs_cert = all_sigalgs(cert, 96, false);
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
	return judge_common(r);
}

/* The schemes an elimination found: into its version's list and the union. */
static void
store_schemes(struct ta_elim *e, uint16_t *list, size_t *n, const char *what)
{
	struct ta_result *r = &e->job.t->res;

	for (size_t i = 0; i < e->nacc; i++) {
		push_unique(r->sigschemes, &r->nsigschemes, TA_MAX_ACCEPT, e->acc[i]);
		push_unique(list, n, 64, e->acc[i]);
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

static const struct ta_elim_kind kind_sigalgs12 = {
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
	return judge_common(r);
}

static void
finish_sigalgs13(struct ta_elim *e)
{
	struct ta_result *r = &e->job.t->res;

	e->job.t->sig13_done = true;
	r->sig13_tested = !e->incomplete;
	store_schemes(e, r->sig13, &r->nsig13, "TLS 1.3 signature schemes");
}

static const struct ta_elim_kind kind_sigalgs13 = {
        .name = "signature schemes (TLS 1.3)",
        .klass = klass_sigalgs,
        .window = SIGALG_WINDOW,
        .submit = submit_sigalgs13,
        .judge = judge_sigalgs13,
        .finish = finish_sigalgs13,
};

/* TLS 1.3 schemes OpenSSL can offer (it signs nothing; it must only know
 * the names to put them in the hello and check the server's choice). */
static size_t
sigalgs13_candidates(uint16_t *out, size_t cap)
{
	static uint16_t cache[64];
	static size_t ncache;
	static bool done;
	uint16_t all[96];
	size_t n;

	if (!done) {
		done = true;
		n = all_sigalgs(all, 96, true);
		for (size_t i = 0; i < n && ncache < 64; i++) {
			const struct ta_sigscheme *s = ta_sigscheme_find(all[i]);

			if (s && ta_ossl_sigalg_usable(s->iana))
				cache[ncache++] = all[i];
		}
	}
	n = ncache < cap ? ncache : cap;
	memcpy(out, cache, n * sizeof *out);
	return n;
}

/* ---- SSLv2: one hello, the server lists its kinds ---- */

struct ssl2_job {
	struct ta_job job;
};

static void
ssl2_on_answer(struct ta_job *job, const struct ta_response *r)
{
	struct ta_ver_result *v = &job->t->res.ver[TA_V_SSL2];

	v->tested = true;
	v->server_order = TA_UNKNOWN;
	v->chacha_priority = TA_UNKNOWN;
	if (r->outcome == TA_OUT_SSL2) {
		v->offered = true;
		for (size_t i = 0; i < r->nssl2_kinds && v->nsuites < TA_MAX_ACCEPT; i++)
			v->suites[v->nsuites++] = r->ssl2_kinds[i];
		if (r->nssl2_kinds == 0)
			ta_result_note(&job->t->res,
			               "SSLv2: the server speaks SSLv2 but offers no cipher");
	} else if (r->outcome == TA_OUT_TIMEOUT) {
		v->incomplete = true;
	}
	job->t->v_done[TA_V_SSL2] = true;
	ta_job_finish(job);
}

static void
ssl2_start(struct ta_job *job)
{
	uint32_t kinds[TA_SSL2_MAX_KINDS];
	uint8_t challenge[16], buf[512];
	struct ta_wr w;
	size_t n = 0;

	for (size_t i = 0; i < ta_ssl2_suites_count && n < TA_SSL2_MAX_KINDS; i++)
		kinds[n++] = ta_ssl2_suites[i].id;
	ta_random(challenge, sizeof challenge);
	ta_wr_init(&w, buf, sizeof buf);
	if (ta_hello_write_ssl2(TA_SSL2, kinds, n, challenge, &w) != TA_OK ||
	    ta_xchg_submit(job, buf, w.len, 0, ssl2_on_answer) != TA_OK) {
		job->t->res.ver[TA_V_SSL2].incomplete = true;
		ta_job_finish(job);
	}
}

static void
ssl2_free(struct ta_job *job)
{
	free(job);
}

static const struct ta_job_ops ssl2_ops = {"ssl2", ssl2_start, ssl2_free};

/* ---- planning ---- */

static struct ta_elim *
new_elim(struct ta_target *t, const struct ta_elim_kind *kind, int vidx, uint16_t version,
         const uint16_t *cand, size_t n, bool order, const uint16_t *extra, size_t nextra)
{
	struct ta_elim *e = ta_elim_new(kind, vidx, version, cand, n, order);

	if (!e) {
		ta_result_note(&t->res, "%s: out of memory", kind->name);
		return NULL;
	}
	if (extra && nextra) {
		memcpy(e->extra, extra, nextra * sizeof *extra);
		e->nextra = nextra;
	}
	e->chacha_test = kind == &kind_suites || kind == &kind_suites13;
	if (e->chacha_test)
		e->ctx = calloc(1, sizeof(struct suites_ctx)); /* NULL: no side facts */
	snprintf(e->job.label, sizeof e->job.label, "%s %s", kind->name, ta_ver_name(vidx));
	return e;
}

static void
add_elim(struct ta_target *t, const struct ta_elim_kind *kind, int vidx, uint16_t version,
         const uint16_t *cand, size_t n, bool order, const uint16_t *extra, size_t nextra)
{
	struct ta_elim *e = new_elim(t, kind, vidx, version, cand, n, order, extra, nextra);

	if (e)
		ta_target_add_job(t, &e->job);
}

/* The side facts of a version's suite hellos (NULL when there are none). */
static const struct suites_ctx *
suites_ctx_of(const struct ta_target *t, int vidx)
{
	for (const struct ta_job *j = t->jobs; j; j = j->next) {
		const struct ta_elim *e = (const struct ta_elim *)j;

		if (ta_job_is_elim(j) && e->kind == &kind_suites && e->vidx == vidx)
			return e->ctx;
	}
	return NULL;
}

void
ta_plan_start(struct ta_target *t)
{
	uint16_t cand[TA_MAX_ACCEPT];
	struct ta_job *j;
	size_t n;

	t->res.groups_server_order = TA_UNKNOWN;
	t->res.hrr_seen = TA_UNKNOWN;
	t->g13_order = t->g12_order = t->gff_order = TA_UNKNOWN;
	t->res.groups13.vidx = t->res.groups12.vidx = -1;
	t->res.groups13.server_order = t->res.groups12.server_order = TA_UNKNOWN;
	for (int i = 0; i < TA_NVER; i++) {
		t->res.ver[i].server_order = TA_UNKNOWN;
		t->res.ver[i].chacha_priority = TA_UNKNOWN;
	}
	t->ng13_rem = t->ng13_all = tls13_groups(t->g13_rem, TA_MAX_ACCEPT);
	/* hold the target open while the first jobs are being added */
	t->jobs_live++;
	n = suite_candidates(TA_V_TLS13, cand, TA_MAX_ACCEPT, true);
	add_elim(t, &kind_suites13, TA_V_TLS13, TA_TLS13, cand, n, true, NULL, 0);
	n = suite_candidates(TA_V_TLS12, cand, TA_MAX_ACCEPT, true);
	add_elim(t, &kind_suites, TA_V_TLS12, TA_TLS12, cand, n, true, NULL, 0);
	j = calloc(1, sizeof *j);
	if (j) {
		j->ops = &ssl2_ops;
		ta_target_add_job(t, j);
	}
	t->jobs_live--;
	if (t->jobs_live == 0 && !t->finished) {
		t->finished = true;
		ta_plan_finish(t);
		t->scan->targets_live--;
	}
}

/* Versions below TLS 1.2, once TLS 1.2 is known: what it accepts goes first. */
static void
start_lower(struct ta_target *t)
{
	static const int lower[] = {TA_V_TLS11, TA_V_TLS10, TA_V_SSL3};
	const struct ta_ver_result *v12 = &t->res.ver[TA_V_TLS12];

	for (size_t i = 0; i < sizeof lower / sizeof lower[0]; i++) {
		int v = lower[i];
		uint16_t cand[TA_MAX_ACCEPT], rest[TA_MAX_ACCEPT], known[TA_MAX_ACCEPT];
		size_t n = 0, nk = 0,
		       nr = suite_candidates(v, rest, TA_MAX_ACCEPT, t->scan->cfg.exhaustive);
		struct ta_elim *e;

		for (size_t k = 0; k < v12->nsuites; k++)
			if (ta_u16_contains(rest, nr, (uint16_t)v12->suites[k]))
				known[nk++] = (uint16_t)v12->suites[k];
		for (size_t k = 0; k < nk; k++)
			cand[n++] = known[k];
		for (size_t k = 0; k < nr; k++)
			push_unique(cand, &n, TA_MAX_ACCEPT, rest[k]);
		e = new_elim(t, &kind_suites, v, (uint16_t)vcode[v], cand, n, true, known, nk);
		if (!e)
			continue;
		/* offered in the reverse of the order TLS 1.2 found them in (the
		 * report keeps that order without server order): a server
		 * choosing by its own order then shows it at once (a choice
		 * skips an accepted suite listed before it), one taking the
		 * client's first shows it on the last offer */
		for (size_t k = 0; k < nk; k++)
			e->cand[k] = known[nk - 1 - k];
		/* a server without DH parameters: DHE needs the FFDHE groups
		 * at every version */
		if (t->dhe_needs_ffdhe && v != TA_V_SSL3)
			e->flags |= S12_FFDHE;
		ta_target_add_job(t, &e->job);
	}
}

static bool
legacy_done(const struct ta_target *t)
{
	for (int v = TA_V_SSL3; v <= TA_V_TLS12; v++)
		if (!t->v_done[v])
			return false;
	return true;
}

/* Highest version up to TLS 1.2 that is offered, or -1. */
static int
best_legacy(const struct ta_target *t)
{
	for (int v = TA_V_TLS12; v >= TA_V_SSL3; v--)
		if (t->res.ver[v].offered)
			return v;
	return -1;
}

static size_t
suites_where(const struct ta_ver_result *v, bool (*pred)(const struct ta_suite *), uint16_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < v->nsuites && n < TA_MAX_ACCEPT; i++) {
		const struct ta_suite *s = ta_suite_find(v->suites[i]);

		if (s && pred(s))
			out[n++] = (uint16_t)s->id;
	}
	return n;
}

static bool
is_ecdhe(const struct ta_suite *s)
{
	return s->kx == TA_KX_ECDHE || s->kx == TA_KX_ECDH_ANON;
}

static bool
is_dhe(const struct ta_suite *s)
{
	return s->kx == TA_KX_DHE || s->kx == TA_KX_DH_ANON;
}

static bool
is_signed_ske(const struct ta_suite *s)
{
	return (s->kx == TA_KX_ECDHE || s->kx == TA_KX_DHE) &&
	       (s->auth == TA_AUTH_RSA || s->auth == TA_AUTH_ECDSA || s->auth == TA_AUTH_DSS);
}

void
ta_plan_after(struct ta_target *t, struct ta_job *job)
{
	uint16_t cand[TA_MAX_ACCEPT], extra[TA_MAX_ACCEPT];
	size_t n, nx;
	int best;

	(void)job;
	if (t->abort)
		return;
	if (t->v_done[TA_V_TLS13] && !t->g13_started) {
		t->g13_started = true;
		if (t->res.ver[TA_V_TLS13].offered) {
			const struct ta_ver_result *v = &t->res.ver[TA_V_TLS13];
			struct ta_elim *e;

			for (nx = 0; nx < v->nsuites; nx++)
				extra[nx] = (uint16_t)v->suites[nx];
			e = ta_elim_new(&kind_groups13, TA_V_TLS13, TA_TLS13, t->g13_rem,
			                t->ng13_rem, true);
			if (e) {
				uint16_t all[TA_MAX_ACCEPT];
				size_t na = tls13_groups(all, TA_MAX_ACCEPT);

				/* without server order, seeds and choices are
				 * reported in the order of the full list */
				(void)ta_elim_set_order(e, all, na);
				memcpy(e->extra, extra, nx * sizeof *extra);
				e->nextra = nx;
				for (size_t i = 0; i < t->ng13_seed; i++)
					ta_elim_seed(e, t->g13_seed[i], t->g13_seed_win[i],
					             t->g13_seed_nwin[i]);
				snprintf(e->job.label, sizeof e->job.label, "groups TLSv1.3");
				ta_target_add_job(t, &e->job);
			}
		} else {
			t->g13_done = true;
		}
	}
	if (t->v_done[TA_V_TLS13] && !t->sig13_started) {
		t->sig13_started = true;
		if (t->res.ver[TA_V_TLS13].offered) {
			n = sigalgs13_candidates(cand, TA_MAX_ACCEPT);
			add_elim(t, &kind_sigalgs13, TA_V_TLS13, TA_TLS13, cand, n, false, NULL, 0);
		}
	}
	if (t->v_done[TA_V_TLS12] && !t->lower_started) {
		t->lower_started = true;
		start_lower(t);
	}
	if (!legacy_done(t))
		return;
	if (t->v_done[TA_V_TLS13] && t->v_done[TA_V_SSL2] &&
	    (t->sig13_done || !t->res.ver[TA_V_TLS13].offered) && !t->features_started &&
	    !t->scan->cfg.no_features) {
		t->features_started = true;
		ta_features_start(t);
	}
	best = best_legacy(t);
	if (!t->legacy_started) {
		t->legacy_started = true;
		if (best == TA_V_TLS12 &&
		    (nx = suites_where(&t->res.ver[best], is_signed_ske, extra)) > 0) {
			const struct suites_ctx *c = suites_ctx_of(t, best);
			uint16_t all[TA_MAX_ACCEPT];
			size_t na = all_sigalgs(all, TA_MAX_ACCEPT, false);
			struct ta_elim *e;

			/* schemes the suite hellos saw are found already */
			n = 0;
			for (size_t i = 0; i < na; i++)
				if (!c || !ta_u16_contains(c->sig_seen, c->nsig_seen, all[i]))
					cand[n++] = all[i];
			e = new_elim(t, &kind_sigalgs12, best, TA_TLS12, cand, n, false, extra, nx);
			if (e) {
				(void)ta_elim_set_order(e, all, na);
				for (size_t i = 0; c && i < c->nsig_seen; i++)
					if (ta_u16_contains(all, na, c->sig_seen[i]))
						ta_elim_seed(e, c->sig_seen[i], &c->sig_seen[i], 1);
				ta_target_add_job(t, &e->job);
			}
		}
		if (best >= 0 && (nx = suites_where(&t->res.ver[best], is_dhe, extra)) > 0) {
			t->ffdhe_started = true;
			n = ffdhe_groups(cand, TA_MAX_ACCEPT);
			add_elim(t, &kind_ffdhe12, best, (uint16_t)vcode[best], cand, n, true,
			         extra, nx);
		}
	}
	if (t->g13_done && !t->g12_started) {
		t->g12_started = true;
		if (best >= 0 && (nx = suites_where(&t->res.ver[best], is_ecdhe, extra)) > 0) {
			const struct suites_ctx *c = suites_ctx_of(t, best);
			uint16_t all[TA_MAX_ACCEPT];
			size_t na = ec_groups(all, TA_MAX_ACCEPT);
			struct ta_elim *e;

			/* every curve, with its own order: servers choose curves in
			 * TLS 1.2 by other rules than groups in TLS 1.3 (MariaDB
			 * and Erlang follow the client in TLS 1.2 only).  Curves
			 * the suite hellos saw are found already, with the lists
			 * they were chosen from (ordering facts); those TLS 1.3
			 * accepted are offered first (likely to be accepted). */
			n = 0;
			for (int pass = 0; pass < 2; pass++)
				for (size_t i = 0; i < na; i++)
					if (ta_u16_contains(t->g13, t->ng13, all[i]) ==
					            (pass == 0) &&
					    (!c || !ta_u16_contains(c->curve_seen, c->ncurve_seen,
					                            all[i])))
						cand[n++] = all[i];
			e = new_elim(t, &kind_groups12, best, (uint16_t)vcode[best], cand, n, true,
			             extra, nx);
			if (e) {
				(void)ta_elim_set_order(e, all, na);
				for (size_t i = 0; c && i < c->ncseed; i++)
					if (ta_u16_contains(all, na, c->cseed[i].id))
						ta_elim_seed(e, c->cseed[i].id, c->cseed[i].win,
						             c->cseed[i].nwin);
				for (size_t i = 0; c && i < c->ncurve_seen; i++) {
					uint16_t g = c->curve_seen[i];

					if (ta_u16_contains(all, na, g) &&
					    !ta_u16_contains(e->acc, e->nacc, g))
						ta_elim_seed(e, g, &g, 1);
				}
				ta_target_add_job(t, &e->job);
			}
		}
	}
}

/* X.509 analysis of every served chain, against the name the client would
 * check: the SNI name, or the address for an address target. */
static void
analyse_chains(struct ta_target *t)
{
	struct ta_result *r = &t->res;

	if (!t->scan->certctx)
		return;
	for (size_t i = 0; i < r->nchains; i++) {
		struct ta_served_chain *sc = &r->chains[i];
		const uint8_t *der[TA_CHAIN_MAX_CERTS];
		struct ta_chain *ch = calloc(1, sizeof *ch);

		if (!ch)
			return;
		for (size_t k = 0; k < sc->n; k++)
			der[k] = sc->der + sc->off[k];
		if (ta_chain_analyse(t->scan->certctx, der, sc->len, sc->n,
		                     t->sni[0] ? t->sni : r->ip, ch) != TA_OK) {
			ta_result_note(r, "a certificate the server sent does not parse (%s)",
			               sc->how[0]);
			ta_chain_free(ch);
			free(ch);
			continue;
		}
		sc->analysis = ch;
	}
}

/* Two orders of one version (EC curves, FFDHE groups) or of two versions:
 * one answer when they agree, unknown when they do not. */
static int
same_order(int a, size_t na, int b, size_t nb)
{
	if (na < 2)
		return nb < 2 ? TA_UNKNOWN : b;
	if (nb < 2)
		return a;
	return a == b ? a : TA_UNKNOWN;
}

static void
finish_groups_result(struct ta_target *t)
{
	struct ta_result *r = &t->res;
	struct ta_version_groups *g13 = &r->groups13, *g12 = &r->groups12;

	g13->vidx = t->g13_started && t->res.ver[TA_V_TLS13].offered ? TA_V_TLS13 : -1;
	g13->n = 0;
	for (size_t i = 0; i < t->ng13; i++)
		push_unique(g13->groups, &g13->n, TA_MAX_ACCEPT, t->g13[i]);
	g13->server_order = g13->n >= 2 ? t->g13_order : TA_UNKNOWN;
	g12->vidx = t->g12_started || t->ffdhe_started ? best_legacy(t) : -1;
	g12->n = 0;
	for (size_t i = 0; i < t->ng12; i++)
		push_unique(g12->groups, &g12->n, TA_MAX_ACCEPT, t->g12[i]);
	for (size_t i = 0; i < t->ngff; i++)
		push_unique(g12->groups, &g12->n, TA_MAX_ACCEPT, t->gff[i]);
	g12->server_order = same_order(t->g12_order, t->ng12, t->gff_order, t->ngff);
	r->ngroups = 0;
	for (size_t i = 0; i < g13->n; i++)
		push_unique(r->groups, &r->ngroups, TA_MAX_ACCEPT, g13->groups[i]);
	for (size_t i = 0; i < g12->n; i++)
		push_unique(r->groups, &r->ngroups, TA_MAX_ACCEPT, g12->groups[i]);
	r->groups_tested = t->g13_done || t->g12_started;
	r->groups_server_order = same_order(g13->server_order, g13->n, g12->server_order, g12->n);
}

void
ta_plan_finish(struct ta_target *t)
{
	struct ta_result *r = &t->res;
	bool any = false;

	finish_groups_result(t);
	for (int v = 0; v < TA_NVER; v++)
		any |= r->ver[v].offered;
	r->ok = true;
	if (!any) {
		r->ok = false;
		if (t->abort_reason) {
			r->nnotes = 0; /* per-probe notes about a dead target are noise */
			snprintf(r->error, sizeof r->error, "%s", t->abort_reason);
		} else if (t->violation)
			snprintf(r->error, sizeof r->error,
			         "the server's answers break the protocol (%s)", t->violation);
		else if (t->outcomes[TA_OUT_CONNECT] && !t->outcomes[TA_OUT_ALERT] &&
		         !t->outcomes[TA_OUT_GARBAGE])
			snprintf(r->error, sizeof r->error, "cannot connect");
		else if (t->outcomes[TA_OUT_GARBAGE])
			snprintf(r->error, sizeof r->error, "no TLS server answered (%s)",
			         t->last_detail ? t->last_detail : "not TLS");
		else if (t->outcomes[TA_OUT_TIMEOUT] && !t->outcomes[TA_OUT_ALERT])
			snprintf(r->error, sizeof r->error, "no answer within the timeout");
		else if (t->outcomes[TA_OUT_ALERT])
			snprintf(r->error, sizeof r->error,
			         "the server refused every protocol version and suite offered");
		else if (!t->st_ops && !t->proto[0] && !t->scan->starttls[0] &&
		         (r->nnotes = 0) == 0) /* the per-version notes about closes are noise */
			snprintf(r->error, sizeof r->error,
			         "the server closed every connection without answering; if it "
			         "speaks TLS only after a STARTTLS dialogue where the client "
			         "speaks first, name it: HOST:PORT/ldap, /postgres, /xmpp ...");
		else
			snprintf(r->error, sizeof r->error,
			         "the server closed every connection without answering");
	} else if (t->abort_reason)
		ta_result_note(r, "probing stopped early: %s", t->abort_reason);
	analyse_chains(t);
	r->duration_ms = ta_loop_now(&t->scan->loop) - t->start_ms;
}
