/*
 * What every software emitter shares: which parts of the policy this
 * software and library version can express (from its capability table),
 * the notes for the parts it cannot, and the `openssl` and `gnutls`
 * "software": the library's strings alone.
 */
#include <string.h>

#include "confgen/confgen.h"

/* OpenSSL's TLS 1.3 suites when none are set (1.1.1 to 3.x). */
static const char *const openssl_default13[] = {
        "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"};

static bool
in13(const struct cg_policy *pol, const char *iana)
{
	for (size_t i = 0; i < pol->n13; i++)
		if (strcmp(pol->s13[i]->iana, iana) == 0)
			return true;
	return false;
}

void
cg_check_caps(struct cg_ctx *c)
{
	struct cg_policy *pol = &c->pol;

	for (int k = 0; k < CAP_N; k++)
		c->can[k] = cg_can(c, (enum cg_cap)k);
	/* only a lowest version: a library with TLS 1.3 offers it anyway */
	if (!c->can[CAP_MAXVER] && pol->versions && !cg_has(pol, "TLSv1.3") &&
	    c->lib_ver >= cg_vernum(c->lib == CG_OPENSSL ? "1.1.1" : "3.6.5")) {
		pol->versions |= CG_V("TLSv1.3");
		memcpy(pol->s13, pol->s13x, pol->n13x * sizeof pol->s13x[0]);
		pol->n13 = pol->n13x;
		cg_note(c, "%s %s can set only the lowest version: TLS 1.3 is offered too%s",
		        c->sw->name, c->sw_ver_s,
		        pol->v13_permitted ? " (the profile accepts it)" : "");
		if (!pol->v13_permitted)
			cg_cannot(c, "versions", 0, "this software cannot turn TLS 1.3 off");
	}
	if (cg_has(pol, "TLSv1.3") && pol->s13_set && !c->can[CAP_TLS13_SUITES]) {
		bool inside = true;

		for (size_t i = 0; i < 3; i++)
			inside = inside && in13(pol, openssl_default13[i]);
		if (c->lib == CG_OPENSSL && inside) {
			cg_note(c,
			        "%s %s cannot set the TLS 1.3 suites or their order: OpenSSL's "
			        "default ones (all in the profile) are used",
			        c->sw->name, c->sw_ver_s);
		} else {
			cg_note(c,
			        "%s %s cannot set the TLS 1.3 suites: the library's default ones "
			        "are used",
			        c->sw->name, c->sw_ver_s);
			cg_cannot(c, "suites", CG_V("TLSv1.3"),
			          "this software cannot choose the TLS 1.3 suites");
		}
	}
	if (pol->groups_set && pol->ngroups && !c->can[CAP_GROUPS]) {
		cg_note(c, "%s %s cannot set a list of key-exchange groups", c->sw->name,
		        c->sw_ver_s);
		cg_cannot(c, "groups", 0, "this software cannot choose the groups");
	}
	if (pol->nsigs && !c->can[CAP_SIGALGS]) {
		cg_note(c, "%s %s cannot choose the signature algorithms", c->sw->name,
		        c->sw_ver_s);
		cg_cannot(c, "sigschemes", 0, "this software cannot choose the signature schemes");
	}
	if (pol->server_order >= 0 && !c->can[CAP_ORDER]) {
		cg_note(c, "%s %s cannot choose between the server's and the client's suite order",
		        c->sw->name, c->sw_ver_s);
		cg_cannot(c, "server_order", 0, "this software cannot choose the suite order");
	}
	if (pol->dh && !c->can[CAP_DHPARAM] && c->lib == CG_GNUTLS) {
		cg_note(c,
		        "%s %s with GnuTLS loads no DH parameters: its DHE suites work only with "
		        "clients that offer an RFC 7919 group (%s)",
		        c->sw->name, c->sw_ver_s, pol->dh);
		cg_cannot(c, "dh", 0, "this software cannot load DH parameters");
	} else if (pol->dh && !c->can[CAP_DHPARAM]) {
		cg_note(c, "%s %s cannot load DH parameters: its DHE suites use the library's",
		        c->sw->name, c->sw_ver_s);
		cg_cannot(c, "dh", 0, "this software cannot load DH parameters");
	}
	if (pol->ocsp && !c->can[CAP_STAPLING])
		cg_cannot(c, "ocsp_stapling", 0, "this software cannot staple OCSP responses");
}

void
cg_dh_hint(struct cg_ctx *c)
{
	char group[32];

	if (!c->pol.dh)
		return;
	if (strncmp(c->pol.dh, "rfc3526-", 8) == 0)
		snprintf(group, sizeof group, "modp_%s", c->pol.dh + 8);
	else
		snprintf(group, sizeof group, "%s", c->pol.dh);
	cg_comment(c, "DH parameters for the DHE suites (%s): make dhparam.pem with", c->pol.dh);
	cg_comment(c,
	           "  openssl genpkey -genparam -algorithm DH -pkeyopt group:%s -out dhparam.pem",
	           group);
}

/* `--software openssl`: the strings as SSL_CONF_cmd(3) (and an
 * openssl.cnf section) take them. */
static void
openssl_strings(struct cg_ctx *c)
{
	const struct cg_policy *pol = &c->pol;
	const char *lo = cg_vmin(pol), *hi = cg_vmax(pol);

	cg_comment(c, "SSL_CONF_cmd(3) settings, as in an openssl.cnf section");
	if (lo)
		fprintf(c->out, "MinProtocol = %s\nMaxProtocol = %s\n", lo, hi);
	if (c->cipherlist[0])
		fprintf(c->out, "CipherString = %s\n", c->cipherlist);
	if (c->ciphersuites[0])
		fprintf(c->out, "Ciphersuites = %s\n", c->ciphersuites);
	if (c->groupslist[0])
		fprintf(c->out, "Groups = %s\n", c->groupslist);
	if (c->sigalgs[0])
		fprintf(c->out, "SignatureAlgorithms = %s\n", c->sigalgs);
	if (pol->server_order >= 0)
		fprintf(c->out, "Options = %sServerPreference\n", pol->server_order ? "" : "-");
	if (pol->dh)
		cg_dh_hint(c);
	if (pol->hsts >= 0)
		cg_comment(c, "HTTPS: send Strict-Transport-Security: max-age=%ld", pol->hsts);
}

static void
gnutls_string(struct cg_ctx *c)
{
	cg_comment(c, "a GnuTLS priority string (gnutls_priority_init(3))");
	if (c->priority[0])
		fprintf(c->out, "%s\n", c->priority);
	if (c->pol.dh)
		cg_comment(c,
		           "DHE: GnuTLS uses the RFC 7919 group the client asks for; for others "
		           "load %s parameters",
		           c->pol.dh);
	if (c->pol.hsts >= 0)
		cg_comment(c, "HTTPS: send Strict-Transport-Security: max-age=%ld", c->pol.hsts);
}

static const struct cg_capver lib_caps[] = {
        {CAP_TLS13, "0", NULL, NULL, 0},    {CAP_TLS13_SUITES, "0", NULL, NULL, 0},
        {CAP_GROUPS, "0", NULL, NULL, 0},   {CAP_SIGALGS, "0", NULL, NULL, 0},
        {CAP_ORDER, "0", NULL, NULL, 0},    {CAP_DHPARAM, "0", NULL, NULL, 0},
        {CAP_STAPLING, "0", NULL, NULL, 0}, {CAP_MAXVER, "0", NULL, NULL, 0},
        {0, NULL, NULL, NULL, 0},
};

static void
openssl_fragment(struct cg_ctx *c)
{
	openssl_strings(c);
}

static void
gnutls_fragment(struct cg_ctx *c)
{
	gnutls_string(c);
}

const struct cg_soft cg_soft_openssl = {
        .name = "openssl",
        .version = "3.0.19",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .is_lib = true,
        .caps = lib_caps,
        .fragment = openssl_fragment,
};

const struct cg_soft cg_soft_gnutls = {
        .name = "gnutls",
        .version = "3.7.9",
        .lib = CG_GNUTLS,
        .lib_version = "3.7.9",
        .libs = 1u << CG_GNUTLS,
        .is_lib = true,
        .caps = lib_caps,
        .fragment = gnutls_fragment,
};
