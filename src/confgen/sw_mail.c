/*
 * Mail servers: Postfix (OpenSSL), Dovecot (OpenSSL) and Exim (GnuTLS, as
 * Debian builds it, or OpenSSL).  Their standalone configurations listen
 * in plain text and offer STARTTLS (SMTP for Postfix and Exim, IMAP for
 * Dovecot): scan them with --starttls smtp / imap.
 *
 * Sources of the versions: Postfix's RELEASE_NOTES (">=TLSv1.2" protocol
 * ranges 3.6, tls_eecdh_auto_curves 3.2, tls_config_file 3.7.6 and 3.8.1
 * backports, tls_high_cipherlist with smtpd_tls_ciphers = high since 2.3;
 * the OpenSSL configuration of tls_config_file carries what Postfix has no
 * parameter for: TLS 1.3 suites, signature algorithms); Dovecot's
 * settings (ssl_min_protocol, ssl_curve_list, ssl_dh 2.3.0,
 * ssl_cipher_suites 2.3.15; no highest version); Exim's spec
 * (tls_require_ciphers: a GnuTLS priority string or an OpenSSL cipher
 * list; openssl_options; tls_eccurve lists 4.95; tls_dhparam takes the
 * names ffdhe2048 ... and ike14 ... 4.83).
 */
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "confgen/confgen.h"

/* ---------------------------------------------------------------- Postfix */

static const struct cg_capver postfix_caps[] = {
        {CAP_TLS13, "3.4.0", "openssl:1.1.1", "TLS 1.3 needs Postfix 3.4", 0},
        {CAP_TLS13_SUITES, "3.7.6", "openssl:1.1.1", "tls_config_file needs Postfix 3.7.6", 0},
        {CAP_GROUPS, "3.2.0", "openssl:1.0.2", "tls_eecdh_auto_curves needs Postfix 3.2", 0},
        {CAP_SIGALGS, "3.7.6", "openssl:1.0.2", "tls_config_file needs Postfix 3.7.6", 0},
        {CAP_ORDER, "2.8.0", NULL, "tls_preempt_cipherlist", 0},
        {CAP_DHPARAM, "2.2.0", NULL, "smtpd_tls_dh1024_param_file", 0},
        {CAP_MAXVER, "3.6.0", NULL, "smtpd_tls_protocols = <=TLSv1.2 needs Postfix 3.6", 0},
        {0, NULL, NULL, NULL, 0},
};

static bool
postfix_osslconf(const struct cg_ctx *c)
{
	return (cg_has(&c->pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES]) ||
	       (c->sigalgs[0] && c->can[CAP_SIGALGS]);
}

static void
postfix_main(struct cg_ctx *c, const char *dhfile, const char *osslconf)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;
	const char *lo = cg_vmin(pol), *hi = cg_vmax(pol);
	char prot[64] = "";

	if (lo && c->can[CAP_MAXVER])
		snprintf(prot, sizeof prot, ">=%s, <=%s", lo, hi);
	else if (lo)
		snprintf(prot, sizeof prot, ">=%s", lo);
	if (prot[0])
		fprintf(o, "smtpd_tls_protocols = %s\nsmtpd_tls_mandatory_protocols = %s\n", prot,
		        prot);
	if (c->cipherlist[0])
		fprintf(o,
		        "smtpd_tls_ciphers = high\nsmtpd_tls_mandatory_ciphers = high\n"
		        "tls_high_cipherlist = %s\n",
		        c->cipherlist);
	if (c->groupslist[0] && c->can[CAP_GROUPS]) {
		fprintf(o, "smtpd_tls_eecdh_grade = auto\ntls_eecdh_auto_curves =");
		for (size_t i = 0; i < pol->ngroups; i++)
			fprintf(o, " %s", cg_ossl_group(pol->groups[i]));
		fprintf(o, "\n");
	}
	if (pol->dh && c->can[CAP_DHPARAM])
		fprintf(o, "smtpd_tls_dh1024_param_file = %s\n", dhfile);
	if (pol->server_order >= 0)
		fprintf(o, "tls_preempt_cipherlist = %s\n", pol->server_order ? "yes" : "no");
	if (postfix_osslconf(c))
		fprintf(o, "tls_config_file = %s\ntls_config_name = tlsaudit\n", osslconf);
}

static void
postfix_openssl_cnf(struct cg_ctx *c)
{
	fprintf(c->out,
	        "tlsaudit = tlsaudit_settings\n[tlsaudit_settings]\nssl_conf = tlsaudit_ssl\n"
	        "[tlsaudit_ssl]\nsystem_default = tlsaudit_tls\n[tlsaudit_tls]\n");
	if (cg_has(&c->pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES])
		fprintf(c->out, "Ciphersuites = %s\n", c->ciphersuites);
	if (c->sigalgs[0] && c->can[CAP_SIGALGS])
		fprintf(c->out, "SignatureAlgorithms = %s\n", c->sigalgs);
}

static void
postfix_fragment(struct cg_ctx *c)
{
	cg_comment(c, "main.cf (smtpd, STARTTLS: smtpd_tls_security_level = may)");
	cg_dh_hint(c);
	postfix_main(c, "/etc/postfix/dhparam.pem", "/etc/postfix/tlsaudit-openssl.cnf");
	if (postfix_osslconf(c)) {
		cg_comment(c, "/etc/postfix/tlsaudit-openssl.cnf (what main.cf has no parameter "
		              "for):");
		postfix_openssl_cnf(c);
	}
}

/* Debian's master.cf, without chroot, smtpd on the address given. */
static const char *const master_cf[] = {
        "pickup    unix  n       -       n       60      1       pickup",
        "cleanup   unix  n       -       n       -       0       cleanup",
        "qmgr      unix  n       -       n       300     1       qmgr",
        "tlsmgr    unix  -       -       n       1000?   1       tlsmgr",
        "rewrite   unix  -       -       n       -       -       trivial-rewrite",
        "bounce    unix  -       -       n       -       0       bounce",
        "defer     unix  -       -       n       -       0       bounce",
        "trace     unix  -       -       n       -       0       bounce",
        "verify    unix  -       -       n       -       1       verify",
        "flush     unix  n       -       n       1000?   0       flush",
        "proxymap  unix  -       -       n       -       -       proxymap",
        "proxywrite unix -       -       n       -       1       proxymap",
        "smtp      unix  -       -       n       -       -       smtp",
        "relay     unix  -       -       n       -       -       smtp",
        "showq     unix  n       -       n       -       -       showq",
        "error     unix  -       -       n       -       -       error",
        "retry     unix  -       -       n       -       -       error",
        "discard   unix  -       -       n       -       -       discard",
        "local     unix  -       n       n       -       -       local",
        "virtual   unix  -       n       n       -       -       virtual",
        "lmtp      unix  -       -       n       -       -       lmtp",
        "anvil     unix  -       -       n       -       1       anvil",
        "scache    unix  -       -       n       -       1       scache",
        "postlog   unix-dgram n  -       n       -       1       postlogd",
};

static int
postfix_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], queue[CG_PATH], data[CG_PATH], ossl[CG_PATH], q[2 * CG_PATH];
	const struct passwd *pw = getpwnam("postfix");
	bool v6 = strchr(c->host, ':') != NULL;

	TA_TRY(cg_mkdir(c, "queue", queue, sizeof queue));
	TA_TRY(cg_mkdir(c, "data", data, sizeof data));
	if (pw && geteuid() == 0 && chown(data, pw->pw_uid, pw->pw_gid) != 0)
		return TA_ESYS;
	ossl[0] = '\0';
	if (postfix_osslconf(c)) {
		TA_TRY(cg_open_conf(c, "openssl.cnf", ossl, sizeof ossl));
		cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING,
		           c->pol.p->id, c->pol.p->title);
		postfix_openssl_cnf(c);
		TA_TRY(cg_close_conf(c));
	}
	TA_TRY(cg_open_conf(c, "master.cf", NULL, 0));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	fprintf(c->out, "%s%s%s:%u inet n - n - - smtpd\n", v6 ? "[" : "", c->host, v6 ? "]" : "",
	        c->port);
	for (size_t i = 0; i < sizeof master_cf / sizeof master_cf[0]; i++)
		fprintf(c->out, "%s\n", master_cf[i]);
	TA_TRY(cg_close_conf(c));
	TA_TRY(cg_open_conf(c, "main.cf", conf, sizeof conf));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	cg_comment(c, "SMTP with STARTTLS on %s:%u; mail is refused (no destinations)", c->host,
	           c->port);
	fprintf(c->out,
	        "compatibility_level = 3.6\n"
	        "queue_directory = %s\n"
	        "data_directory = %s\n"
	        "meta_directory = /etc/postfix\n"
	        "mail_owner = postfix\n"
	        "setgid_group = postdrop\n"
	        "myhostname = localhost.localdomain\n"
	        "mydestination =\n"
	        "relayhost =\n"
	        "inet_interfaces = %s\n"
	        "inet_protocols = %s\n"
	        "mynetworks = 127.0.0.0/8\n"
	        "alias_maps =\n"
	        "alias_database =\n"
	        "local_recipient_maps =\n"
	        "maillog_file = %s/maillog\n"
	        "maillog_file_prefixes = %s\n"
	        "smtpd_tls_security_level = may\n"
	        "smtpd_tls_cert_file = %s\n"
	        "smtpd_tls_key_file = %s\n"
	        "smtpd_tls_session_cache_database =\n"
	        "smtp_tls_security_level = none\n",
	        queue, data, c->host, v6 ? "ipv6" : "ipv4", c->dir, c->dir, c->cert, c->key);
	postfix_main(c, c->dhfile, ossl);
	TA_TRY(cg_close_conf(c));
	cg_shell_quote(q, sizeof q, c->dir);
	snprintf(c->cmd, sizeof c->cmd, "postfix -c %s start-fg", q);
	return TA_OK;
}

const struct cg_soft cg_soft_postfix = {
        .name = "postfix",
        .version = "3.7.11",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .caps = postfix_caps,
        .fragment = postfix_fragment,
        .standalone = postfix_standalone,
};

/* ---------------------------------------------------------------- Dovecot */

static const struct cg_capver dovecot_caps[] = {
        {CAP_TLS13, "2.3.0", "openssl:1.1.1", "ssl_min_protocol needs Dovecot 2.3", 0},
        {CAP_TLS13_SUITES, "2.3.15", "openssl:1.1.1", "ssl_cipher_suites needs Dovecot 2.3.15", 0},
        {CAP_GROUPS, "2.3.0", "openssl:1.0.2", "ssl_curve_list needs Dovecot 2.3", 0},
        {CAP_ORDER, "2.2.6", NULL, "ssl_prefer_server_ciphers", 0},
        {CAP_DHPARAM, "2.3.0", NULL, "ssl_dh", 0},
        {0, NULL, NULL, NULL, 0},
};

static void
dovecot_tls(struct cg_ctx *c, const char *dhfile)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;
	const char *lo = cg_vmin(pol);

	if (lo)
		fprintf(o, "ssl_min_protocol = %s\n", lo);
	if (c->cipherlist[0])
		fprintf(o, "ssl_cipher_list = %s\n", c->cipherlist);
	if (cg_has(pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES])
		fprintf(o, "ssl_cipher_suites = %s\n", c->ciphersuites);
	if (c->groupslist[0] && c->can[CAP_GROUPS])
		fprintf(o, "ssl_curve_list = %s\n", c->groupslist);
	if (pol->dh && c->can[CAP_DHPARAM])
		fprintf(o, "ssl_dh = <%s\n", dhfile);
	if (pol->server_order >= 0)
		fprintf(o, "ssl_prefer_server_ciphers = %s\n", pol->server_order ? "yes" : "no");
}

/* Said with both outputs: how the server refuses a client. */
static void
dovecot_quirks(struct cg_ctx *c)
{
	cg_note(c, "dovecot closes the connection without an alert when no suite matches: a "
	           "scanner may not finish listing its suites");
}

static void
dovecot_fragment(struct cg_ctx *c)
{
	dovecot_quirks(c);
	cg_comment(c, "merge into dovecot.conf (conf.d/10-ssl.conf)");
	cg_dh_hint(c);
	dovecot_tls(c, "/etc/dovecot/dhparam.pem");
}

static int
dovecot_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], q[2 * CG_PATH];

	dovecot_quirks(c);
	TA_TRY(cg_mkdir(c, "run", NULL, 0));
	TA_TRY(cg_mkdir(c, "state", NULL, 0));
	TA_TRY(cg_mkdir(c, "mail", NULL, 0));
	TA_TRY(cg_open_conf(c, "dovecot.conf", conf, sizeof conf));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	cg_comment(c, "IMAP with STARTTLS on %s:%u; no user can log in", c->host, c->port);
	fprintf(c->out,
	        "base_dir = %s/run\n"
	        "state_dir = %s/state\n"
	        "instance_name = tlsaudit-%u\n"
	        "log_path = %s/dovecot.log\n"
	        "protocols = imap\n"
	        "listen = %s\n"
	        "default_internal_user = dovecot\n"
	        "default_login_user = dovenull\n"
	        "disable_plaintext_auth = yes\n"
	        "passdb {\n  driver = passwd-file\n  args = /dev/null\n}\n"
	        "userdb {\n  driver = static\n  args = uid=dovecot gid=dovecot "
	        "home=%s/mail/%%u\n}\n"
	        "mail_location = maildir:%s/mail/%%u\n"
	        "service imap-login {\n"
	        "  inet_listener imap {\n    address = %s\n    port = %u\n  }\n"
	        "  inet_listener imaps {\n    port = 0\n  }\n"
	        "}\n"
	        "ssl = required\n"
	        "ssl_cert = <%s\n"
	        "ssl_key = <%s\n",
	        c->dir, c->dir, c->port, c->dir, c->host, c->dir, c->dir, c->host, c->port, c->cert,
	        c->key);
	dovecot_tls(c, c->dhfile);
	TA_TRY(cg_close_conf(c));
	cg_shell_quote(q, sizeof q, conf);
	snprintf(c->cmd, sizeof c->cmd, "dovecot -F -c %s", q);
	return TA_OK;
}

const struct cg_soft cg_soft_dovecot = {
        .name = "dovecot",
        .version = "2.3.19",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .caps = dovecot_caps,
        .fragment = dovecot_fragment,
        .standalone = dovecot_standalone,
};

/* ------------------------------------------------------------------- Exim */

static const struct cg_capver exim_caps[] = {
        {CAP_TLS13, "4.92", NULL, "TLS 1.3 needs Exim 4.92", 0},
        {CAP_TLS13_SUITES, "4.92", NULL, "the GnuTLS priority string", 1u << CG_GNUTLS},
        {CAP_GROUPS, "4.95", "openssl:1.1.1", "tls_eccurve lists need Exim 4.95", 0},
        {CAP_SIGALGS, "4.80", NULL, "the GnuTLS priority string", 1u << CG_GNUTLS},
        {CAP_ORDER, "4.80", NULL, "%SERVER_PRECEDENCE or +cipher_server_preference", 0},
        {CAP_DHPARAM, "4.83", NULL, "tls_dhparam", 0},
        {CAP_MAXVER, "4.80", NULL, "the priority string or openssl_options", 0},
        {0, NULL, NULL, NULL, 0},
};

/* tls_dhparam: Exim's names of the standard groups (RFC 3526 group 14 is
 * "ike14"). */
static void
exim_dh(struct cg_ctx *c, char *buf, size_t len)
{
	static const struct {
		const char *ours, *exim;
	} t[] = {{"rfc3526-2048", "ike14"},
	         {"rfc3526-3072", "ike15"},
	         {"rfc3526-4096", "ike16"},
	         {"rfc3526-6144", "ike17"},
	         {"rfc3526-8192", "ike18"}};

	snprintf(buf, len, "%s", c->pol.dh);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].ours, c->pol.dh) == 0)
			snprintf(buf, len, "%s", t[i].exim);
}

static void
exim_tls(struct cg_ctx *c)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;
	char dh[32];

	if (c->lib == CG_GNUTLS) {
		fprintf(o, "tls_require_ciphers = %s\n", c->priority);
	} else {
		static const char *const no[] = {
		        "", "+no_sslv3", "+no_tlsv1", "+no_tlsv1_1", "+no_tlsv1_2", "+no_tlsv1_3"};

		fprintf(o, "openssl_options = +no_sslv2");
		for (int v = 1; v <= 5; v++)
			if (!(pol->versions & (1u << v)))
				fprintf(o, " %s", no[v]);
		if (pol->server_order >= 0)
			fprintf(o, " %scipher_server_preference", pol->server_order ? "+" : "-");
		fprintf(o, "\n");
		if (c->cipherlist[0])
			fprintf(o, "tls_require_ciphers = %s\n", c->cipherlist);
		if (c->groupslist[0] && c->can[CAP_GROUPS])
			fprintf(o, "tls_eccurve = %s\n", c->groupslist);
	}
	if (pol->dh && c->can[CAP_DHPARAM]) {
		exim_dh(c, dh, sizeof dh);
		fprintf(o, "tls_dhparam = %s\n", dh);
	}
}

static void
exim_fragment(struct cg_ctx *c)
{
	cg_comment(c, "the main section of the Exim configuration (%s build)",
	           c->lib == CG_GNUTLS ? "GnuTLS" : "OpenSSL");
	exim_tls(c);
}

static int
exim_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], spool[CG_PATH], logd[CG_PATH], q[2 * CG_PATH];
	const struct passwd *pw = getpwnam("Debian-exim");

	TA_TRY(cg_mkdir(c, "spool", spool, sizeof spool));
	TA_TRY(cg_mkdir(c, "log", logd, sizeof logd));
	/* the SMTP child reads the key after dropping to the Exim user */
	if (pw && geteuid() == 0 &&
	    (chown(spool, pw->pw_uid, pw->pw_gid) != 0 ||
	     chown(logd, pw->pw_uid, pw->pw_gid) != 0 ||
	     chown(c->key, pw->pw_uid, pw->pw_gid) != 0))
		return TA_ESYS;
	TA_TRY(cg_open_conf(c, "exim.conf", conf, sizeof conf));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	cg_comment(c, "SMTP with STARTTLS on %s:%u; every recipient is refused", c->host, c->port);
	if (!pw)
		cg_comment(c, "spool/, log/ and key.pem must belong to the Exim user "
		              "(Debian-exim)");
	fprintf(c->out,
	        "keep_environment =\n"
	        "primary_hostname = localhost.localdomain\n"
	        "spool_directory = %s\n"
	        "log_file_path = %s/%%slog\n"
	        "pid_file_path = %s/exim.pid\n"
	        "daemon_smtp_ports = %u\n"
	        "local_interfaces = %s\n"
	        "tls_advertise_hosts = *\n"
	        "tls_certificate = %s\n"
	        "tls_privatekey = %s\n",
	        spool, logd, c->dir, c->port, c->host, c->cert, c->key);
	exim_tls(c);
	fprintf(c->out, "acl_smtp_rcpt = acl_check_rcpt\n"
	                "begin acl\nacl_check_rcpt:\n  deny\n"
	                "begin routers\nbegin transports\n");
	TA_TRY(cg_close_conf(c));
	cg_shell_quote(q, sizeof q, conf);
	snprintf(c->cmd, sizeof c->cmd, "exim4 -C %s -bdf -oX %u", q, c->port);
	return TA_OK;
}

const struct cg_soft cg_soft_exim = {
        .name = "exim",
        .aliases = {"exim4"},
        .version = "4.96",
        .lib = CG_GNUTLS,
        .lib_version = "3.7.9",
        .libs = 1u << CG_OPENSSL | 1u << CG_GNUTLS,
        .caps = exim_caps,
        .fragment = exim_fragment,
        .standalone = exim_standalone,
};
