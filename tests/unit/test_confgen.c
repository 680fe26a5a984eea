/*
 * The configuration generator's tables (src/confgen), through the public
 * API: for a software, version and library, what the output must and must
 * not contain, and which notes it must give.  Each row says why, from the
 * capability tables and the built-in profiles; the live check of
 * the generated configurations is tests/integration/test_config.py.
 */
#include <stdlib.h>
#include <string.h>

#include "tharness.h"
#include "tlsaudit.h"

static const struct {
	const char *name, *software, *version, *lib, *profile;
	const char *has, *has_not, *note; /* NULL: not checked */
} cases[] = {
        /* nginx: ssl_conf_command since 1.19.4 with OpenSSL 1.1.1 */
        {"nginx 1.22 TLS 1.3 suites", "nginx", NULL, NULL, "hkcert-intermediate",
         "ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
         "TLS_CHACHA20_POLY1305_SHA256;",
         NULL, NULL},
        {"nginx client order (Mozilla)", "nginx", NULL, NULL, "mozilla-5.7-intermediate",
         "ssl_prefer_server_ciphers off;", NULL, NULL},
        {"nginx 1.19.3: no ssl_conf_command", "nginx", "1.19.3", NULL, "hkcert-intermediate",
         "ssl_protocols TLSv1.2 TLSv1.3;", "ssl_conf_command", "cannot set the TLS 1.3 suites"},
        {"nginx with OpenSSL 1.1.0: no TLS 1.3", "nginx", NULL, "openssl:1.1.0",
         "mozilla-5.7-intermediate", "ssl_protocols TLSv1.2;", "TLSv1.3", "TLS 1.3 left out"},
        {"nginx 1.12: HKCERT Modern impossible", "nginx", "1.12.0", NULL, "hkcert-modern", NULL,
         NULL, "note: rule versions: not expressible"},
        {"nginx Suite B: one suite, P-256, ECDSA-SHA256", "nginx", NULL, NULL, "ncsc-uk-suiteb-c1",
         "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;\nssl_ecdh_curve prime256v1;\n"
         "ssl_conf_command SignatureAlgorithms ecdsa_secp256r1_sha256;",
         "TLSv1.3", NULL},
        {"nginx Foundation: RFC 3526 group 14", "nginx", NULL, NULL, "ncsc-uk-foundation",
         "group:modp_2048", "ssl_ecdh_curve", NULL},
        /* Apache: SSLCipherSuite TLSv1.3 since 2.4.36 */
        {"apache 2.4.62", "apache", NULL, NULL, "hkcert-modern",
         "SSLProtocol -all +TLSv1.3\nSSLCipherSuite TLSv1.3 ", NULL, NULL},
        {"apache 2.4.35: no TLS 1.3", "httpd", "2.4.35", NULL, "mozilla-5.7-intermediate",
         "SSLProtocol -all +TLSv1.2\n", "TLSv1.3", "TLS 1.3 left out"},
        /* HAProxy: sigalgs since 2.8 */
        {"haproxy 2.6 Suite B: no sigalgs", "haproxy", NULL, NULL, "ncsc-uk-suiteb-c1", NULL,
         "sigalgs", "note: rule sigschemes: not expressible"},
        {"haproxy 2.8 Suite B: sigalgs", "haproxy", "2.8.0", NULL, "ncsc-uk-suiteb-c1",
         " sigalgs ecdsa_secp256r1_sha256", NULL, NULL},
        {"haproxy client order", "haproxy", NULL, NULL, "hkcert-intermediate",
         " prefer-client-ciphers", NULL, NULL},
        /* GnuTLS: the largest product of components inside the profile */
        {"gnutls HKCERT Intermediate: no DHE-RSA (no DHE-RSA-CHACHA20)", "gnutls", NULL, NULL,
         "hkcert-intermediate",
         "-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"
         "+CHACHA20-POLY1305:-MAC-ALL:+AEAD",
         "+DHE-RSA", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
        {"gnutls Mozilla 5.7 Intermediate: DHE-RSA", "gnutls", NULL, NULL,
         "mozilla-5.7-intermediate", "+DHE-RSA", NULL, NULL},
        {"gnutls Foundation: one suite", "gnutls", NULL, NULL, "ncsc-uk-foundation",
         "-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA256", NULL,
         NULL},
        {"gnutls NCSC-NL: server order", "gnutls", NULL, NULL, "ncsc-nl-2025-05",
         "%SERVER_PRECEDENCE", NULL, NULL},
        /* OpenSSL: X25519MLKEM768 from 3.5 */
        {"openssl 3.0: no ML-KEM hybrid", "openssl", NULL, NULL, "mozilla-6.0-intermediate",
         "Groups = X25519:prime256v1:secp384r1\n", "MLKEM", "has no X25519MLKEM768"},
        {"openssl 3.5: ML-KEM hybrid", "openssl", "3.5.0", NULL, "mozilla-6.0-intermediate",
         "Groups = X25519MLKEM768:X25519:prime256v1:secp384r1\n", NULL, NULL},
        /* lighttpd: mod_openssl or mod_gnutls */
        {"lighttpd mod_openssl", "lighttpd", NULL, NULL, "mozilla-5.7-intermediate",
         "\"MinProtocol\" => \"TLSv1.2\", \"MaxProtocol\" => \"TLSv1.3\"", "gnutls-override", NULL},
        {"lighttpd mod_gnutls: no DH parameters", "lighttpd", NULL, "gnutls:3.7.9",
         "mozilla-5.7-intermediate", "\"gnutls-override\" => \"NORMAL:", NULL,
         "note: rule dh: not expressible"},
        /* Dovecot: no highest version; ssl_cipher_suites since 2.3.15 */
        {"dovecot Suite B: TLS 1.3 on anyway, tolerated", "dovecot", NULL, NULL,
         "ncsc-uk-suiteb-c1", "ssl_min_protocol = TLSv1.2\n", NULL, "TLS 1.3 is offered too"},
        {"dovecot 2.3.13: no ssl_cipher_suites", "dovecot", "2.3.13", NULL, "hkcert-modern",
         "ssl_min_protocol = TLSv1.3\n", "ssl_cipher_suites", NULL},
        /* Postfix: protocol ranges since 3.6, tls_config_file since 3.7.6 */
        {"postfix 3.7.11", "postfix", NULL, NULL, "hkcert-intermediate",
         "smtpd_tls_protocols = >=TLSv1.2, <=TLSv1.3\n", NULL, NULL},
        {"postfix 3.5: no highest version", "postfix", "3.5.0", NULL, "ncsc-uk-suiteb-c1",
         "smtpd_tls_protocols = >=TLSv1.2\n", "<=", "TLS 1.3 is offered too"},
        {"postfix curves by OpenSSL's short names", "postfix", NULL, NULL, "hkcert-modern",
         "tls_eecdh_auto_curves = X25519 prime256v1 secp384r1\n", NULL, NULL},
        /* Exim: GnuTLS (Debian) or OpenSSL */
        {"exim GnuTLS Foundation: ike14", "exim", NULL, NULL, "ncsc-uk-foundation",
         "tls_dhparam = ike14\n", NULL, NULL},
        {"exim OpenSSL", "exim4", NULL, "openssl:3.0.19", "hkcert-intermediate",
         "openssl_options = +no_sslv2 +no_sslv3 +no_tlsv1 +no_tlsv1_1 -cipher_server_preference",
         NULL, "cannot set the TLS 1.3 suites"},
        /* stunnel: ciphersuites since 5.51 */
        {"stunnel 5.50: no ciphersuites", "stunnel", "5.50", NULL, "hkcert-intermediate",
         "sslVersionMax = TLSv1.3\n", "ciphersuites", NULL},
};

static const struct {
	const char *name;
	struct ta_servconf req;
} bad[] = {
        {"unknown software", {.software = "iis", .profile = "hkcert-modern"}},
        {"unknown profile", {.software = "nginx", .profile = "no-such"}},
        {"nginx with GnuTLS",
         {.software = "nginx", .profile = "hkcert-modern", .tls_library = "gnutls:3.7.9"}},
        {"library without version",
         {.software = "lighttpd", .profile = "hkcert-modern", .tls_library = "gnutls"}},
        {"not a version", {.software = "nginx", .profile = "hkcert-modern", .version = "new"}},
        {"cert without the others",
         {.software = "nginx", .profile = "hkcert-modern", .cert = "c.pem"}},
        {"a string has no standalone form",
         {.software = "openssl",
          .profile = "hkcert-modern",
          .cert = "c",
          .key = "k",
          .listen = "127.0.0.1:1",
          .out_dir = "/nonexistent"}},
        {"listen without port",
         {.software = "nginx",
          .profile = "hkcert-modern",
          .cert = "c",
          .key = "k",
          .listen = "127.0.0.1",
          .out_dir = "/nonexistent"}},
};

/* The lines of out that are not comments (a fresh string). */
static char *
directives(const char *out)
{
	char *d = calloc(1, strlen(out) + 1), *w = d;

	for (const char *l = out; d && *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) + 1 : strlen(l);

		if (*l != '#') {
			memcpy(w, l, n);
			w += n;
		}
		l += n;
	}
	return d;
}

int
main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ta_servconf req = {.software = cases[i].software,
		                          .version = cases[i].version,
		                          .tls_library = cases[i].lib,
		                          .profile = cases[i].profile};
		char *out = NULL, *notes = NULL, *dir, err[512] = "";
		size_t outlen = 0, noteslen = 0;
		FILE *o = open_memstream(&out, &outlen), *n = open_memstream(&notes, &noteslen);
		int rc;

		TH_CASE(cases[i].name);
		if (!o || !n)
			return 1;
		rc = ta_servconf_generate(&req, o, n, err, sizeof err);
		fclose(o);
		fclose(n);
		CHECK_EQ(rc, TA_OK);
		CHECK(strstr(out, cases[i].profile) != NULL);
		CHECK(strstr(out, "tlsaudit " TA_VERSION_STRING " config") != NULL);
		if (cases[i].has && !strstr(out, cases[i].has))
			fprintf(stderr, "output:\n%s\n", out);
		CHECK(!cases[i].has || strstr(out, cases[i].has));
		dir = directives(out);
		CHECK(dir && (!cases[i].has_not || !strstr(dir, cases[i].has_not)));
		free(dir);
		if (cases[i].note && !strstr(notes, cases[i].note))
			fprintf(stderr, "notes:\n%s\n", notes);
		CHECK(!cases[i].note || strstr(notes, cases[i].note));
		free(out);
		free(notes);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[512] = "";
		FILE *o = fopen("/dev/null", "w");

		TH_CASE(bad[i].name);
		if (!o)
			return 1;
		CHECK_EQ(ta_servconf_generate(&bad[i].req, o, NULL, err, sizeof err), TA_EINVAL);
		CHECK(err[0] != '\0');
		fclose(o);
	}
	{
		/* the names the plan takes from an inventory's software column */
		static const struct {
			const char *text, *name;
		} names[] = {{"nginx", "nginx"},
		             {"Apache2", "apache"},
		             {"HTTPD", "apache"},
		             {"exim4", "exim"},
		             {"postgres", "postgresql"},
		             {"MySQL", "mariadb"},
		             {"stunnel4", "stunnel"},
		             {"gnutls", "gnutls"},
		             {"iis", NULL},
		             {"apache22", NULL},
		             {"", NULL}};

		TH_CASE("software names and aliases");
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			const char *got =
			        ta_servconf_software_find(names[i].text, strlen(names[i].text));

			CHECK(names[i].name ? got && strcmp(got, names[i].name) == 0 : got == NULL);
		}
		/* a length: the rest of "nginx/1.22.1" is the version */
		CHECK(ta_servconf_software_find("nginx/1.22.1", 5) != NULL);
		CHECK(ta_servconf_software_find("nginx/1.22.1", 4) == NULL);
	}
	return th_done("unit_confgen");
}
