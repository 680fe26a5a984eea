/*
 * Web servers on OpenSSL: nginx, Apache httpd (mod_ssl) and HAProxy.  Each
 * has a table of what it can express from which version (and the OpenSSL
 * version that needs), a fragment to merge into its TLS context, and a
 * minimal standalone configuration serving "ok" on one address.
 *
 * Sources of the versions: nginx's CHANGES (ssl_conf_command 1.19.4,
 * TLSv1.3 in ssl_protocols 1.13.0, several curves in ssl_ecdh_curve
 * 1.11.0, ssl_stapling 1.3.7); Apache's CHANGES_2.4 (SSLOpenSSLConfCmd
 * 2.4.8, "SSLCipherSuite TLSv1.3" 2.4.36); HAProxy's configuration
 * manual (ssl-min-ver, curves 1.8; ciphersuites 1.9 with OpenSSL 1.1.1;
 * sigalgs 2.8; http-after-response 2.2).
 */
#include <string.h>

#include "confgen/confgen.h"

/* ------------------------------------------------------------------ nginx */

static const struct cg_capver nginx_caps[] = {
        {CAP_TLS13, "1.13.0", "openssl:1.1.1", "ssl_protocols TLSv1.3 needs nginx 1.13.0", 0},
        {CAP_TLS13_SUITES, "1.19.4", "openssl:1.1.1",
         "ssl_conf_command Ciphersuites needs nginx 1.19.4", 0},
        {CAP_GROUPS, "1.11.0", "openssl:1.0.2", "ssl_ecdh_curve with a list needs nginx 1.11.0", 0},
        {CAP_SIGALGS, "1.19.4", "openssl:1.1.1",
         "ssl_conf_command SignatureAlgorithms needs nginx 1.19.4", 0},
        {CAP_ORDER, "0.7.0", NULL, "ssl_prefer_server_ciphers", 0},
        {CAP_DHPARAM, "0.7.2", NULL, "ssl_dhparam", 0},
        {CAP_STAPLING, "1.3.7", NULL, "ssl_stapling", 0},
        {CAP_MAXVER, "0.7.0", NULL, "ssl_protocols", 0},
        {0, NULL, NULL, NULL, 0},
};

static void
nginx_tls(struct cg_ctx *c, const char *indent, const char *dhfile)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;

	fprintf(o, "%sssl_protocols", indent);
	for (int v = 2; v <= 5; v++) {
		static const char *const n[] = {"", "", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

		if (pol->versions & (1u << v))
			fprintf(o, " %s", n[v]);
	}
	fprintf(o, ";\n");
	if (c->cipherlist[0])
		fprintf(o, "%sssl_ciphers %s;\n", indent, c->cipherlist);
	if (cg_has(pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES])
		fprintf(o, "%sssl_conf_command Ciphersuites %s;\n", indent, c->ciphersuites);
	if (c->groupslist[0] && c->can[CAP_GROUPS])
		fprintf(o, "%sssl_ecdh_curve %s;\n", indent, c->groupslist);
	if (c->sigalgs[0] && c->can[CAP_SIGALGS])
		fprintf(o, "%sssl_conf_command SignatureAlgorithms %s;\n", indent, c->sigalgs);
	if (pol->dh && c->can[CAP_DHPARAM])
		fprintf(o, "%sssl_dhparam %s;\n", indent, dhfile);
	if (pol->server_order >= 0)
		fprintf(o, "%sssl_prefer_server_ciphers %s;\n", indent,
		        pol->server_order ? "on" : "off");
	if (pol->ocsp && c->can[CAP_STAPLING])
		fprintf(o, "%sssl_stapling on;\n%sssl_stapling_verify on;\n", indent, indent);
	if (pol->hsts >= 0)
		fprintf(o, "%sadd_header Strict-Transport-Security \"max-age=%ld\" always;\n",
		        indent, pol->hsts);
}

static void
nginx_fragment(struct cg_ctx *c)
{
	cg_comment(c, "merge into the server {} block that listens with ssl");
	cg_dh_hint(c);
	nginx_tls(c, "", "dhparam.pem");
}

static int
nginx_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], q[2 * CG_PATH], qc[2 * CG_PATH];
	bool v6 = strchr(c->host, ':') != NULL;

	TA_TRY(cg_mkdir(c, "logs", NULL, 0));
	TA_TRY(cg_mkdir(c, "tmp", NULL, 0));
	TA_TRY(cg_open_conf(c, "nginx.conf", conf, sizeof conf));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	fprintf(c->out,
	        "worker_processes 1;\n"
	        "pid %s/logs/nginx.pid;\n"
	        "error_log %s/logs/error.log;\n"
	        "events { worker_connections 256; }\n"
	        "http {\n"
	        "    access_log off;\n"
	        "    client_body_temp_path %s/tmp/body;\n"
	        "    proxy_temp_path %s/tmp/proxy;\n"
	        "    fastcgi_temp_path %s/tmp/fastcgi;\n"
	        "    uwsgi_temp_path %s/tmp/uwsgi;\n"
	        "    scgi_temp_path %s/tmp/scgi;\n"
	        "    server {\n"
	        "        listen %s%s%s:%u ssl;\n"
	        "        server_name localhost;\n"
	        "        ssl_certificate %s;\n"
	        "        ssl_certificate_key %s;\n",
	        c->dir, c->dir, c->dir, c->dir, c->dir, c->dir, c->dir, v6 ? "[" : "", c->host,
	        v6 ? "]" : "", c->port, c->cert, c->key);
	nginx_tls(c, "        ", c->dhfile);
	fprintf(c->out, "        default_type text/plain;\n"
	                "        location / { return 200 \"ok\\n\"; }\n"
	                "    }\n"
	                "}\n");
	TA_TRY(cg_close_conf(c));
	cg_shell_quote(q, sizeof q, c->dir);
	cg_shell_quote(qc, sizeof qc, conf);
	snprintf(c->cmd, sizeof c->cmd, "nginx -p %s -c %s -e %s/logs/error.log -g 'daemon off;'",
	         q, qc, q);
	return TA_OK;
}

const struct cg_soft cg_soft_nginx = {
        .name = "nginx",
        .version = "1.22.1",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .https = true,
        .caps = nginx_caps,
        .fragment = nginx_fragment,
        .standalone = nginx_standalone,
};

/* ----------------------------------------------------------------- Apache */

static const struct cg_capver apache_caps[] = {
        {CAP_TLS13, "2.4.36", "openssl:1.1.1", "SSLProtocol +TLSv1.3 needs httpd 2.4.36", 0},
        {CAP_TLS13_SUITES, "2.4.36", "openssl:1.1.1", "SSLCipherSuite TLSv1.3 needs httpd 2.4.36",
         0},
        {CAP_GROUPS, "2.4.8", "openssl:1.0.2", "SSLOpenSSLConfCmd needs httpd 2.4.8", 0},
        {CAP_SIGALGS, "2.4.8", "openssl:1.0.2", "SSLOpenSSLConfCmd needs httpd 2.4.8", 0},
        {CAP_ORDER, "2.0.0", NULL, "SSLHonorCipherOrder", 0},
        {CAP_DHPARAM, "2.4.8", "openssl:1.0.2", "SSLOpenSSLConfCmd DHParameters", 0},
        {CAP_STAPLING, "2.3.3", NULL, "SSLUseStapling", 0},
        {CAP_MAXVER, "2.0.0", NULL, "SSLProtocol", 0},
        {0, NULL, NULL, NULL, 0},
};

static void
apache_tls(struct cg_ctx *c, const char *indent)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;

	fprintf(o, "%sSSLProtocol -all", indent);
	for (int v = 1; v <= 5; v++) {
		static const char *const n[] = {"",        "SSLv3",   "TLSv1",
		                                "TLSv1.1", "TLSv1.2", "TLSv1.3"};

		if (pol->versions & (1u << v))
			fprintf(o, " +%s", n[v]);
	}
	fprintf(o, "\n");
	if (c->cipherlist[0])
		fprintf(o, "%sSSLCipherSuite %s\n", indent, c->cipherlist);
	if (cg_has(pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES])
		fprintf(o, "%sSSLCipherSuite TLSv1.3 %s\n", indent, c->ciphersuites);
	if (c->groupslist[0] && c->can[CAP_GROUPS])
		fprintf(o, "%sSSLOpenSSLConfCmd %s %s\n", indent,
		        c->lib_ver >= cg_vernum("1.1.0") ? "Groups" : "Curves", c->groupslist);
	if (c->sigalgs[0] && c->can[CAP_SIGALGS])
		fprintf(o, "%sSSLOpenSSLConfCmd SignatureAlgorithms %s\n", indent, c->sigalgs);
	if (pol->server_order >= 0)
		fprintf(o, "%sSSLHonorCipherOrder %s\n", indent, pol->server_order ? "on" : "off");
	if (pol->ocsp && c->can[CAP_STAPLING])
		fprintf(o, "%sSSLUseStapling on\n", indent);
	if (pol->hsts >= 0)
		fprintf(o, "%sHeader always set Strict-Transport-Security \"max-age=%ld\"\n",
		        indent, pol->hsts);
}

static void
apache_fragment(struct cg_ctx *c)
{
	cg_comment(c, "merge into the <VirtualHost> with SSLEngine on (mod_ssl, mod_headers)");
	if (c->pol.ocsp && c->can[CAP_STAPLING])
		cg_comment(c, "SSLUseStapling needs, outside <VirtualHost>: "
		              "SSLStaplingCache shmcb:/var/run/ocsp(128000)");
	cg_dh_hint(c);
	if (c->pol.dh)
		cg_comment(c, "and append it to the file of SSLCertificateFile (mod_ssl reads DH "
		              "parameters there; otherwise it picks its own)");
	apache_tls(c, "");
}

static int
apache_standalone(struct cg_ctx *c)
{
	static const char *const mods[] = {"mpm_event",     "authz_core", "mime",   "dir",
	                                   "socache_shmcb", "ssl",        "headers"};
	char conf[CG_PATH], www[CG_PATH], run[CG_PATH], q[2 * CG_PATH], qc[2 * CG_PATH];
	bool v6 = strchr(c->host, ':') != NULL;
	FILE *o;

	TA_TRY(cg_mkdir(c, "www", www, sizeof www));
	TA_TRY(cg_mkdir(c, "run", run, sizeof run));
	TA_TRY(cg_mkdir(c, "logs", NULL, 0));
	TA_TRY(cg_write_file(c, "www/index.html", "ok\n", 0644, NULL, 0));
	if (c->pol.dh)
		TA_TRY(cg_concat(c, "cert-dh.pem", c->cert, c->dhfile, 0644, c->cert,
		                 sizeof c->cert));
	TA_TRY(cg_open_conf(c, "httpd.conf", conf, sizeof conf));
	o = c->out;
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	fprintf(o, "ServerRoot \"%s\"\n", c->dir);
	for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++)
		fprintf(o, "LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so\n", mods[i],
		        mods[i]);
	fprintf(o,
	        "PidFile \"%s/httpd.pid\"\n"
	        "ErrorLog \"%s/logs/error.log\"\n"
	        "LogLevel warn\n"
	        "Mutex file:%s default\n"
	        "DefaultRuntimeDir \"%s\"\n"
	        "ServerName localhost\n"
	        "Listen %s%s%s:%u\n"
	        "TypesConfig /etc/mime.types\n"
	        "DocumentRoot \"%s\"\n"
	        "DirectoryIndex index.html\n"
	        "<Directory \"%s\">\n"
	        "    Require all granted\n"
	        "</Directory>\n"
	        "SSLSessionCache shmcb:%s/ssl_scache(512000)\n",
	        run, c->dir, run, run, v6 ? "[" : "", c->host, v6 ? "]" : "", c->port, www, www,
	        run);
	if (c->pol.ocsp && c->can[CAP_STAPLING])
		fprintf(o, "SSLStaplingCache shmcb:%s/ocsp(128000)\n", run);
	fprintf(o,
	        "<VirtualHost %s%s%s:%u>\n"
	        "    SSLEngine on\n"
	        "    SSLCertificateFile \"%s\"\n"
	        "    SSLCertificateKeyFile \"%s\"\n",
	        v6 ? "[" : "", c->host, v6 ? "]" : "", c->port, c->cert, c->key);
	apache_tls(c, "    ");
	fprintf(o, "</VirtualHost>\n");
	TA_TRY(cg_close_conf(c));
	cg_shell_quote(q, sizeof q, c->dir);
	cg_shell_quote(qc, sizeof qc, conf);
	snprintf(c->cmd, sizeof c->cmd, "apache2 -d %s -f %s -DFOREGROUND", q, qc);
	return TA_OK;
}

const struct cg_soft cg_soft_apache = {
        .name = "apache",
        .aliases = {"httpd", "apache2"},
        .version = "2.4.62",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .https = true,
        .caps = apache_caps,
        .fragment = apache_fragment,
        .standalone = apache_standalone,
};

/* ---------------------------------------------------------------- HAProxy */

static const struct cg_capver haproxy_caps[] = {
        {CAP_TLS13, "1.8.0", "openssl:1.1.1", "ssl-max-ver TLSv1.3 needs HAProxy 1.8", 0},
        {CAP_TLS13_SUITES, "1.9.0", "openssl:1.1.1", "ciphersuites needs HAProxy 1.9", 0},
        {CAP_GROUPS, "1.8.0", "openssl:1.0.2", "curves needs HAProxy 1.8", 0},
        {CAP_SIGALGS, "2.8.0", "openssl:1.1.1", "sigalgs needs HAProxy 2.8", 0},
        {CAP_ORDER, "1.8.0", NULL, "prefer-client-ciphers", 0},
        {CAP_DHPARAM, "1.5.0", NULL, "ssl-dh-param-file", 0},
        {CAP_MAXVER, "1.8.0", NULL, "ssl-max-ver", 0},
        {0, NULL, NULL, NULL, 0},
};

/* The options of the bind line (after "ssl crt FILE"). */
static void
haproxy_bind(struct cg_ctx *c)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;
	const char *lo = cg_vmin(pol), *hi = cg_vmax(pol);

	if (lo)
		fprintf(o, " ssl-min-ver %s ssl-max-ver %s",
		        strcmp(lo, "TLSv1") == 0 ? "TLSv1.0" : lo, hi);
	if (c->cipherlist[0])
		fprintf(o, " ciphers %s", c->cipherlist);
	if (cg_has(pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES])
		fprintf(o, " ciphersuites %s", c->ciphersuites);
	if (c->groupslist[0] && c->can[CAP_GROUPS])
		fprintf(o, " curves %s", c->groupslist);
	if (c->sigalgs[0] && c->can[CAP_SIGALGS])
		fprintf(o, " sigalgs %s", c->sigalgs);
	/* HAProxy prefers the server's order unless told otherwise */
	if (pol->server_order == 0)
		fprintf(o, " prefer-client-ciphers");
	fprintf(o, "\n");
}

static void
haproxy_fragment(struct cg_ctx *c)
{
	if (c->pol.ocsp)
		cg_comment(c,
		           "OCSP stapling: HAProxy %s staples the response in CERT.ocsp, kept "
		           "fresh by you",
		           c->sw_ver_s);
	cg_dh_hint(c);
	if (c->pol.dh && c->can[CAP_DHPARAM])
		fprintf(c->out, "# in global:\n#   ssl-dh-param-file dhparam.pem\n");
	cg_comment(c, "the bind line of the frontend (CERT: certificate and key in one PEM)");
	fprintf(c->out, "bind :443 ssl crt CERT");
	haproxy_bind(c);
	if (c->pol.hsts >= 0)
		fprintf(c->out,
		        "http-after-response set-header Strict-Transport-Security "
		        "\"max-age=%ld\"\n",
		        c->pol.hsts);
}

static int
haproxy_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], pem[CG_PATH], q[2 * CG_PATH], qc[2 * CG_PATH];
	bool v6 = strchr(c->host, ':') != NULL;

	/* certificate and key in one file, as crt takes them */
	TA_TRY(cg_concat(c, "server.pem", c->cert, c->key, 0600, pem, sizeof pem));
	TA_TRY(cg_open_conf(c, "haproxy.cfg", conf, sizeof conf));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	fprintf(c->out,
	        "global\n    pidfile %s/haproxy.pid\n    log stderr format short local0 notice\n",
	        c->dir);
	if (c->pol.dh && c->can[CAP_DHPARAM])
		fprintf(c->out, "    ssl-dh-param-file %s\n", c->dhfile);
	fprintf(c->out,
	        "\ndefaults\n    mode http\n    log global\n    timeout connect 5s\n"
	        "    timeout client 10s\n    timeout server 10s\n\n"
	        "frontend tls\n    bind %s%s%s:%u ssl crt %s alpn http/1.1",
	        v6 ? "[" : "", c->host, v6 ? "]" : "", c->port, pem);
	haproxy_bind(c);
	fprintf(c->out,
	        "    http-request return status 200 content-type text/plain string \"ok\"\n");
	if (c->pol.hsts >= 0)
		fprintf(c->out,
		        "    http-after-response set-header Strict-Transport-Security "
		        "\"max-age=%ld\"\n",
		        c->pol.hsts);
	TA_TRY(cg_close_conf(c));
	cg_shell_quote(q, sizeof q, c->dir);
	cg_shell_quote(qc, sizeof qc, conf);
	snprintf(c->cmd, sizeof c->cmd, "haproxy -db -f %s", qc);
	return TA_OK;
}

const struct cg_soft cg_soft_haproxy = {
        .name = "haproxy",
        .version = "2.6.12",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .https = true,
        .caps = haproxy_caps,
        .fragment = haproxy_fragment,
        .standalone = haproxy_standalone,
};

/* --------------------------------------------------------------- lighttpd */

/*
 * lighttpd 1.4: every TLS module reads ssl.openssl.ssl-conf-cmd; mod_openssl
 * hands each entry to SSL_CONF_cmd(), mod_gnutls takes a whole priority
 * string as "gnutls-override" (1.4.56, when the GnuTLS module came).
 */
static const struct cg_capver lighttpd_caps[] = {
        {CAP_TLS13, "1.4.48", "openssl:1.1.1", "ssl.openssl.ssl-conf-cmd needs lighttpd 1.4.48", 0},
        {CAP_TLS13_SUITES, "1.4.48", "openssl:1.1.1", "Ciphersuites needs lighttpd 1.4.48", 0},
        {CAP_GROUPS, "1.4.48", "openssl:1.0.2", "Groups needs lighttpd 1.4.48", 0},
        {CAP_SIGALGS, "1.4.48", "openssl:1.0.2", "SignatureAlgorithms needs lighttpd 1.4.48", 0},
        {CAP_ORDER, "1.4.48", NULL, "Options ServerPreference", 0},
        {CAP_DHPARAM, "1.4.48", NULL, "DHParameters (mod_openssl only)", 1u << CG_OPENSSL},
        {CAP_STAPLING, "1.4.56", NULL, "ssl.stapling-file", 0},
        {CAP_MAXVER, "1.4.48", NULL, "MaxProtocol", 0},
        {0, NULL, NULL, NULL, 0},
};

static void
lighttpd_tls(struct cg_ctx *c, const char *dhfile)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;
	const char *lo = cg_vmin(pol), *hi = cg_vmax(pol);
	const char *sep = "";

	if (c->lib == CG_GNUTLS) {
		fprintf(o, "ssl.openssl.ssl-conf-cmd = ( \"gnutls-override\" => \"%s\" )\n",
		        c->priority);
	} else {
		fprintf(o, "ssl.openssl.ssl-conf-cmd = (");
		if (lo) {
			fprintf(o, " \"MinProtocol\" => \"%s\", \"MaxProtocol\" => \"%s\"", lo, hi);
			sep = ",";
		}
		if (c->cipherlist[0]) {
			fprintf(o, "%s\n    \"CipherString\" => \"%s\"", sep, c->cipherlist);
			sep = ",";
		}
		if (cg_has(pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES]) {
			fprintf(o, "%s\n    \"Ciphersuites\" => \"%s\"", sep, c->ciphersuites);
			sep = ",";
		}
		if (c->groupslist[0] && c->can[CAP_GROUPS]) {
			fprintf(o, "%s\n    \"Groups\" => \"%s\"", sep, c->groupslist);
			sep = ",";
		}
		if (c->sigalgs[0] && c->can[CAP_SIGALGS]) {
			fprintf(o, "%s\n    \"SignatureAlgorithms\" => \"%s\"", sep, c->sigalgs);
			sep = ",";
		}
		if (pol->dh && c->can[CAP_DHPARAM]) {
			fprintf(o, "%s\n    \"DHParameters\" => \"%s\"", sep, dhfile);
			sep = ",";
		}
		if (pol->server_order >= 0)
			fprintf(o, "%s\n    \"Options\" => \"%sServerPreference\"", sep,
			        pol->server_order ? "" : "-");
		fprintf(o, " )\n");
	}
	if (pol->server_order >= 0)
		fprintf(o, "ssl.honor-cipher-order = \"%s\"\n",
		        pol->server_order ? "enable" : "disable");
	if (pol->hsts >= 0)
		fprintf(o,
		        "setenv.add-response-header = ( \"Strict-Transport-Security\" => "
		        "\"max-age=%ld\" )\n",
		        pol->hsts);
}

static void
lighttpd_quirks(struct cg_ctx *c)
{
	if (c->lib == CG_GNUTLS)
		cg_note(c, "lighttpd's mod_gnutls closes the connection without an alert when no "
		           "suite matches: a scanner may not finish listing its suites");
}

static void
lighttpd_fragment(struct cg_ctx *c)
{
	lighttpd_quirks(c);
	cg_comment(c,
	           "merge into the $SERVER[\"socket\"] block with ssl.engine = \"enable\" "
	           "(%s%s)",
	           c->lib == CG_GNUTLS ? "mod_gnutls" : "mod_openssl",
	           c->pol.hsts >= 0 ? ", mod_setenv" : "");
	if (c->pol.ocsp)
		cg_comment(c, "OCSP stapling: ssl.stapling-file, a response you keep fresh");
	if (c->lib == CG_OPENSSL)
		cg_dh_hint(c);
	lighttpd_tls(c, "dhparam.pem");
}

static int
lighttpd_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], www[CG_PATH], q[2 * CG_PATH];
	FILE *o;

	lighttpd_quirks(c);
	TA_TRY(cg_mkdir(c, "www", www, sizeof www));
	TA_TRY(cg_write_file(c, "www/index.html", "ok\n", 0644, NULL, 0));
	TA_TRY(cg_open_conf(c, "lighttpd.conf", conf, sizeof conf));
	o = c->out;
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	fprintf(o,
	        "server.modules = ( \"%s\", \"mod_setenv\" )\n"
	        "server.document-root = \"%s\"\n"
	        "server.bind = \"%s\"\n"
	        "server.port = %u\n"
	        "server.pid-file = \"%s/lighttpd.pid\"\n"
	        "server.errorlog = \"%s/error.log\"\n"
	        "index-file.names = ( \"index.html\" )\n"
	        "mimetype.assign = ( \".html\" => \"text/html\" )\n"
	        "ssl.engine = \"enable\"\n"
	        "ssl.pemfile = \"%s\"\n"
	        "ssl.privkey = \"%s\"\n",
	        c->lib == CG_GNUTLS ? "mod_gnutls" : "mod_openssl", www, c->host, c->port, c->dir,
	        c->dir, c->cert, c->key);
	lighttpd_tls(c, c->dhfile);
	TA_TRY(cg_close_conf(c));
	cg_shell_quote(q, sizeof q, conf);
	snprintf(c->cmd, sizeof c->cmd, "lighttpd -D -f %s", q);
	return TA_OK;
}

const struct cg_soft cg_soft_lighttpd = {
        .name = "lighttpd",
        .version = "1.4.69",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL | 1u << CG_GNUTLS,
        .https = true,
        .caps = lighttpd_caps,
        .fragment = lighttpd_fragment,
        .standalone = lighttpd_standalone,
};
