/*
 * The policy as a TLS library's strings: OpenSSL's cipher string (TLS 1.2
 * and below), TLS 1.3 ciphersuites, groups and signature algorithms, as
 * SSL_CONF_cmd(3) takes them; and a GnuTLS priority string
 * (gnutls_priority_init(3)).
 *
 * OpenSSL names each suite, so its lists are the policy's.  GnuTLS enables
 * the product of the key exchanges, ciphers and MACs a priority string
 * names (and TLS 1.3 suites by the same ciphers), so a set of suites is not
 * always expressible: the string chosen is the largest product inside the
 * profile's suites, found by trying every subset of the components (a few
 * thousand), and what it leaves out is noted.
 */
#include <stdio.h>
#include <string.h>

#include "confgen/confgen.h"

static void
join(char *dst, size_t cap, const char *item, const char *sep)
{
	if (dst[0])
		strncat(dst, sep, cap - strlen(dst) - 1);
	strncat(dst, item, cap - strlen(dst) - 1);
}

/*
 * The TLS 1.2 and older suites GnuTLS 3.7 implements with certificates
 * (`gnutls-cli -l` on Debian 12, without PSK, SRP, anonymous and GOST):
 * the product of a priority string's components is taken over these.
 */
static const uint16_t gnutls_suites[] = {
        0x0001, 0x0002, 0x003B, 0x0005, 0x0004, 0x000A, 0x002F, 0x0035, 0x00BA, 0x00C0, 0x0041,
        0x0084, 0x003C, 0x003D, 0x009C, 0x009D, 0xC07A, 0xC07B, 0xC09C, 0xC09D, 0xC0A0, 0xC0A1,
        0x0066, 0x0013, 0x0032, 0x0038, 0x00BD, 0x00C3, 0x0044, 0x0087, 0x0040, 0x006A, 0x00A2,
        0x00A3, 0xC080, 0xC081, 0x0016, 0x0033, 0x0039, 0x00BE, 0x00C4, 0x0045, 0x0088, 0x0067,
        0x006B, 0x009E, 0x009F, 0xC07C, 0xC07D, 0xCCAA, 0xC09E, 0xC09F, 0xC0A2, 0xC0A3, 0xC010,
        0xC012, 0xC013, 0xC014, 0xC028, 0xC011, 0xC076, 0xC077, 0xC006, 0xC008, 0xC009, 0xC00A,
        0xC007, 0xC072, 0xC073, 0xC023, 0xC027, 0xC086, 0xC087, 0xC02B, 0xC02C, 0xC02F, 0xC030,
        0xC024, 0xC08A, 0xC08B, 0xCCA8, 0xCCA9, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF,
};
static const uint16_t gnutls_suites13[] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305};

/* GnuTLS's names of a suite's components; NULL when it has none. */
static const char *
gt_kx(const struct ta_suite *s)
{
	if (s->kx == TA_KX_ECDHE && s->auth == TA_AUTH_ECDSA)
		return "ECDHE-ECDSA";
	if (s->kx == TA_KX_ECDHE && s->auth == TA_AUTH_RSA)
		return "ECDHE-RSA";
	if (s->kx == TA_KX_DHE && s->auth == TA_AUTH_RSA)
		return "DHE-RSA";
	if (s->kx == TA_KX_DHE && s->auth == TA_AUTH_DSS)
		return "DHE-DSS";
	if (s->kx == TA_KX_RSA)
		return "RSA";
	return NULL;
}

static const char *
gt_cipher(const struct ta_suite *s)
{
	bool b256 = s->bits == 256;

	switch (s->cipher) {
	case TA_CIPHER_AES_GCM:
		return b256 ? "AES-256-GCM" : "AES-128-GCM";
	case TA_CIPHER_AES_CBC:
		return b256 ? "AES-256-CBC" : "AES-128-CBC";
	case TA_CIPHER_AES_CCM:
		return b256 ? "AES-256-CCM" : "AES-128-CCM";
	case TA_CIPHER_AES_CCM_8:
		return b256 ? "AES-256-CCM-8" : "AES-128-CCM-8";
	case TA_CIPHER_CAMELLIA_CBC:
		return b256 ? "CAMELLIA-256-CBC" : "CAMELLIA-128-CBC";
	case TA_CIPHER_CAMELLIA_GCM:
		return b256 ? "CAMELLIA-256-GCM" : "CAMELLIA-128-GCM";
	case TA_CIPHER_CHACHA20_POLY1305:
		return "CHACHA20-POLY1305";
	case TA_CIPHER_3DES:
		return "3DES-CBC";
	case TA_CIPHER_RC4:
		return "ARCFOUR-128";
	case TA_CIPHER_NULL:
		return "NULL";
	default:
		return NULL;
	}
}

static const char *
gt_mac(const struct ta_suite *s)
{
	static const char *const names[] = {
	        [TA_MAC_AEAD] = "AEAD",     [TA_MAC_MD5] = "MD5",       [TA_MAC_SHA1] = "SHA1",
	        [TA_MAC_SHA256] = "SHA256", [TA_MAC_SHA384] = "SHA384",
	};

	return s->mac < sizeof names / sizeof names[0] ? names[s->mac] : NULL;
}

static const char *
gt_group(const struct ta_group *g)
{
	static const struct {
		const char *iana, *gnutls;
	} t[] = {{"secp256r1", "GROUP-SECP256R1"},
	         {"secp384r1", "GROUP-SECP384R1"},
	         {"secp521r1", "GROUP-SECP521R1"},
	         {"x25519", "GROUP-X25519"},
	         {"x448", "GROUP-X448"},
	         {"ffdhe2048", "GROUP-FFDHE2048"},
	         {"ffdhe3072", "GROUP-FFDHE3072"},
	         {"ffdhe4096", "GROUP-FFDHE4096"},
	         {"ffdhe6144", "GROUP-FFDHE6144"},
	         {"ffdhe8192", "GROUP-FFDHE8192"},
	         {"secp192r1", "GROUP-SECP192R1"},
	         {"secp224r1", "GROUP-SECP224R1"},
	         {"X25519MLKEM768", "GROUP-X25519-MLKEM768"}};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].iana, g->iana) == 0)
			return t[i].gnutls;
	return NULL;
}

/* GnuTLS names of a signature scheme (some code points have two). */
static const char *
gt_sign(const struct ta_sigscheme *s)
{
	static const struct {
		uint16_t id;
		const char *gnutls;
	} t[] = {{0x0401, "SIGN-RSA-SHA256"},
	         {0x0501, "SIGN-RSA-SHA384"},
	         {0x0601, "SIGN-RSA-SHA512"},
	         {0x0201, "SIGN-RSA-SHA1"},
	         {0x0403, "SIGN-ECDSA-SHA256:+SIGN-ECDSA-SECP256R1-SHA256"},
	         {0x0503, "SIGN-ECDSA-SHA384:+SIGN-ECDSA-SECP384R1-SHA384"},
	         {0x0603, "SIGN-ECDSA-SHA512:+SIGN-ECDSA-SECP521R1-SHA512"},
	         {0x0804, "SIGN-RSA-PSS-RSAE-SHA256"},
	         {0x0805, "SIGN-RSA-PSS-RSAE-SHA384"},
	         {0x0806, "SIGN-RSA-PSS-RSAE-SHA512"},
	         {0x0809, "SIGN-RSA-PSS-SHA256"},
	         {0x080A, "SIGN-RSA-PSS-SHA384"},
	         {0x080B, "SIGN-RSA-PSS-SHA512"},
	         {0x0807, "SIGN-EDDSA-ED25519"},
	         {0x0808, "SIGN-EDDSA-ED448"}};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].id == s->id)
			return t[i].gnutls;
	return NULL;
}

#define GT_MAXC 16 /* distinct components of one kind */

struct comps {
	const char *v[GT_MAXC];
	size_t n;
};

static int
comp_index(struct comps *c, const char *name, bool add)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], name) == 0)
			return (int)i;
	if (!add || c->n == GT_MAXC)
		return -1;
	c->v[c->n] = name;
	return (int)c->n++;
}

static bool
in_policy(const struct ta_suite *const *v, size_t n, const struct ta_suite *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == s)
			return true;
	return false;
}

/* The GnuTLS priority string: the largest product of components inside the
 * policy's suites. */
static void
gnutls_priority(struct cg_ctx *c)
{
	const struct cg_policy *pol = &c->pol;
	struct comps kx = {0}, ci = {0}, mac = {0};
	unsigned long best = 0, bestscore = 0, nbox;
	bool t12 = pol->n12 > 0, t13 = cg_has(pol, "TLSv1.3");
	char *p = c->priority;
	size_t cap = sizeof c->priority;

	p[0] = '\0';

	for (size_t i = 0; i < pol->n12; i++) {
		const char *k = gt_kx(pol->s12[i]), *e = gt_cipher(pol->s12[i]),
		           *m = gt_mac(pol->s12[i]);

		if (k && e && m) {
			comp_index(&kx, k, true);
			comp_index(&ci, e, true);
			comp_index(&mac, m, true);
		}
	}
	for (size_t i = 0; t13 && i < pol->n13; i++) {
		const char *e = gt_cipher(pol->s13[i]);

		if (e)
			comp_index(&ci, e, true);
	}
	if (t13)
		comp_index(&mac, "AEAD", true);
	if (kx.n + ci.n + mac.n > 20) {
		cg_note(c, "too many components for a GnuTLS priority string");
		return;
	}
	nbox = 1ul << (kx.n + ci.n + mac.n);
	for (unsigned long b = 1; b < nbox; b++) {
		unsigned long score = 0;
		bool ok = true, any12 = false, any13 = false;

		for (size_t i = 0; ok && t12 && i < sizeof gnutls_suites / sizeof gnutls_suites[0];
		     i++) {
			const struct ta_suite *s = ta_suite_find(gnutls_suites[i]);
			int k, e, m;

			if (!s || !gt_kx(s) || !gt_cipher(s) || !gt_mac(s))
				continue;
			k = comp_index(&kx, gt_kx(s), false);
			e = comp_index(&ci, gt_cipher(s), false);
			m = comp_index(&mac, gt_mac(s), false);
			if (k < 0 || e < 0 || m < 0 || !(b >> k & 1) || !(b >> (kx.n + e) & 1) ||
			    !(b >> (kx.n + ci.n + m) & 1))
				continue;
			if (!in_policy(pol->s12, pol->n12, s))
				ok = false;
			score++;
			any12 = true;
		}
		for (size_t i = 0; ok && t13 && i < 5; i++) {
			const struct ta_suite *s = ta_suite_find(gnutls_suites13[i]);
			int e = comp_index(&ci, gt_cipher(s), false);
			int m = comp_index(&mac, "AEAD", false);

			if (e < 0 || !(b >> (kx.n + e) & 1) || !(b >> (kx.n + ci.n + m) & 1))
				continue;
			if (!in_policy(pol->s13, pol->n13, s))
				ok = false;
			score++;
			any13 = true;
		}
		if (ok && (!t12 || any12) && (!t13 || any13) && score > bestscore) {
			best = b;
			bestscore = score;
		}
	}
	if (!best) {
		cg_note(c, "no GnuTLS priority string enables only the profile's suites");
		return;
	}
	snprintf(p, cap, "NORMAL:-VERS-ALL");
	for (int v = 5; v >= 1; v--) {
		static const char *const gv[] = {NULL,          "VERS-SSL3.0", "VERS-TLS1.0",
		                                 "VERS-TLS1.1", "VERS-TLS1.2", "VERS-TLS1.3"};

		if (pol->versions & (1u << v)) {
			join(p, cap, "+", ":");
			strncat(p, gv[v], cap - strlen(p) - 1);
		}
	}
	join(p, cap, "-KX-ALL", ":");
	for (size_t i = 0; i < kx.n; i++)
		if (best >> i & 1) {
			join(p, cap, "+", ":");
			strncat(p, kx.v[i], cap - strlen(p) - 1);
		}
	join(p, cap, "-CIPHER-ALL", ":");
	for (size_t i = 0; i < ci.n; i++)
		if (best >> (kx.n + i) & 1) {
			join(p, cap, "+", ":");
			strncat(p, ci.v[i], cap - strlen(p) - 1);
		}
	join(p, cap, "-MAC-ALL", ":");
	for (size_t i = 0; i < mac.n; i++)
		if (best >> (kx.n + ci.n + i) & 1) {
			join(p, cap, "+", ":");
			strncat(p, mac.v[i], cap - strlen(p) - 1);
		}
	if (pol->groups_set) {
		join(p, cap, "-GROUP-ALL", ":");
		for (size_t i = 0; i < pol->ngroups; i++)
			if (gt_group(pol->groups[i])) {
				join(p, cap, "+", ":");
				strncat(p, gt_group(pol->groups[i]), cap - strlen(p) - 1);
			}
		/* DHE with RFC 7919 negotiation takes the group from this list */
		bool dhe = false;

		for (size_t i = 0; i < kx.n; i++)
			dhe = dhe || ((best >> i & 1) && strncmp(kx.v[i], "DHE-", 4) == 0);
		if (dhe && pol->dh && strncmp(pol->dh, "ffdhe", 5) == 0) {
			char g[32];

			snprintf(g, sizeof g, "+GROUP-FFDHE%d", pol->dh_bits);
			if (!strstr(p, g))
				join(p, cap, g, ":");
		}
	}
	if (pol->nsigs) {
		join(p, cap, "-SIGN-ALL", ":");
		for (size_t i = 0; i < pol->nsigs; i++)
			if (gt_sign(pol->sigs[i])) {
				join(p, cap, "+", ":");
				strncat(p, gt_sign(pol->sigs[i]), cap - strlen(p) - 1);
			}
	}
	if (pol->server_order == 1)
		join(p, cap, "%SERVER_PRECEDENCE", ":");
	if (bestscore < pol->n12 + (t13 ? pol->n13 : 0)) {
		char left[1024] = "", none[1024] = "";

		for (size_t i = 0; i < pol->n12; i++) {
			const struct ta_suite *s = pol->s12[i];
			int k = gt_kx(s) ? comp_index(&kx, gt_kx(s), false) : -1;
			int e = gt_cipher(s) ? comp_index(&ci, gt_cipher(s), false) : -1;
			int m = gt_mac(s) ? comp_index(&mac, gt_mac(s), false) : -1;

			if (k < 0 || e < 0 || m < 0)
				join(none, sizeof none, s->iana, ", ");
			else if (!(best >> k & 1) || !(best >> (kx.n + e) & 1) ||
			         !(best >> (kx.n + ci.n + m) & 1))
				join(left, sizeof left, s->iana, ", ");
		}
		for (size_t i = 0; t13 && i < pol->n13; i++) {
			int e = gt_cipher(pol->s13[i])
			                ? comp_index(&ci, gt_cipher(pol->s13[i]), false)
			                : -1;

			if (e < 0 || !(best >> (kx.n + e) & 1))
				join(left, sizeof left, pol->s13[i]->iana, ", ");
		}
		if (none[0])
			cg_note(c, "GnuTLS has no %s", none);
		if (left[0])
			cg_note(c,
			        "GnuTLS enables every combination of the key exchanges, ciphers "
			        "and MACs it is given: left out to stay inside the profile: %s",
			        left);
	}
}

const char *
cg_ossl_group(const struct ta_group *g)
{
	/* the short names OpenSSL's object table has (Postfix looks them up) */
	if (strcmp(g->iana, "x25519") == 0)
		return "X25519";
	if (strcmp(g->iana, "x448") == 0)
		return "X448";
	if (strcmp(g->iana, "secp256r1") == 0)
		return "prime256v1";
	if (strcmp(g->iana, "secp192r1") == 0)
		return "prime192v1";
	return g->openssl;
}

void
cg_strings_build(struct cg_ctx *c)
{
	const struct cg_policy *pol = &c->pol;

	c->cipherlist[0] = c->ciphersuites[0] = c->groupslist[0] = c->sigalgs[0] = '\0';
	for (size_t i = 0; i < pol->n12; i++) {
		if (pol->s12[i]->openssl)
			join(c->cipherlist, sizeof c->cipherlist, pol->s12[i]->openssl, ":");
		else if (c->lib == CG_OPENSSL)
			cg_note(c, "OpenSSL has no %s: left out", pol->s12[i]->iana);
	}
	for (size_t i = 0; i < pol->n13; i++)
		join(c->ciphersuites, sizeof c->ciphersuites, pol->s13[i]->iana, ":");
	for (size_t i = 0; i < pol->ngroups; i++)
		join(c->groupslist, sizeof c->groupslist, cg_ossl_group(pol->groups[i]), ":");
	for (size_t i = 0; i < pol->nsigs; i++)
		join(c->sigalgs, sizeof c->sigalgs, pol->sigs[i]->iana, ":");
	if (c->lib == CG_GNUTLS)
		gnutls_priority(c);
}
