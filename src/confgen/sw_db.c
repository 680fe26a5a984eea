/*
 * Databases: PostgreSQL and MariaDB (MySQL), both OpenSSL.  Their
 * standalone configurations make a data directory on first start (initdb,
 * mariadb-install-db) from a script in the directory, start.sh, which the
 * printed command runs; scan them with --starttls postgres / mysql.
 *
 * Sources of the versions: PostgreSQL's documentation (ssl_min/max_
 * protocol_version 12, ssl_dh_params_file 10, ssl_prefer_server_ciphers
 * 9.4; ssl_ecdh_curve takes one curve, looked up as an EC curve, until 18,
 * where ssl_groups takes a list and ssl_tls13_ciphers the TLS 1.3 suites);
 * MariaDB's (tls_version 10.4.6, ssl_cipher; no setting for groups,
 * signature algorithms, DH parameters or the suite order).
 */
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "confgen/confgen.h"

/* Who runs the server when we are root: the printed command drops to it. */
static const struct passwd *
run_as(const char *user)
{
	return geteuid() == 0 ? getpwnam(user) : NULL;
}

/* ------------------------------------------------------------- PostgreSQL */

static const struct cg_capver pg_caps[] = {
        {CAP_TLS13, "12.0", "openssl:1.1.1", "ssl_max_protocol_version needs PostgreSQL 12", 0},
        {CAP_TLS13_SUITES, "18.0", "openssl:1.1.1", "ssl_tls13_ciphers needs PostgreSQL 18", 0},
        {CAP_GROUPS, "18.0", "openssl:1.1.1", "ssl_groups (a list) needs PostgreSQL 18", 0},
        {CAP_ORDER, "9.4", NULL, "ssl_prefer_server_ciphers", 0},
        {CAP_DHPARAM, "10.0", NULL, "ssl_dh_params_file", 0},
        {CAP_MAXVER, "12.0", NULL, "ssl_max_protocol_version", 0},
        {0, NULL, NULL, NULL, 0},
};

/* Before 18, ssl_ecdh_curve: one curve, by its OpenSSL short name. */
static const struct ta_group *
pg_one_curve(struct cg_ctx *c)
{
	const struct cg_policy *pol = &c->pol;

	for (size_t i = 0; i < pol->ngroups; i++)
		if (pol->groups[i]->kind == TA_GROUP_EC) {
			if (pol->ngroups > 1)
				cg_note(c,
				        "PostgreSQL %s takes one curve (ssl_ecdh_curve): %s, the "
				        "first of the profile's that it can use",
				        c->sw_ver_s, cg_ossl_group(pol->groups[i]));
			return pol->groups[i];
		}
	return NULL;
}

static void
pg_tls(struct cg_ctx *c, const char *dhfile)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;
	const char *lo = cg_vmin(pol), *hi = cg_vmax(pol);

	fprintf(o, "ssl = on\n");
	if (lo) {
		fprintf(o, "ssl_min_protocol_version = '%s'\n", lo);
		if (c->can[CAP_MAXVER])
			fprintf(o, "ssl_max_protocol_version = '%s'\n", hi);
	}
	if (c->cipherlist[0])
		fprintf(o, "ssl_ciphers = '%s'\n", c->cipherlist);
	if (cg_has(pol, "TLSv1.3") && c->ciphersuites[0] && c->can[CAP_TLS13_SUITES])
		fprintf(o, "ssl_tls13_ciphers = '%s'\n", c->ciphersuites);
	if (c->groupslist[0] && c->can[CAP_GROUPS]) {
		fprintf(o, "ssl_groups = '%s'\n", c->groupslist);
	} else if (pol->groups_set) {
		const struct ta_group *g = pg_one_curve(c);

		if (g)
			fprintf(o, "ssl_ecdh_curve = '%s'\n", cg_ossl_group(g));
	}
	if (pol->dh && c->can[CAP_DHPARAM])
		fprintf(o, "ssl_dh_params_file = '%s'\n", dhfile);
	if (pol->server_order >= 0)
		fprintf(o, "ssl_prefer_server_ciphers = %s\n", pol->server_order ? "on" : "off");
}

static void
pg_fragment(struct cg_ctx *c)
{
	cg_comment(c, "merge into postgresql.conf");
	cg_dh_hint(c);
	pg_tls(c, "/etc/postgresql/dhparam.pem");
}

/* The start script, and the command that runs it (as user when root). */
static int
start_script(struct cg_ctx *c, const char *text, const struct passwd *pw)
{
	char script[CG_PATH], q[2 * CG_PATH];

	TA_TRY(cg_write_file(c, "start.sh", text, 0755, script, sizeof script));
	cg_shell_quote(q, sizeof q, script);
	if (pw)
		snprintf(c->cmd, sizeof c->cmd, "runuser -u %s -- /bin/sh %s", pw->pw_name, q);
	else
		snprintf(c->cmd, sizeof c->cmd, "/bin/sh %s", q);
	return TA_OK;
}

static int
pg_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], pg[CG_PATH], script[8 * CG_PATH], bin[64];
	const struct passwd *pw = run_as("postgres");

	/* the server's own files: its directory, and its key (mode 0600) */
	TA_TRY(cg_mkdir(c, "pg", pg, sizeof pg));
	if (pw &&
	    (chown(pg, pw->pw_uid, pw->pw_gid) != 0 || chown(c->key, pw->pw_uid, pw->pw_gid) != 0))
		return TA_ESYS;
	TA_TRY(cg_open_conf(c, "postgresql.conf", conf, sizeof conf));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	cg_comment(c, "PostgreSQL on %s:%u (TLS after the SSLRequest); local connections only",
	           c->host, c->port);
	fprintf(c->out,
	        "data_directory = '%s/data'\n"
	        "hba_file = '%s/data/pg_hba.conf'\n"
	        "ident_file = '%s/data/pg_ident.conf'\n"
	        "listen_addresses = '%s'\n"
	        "port = %u\n"
	        "unix_socket_directories = '%s'\n"
	        "fsync = off\n"
	        "ssl_cert_file = '%s'\n"
	        "ssl_key_file = '%s'\n",
	        pg, pg, pg, c->host, c->port, pg, c->cert, c->key);
	pg_tls(c, c->dhfile);
	TA_TRY(cg_close_conf(c));
	snprintf(bin, sizeof bin, "/usr/lib/postgresql/%lu/bin", c->sw_ver / 1000000000ul);
	snprintf(script, sizeof script,
	         "#!/bin/sh\n"
	         "# tlsaudit %s config: a PostgreSQL cluster in %s/data on first start, then\n"
	         "# the server in the foreground\n"
	         "set -e\n"
	         "[ -f '%s/data/PG_VERSION' ] || %s/initdb -D '%s/data' -U postgres "
	         "--auth=peer -E UTF8 --locale=C >/dev/null\n"
	         "exec %s/postgres -D '%s/data' -c config_file='%s'\n",
	         TA_VERSION_STRING, pg, pg, bin, pg, bin, pg, conf);
	return start_script(c, script, pw);
}

const struct cg_soft cg_soft_postgresql = {
        .name = "postgresql",
        .aliases = {"postgres"},
        .version = "15.14",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .caps = pg_caps,
        .fragment = pg_fragment,
        .standalone = pg_standalone,
};

/* ---------------------------------------------------------------- MariaDB */

static const struct cg_capver mariadb_caps[] = {
        {CAP_TLS13, "10.4.6", "openssl:1.1.1", "tls_version needs MariaDB 10.4.6", 0},
        {CAP_MAXVER, "10.4.6", NULL, "tls_version", 0},
        {0, NULL, NULL, NULL, 0},
};

static void
mariadb_tls(struct cg_ctx *c)
{
	const struct cg_policy *pol = &c->pol;
	FILE *o = c->out;
	const char *sep = "";

	if (pol->versions) {
		fprintf(o, "tls_version = ");
		for (int v = 2; v <= 5; v++) {
			static const char *const n[] = {"",        "",        "TLSv1.0",
			                                "TLSv1.1", "TLSv1.2", "TLSv1.3"};

			if (pol->versions & (1u << v)) {
				fprintf(o, "%s%s", sep, n[v]);
				sep = ",";
			}
		}
		fprintf(o, "\n");
	}
	if (c->cipherlist[0])
		fprintf(o, "ssl_cipher = %s\n", c->cipherlist);
}

static void
mariadb_fragment(struct cg_ctx *c)
{
	cg_comment(c, "merge into the [mariadbd] section (my.cnf)");
	mariadb_tls(c);
}

static int
mariadb_standalone(struct cg_ctx *c)
{
	char conf[CG_PATH], run[CG_PATH], script[8 * CG_PATH];
	const struct passwd *pw = run_as("mysql");
	bool v6 = strchr(c->host, ':') != NULL;

	TA_TRY(cg_mkdir(c, "run", run, sizeof run));
	if (pw &&
	    (chown(run, pw->pw_uid, pw->pw_gid) != 0 || chown(c->key, pw->pw_uid, pw->pw_gid) != 0))
		return TA_ESYS;
	TA_TRY(cg_open_conf(c, "my.cnf", conf, sizeof conf));
	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, c->pol.p->id,
	           c->pol.p->title);
	cg_comment(c, "MariaDB on %s:%u (TLS after the server's greeting)", c->host, c->port);
	fprintf(c->out,
	        "[mariadbd]\n"
	        "datadir = %s/data\n"
	        "%s%s%s"
	        "bind-address = %s%s%s\n"
	        "port = %u\n"
	        "socket = %s/mysqld.sock\n"
	        "pid-file = %s/mysqld.pid\n"
	        "log-error = %s/error.log\n"
	        "skip-log-bin\n"
	        "skip-name-resolve\n"
	        "host-cache-size = 0\n"
	        "max-connect-errors = 4294967295\n"
	        "ssl-cert = %s\n"
	        "ssl-key = %s\n",
	        run, pw ? "user = " : "", pw ? pw->pw_name : "", pw ? "\n" : "", v6 ? "[" : "",
	        c->host, v6 ? "]" : "", c->port, run, run, run, c->cert, c->key);
	mariadb_tls(c);
	TA_TRY(cg_close_conf(c));
	snprintf(script, sizeof script,
	         "#!/bin/sh\n"
	         "# tlsaudit %s config: a data directory in %s/data on first start, then\n"
	         "# the server in the foreground\n"
	         "set -e\n"
	         "[ -d '%s/data/mysql' ] || mariadb-install-db --no-defaults --datadir='%s/data' "
	         "%s%s --auth-root-authentication-method=normal --skip-test-db >/dev/null\n"
	         "exec mariadbd --defaults-file='%s'\n",
	         TA_VERSION_STRING, run, run, run, pw ? "--user=" : "", pw ? pw->pw_name : "",
	         conf);
	return start_script(c, script, NULL);
}

const struct cg_soft cg_soft_mariadb = {
        .name = "mariadb",
        .aliases = {"mysql"},
        .version = "10.11.19",
        .lib = CG_OPENSSL,
        .lib_version = "3.0.19",
        .libs = 1u << CG_OPENSSL,
        .caps = mariadb_caps,
        .fragment = mariadb_fragment,
        .standalone = mariadb_standalone,
};
