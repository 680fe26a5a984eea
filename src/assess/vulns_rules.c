/*
 * The verdicts of assess/vulns.h that rest on the features probe
 * (renegotiation, TLS_FALLBACK_SCSV, compression), on the HTTP checks
 * (BREACH) and on the run (DROWN across endpoints), and the run's context
 * that DROWN compares keys with.  docs/vulnerabilities.md gives the rules
 * and their sources.
 */
#include "assess/vulns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- features ---------------------------------------------------------- */

static void
ev_note(const struct ta_vuln_view *w, struct ta_vuln_verdict *d, const char *word)
{
	const json_t *notes = json_object_get(w->t, "notes");

	for (size_t i = 0; i < json_array_size(notes) && i < 64; i++) {
		const char *s = json_string_value(json_array_get(notes, i));
		char b[TA_VULN_EV_LEN - 16];

		if (s && strstr(s, word)) {
			ta_vuln_ev(d, "scan note: %s", ta_vuln_clean(b, sizeof b, s));
			return;
		}
	}
}

/* A fact of the features probe: TA_UNKNOWN once the verdict is made here
 * (not_applicable when applies is TA_NO, else could_not_test). */
static int
feature_fact(const struct ta_vuln_view *w, struct ta_vuln_verdict *d, const char *key, int applies,
             const char *why_na, const char *note_word)
{
	int v;

	if (applies == TA_NO) {
		d->st = TA_VST_NA;
		ta_vuln_ev(d, "%s", why_na);
		return TA_UNKNOWN;
	}
	if (!w->features) {
		d->st = TA_VST_CNT;
		ta_vuln_ev(d, "handshake features not tested (--no-features, or no handshake "
		              "completed)");
		return TA_UNKNOWN;
	}
	v = ta_vuln_tri(w->features, key);
	if (v == TA_UNKNOWN) {
		d->st = TA_VST_CNT;
		ta_vuln_ev(d, "features.%s not measured", key);
		ev_note(w, d, note_word);
	}
	return v;
}

static const char no_legacy[] = "no version up to TLSv1.2 offered (TLS 1.3 has neither "
                                "renegotiation nor compression)";

void
ta_vuln_rule_client_reneg(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
                          const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	int v = feature_fact(w, d, "client_renegotiation", ta_vuln_any_offered(w, TA_VULN_LEGACY),
	                     no_legacy, "renegotiation");

	(void)r;
	(void)ctx;
	if (v == TA_YES) {
		d->st = TA_VST_VULN;
		ta_vuln_ev(d, "client-initiated renegotiation accepted");
	} else if (v == TA_NO) {
		d->st = TA_VST_OK;
		ta_vuln_ev(d, "client-initiated renegotiation refused");
	}
}

/* CVE-2009-3555 needs a renegotiation without RFC 5746: the server's own
 * (unseen by a scan) or a client's (measured). */
void
ta_vuln_rule_insecure_reneg(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
                            const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	int v = feature_fact(w, d, "secure_renegotiation", ta_vuln_any_offered(w, TA_VULN_LEGACY),
	                     no_legacy, "renegotiation");
	int client = ta_vuln_tri(w->features, "client_renegotiation");

	(void)r;
	(void)ctx;
	if (v == TA_YES) {
		d->st = TA_VST_OK;
		ta_vuln_ev(d, "secure renegotiation (RFC 5746 renegotiation_info) supported");
		return;
	}
	if (v != TA_NO)
		return;
	d->st = TA_VST_VULN;
	ta_vuln_ev(d, "no renegotiation_info in the ServerHello: RFC 5746 secure renegotiation not "
	              "supported");
	if (client == TA_YES) {
		ta_vuln_ev(d, "client-initiated renegotiation accepted");
	} else if (client == TA_NO) {
		ta_vuln_ev(d,
		           "client-initiated renegotiation refused: exposed only where the server "
		           "renegotiates by itself (e.g. to ask for a client certificate), which a "
		           "scan cannot see");
		d->sev = TA_VSEV_LOW;
	} else {
		ta_vuln_ev(d, "client-initiated renegotiation not measured");
		d->sev = TA_VSEV_MED;
	}
}

void
ta_vuln_rule_fallback(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
                      const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	unsigned mask = TA_VULN_LEGACY | TA_VULN_V(TA_V_TLS13);
	char offered[64], na[160];
	int n = 0, unknown = 0, applies, v;

	(void)r;
	(void)ctx;
	for (int i = TA_V_SSL3; i < TA_NVER; i++) {
		n += w->v[i].offered == TA_YES;
		unknown += w->v[i].offered == TA_UNKNOWN;
	}
	ta_vuln_versions(w, mask, TA_YES, offered, sizeof offered);
	applies = n >= 2 ? TA_YES : n + unknown >= 2 ? TA_UNKNOWN : TA_NO;
	snprintf(na, sizeof na, "one protocol version offered (%s): nothing to fall back to",
	         offered[0] ? offered : "none");
	v = feature_fact(w, d, "fallback_scsv", applies, na, "fallback SCSV");
	if (v == TA_YES) {
		d->st = TA_VST_OK;
		ta_vuln_ev(d,
		           "a hello below the highest version with TLS_FALLBACK_SCSV was refused "
		           "(inappropriate_fallback)");
	} else if (v == TA_NO) {
		d->st = TA_VST_VULN;
		ta_vuln_ev(d,
		           "a hello below the highest version with TLS_FALLBACK_SCSV was answered");
		ta_vuln_ev(d, "versions offered: %s", offered);
		/* what a downgrade reaches: TLS 1.3 clients also see RFC 8446's
		 * downgrade sentinel, so TLS 1.2 and up is the lesser case */
		if (w->v[TA_V_SSL3].offered == TA_YES)
			d->sev = TA_VSEV_HIGH;
		else if (ta_vuln_any_offered(w, TA_VULN_V(TA_V_TLS10) | TA_VULN_V(TA_V_TLS11)) ==
		         TA_YES)
			d->sev = TA_VSEV_MED;
		else
			d->sev = TA_VSEV_LOW;
	}
}

void
ta_vuln_rule_crime(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
                   const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	int v = feature_fact(w, d, "compression", ta_vuln_any_offered(w, TA_VULN_LEGACY), no_legacy,
	                     "compression");

	(void)r;
	(void)ctx;
	if (v == TA_YES) {
		d->st = TA_VST_VULN;
		ta_vuln_ev(d, "TLS compression (DEFLATE) accepted");
		if (strcmp(w->service, "https") != 0) {
			ta_vuln_ev(d,
			           "service %s: the known exploits need a browser sending attacker "
			           "chosen requests (HTTP)",
			           w->service[0] ? w->service : "unknown");
			d->sev = TA_VSEV_MED;
		}
	} else if (v == TA_NO) {
		d->st = TA_VST_OK;
		ta_vuln_ev(d, "TLS compression (DEFLATE) offered by the client, not chosen");
	}
}

/* Does s contain w, ignoring ASCII case? */
static bool
has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++) {
		size_t i = 0;

		while (i < n && s[i] && (s[i] | 0x20) == (w[i] | 0x20))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* Is the compressed answer personalised (a session cookie, private
 * caching)?  Then it is likely to carry a secret, and BREACH matters more;
 * without such a sign the finding is kept, at low severity: a page behind
 * a login may still be. */
static void
breach_secrets(const json_t *h, struct ta_vuln_verdict *d)
{
	const json_t *cookies = json_object_get(h, "set_cookies");
	const char *cc = json_string_value(json_object_get(h, "cache_control"));
	bool priv = cc && (has_word(cc, "private") || has_word(cc, "no-store"));
	char b[128];

	if (!json_is_integer(cookies)) {
		ta_vuln_ev(d, "whether the answer is personalised was not recorded; whether a page "
		              "reflects request input next to a secret was not examined");
		return;
	}
	if (json_integer_value(cookies) > 0 || priv) {
		if (json_integer_value(cookies) > 0)
			ta_vuln_ev(d,
			           "it sets %lld cookie(s): a session, so responses may carry "
			           "secrets such as CSRF tokens",
			           (long long)json_integer_value(cookies));
		if (priv)
			ta_vuln_ev(d, "it is personalised (Cache-Control: %s)",
			           ta_vuln_clean(b, sizeof b, cc));
		ta_vuln_ev(d, "whether a page reflects request input next to a secret was not "
		              "examined");
		return;
	}
	d->sev = TA_VSEV_LOW;
	ta_vuln_ev(d, "no sign of a secret in the answer's head (no Set-Cookie, not private); "
	              "pages behind a login may still carry one");
}

/* BREACH: HTTP compression of the HTTPS answer (the request asks for
 * gzip, deflate and br, src/net/http.c). */
void
ta_vuln_rule_breach(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
                    const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	const json_t *h = json_object_get(w->t, "http");
	char b[128], e[200];
	int c = ta_vuln_tri(h, "compression");

	(void)r;
	(void)ctx;
	if (!json_is_object(h)) {
		if (strcmp(w->service, "https") == 0) {
			d->st = TA_VST_CNT;
			ta_vuln_ev(d, "HTTPS service, HTTP checks not run (--no-http)");
		} else if (strcmp(w->service, "tls") == 0 || !w->service[0]) {
			d->st = TA_VST_CNT;
			ta_vuln_ev(
			        d,
			        "service unknown and HTTP not checked (no HTTP protocol in ALPN; "
			        "name the target host:port/https or give --http-port to check it)");
		} else {
			d->st = TA_VST_NA;
			ta_vuln_ev(d, "not an HTTP service (%s)", w->service);
		}
		return;
	}
	if (c == TA_YES) {
		d->st = TA_VST_VULN;
		ta_vuln_ev(
		        d, "the HTTPS answer is compressed (Content-Encoding: %s)",
		        ta_vuln_clean(b, sizeof b,
		                      json_string_value(json_object_get(h, "content_encoding"))));
		breach_secrets(h, d);
	} else if (c == TA_NO) {
		d->st = TA_VST_OK;
		ta_vuln_ev(d,
		           "the HTTPS answer is not compressed although the request accepted gzip, "
		           "deflate and br");
	} else {
		d->st = TA_VST_CNT;
		ta_vuln_ev(
		        d, "HTTP compression not known: %s",
		        ta_vuln_clean(e, sizeof e, json_string_value(json_object_get(h, "error"))));
	}
}

/* ---- DROWN -------------------------------------------------------------- */

/* "host:port (ip)", printable, cut to fit. */
static void
endpoint_of(const json_t *t, char *buf, size_t cap)
{
	const char *host = json_string_value(json_object_get(t, "host")),
	           *ip = json_string_value(json_object_get(t, "ip"));
	char h[TA_VULN_ENDPOINT_LEN], a[64];

	ta_vuln_clean(h, sizeof h, host ? host : "?");
	ta_vuln_clean(a, sizeof a, ip);
	snprintf(buf, cap, strchr(h, ':') ? "[%s]:%lld%s%s%s" : "%s:%lld%s%s%s", h,
	         (long long)json_integer_value(json_object_get(t, "port")),
	         a[0] && strcmp(a, h) != 0 ? " (" : "", a[0] && strcmp(a, h) != 0 ? a : "",
	         a[0] && strcmp(a, h) != 0 ? ")" : "");
}

static bool
hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* The key ids of a certificate (vulns.h, struct ta_vuln_key): 0 to 2. */
static size_t
cert_ids(const json_t *c, char ids[2][72])
{
	const char *spki = json_string_value(json_object_get(c, "public_key_sha256")),
	           *fp = json_string_value(json_object_get(c, "sha256_fingerprint"));
	size_t n = 0;

	if (hex64(spki))
		snprintf(ids[n++], sizeof ids[0], "spki:%s", spki);
	if (hex64(fp))
		snprintf(ids[n++], sizeof ids[0], "cert:%s", fp);
	return n;
}

static bool
is_rsa_cert(const json_t *c)
{
	const char *k = json_string_value(json_object_get(c, "key_type"));

	return k && strcmp(k, "RSA") == 0;
}

static const struct ta_vuln_key *
key_find(const struct ta_vuln_ctx *ctx, const char *id)
{
	for (size_t i = 0; ctx && i < ctx->nkeys; i++)
		if (strcmp(ctx->keys[i].id, id) == 0)
			return &ctx->keys[i];
	return NULL;
}

/* DROWN: SSLv2 here, or an RSA key of this target served with SSLv2 by
 * another endpoint of the run (ctx). */
void
ta_vuln_rule_drown(const struct ta_vuln_row *r, const struct ta_vuln_view *w,
                   const struct ta_vuln_ctx *ctx, struct ta_vuln_verdict *d)
{
	const struct ta_vuln_ver *v2 = &w->v[TA_V_SSL2];
	const json_t *certs = json_object_get(w->t, "certificates");
	size_t nrsa = 0;
	bool by_fp = false;

	(void)r;
	if (v2->offered == TA_YES) {
		char list[TA_VULN_EV_LEN - 64];

		d->st = TA_VST_VULN;
		ta_vuln_suite_list(v2, ta_vuln_is_any, list, sizeof list);
		ta_vuln_ev(d, "SSLv2 offered%s%s", list[0] ? " with suites: " : "", list);
		return;
	}
	for (size_t i = 0; i < json_array_size(certs) && i < 64; i++) {
		const json_t *c = json_array_get(certs, i);
		char ids[2][72];
		size_t n;

		if (!is_rsa_cert(c))
			continue;
		nrsa++;
		n = cert_ids(c, ids);
		by_fp |= n > 0 && strncmp(ids[0], "cert:", 5) == 0;
		for (size_t k = 0; k < n; k++) {
			const struct ta_vuln_key *hit = key_find(ctx, ids[k]);
			const char *fp =
			        json_string_value(json_object_get(c, "sha256_fingerprint"));

			if (hit) {
				d->st = TA_VST_VULN;
				ta_vuln_ev(
				        d,
				        "the RSA key of certificate %.16s... is served with SSLv2 "
				        "by %s",
				        hex64(fp) ? fp : ids[k] + 5, hit->endpoint);
				break;
			}
		}
	}
	if (d->st == TA_VST_VULN)
		return;
	d->st = v2->offered == TA_NO ? TA_VST_OK : TA_VST_CNT;
	ta_vuln_ev(d, v2->offered == TA_NO ? "SSLv2 not offered" : "SSLv2 not tested");
	if (nrsa == 0) {
		ta_vuln_ev(d, "no RSA certificate: no key that SSLv2 elsewhere could expose");
	} else if (!ctx) {
		ta_vuln_ev(d, "other endpoints not compared");
	} else {
		/* no count of the endpoints compared: a document does not depend on
		 * how many targets happened to finish before it */
		ta_vuln_ev(d,
		           "no endpoint of the run with SSLv2 that finished before this one "
		           "serves this RSA key (compared by %s)",
		           by_fp ? "certificate fingerprint" : "public key");
		if (ctx->unfinished)
			ta_vuln_ev(d, "%zu endpoints of the run not finished yet were not compared",
			           ctx->unfinished);
		if (ctx->dropped)
			ta_vuln_ev(d,
			           "%zu keys of SSLv2 endpoints beyond the first %d were not kept",
			           ctx->dropped, TA_VULN_MAX_KEYS);
	}
}

/* ---- the run's context ------------------------------------------------- */

void
ta_vuln_ctx_init(struct ta_vuln_ctx *c)
{
	memset(c, 0, sizeof *c);
}

void
ta_vuln_ctx_free(struct ta_vuln_ctx *c)
{
	if (!c)
		return;
	free(c->keys);
	ta_vuln_ctx_init(c);
}

static void
copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
key_add(struct ta_vuln_ctx *c, const char *id, const char *endpoint)
{
	struct ta_vuln_key *k;

	for (size_t i = 0; i < c->nkeys; i++)
		if (strcmp(c->keys[i].id, id) == 0 && strcmp(c->keys[i].endpoint, endpoint) == 0)
			return TA_OK;
	if (c->nkeys == TA_VULN_MAX_KEYS) {
		c->dropped++;
		return TA_OK;
	}
	if (c->nkeys == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;

		if (cap > TA_VULN_MAX_KEYS)
			cap = TA_VULN_MAX_KEYS;
		k = realloc(c->keys, cap * sizeof *k);
		if (!k)
			return TA_ENOMEM;
		c->keys = k;
		c->cap = cap;
	}
	k = &c->keys[c->nkeys++];
	copy(k->id, sizeof k->id, id);
	copy(k->endpoint, sizeof k->endpoint, endpoint);
	return TA_OK;
}

static bool
served_ssl2(const json_t *c)
{
	const json_t *how = json_object_get(c, "served");

	for (size_t i = 0; i < json_array_size(how) && i < 8; i++) {
		const char *s = json_string_value(json_array_get(how, i));

		if (s && strncmp(s, "SSLv2", 5) == 0)
			return true;
	}
	return false;
}

int
ta_vuln_ctx_note(struct ta_vuln_ctx *c, const json_t *target)
{
	const json_t *certs = json_object_get(target, "certificates");
	const json_t *v2 = json_object_get(json_object_get(target, "protocols"), "SSLv2");
	char endpoint[TA_VULN_ENDPOINT_LEN];
	bool only_ssl2 = false;
	size_t n = json_array_size(certs) < 64 ? json_array_size(certs) : 64;

	c->noted++;
	if (!json_is_true(json_object_get(v2, "offered")))
		return TA_OK;
	endpoint_of(target, endpoint, sizeof endpoint);
	for (size_t i = 0; i < n; i++)
		only_ssl2 |= is_rsa_cert(json_array_get(certs, i)) &&
		             served_ssl2(json_array_get(certs, i));
	for (size_t i = 0; i < n; i++) {
		const json_t *cert = json_array_get(certs, i);
		char ids[2][72];
		size_t nid;

		if (!is_rsa_cert(cert) || (only_ssl2 && !served_ssl2(cert)))
			continue;
		nid = cert_ids(cert, ids);
		for (size_t k = 0; k < nid; k++)
			if (key_add(c, ids[k], endpoint) != TA_OK)
				return TA_ENOMEM;
	}
	return TA_OK;
}
