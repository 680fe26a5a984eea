/*
 * A profile's rules as a policy (confgen.h): what to enable, from the
 * rules' lists and limits (docs/profiles.md), and for every rule whether
 * a configuration sets it, the library meets it on its own, or only the
 * certificate, DNS or the application can.
 *
 * The choices, for each list kind: enable what the profile lists as
 * required, good, allowed or sufficient, in the profile's order (good
 * first); never what it only tolerates, phases out or forbids.  Groups: the
 * ones a rule requires (required, required_any) when it names any, else
 * the listed ones.  A library that lacks an item (a group OpenSSL 3.0 does
 * not have) drops it with a note.
 */
#include <stdio.h>
#include <string.h>

#include "confgen/confgen.h"

unsigned long
cg_vernum(const char *s)
{
	unsigned long part[3] = {0, 0, 0};
	size_t i = 0;

	if (!s || *s < '0' || *s > '9')
		return 0;
	while (*s && i < 3) {
		if (*s >= '0' && *s <= '9') {
			if (part[i] > 99999)
				return 0;
			part[i] = part[i] * 10 + (unsigned long)(*s - '0');
		} else if (*s == '.') {
			i++;
		} else {
			break; /* "1.1.1w", "3.0.11-1~deb12u2" */
		}
		s++;
	}
	return part[0] * 1000000000ul + part[1] * 100000ul + part[2];
}

const struct ta_suite *
cg_suite_by_name(const char *iana)
{
	for (size_t i = 0; i < ta_suites_count; i++)
		if (strcmp(ta_suites[i].iana, iana) == 0)
			return &ta_suites[i];
	return NULL;
}

const struct ta_sigscheme *
cg_sig_by_name(const char *iana)
{
	for (size_t i = 0; i < ta_sigschemes_count; i++)
		if (strcmp(ta_sigschemes[i].iana, iana) == 0)
			return &ta_sigschemes[i];
	return NULL;
}

static const char *const vnames[] = {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

bool
cg_has(const struct cg_policy *pol, const char *version)
{
	int i = ta_ver_index(version);

	return i >= 0 && (pol->versions & (1u << i));
}

const char *
cg_vmin(const struct cg_policy *pol)
{
	for (size_t i = 0; i < sizeof vnames / sizeof vnames[0]; i++)
		if (cg_has(pol, vnames[i]))
			return vnames[i];
	return NULL;
}

const char *
cg_vmax(const struct cg_policy *pol)
{
	for (size_t i = sizeof vnames / sizeof vnames[0]; i-- > 0;)
		if (cg_has(pol, vnames[i]))
			return vnames[i];
	return NULL;
}

/* The items a rule enables, in order: good, allowed, sufficient, then the
 * required ones not yet there. */
static size_t
wanted(const struct ta_rule *ru, const char **out, size_t cap, bool with_required)
{
	const struct strlist *ls[] = {&ru->lv[LV_GOOD], &ru->lv[LV_ALLOWED], &ru->lv[LV_SUFFICIENT],
	                              with_required ? &ru->required : NULL};
	size_t n = 0;

	for (size_t l = 0; l < sizeof ls / sizeof ls[0]; l++) {
		if (!ls[l])
			continue;
		for (size_t i = 0; i < ls[l]->n; i++) {
			bool dup = false;

			for (size_t j = 0; j < n; j++)
				dup = dup || strcmp(out[j], ls[l]->v[i]) == 0;
			if (!dup && n < cap)
				out[n++] = ls[l]->v[i];
		}
	}
	return n;
}

static bool
listed(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void
set_how(struct cg_policy *pol, size_t i, enum cg_how how, const char *fmt, const char *arg)
{
	pol->how[i] = how;
	snprintf(pol->why[i], sizeof pol->why[i], fmt, arg ? arg : "");
}

static void
versions(struct cg_policy *pol, const struct ta_rule *ru)
{
	const char *v[16];
	size_t n = wanted(ru, v, 16, true);

	pol->v13_permitted = n == 0 || listed(&ru->lv[LV_TOLERATED], "TLSv1.3") ||
	                     (ru->other == TA_VERDICT_PASS);
	for (size_t i = 0; i < n; i++)
		pol->v13_permitted = pol->v13_permitted || strcmp(v[i], "TLSv1.3") == 0;

	pol->versions = 0;
	for (size_t i = 0; i < n; i++) {
		int k = ta_ver_index(v[i]);

		if (k >= 0)
			pol->versions |= 1u << k;
	}
}

static void
suites(struct cg_policy *pol, const struct ta_rule *ru)
{
	const char *v[CG_MAX_SUITES];
	size_t n = wanted(ru, v, CG_MAX_SUITES, true);
	bool t13 = ru->vmask & CG_V("TLSv1.3");

	if (t13) {
		pol->s13_set = true;
		for (size_t i = 0; i < n; i++) {
			const struct ta_suite *s = cg_suite_by_name(v[i]);

			if (s && (s->flags & TA_SUITE_TLS13) && pol->n13x < CG_MAX_SUITES)
				pol->s13x[pol->n13x++] = s;
		}
		for (size_t i = 0; i < ru->lv[LV_TOLERATED].n; i++) {
			const struct ta_suite *s = cg_suite_by_name(ru->lv[LV_TOLERATED].v[i]);

			if (s && (s->flags & TA_SUITE_TLS13) && pol->n13x < CG_MAX_SUITES)
				pol->s13x[pol->n13x++] = s;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct ta_suite *s = cg_suite_by_name(v[i]);
		bool is13;

		if (!s)
			continue;
		is13 = s->flags & TA_SUITE_TLS13;
		if (is13 && t13 && pol->n13 < CG_MAX_SUITES)
			pol->s13[pol->n13++] = s;
		else if (!is13 && (ru->vmask & ~CG_V("TLSv1.3")) && pol->n12 < CG_MAX_SUITES) {
			bool dup = false;

			for (size_t j = 0; j < pol->n12; j++)
				dup = dup || pol->s12[j] == s;
			if (!dup)
				pol->s12[pol->n12++] = s;
		}
	}
}

/* The OpenSSL and GnuTLS versions that have a group, by kind and name. */
static bool
lib_has_group(const struct cg_ctx *c, const struct ta_group *g)
{
	if (c->lib == CG_OPENSSL) {
		if (!g->openssl)
			return false;
		if (g->kind == TA_GROUP_HYBRID || g->kind == TA_GROUP_KEM)
			return c->lib_ver >= cg_vernum("3.5");
		if (strstr(g->iana, "tls13"))
			return c->lib_ver >= cg_vernum("3.2");
		if (g->kind == TA_GROUP_ECX)
			return c->lib_ver >= cg_vernum(g->bits == 255 ? "1.1.0" : "1.1.1");
		return g->kind == TA_GROUP_EC || g->kind == TA_GROUP_FFDHE;
	}
	/* GnuTLS: the NIST curves, X25519/X448, the RFC 7919 groups; the
	 * X25519MLKEM768 hybrid from 3.8.9 (built with leancrypto) */
	if (strcmp(g->iana, "X25519MLKEM768") == 0)
		return c->lib_ver >= cg_vernum("3.8.9");
	if (g->kind == TA_GROUP_FFDHE || g->kind == TA_GROUP_ECX)
		return c->lib_ver >= cg_vernum("3.6.0");
	return strcmp(g->iana, "secp256r1") == 0 || strcmp(g->iana, "secp384r1") == 0 ||
	       strcmp(g->iana, "secp521r1") == 0 || strcmp(g->iana, "secp192r1") == 0 ||
	       strcmp(g->iana, "secp224r1") == 0;
}

static void
groups(struct cg_ctx *c, const struct ta_rule *ru, size_t ri)
{
	struct cg_policy *pol = &c->pol;
	const char *v[CG_MAX_GROUPS], *dropped[CG_MAX_GROUPS];
	size_t n = 0, nd = 0;

	/* what the rule requires, when it names anything as required */
	for (size_t i = 0; i < ru->required.n && n < CG_MAX_GROUPS; i++)
		v[n++] = ru->required.v[i];
	for (size_t i = 0; i < ru->required_any.n && n < CG_MAX_GROUPS; i++)
		if (!listed(&ru->required, ru->required_any.v[i]))
			v[n++] = ru->required_any.v[i];
	if (n == 0)
		n = wanted(ru, v, CG_MAX_GROUPS, false);
	if (n == 0)
		return; /* nothing restricted: the library's default */
	pol->groups_set = true;
	for (size_t i = 0; i < n; i++) {
		const struct ta_group *g = ta_group_by_name(v[i]);

		if (g && lib_has_group(c, g))
			pol->groups[pol->ngroups++] = g;
		else
			dropped[nd++] = v[i];
	}
	if (nd) {
		char list[512] = "";

		for (size_t i = 0; i < nd; i++) {
			strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
			strncat(list, dropped[i], sizeof list - strlen(list) - 1);
		}
		cg_note(c, "%s %s has no %s: left out of the groups",
		        c->lib == CG_OPENSSL ? "OpenSSL" : "GnuTLS", c->lib_ver_s, list);
		if (pol->ngroups == 0)
			set_how(pol, ri, CG_CANNOT, "the library has none of the groups: %s", list);
	}
}

static void
sigschemes(struct cg_policy *pol, const struct ta_rule *ru)
{
	const char *v[CG_MAX_SIGS];
	size_t n;

	/* a rule that only asks for one of a list (other: pass) needs nothing */
	if (ru->lv[LV_ALLOWED].n + ru->lv[LV_GOOD].n + ru->lv[LV_SUFFICIENT].n == 0)
		return;
	n = wanted(ru, v, CG_MAX_SIGS, true);
	for (size_t i = 0; i < ru->required_any.n && n < CG_MAX_SIGS; i++)
		if (!listed(&ru->lv[LV_ALLOWED], ru->required_any.v[i]) &&
		    !listed(&ru->lv[LV_GOOD], ru->required_any.v[i]) &&
		    !listed(&ru->lv[LV_SUFFICIENT], ru->required_any.v[i]))
			v[n++] = ru->required_any.v[i];
	for (size_t i = 0; i < n && pol->nsigs < CG_MAX_SIGS; i++) {
		const struct ta_sigscheme *s = cg_sig_by_name(v[i]);

		if (s)
			pol->sigs[pol->nsigs++] = s;
	}
}

/* The DH group of the DHE suites: the first listed standard group we can
 * write, else the RFC 7919 group of at least min_bits. */
static void
dh(struct cg_policy *pol, const struct ta_rule *ru)
{
	static const struct {
		const char *name;
		int bits;
	} known[] = {{"ffdhe2048", 2048},    {"ffdhe3072", 3072},    {"ffdhe4096", 4096},
	             {"ffdhe6144", 6144},    {"ffdhe8192", 8192},    {"rfc3526-2048", 2048},
	             {"rfc3526-3072", 3072}, {"rfc3526-4096", 4096}, {"rfc3526-6144", 6144},
	             {"rfc3526-8192", 8192}};
	const struct strlist *ls[] = {&ru->lv[LV_GOOD], &ru->lv[LV_ALLOWED], &ru->lv[LV_SUFFICIENT],
	                              &ru->lv[LV_TOLERATED]};

	for (size_t l = 0; l < sizeof ls / sizeof ls[0]; l++)
		for (size_t i = 0; i < ls[l]->n; i++)
			for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
				if (strcmp(ls[l]->v[i], known[k].name) == 0 &&
				    (ru->min_bits < 0 || known[k].bits >= ru->min_bits)) {
					pol->dh = known[k].name;
					pol->dh_bits = known[k].bits;
					return;
				}
	for (size_t k = 0; k < 5; k++)
		if (ru->min_bits < 0 || known[k].bits >= ru->min_bits) {
			pol->dh = known[k].name;
			pol->dh_bits = known[k].bits;
			return;
		}
}

/* Handshake features: what the libraries do on their own (OpenSSL >= 1.1.0,
 * GnuTLS >= 3.6), and what needs the certificate's CA. */
static void
feature(struct cg_policy *pol, const struct ta_rule *ru, size_t ri)
{
	const char *f = ru->feature ? ru->feature->name : "";
	int expect = ru->expect >= 0 ? ru->expect : ru->fact ? ru->fact->good : -1;
	static const struct {
		const char *name;
		int value; /* what the libraries do by default */
	} lib[] = {
	        {"secure_renegotiation", 1},   {"fallback_scsv", 1}, {"compression", 0},
	        {"extended_master_secret", 1}, {"heartbeat", 0},     {"early_data", 0},
	        {"encrypt_then_mac", 1},
	};

	if (strcmp(f, "ocsp_stapling") == 0) {
		pol->ocsp = expect == 1;
		set_how(pol, ri, CG_CERT,
		        "OCSP stapling needs a certificate with an OCSP URL and its CA's "
		        "responder; "
		        "the configuration turns stapling on where the software can%s",
		        NULL);
		return;
	}
	for (size_t i = 0; i < sizeof lib / sizeof lib[0]; i++)
		if (strcmp(f, lib[i].name) == 0) {
			if (lib[i].value == expect)
				set_how(pol, ri, CG_LIBRARY, "the TLS library's default%s", NULL);
			else
				set_how(pol, ri, CG_CANNOT, "no directive for %s in this generator",
				        f);
			return;
		}
	set_how(pol, ri, CG_CANNOT, "%s is left to the software's default", f);
}

static const char *
cert_need(const struct ta_rule *ru, char *buf, size_t len)
{
	const struct strlist *l = ru->lv[LV_ALLOWED].n ? &ru->lv[LV_ALLOWED]
	                          : ru->lv[LV_GOOD].n  ? &ru->lv[LV_GOOD]
	                                               : &ru->lv[LV_SUFFICIENT];

	buf[0] = '\0';
	if (ru->min_bits >= 0)
		snprintf(buf, len, "at least %ld bits", ru->min_bits);
	else if (ru->max_days >= 0)
		snprintf(buf, len, "valid for at most %ld days", ru->max_days);
	else
		for (size_t i = 0; i < l->n; i++) {
			strncat(buf, i ? " or " : "one of: ", len - strlen(buf) - 1);
			strncat(buf, l->v[i], len - strlen(buf) - 1);
		}
	return buf;
}

void
cg_policy_build(struct cg_ctx *c, const struct ta_profile *p)
{
	struct cg_policy *pol = &c->pol;
	bool have_versions = false, have_dh = false;
	char need[200];

	memset(pol, 0, sizeof *pol);
	pol->p = p;
	pol->server_order = -1;
	pol->hsts = -1;
	pol->versions = CG_V("TLSv1.2") | CG_V("TLSv1.3");
	pol->v13_permitted = true;
	for (size_t i = 0; i < p->nrules && i < CG_MAX_RULES; i++) {
		const struct ta_rule *ru = &p->rules[i];
		const char *k = ru->kind->name;

		set_how(pol, i, CG_SET, "set%s", NULL);
		if (strcmp(k, "versions") == 0) {
			versions(pol, ru);
			have_versions = true;
		} else if (strcmp(k, "suites") == 0) {
			suites(pol, ru);
		} else if (strcmp(k, "groups") == 0) {
			groups(c, ru, i);
		} else if (strcmp(k, "sigschemes") == 0) {
			sigschemes(pol, ru);
		} else if (strcmp(k, "dh") == 0) {
			dh(pol, ru);
			have_dh = true;
		} else if (strcmp(k, "server_order") == 0) {
			pol->server_order = ru->expect == 1;
		} else if (strcmp(k, "hsts") == 0) {
			/* at least a year, as RFC 6797 12.1 and Qualys advise */
			pol->hsts = ru->min_age > 31536000 ? ru->min_age : 31536000;
			if (!c->sw->https)
				set_how(pol, i, CG_NA, "HSTS applies to HTTPS servers only%s",
				        NULL);
		} else if (strcmp(k, "feature") == 0) {
			feature(pol, ru, i);
		} else if (strncmp(k, "cert_", 5) == 0) {
			set_how(pol, i, CG_CERT, "only the certificate can satisfy it: %s",
			        cert_need(ru, need, sizeof need));
		} else if (strcmp(k, "https_redirect") == 0) {
			set_how(pol, i, c->sw->https ? CG_OUTSIDE : CG_NA,
			        c->sw->https ? "plain HTTP on port 80 must redirect to https://: a "
			                       "listener outside this TLS context%s"
			                     : "applies to HTTPS servers only%s",
			        NULL);
		} else if (strcmp(k, "csp") == 0) {
			set_how(pol, i, c->sw->https ? CG_OUTSIDE : CG_NA,
			        c->sw->https
			                ? "a Content-Security-Policy belongs to the application%s"
			                : "applies to HTTPS servers only%s",
			        NULL);
		} else if (strcmp(k, "caa") == 0) {
			set_how(pol, i, CG_OUTSIDE, "CAA records are published in DNS%s", NULL);
		} else {
			set_how(pol, i, CG_CANNOT, "rules of the kind %s are not generated", k);
		}
	}
	if (!have_versions)
		cg_note(c, "the profile has no versions rule: TLS 1.2 and 1.3");
	/* suites of versions not enabled stay out of the lists */
	if (!(pol->versions & ~CG_V("TLSv1.3")))
		pol->n12 = 0;
	if (!cg_has(pol, "TLSv1.3"))
		pol->n13 = 0;
	for (size_t i = 0; i < pol->n12; i++)
		if (pol->s12[i]->kx == TA_KX_DHE && !pol->dh) {
			if (!have_dh) { /* DHE without a dh rule: RFC 7919 ffdhe2048 */
				pol->dh = "ffdhe2048";
				pol->dh_bits = 2048;
			}
		}
	if (pol->dh) {
		bool dhe = false;

		for (size_t i = 0; i < pol->n12; i++)
			dhe = dhe || pol->s12[i]->kx == TA_KX_DHE;
		if (!dhe)
			pol->dh = NULL;
	}
}
