/*
 * What the probe hellos offer: the candidate lists (suites per version,
 * groups, signature schemes, with the common ones first), the base of
 * every raw hello, and the judging of answers shared by every kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/kinds.h"
#include "probe/ossl.h"

const uint16_t ta_popular_suites[] = {
        0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009e, 0x009f, 0xccaa, 0xc0ad, 0xc0ac,
        0xc09f, 0xc09e, 0xc024, 0xc028, 0xc023, 0xc027, 0xc00a, 0xc014, 0xc009, 0xc013, 0x006b,
        0x0067, 0x0039, 0x0033, 0x009d, 0x009c, 0xc09d, 0xc09c, 0x003d, 0x003c, 0x0035, 0x002f,
        0xc012, 0xc008, 0x0016, 0x000a, 0x00a3, 0x00a2, 0x006a, 0x0040, 0x0038, 0x0032, 0x0013,
        0xc0af, 0xc0ae, 0xc0a3, 0xc0a2, 0xc0a1, 0xc0a0, 0xc073, 0xc072, 0xc077, 0xc076, 0x00c4,
        0x00be, 0x0088, 0x0045, 0x00c0, 0x00ba, 0x0084, 0x0041, 0x0005, 0x0004,
};
const size_t ta_npopular_suites = sizeof ta_popular_suites / sizeof ta_popular_suites[0];

/* Curves and groups in the order a modern client would list them. */
const uint16_t ta_preferred_groups[] = {29,     23,  30,  25,  24,  0x11ec, 0x11eb,
                                        0x11ed, 256, 257, 258, 259, 260};
const size_t ta_npreferred_groups = sizeof ta_preferred_groups / sizeof ta_preferred_groups[0];

size_t
ta_list_ec_groups(uint16_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < ta_npreferred_groups; i++) {
		const struct ta_group *g = ta_group_find(ta_preferred_groups[i]);

		if (g && (g->kind == TA_GROUP_EC || g->kind == TA_GROUP_ECX))
			ta_u16_push(out, &n, cap, g->id);
	}
	for (size_t i = 0; i < ta_groups_count; i++)
		if (ta_groups[i].kind == TA_GROUP_EC || ta_groups[i].kind == TA_GROUP_ECX)
			ta_u16_push(out, &n, cap, ta_groups[i].id);
	return n;
}

size_t
ta_list_tls13_groups(uint16_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < ta_npreferred_groups; i++)
		ta_u16_push(out, &n, cap, ta_preferred_groups[i]);
	for (size_t i = 0; i < ta_groups_count; i++)
		if (ta_groups[i].tls13)
			ta_u16_push(out, &n, cap, ta_groups[i].id);
	return n;
}

size_t
ta_list_ffdhe_groups(uint16_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < ta_groups_count; i++)
		if (ta_groups[i].kind == TA_GROUP_FFDHE)
			ta_u16_push(out, &n, cap, ta_groups[i].id);
	return n;
}

size_t
ta_target_groups12(const struct ta_target *t, uint16_t *out, size_t cap)
{
	size_t n = ta_list_ec_groups(out, cap);

	if (t->dhe_needs_ffdhe)
		n += ta_list_ffdhe_groups(out + n, cap - n);
	return n;
}

/* The schemes every hello lists first: one or more for each kind of key a
 * certificate can have.  wolfSSL reads only the first 19 entries of
 * signature_algorithms (WOLFSSL_MAX_SIGALGO) and refuses the hello when
 * none of those fits its key, so these must never be pushed back. */
const uint16_t ta_core_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
                                    0x0807, 0x0808, 0x0603, 0x0809, 0x0201, 0x0203, 0x0402, 0x0202};
const size_t ta_ncore_sigalgs = sizeof ta_core_sigalgs / sizeof ta_core_sigalgs[0];

size_t
ta_list_sigalgs(uint16_t *out, size_t cap, bool tls13)
{
	size_t n = 0;

	/* TLS 1.3 hellos list them all too: certificates may still be signed
	 * with PKCS#1 v1.5 or SHA-1 (RFC 8446 4.2.3) */
	for (size_t i = 0; i < ta_ncore_sigalgs; i++)
		ta_u16_push(out, &n, cap, ta_core_sigalgs[i]);
	for (size_t i = 0; i < ta_sigschemes_count; i++)
		if (!tls13 || ta_sigschemes[i].tls13)
			ta_u16_push(out, &n, cap, ta_sigschemes[i].id);
	return n;
}

/* Suites to try at a version.  Suites defined for TLS 1.2 only (SHA-256/384
 * PRF, AEAD) are left out below it unless all is set: some stacks accept
 * them there anyway (mbedTLS, wolfSSL), which --exhaustive shows. */
size_t
ta_list_suites(int vidx, uint16_t *out, size_t cap, bool all)
{
	size_t n = 0;
	bool tls13 = vidx == TA_V_TLS13;

	for (size_t pass = 0; pass < 2; pass++) {
		size_t count = pass == 0 ? ta_npopular_suites : ta_suites_count;

		for (size_t i = 0; i < count; i++) {
			const struct ta_suite *s =
			        pass == 0 ? ta_suite_find(ta_popular_suites[i]) : &ta_suites[i];

			if (!s || s->kx == TA_KX_SCSV || s->id > 0xffff)
				continue;
			if (tls13 != ((s->flags & TA_SUITE_TLS13) != 0))
				continue;
			if (vidx < TA_V_TLS12 && (s->flags & TA_SUITE_TLS12) && !all)
				continue;
			ta_u16_push(out, &n, cap, (uint16_t)s->id);
		}
	}
	return n;
}

/* TLS 1.3 schemes OpenSSL can offer (it signs nothing; it must only know
 * the names to put them in the hello and check the server's choice). */
size_t
ta_list_sigalgs13(uint16_t *out, size_t cap)
{
	static uint16_t cache[64];
	static size_t ncache;
	static bool done;
	uint16_t all[96];
	size_t n;

	if (!done) {
		done = true;
		n = ta_list_sigalgs(all, 96, true);
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

void
ta_kind_base_hello(struct ta_elim *e, uint16_t version, struct ta_hello *h)
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

int
ta_kind_judge_common(const struct ta_response *r)
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
