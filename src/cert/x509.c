/*
 * X.509 analysis on top of OpenSSL (cert.h): each served certificate is
 * decoded with d2i_X509 and read through OpenSSL's X.509 and X.509v3
 * accessors (RFC 5280 4.1 and 4.2; TLS feature, RFC 7633; embedded SCTs,
 * RFC 6962 3.3); the chain is verified with X509_verify_cert against the
 * context's trust store, with "now" from ta_now().  No ASN.1 is parsed by
 * hand here.  This module owns the trust store and the plain results; it
 * does no network I/O (no AIA or OCSP fetching) and never prints.
 *
 * This file owns "now", the chain and the trust store; each certificate
 * is decoded by x509_cert.c (x509_int.h).
 */
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* timegm(), inet_ntop() when built without the project's flags */
#endif

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cert/x509_int.h"
#include "tlsaudit.h"

/* TLSAUDIT_NOW is accepted from 0001-01-01 to 9999-12-31T23:59:59Z. */
#define NOW_MIN (-62135596800LL)
#define NOW_MAX 253402300799LL

struct ta_cert_ctx {
	X509_STORE *store;
};

/* ---- "now" ---- */

static int
digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
ta_parse_iso_time(const char *s, int64_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tm tm;
	int y, mo, d, h, mi, sec;
	time_t t;

	if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		return 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (int64_t)t;
	return 1;
}

static int
parse_now(const char *s, int64_t *out)
{
	const char *p = s;
	char *end;
	long long v;

	if (*p == '-')
		p++;
	if (*p >= '0' && *p <= '9' && strspn(p, "0123456789") == strlen(p)) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return 0;
		*out = v;
	} else if (!ta_parse_iso_time(s, out)) {
		return 0;
	}
	return *out >= NOW_MIN && *out <= NOW_MAX;
}

time_t
ta_now(void)
{
	const char *s = getenv("TLSAUDIT_NOW");
	int64_t t;

	if (s != NULL && parse_now(s, &t))
		return (time_t)t;
	return time(NULL);
}

/* ---- the chain ---- */

/* One DER certificate, exactly len bytes (trailing bytes are rejected, as TLS stacks do). */
static X509 *
parse_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (der == NULL || len == 0 || len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

static int
match_host(X509 *leaf, const char *host)
{
	unsigned char addr[16];
	char lit[INET6_ADDRSTRLEN + 2];
	size_t hl = strlen(host);

	/* "[v6]" as in URLs and targets. */
	if (hl > 2 && hl < sizeof lit + 2 && host[0] == '[' && host[hl - 1] == ']') {
		memcpy(lit, host + 1, hl - 2);
		lit[hl - 2] = '\0';
		if (inet_pton(AF_INET6, lit, addr) == 1)
			return X509_check_ip_asc(leaf, lit, 0) == 1;
	}
	if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
		return X509_check_ip_asc(leaf, host, 0) == 1;
	return X509_check_host(leaf, host, hl, 0, NULL) == 1;
}

/* Whether x names next as its issuer and X509_check_issued agrees (no signature check). */
static bool
issued_by(X509 *x, X509 *next)
{
	return X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(next)) == 0 &&
	       X509_check_issued(next, x) == X509_V_OK;
}

/*
 * Verify xs[0] with xs[1..m-1] as untrusted intermediates.  Sets trusted,
 * trust_error, and *reached: whether the chain OpenSSL built ends at a
 * self-signed certificate or at a certificate from the trust store.
 */
static int
verify(struct ta_cert_ctx *ctx, X509 **xs, size_t m, time_t now, struct ta_chain *out,
       bool *reached)
{
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	STACK_OF(X509) *rest = sk_X509_new_null();
	STACK_OF(X509) *built = NULL;
	int rc = TA_ENOMEM, r, err;

	*reached = false;
	if (sc == NULL || rest == NULL)
		goto out;
	for (size_t i = 1; i < m; i++)
		if (!sk_X509_push(rest, xs[i]))
			goto out;
	rc = TA_EINTERNAL;
	if (!X509_STORE_CTX_init(sc, ctx->store, xs[0], rest) ||
	    !X509_STORE_CTX_set_purpose(sc, X509_PURPOSE_SSL_SERVER))
		goto out;
	/* Sets X509_V_FLAG_USE_CHECK_TIME. */
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(sc), now);
	r = X509_verify_cert(sc);
	err = X509_STORE_CTX_get_error(sc);
	if (r == 1) {
		out->trusted = 1;
		out->trust_error[0] = '\0';
	} else {
		if (err == X509_V_ERR_OUT_OF_MEM) {
			rc = TA_ENOMEM;
			goto out;
		}
		if (err == X509_V_OK)
			err = X509_V_ERR_UNSPECIFIED;
		out->trusted = 0;
		snprintf(out->trust_error, sizeof out->trust_error, "%s",
		         X509_verify_cert_error_string(err));
	}
	/*
	 * On failure the context keeps the chain built so far.  Its top came
	 * from the store when the chain holds more than the served
	 * certificates used; it is a root when self-signed.  Only a top that is
	 * a served certificate whose issuer is nowhere ("unable to get local
	 * issuer certificate") means the server left something out.
	 */
	built = X509_STORE_CTX_get0_chain(sc);
	if (built != NULL && sk_X509_num(built) > 0) {
		X509 *top = sk_X509_value(built, sk_X509_num(built) - 1);

		*reached = r == 1 || X509_STORE_CTX_get_num_untrusted(sc) < sk_X509_num(built) ||
		           X509_self_signed(top, 0) == 1;
	}
	rc = TA_OK;
out:
	sk_X509_free(rest); /* the certificates belong to xs */
	X509_STORE_CTX_free(sc);
	return rc;
}

int
ta_chain_analyse(struct ta_cert_ctx *ctx, const uint8_t *const *der, const size_t *len, size_t n,
                 const char *host, struct ta_chain *out)
{
	time_t now = ta_now();
	X509 **xs = NULL;
	size_t m = 0;
	bool skipped = false, reached = false;
	int rc;

	if (out == NULL)
		return TA_EINVAL;
	memset(out, 0, sizeof *out);
	out->hostname_match = -1;
	if (ctx == NULL || der == NULL || len == NULL || n == 0)
		return TA_EINVAL;
	rc = TA_ENOMEM;
	if ((xs = calloc(n, sizeof *xs)) == NULL ||
	    (out->certs = calloc(n, sizeof *out->certs)) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		X509 *x = parse_der(der[i], len[i]);

		if (x == NULL) {
			if (i == 0) {
				rc = TA_EDECODE;
				goto out;
			}
			skipped = true;
			continue;
		}
		xs[m] = x;
		out->n = ++m; /* so that ta_chain_free frees a half-filled entry */
		if ((rc = ta_cert_fill(&out->certs[m - 1], x, der[i], len[i], now)) != TA_OK)
			goto out;
	}

	if (host != NULL)
		out->hostname_match = match_host(xs[0], host);
	if ((rc = verify(ctx, xs, m, now, out, &reached)) != TA_OK)
		goto out;
	out->complete = reached && !skipped;
	out->order_ok = !skipped;
	for (size_t i = 0; i + 1 < m; i++)
		if (!issued_by(xs[i], xs[i + 1]))
			out->order_ok = false;
	for (size_t i = 0; i < m; i++) {
		/* A root's own signature is never checked by anyone. */
		bool anchor = i > 0 && out->certs[i].self_signed;

		if (anchor)
			out->has_anchor_in_chain = true;
		else if (out->certs[i].sha1_signature)
			out->sha1_in_chain = true;
	}
	rc = TA_OK;
out:
	for (size_t i = 0; xs != NULL && i < n; i++)
		X509_free(xs[i]);
	free(xs);
	if (rc != TA_OK)
		ta_chain_free(out);
	/* Leave no queued errors behind to confuse later SSL_get_error() calls. */
	ERR_clear_error();
	return rc;
}

void
ta_chain_free(struct ta_chain *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; c->certs != NULL && i < c->n; i++)
		ta_cert_clear(&c->certs[i]);
	free(c->certs);
	memset(c, 0, sizeof *c);
	c->hostname_match = -1;
}

/* ---- trust store ---- */

/* True when dir holds at least one OpenSSL hash link ("1a2b3c4d.0"). */
static bool
has_hash_links(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		size_t n = strspn(e->d_name, "0123456789abcdef");

		found = n == 8 && e->d_name[8] == '.' && e->d_name[9] >= '0' && e->d_name[9] <= '9';
	}
	closedir(d);
	return found;
}

const char *
ta_cert_default_dir(void)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());
	const char *file = getenv(X509_get_default_cert_file_env());

	if (file != NULL && *file && (dir == NULL || !*dir))
		return NULL; /* the user named a bundle and no directory */
	if (dir == NULL || !*dir)
		dir = X509_get_default_cert_dir();
	/* SSL_CERT_DIR may list several; only a single directory is used. */
	if (strchr(dir, ':') != NULL || !has_hash_links(dir))
		return NULL;
	return dir;
}

struct ta_cert_ctx *
ta_cert_ctx_new(const char *ca_file, char *err, size_t errlen)
{
	struct ta_cert_ctx *ctx;
	unsigned long e, last = 0;
	const char *why, *dir;
	int sys = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((ctx = calloc(1, sizeof *ctx)) == NULL || (ctx->store = X509_STORE_new()) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		ta_cert_ctx_free(ctx);
		return NULL;
	}
	if (ca_file != NULL                 ? X509_STORE_load_file(ctx->store, ca_file) == 1
	    : (dir = ta_cert_default_dir()) ? X509_STORE_load_path(ctx->store, dir) == 1
	                                    : X509_STORE_set_default_paths(ctx->store) == 1) {
		ERR_clear_error();
		return ctx;
	}
	/* A system error (no such file...) says more than OpenSSL's "system lib". */
	while ((e = ERR_get_error()) != 0) {
		if (ERR_SYSTEM_ERROR(e) && sys == 0)
			sys = ERR_GET_REASON(e);
		last = e;
	}
	why = sys != 0 ? strerror(sys) : last != 0 ? ERR_reason_error_string(last) : NULL;
	if (err != NULL && errlen > 0) {
		if (ca_file != NULL)
			snprintf(err, errlen, "cannot load CA file %s: %s", ca_file,
			         why != NULL ? why : "no certificates found");
		else
			snprintf(err, errlen, "cannot load the default trust store: %s",
			         why != NULL ? why : "unknown error");
	}
	ERR_clear_error();
	ta_cert_ctx_free(ctx);
	return NULL;
}

void
ta_cert_ctx_free(struct ta_cert_ctx *ctx)
{
	if (ctx == NULL)
		return;
	X509_STORE_free(ctx->store);
	free(ctx);
}
