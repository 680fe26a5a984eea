/*
 * TLS in front of other services: stunnel (OpenSSL).
 *
 * stunnel's NEWS: sslVersionMin/Max 5.50, ciphersuites and curves 5.51,
 * "config" (SSL_CONF_cmd) with OpenSSL 1.0.2; static DH parameters are
 * read from the certificate file (otherwise stunnel >= 5.18 generates its
 * own every 24 hours: a custom group).
 */
#include <string.h>

#include "confgen/confgen.h"

static const struct cg_capver stunnel_caps[] = {
        {CAP_TLS13, "5.50", "openssl:1.1.1", "sslVersionMax = TLSv1.3 needs stunnel 5.50", 0},
        {CAP_TLS13_SUITES, "5.51", "openssl:1.1.1", "ciphersuites needs stunnel 5.51", 0},
        {CAP_GROUPS, "5.51", "openssl:1.1.0", "curves needs stunnel 5.51", 0},
        {CAP_SIGALGS, "5.20", "openssl:1.0.2", "config = SignatureAlgorithms:...", 0},
        {CAP_ORDER, "4.0", NULL, "options = CIPHER_SERVER_PREFERENCE", 0},
        {CAP_DHPARAM, "4.40", NULL, "DH parameters in the cert file", 0},
        {CAP_MAXVER, "5.50", NULL, "sslVersionMax", 0},
        {0, NULL, NULL, NULL, 0},
};

static void
stunnel_tls(struct cg_ctx *c)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;
	const char *lo = cg_vmin(pol), *hi = cg_vmax(pol);

	if (lo) {
		fprintf(o, "sslVersionMin = %s\n", lo);
		if (c->can[CAP_MAXVER])
			fprintf(o, "sslVersionMax = %s\n", hi);
	}
	if (c->cipherlist[0])
		fprintf(o, "ciphers = %s\n", c->cipherlist);
	if (cg_has(pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES])
		fprintf(o, "ciphersuites = %s\n", c->ciphersuites);
	if (c->groupslist[0] && c->can[CAP_GROUPS])
		fprintf(o, "curves = %s\n", c->groupslist);
	if (c->sigalgs[0] && c->can[CAP_SIGALGS])
		fprintf(o, "config = SignatureAlgorithms:%s\n", c->sigalgs);
	if (pol->server_order >= 0)
		fprintf(o, "options = %sCIPHER_SERVER_PREFERENCE\n", pol->server_order ? "" : "-");
}

static void
stunnel_fragment(struct cg_ctx *c)
{
	cg_comment(c, "merge into the service section ([name]) of stunnel.conf");
	if (c->pol.dh) {
		cg_dh_hint(c);
		cg_comment(c, "and append it to the file of cert = (stunnel reads DH parameters "
		              "there; otherwise it makes its own)");
	}
	if (c->pol.ocsp)
		cg_comment(c, "OCSP stapling: stunnel staples when the certificate has an OCSP "
		              "URL (OpenSSL 1.0.2, stunnel 5.54)");
	stunnel_tls(c);
}

static int
stunnel_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], q[2 * CG_PATH];
	bool v6 = strchr(c->host, ':') != NULL;

	if (c->pol.dh)
		TA_TRY(cg_concat(c, "cert-dh.pem", c->cert, c->dhfile, 0644, c->cert,
		                 sizeof c->cert));
	TA_TRY(cg_open_conf(c, "stunnel.conf", conf, sizeof conf));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	cg_comment(c, "an echo service (/bin/cat) behind TLS, to try the profile");
	fprintf(c->out,
	        "foreground = yes\n"
	        "pid = %s/stunnel.pid\n"
	        "output = %s/stunnel.log\n"
	        "\n[tls]\n"
	        "accept = %s%s%s:%u\n"
	        "exec = /bin/cat\n"
	        "cert = %s\n"
	        "key = %s\n",
	        c->dir, c->dir, v6 ? "[" : "", c->host, v6 ? "]" : "", c->port, c->cert, c->key);
	stunnel_tls(c);
	TA_TRY(cg_close_conf(c));
	cg_shell_quote(q, sizeof q, conf);
	snprintf(c->cmd, sizeof c->cmd, "stunnel4 %s", q);
	return TA_OK;
}

const struct cg_soft cg_soft_stunnel = {
        .name = "stunnel",
        .aliases = {"stunnel4"},
        .version = "5.68",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .https = false,
        .caps = stunnel_caps,
        .fragment = stunnel_fragment,
        .standalone = stunnel_standalone,
};
