/*
 * Certificates and handshake features of one endpoint, after the suites
 * and versions are known.
 *
 * Certificates: TLS 1.2 and below send them in the clear, so one raw hello
 * per authentication kind among the accepted suites (RSA, ECDSA, DSS)
 * collects every certificate a server has for those; TLS 1.3 encrypts
 * them, so a full OpenSSL handshake per signature family the server signs
 * with (RSA-PSS, ECDSA per curve, Ed25519, Ed448) does the same there.  One
 * more hello without SNI shows what a client sending no name receives.
 *
 * Features: the same TLS 1.2 hellos carry status_request, session_ticket,
 * extended_master_secret, encrypt_then_mac, heartbeat, NPN,
 * record_size_limit, renegotiation_info and DEFLATE, and the ServerHello
 * answers for all of them (RFC 6066, 5077, 7627, 7366, 6520, 8449, 5746,
 * 3749); they offer the kind's CBC suites when there are any, so that the
 * answer also settles encrypt_then_mac (which only applies to CBC).
 * Resumption, tickets, client-initiated renegotiation and 0-RTT need real
 * sessions: OpenSSL handshakes inside the loop.  TLS_FALLBACK_SCSV (RFC
 * 7507) costs one hello at the second-highest version.  ALPN is an
 * elimination over common protocol names whose first offer rides on the
 * session-ID handshake (repeated without ALPN when it fails with it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/engine.h"
#include "probe/ossl.h"

enum {
	T_CERT12 = 1, /* | cert kind << 8 | ask << 16 */
	T_NOSNI,
	T_CERT13, /* | family << 8 */
	T_NOSNI13,
	T_RESUME13,
	T_FALLBACK,
	T_SID1,
	T_SID2,
	T_TIX1,
	T_TIX2,
	T_ALPN,
	T_ETM,
};

static const char *const alpn_candidates[] = {"h2",       "http/1.1", "http/1.0",  "http/0.9",
                                              "spdy/3.1", "h3",       "acme-tls/1"};
#define NALPN (sizeof alpn_candidates / sizeof alpn_candidates[0])

/* TLS 1.3 signature families: the schemes one certificate can sign with. */
static const struct {
	const char *name;
	const char *sigalgs;
	uint16_t scheme; /* any of its schemes, to see whether the server uses it */
	uint16_t scheme2, scheme3;
} families[] = {
        /* PKCS#1 listed too: certificates are signed with it (RFC 8446
         * 4.2.3), and HAProxy serves its RSA certificate only then */
        {"RSA",
         "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:"
         "rsa_pkcs1_sha384:rsa_pkcs1_sha512",
         0x0804, 0x0805, 0x0806},
        {"RSA-PSS", "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512", 0x0809, 0x080a,
         0x080b},
        {"ECDSA P-256", "ecdsa_secp256r1_sha256", 0x0403, 0, 0},
        {"ECDSA P-384", "ecdsa_secp384r1_sha384", 0x0503, 0, 0},
        {"ECDSA P-521", "ecdsa_secp521r1_sha512", 0x0603, 0, 0},
        {"Ed25519", "ed25519", 0x0807, 0, 0},
        {"Ed448", "ed448", 0x0808, 0, 0},
};
#define NFAMILIES (sizeof families / sizeof families[0])

/* Certificate hellos, one per kind of certificate key the accepted suites
 * need (enum ta_cert_kind), labelled as users know them. */
static const char *const certk_names[TA_CERTK_COUNT] = {
        [TA_CERTK_RSA] = "RSA", [TA_CERTK_EC] = "ECDSA",  [TA_CERTK_DSA] = "DSS",
        [TA_CERTK_DH] = "DH",   [TA_CERTK_GOST] = "GOST",
};

/* How much a TLS <= 1.2 hello asks for: servers that close on a feature
 * extension (wolfSSL on status_request) still show their certificate to
 * a hello without it. */
enum { ASK_ALL, ASK_NO_STATUS, ASK_BARE };

struct feat_job {
	struct ta_job job;
	unsigned pending;
	int vbest; /* highest version <= TLS 1.2 offered, or -1 */
	bool tls13;
	bool features_taken;  /* a TLS 1.2 hello's extension answers are recorded */
	unsigned cert12_left; /* certificate hellos not answered yet */
	bool alpn_left[NALPN];
	bool alpn_on_sid1; /* the first ALPN offer rides on the T_SID1 handshake */
	bool ossl12_failed;
	void *sessions[4]; /* SSL_SESSION * kept for resumption (owned) */
	size_t nsessions;
};

/* Take a response's session so a later exchange can offer it. */
static void *
keep_session(struct feat_job *f, const struct ta_response *r)
{
	void *s = r->ossl_session;

	if (!s || f->nsessions >= sizeof f->sessions / sizeof f->sessions[0])
		return NULL;
	((struct ta_response *)r)->ossl_session = NULL; /* ours now */
	f->sessions[f->nsessions++] = s;
	return s;
}

static void on_answer(struct ta_job *job, const struct ta_response *r);

/* A raw TLS <= 1.2 hello with every feature extension. */
static int
send_hello_ask(struct feat_job *f, uint32_t tag, uint16_t version, const uint16_t *suites,
               size_t nsuites, bool sni, bool scsv_fallback, const char *const *alpn, size_t nalpn,
               int ask)
{
	struct ta_target *t = f->job.t;
	uint8_t buf[TA_HELLO_MAX_BYTES + 5];
	uint16_t groups[96], sigs[96];
	struct ta_hello h;
	struct ta_wr w;
	int rc;

	memset(&h, 0, sizeof h);
	ta_random(h.random, sizeof h.random);
	h.version = version;
	h.suites = suites;
	h.nsuites = nsuites;
	h.scsv_fallback = scsv_fallback;
	if (version == TA_SSL3) {
		h.no_extensions = true;
		h.scsv_reneg = true;
	} else {
		h.sni = sni && t->sni[0] ? t->sni : NULL;
		h.ngroups = ta_list_ec_groups(groups, 96);
		h.groups = groups;
		h.ec_point_formats = true;
		if (version >= TA_TLS12) {
			h.nsigalgs = ta_list_sigalgs(sigs, 96, false);
			h.sigalgs = sigs;
		}
		h.reneg_info = true;
		h.pad_to = 512;
		h.alpn = alpn;
		h.nalpn = nalpn;
		if (ask != ASK_BARE) {
			h.status_request = ask == ASK_ALL;
			h.session_ticket = true;
			h.ems = true;
			h.etm = true;
			h.heartbeat = true;
			h.npn = true;
			h.record_size_limit = 16385;
			h.deflate = true;
		}
	}
	ta_wr_init(&w, buf, sizeof buf);
	rc = ta_hello_write(&h, &w);
	f->job.tag = tag;
	if (rc == TA_OK)
		rc = ta_xchg_submit(&f->job, buf, w.len, TA_WANT_CERT | TA_WANT_STATUS, on_answer);
	if (rc == TA_OK)
		f->pending++;
	return rc;
}

static int
send_ossl(struct feat_job *f, uint32_t tag, const struct ta_ossl_req *req)
{
	int rc;

	f->job.tag = tag;
	rc = ta_xchg_submit_ossl(&f->job, req, on_answer);
	if (rc == TA_OK)
		f->pending++;
	return rc;
}

/* Keep a served chain, merging one already seen (same certificates). */
static void add_chain(struct ta_target *t, const struct ta_response *r, bool sni, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static void
add_chain(struct ta_target *t, const struct ta_response *r, bool sni, const char *fmt, ...)
{
	struct ta_result *res = &t->res;
	struct ta_served_chain *c;
	size_t total = 0;
	va_list ap;
	char how[96];

	if (!r->chain || r->ncerts == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(how, sizeof how, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < r->ncerts; i++)
		total += r->cert_len[i];
	for (size_t i = 0; i < res->nchains; i++) {
		c = &res->chains[i];
		if (c->n == r->ncerts && c->len[0] == r->cert_len[0] &&
		    memcmp(c->der, r->chain, total) == 0) {
			if (c->nhow < 4)
				snprintf(c->how[c->nhow++], sizeof c->how[0], "%s", how);
			if (!c->ocsp && r->ocsp && (c->ocsp = malloc(r->ocsp_len))) {
				memcpy(c->ocsp, r->ocsp, r->ocsp_len);
				c->ocsp_len = r->ocsp_len;
			}
			return;
		}
	}
	if (res->nchains >= TA_MAX_CHAINS)
		return;
	c = &res->chains[res->nchains];
	memset(c, 0, sizeof *c);
	if (!(c->der = malloc(total)))
		return;
	memcpy(c->der, r->chain, total);
	for (size_t i = 0; i < r->ncerts && i < TA_CHAIN_MAX_CERTS; i++) {
		c->off[i] = r->cert_off[i];
		c->len[i] = r->cert_len[i];
		c->n++;
	}
	if (r->ocsp && (c->ocsp = malloc(r->ocsp_len))) {
		memcpy(c->ocsp, r->ocsp, r->ocsp_len);
		c->ocsp_len = r->ocsp_len;
	}
	c->sni = sni;
	snprintf(c->how[0], sizeof c->how[0], "%s", how);
	c->nhow = 1;
	res->nchains++;
}

/* A suite encrypt_then_mac applies to: CBC (MAC-then-encrypt). */
static bool
cbc_suite(const struct ta_suite *s)
{
	return s && !(s->flags & TA_SUITE_AEAD) && s->cipher != TA_CIPHER_NULL &&
	       s->cipher != TA_CIPHER_RC4;
}

/* One hello with only the CBC (MAC-then-encrypt) suites the server accepts. */
static void
etm_probe(struct feat_job *f)
{
	const struct ta_ver_result *v = &f->job.t->res.ver[f->vbest];
	uint16_t cbc[TA_MAX_ACCEPT];
	size_t n = 0;

	for (size_t i = 0; i < v->nsuites; i++) {
		const struct ta_suite *s = ta_suite_find(v->suites[i]);

		if (cbc_suite(s))
			cbc[n++] = (uint16_t)s->id;
	}
	if (n)
		send_hello_ask(f, T_ETM, ta_ver_code(f->vbest), cbc, n, true, false, NULL, 0,
		               ASK_NO_STATUS);
}

/* Every certificate hello answer may settle encrypt_then_mac (the hellos
 * lead with CBC suites for that); after the last, one more hello does when
 * none could. */
static void
take_etm(struct feat_job *f, const struct ta_response *r, bool asked)
{
	struct ta_features *ft = &f->job.t->res.features;

	if (asked && r->outcome == TA_OUT_HELLO && !r->ossl && ft->encrypt_then_mac == TA_UNKNOWN &&
	    cbc_suite(ta_suite_find(r->sh.suite)))
		ft->encrypt_then_mac = r->sh.etm ? TA_YES : TA_NO;
	if (f->cert12_left > 0 && --f->cert12_left == 0 && f->features_taken &&
	    ft->encrypt_then_mac == TA_UNKNOWN)
		etm_probe(f);
}

static void
take_features(struct feat_job *f, const struct ta_response *r, bool asked_status)
{
	struct ta_features *ft = &f->job.t->res.features;
	const struct ta_server_hello *sh = &r->sh;

	if (f->features_taken || r->outcome != TA_OUT_HELLO || r->ossl)
		return;
	f->features_taken = true;
	ft->secure_renegotiation = sh->has_reneg_info ? TA_YES : TA_NO;
	ft->extended_master_secret = sh->ems ? TA_YES : TA_NO;
	ft->heartbeat = sh->heartbeat ? TA_YES : TA_NO;
	ft->compression = sh->compression == 1 ? TA_YES : TA_NO;
	if (asked_status)
		ft->ocsp_stapling = (sh->status_request && r->ocsp) ? TA_YES : TA_NO;
	ft->record_size_limit = sh->has_record_size_limit ? sh->record_size_limit : -1;
	ft->npn_tested = true;
	snprintf(ft->npn, sizeof ft->npn, "%s", r->npn);
	ft->ticket_extension = sh->session_ticket ? TA_YES : TA_NO;
}

/* TLS 1.3 certificate handshakes: T_CERT13 | arg << 8, arg a family index
 * and these bits. */
#define C13_TICKETS   0x100u /* and wait for tickets (the first one) */
#define C13_ANY       0x200u /* any signature: the schemes are not known */
#define C13_NO_STATUS 0x400u /* without status_request (asked again) */
#define C13_RIDERS    0x800u /* the schemes chains are signed with listed too */

/* Erlang checks the server's chain against signature_algorithms (not only
 * signature_algorithms_cert, which OpenSSL does not send): an EC leaf
 * signed with RSA needs an RSA scheme listed.  Asked again with these. */
static const char chain_schemes[] =
        "rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:ecdsa_secp256r1_sha256:"
        "ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512";

static int
send_cert13(struct feat_job *f, unsigned arg)
{
	struct ta_ossl_req req = {.min_version = TA_TLS13, .max_version = TA_TLS13};
	char list[512];

	req.sigalgs = arg & C13_ANY ? NULL : families[arg & 0xff].sigalgs;
	if (req.sigalgs && (arg & C13_RIDERS)) {
		/* the family's own first, then the chain schemes it lacks */
		const char *p = chain_schemes;
		size_t len = (size_t)snprintf(list, sizeof list, "%s", req.sigalgs);

		while (*p && len < sizeof list) {
			size_t n = strcspn(p, ":");
			char one[64];

			snprintf(one, sizeof one, "%.*s", (int)n, p);
			if (!strstr(req.sigalgs, one))
				len += (size_t)snprintf(list + len, sizeof list - len, ":%s", one);
			p += n + (p[n] == ':');
		}
		req.sigalgs = list;
	}
	req.flags = TA_OSSL_CHAIN | (arg & C13_NO_STATUS ? 0 : TA_OSSL_STATUS) |
	            (arg & C13_TICKETS ? TA_OSSL_TICKETS : 0);
	return send_ossl(f, T_CERT13 | (uint32_t)arg << 8, &req);
}

/* The family whose schemes include scheme, or -1. */
static int
family_of(uint16_t scheme)
{
	for (size_t i = 0; i < NFAMILIES; i++)
		if (families[i].scheme == scheme || families[i].scheme2 == scheme ||
		    families[i].scheme3 == scheme)
			return (int)i;
	return -1;
}

/* The certificate hello for one kind of certificate key: that kind's CBC
 * suites among those accepted when there are any (the same answer then
 * says whether encrypt_then_mac is used), else all of that kind.  Kinds
 * by key, not by signature: static ECDH_RSA needs an EC certificate, and
 * a server with RSA and EC ones (Erlang) answers it with the EC one. */
static int
send_cert12(struct feat_job *f, uint8_t certk, int ask)
{
	const struct ta_ver_result *v = &f->job.t->res.ver[f->vbest];
	uint16_t by[TA_MAX_ACCEPT];
	size_t n = 0;

	for (int pass = 0; pass < 2 && n == 0; pass++)
		for (size_t i = 0; i < v->nsuites; i++) {
			const struct ta_suite *s = ta_suite_find(v->suites[i]);

			if (s && ta_suite_cert_kind(s) == certk && (pass == 1 || cbc_suite(s)))
				by[n++] = (uint16_t)s->id;
		}
	if (n == 0)
		return TA_EINVAL;
	return send_hello_ask(f, T_CERT12 | (uint32_t)certk << 8 | (uint32_t)ask << 16,
	                      ta_ver_code(f->vbest), by, n, true, false, NULL, 0, ask);
}

static const char *
outcome_text(const struct ta_response *r)
{
	switch (r->outcome) {
	case TA_OUT_HELLO:
		return "a ServerHello without a certificate";
	case TA_OUT_ALERT:
		return "an alert";
	case TA_OUT_CLOSED:
		return "the connection was closed";
	case TA_OUT_TIMEOUT:
		return "no answer";
	default:
		return r->detail ? r->detail : "no usable answer";
	}
}

/*
 * A certificate hello's answer.  A server that fails it is asked again
 * without status_request, then without any feature extension; what could
 * not be had is said in the notes (a certificate is never lost silently).
 * Returns false when the hello was sent again (the answer is not final).
 */
static bool
on_cert12(struct feat_job *f, const struct ta_response *r, uint8_t certk, int ask)
{
	struct ta_target *t = f->job.t;
	const char *kname =
	        certk < TA_CERTK_COUNT && certk_names[certk] ? certk_names[certk] : "other";
	bool got = r->outcome == TA_OUT_HELLO && r->chain && r->ncerts > 0;

	if (!got && ask < ASK_BARE && r->outcome != TA_OUT_CONNECT && !t->abort &&
	    send_cert12(f, certk, ask + 1) == TA_OK)
		return false;
	if (!got) {
		ta_result_note(&t->res, "%s: no certificate obtained for the %s suites (%s)",
		               ta_ver_name(f->vbest), kname, outcome_text(r));
		return true;
	}
	add_chain(t, r, true, "%s, %s suites, SNI %s", ta_ver_name(f->vbest), kname,
	          t->sni[0] ? "sent" : "none (address)");
	if (ask == ASK_NO_STATUS) {
		/* a client asking for a staple gets no connection at all */
		t->res.features.ocsp_stapling = TA_NO;
		ta_result_note(&t->res,
		               "%s: the server fails a hello that asks for OCSP stapling "
		               "(status_request), so it staples nothing; its certificate came "
		               "without asking",
		               ta_ver_name(f->vbest));
	} else if (ask == ASK_BARE)
		ta_result_note(&t->res,
		               "%s: the server fails a hello with the feature extensions "
		               "(status_request, session_ticket, extended_master_secret, "
		               "encrypt_then_mac, heartbeat, NPN, record_size_limit); its "
		               "certificate came without them, and those were not tested there",
		               ta_ver_name(f->vbest));
	if (ask != ASK_BARE)
		take_features(f, r, ask == ASK_ALL);
	return true;
}

static void
alpn_next(struct feat_job *f)
{
	const char *list[NALPN];
	size_t n = 0;
	struct ta_target *t = f->job.t;

	for (size_t i = 0; i < NALPN; i++)
		if (f->alpn_left[i])
			list[n++] = alpn_candidates[i];
	if (n == 0)
		return;
	if (f->vbest >= 0) {
		const struct ta_ver_result *v = &t->res.ver[f->vbest];
		uint16_t suites[TA_MAX_ACCEPT];

		for (size_t i = 0; i < v->nsuites; i++)
			suites[i] = (uint16_t)v->suites[i];
		send_hello_ask(f, T_ALPN, ta_ver_code(f->vbest), suites, v->nsuites, true, false,
		               list, n, ASK_BARE);
	} else {
		char joined[256] = "";
		struct ta_ossl_req req = {.min_version = TA_TLS13, .max_version = TA_TLS13};

		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(joined);

			snprintf(joined + len, sizeof joined - len, "%s%s", i ? "," : "", list[i]);
		}
		req.alpn = joined;
		send_ossl(f, T_ALPN, &req);
	}
}

static void
on_alpn(struct feat_job *f, const struct ta_response *r)
{
	struct ta_features *ft = &f->job.t->res.features;

	if (r->outcome == TA_OUT_ALERT || (r->outcome == TA_OUT_HELLO && !r->alpn[0])) {
		ft->alpn_tested = true; /* none of the rest is accepted */
		return;
	}
	if (r->outcome != TA_OUT_HELLO)
		return; /* no usable answer: alpn_tested stays false */
	ft->alpn_tested = true;
	for (size_t i = 0; i < NALPN; i++)
		if (f->alpn_left[i] && strcmp(r->alpn, alpn_candidates[i]) == 0) {
			f->alpn_left[i] = false;
			if (ft->nalpn < 8)
				snprintf(ft->alpn[ft->nalpn++], sizeof ft->alpn[0], "%.31s",
				         r->alpn);
			alpn_next(f);
			return;
		}
	/* chose something never offered: stop, and say so */
	ta_result_note(&f->job.t->res, "ALPN: the server chose a protocol that was not offered");
}

/* The ALPN candidates still open, comma-separated. */
static size_t
alpn_joined(const struct feat_job *f, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NALPN; i++)
		if (f->alpn_left[i]) {
			size_t len = strlen(out);

			snprintf(out + len, cap - len, "%s%s", n++ ? "," : "", alpn_candidates[i]);
		}
	return n;
}

/* The session-ID handshake also makes the first ALPN offer (every
 * candidate), which saves a hello; its answer goes through on_alpn. */
static void
send_sid1(struct feat_job *f)
{
	char joined[256];
	struct ta_ossl_req req = {.min_version = TA_TLS10,
	                          .max_version = ta_ver_code(f->vbest),
	                          .ciphers = "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
	                          .flags = TA_OSSL_NO_TICKET};

	if (f->alpn_on_sid1 && alpn_joined(f, joined, sizeof joined) > 0)
		req.alpn = joined;
	else
		f->alpn_on_sid1 = false;
	send_ossl(f, T_SID1, &req);
}

static void
start_ossl12(struct feat_job *f)
{
	struct ta_ossl_req req = {.min_version = TA_TLS10,
	                          .max_version = ta_ver_code(f->vbest),
	                          .ciphers = "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
	                          .flags = TA_OSSL_RENEG};

	if (req.max_version < TA_TLS10)
		return;
	f->alpn_on_sid1 = true;
	send_sid1(f);
	send_ossl(f, T_TIX1, &req);
}

static void
on_answer(struct ta_job *job, const struct ta_response *r)
{
	struct feat_job *f = (struct feat_job *)job;
	struct ta_target *t = job->t;
	struct ta_features *ft = &t->res.features;
	unsigned kind = r->tag & 0xff, arg = r->tag >> 8;

	switch (kind) {
	case T_CERT12:
		/* false: asked again, with less; this answer is not final */
		if (on_cert12(f, r, arg & 0xff, (int)(arg >> 8)))
			take_etm(f, r, (int)(arg >> 8) != ASK_BARE);
		break;
	case T_NOSNI:
	case T_NOSNI13:
		if (r->outcome == TA_OUT_HELLO)
			add_chain(t, r, false, "%s, no SNI",
			          kind == T_NOSNI ? ta_ver_name(f->vbest) : "TLSv1.3");
		break;
	case T_CERT13:
		if (r->outcome != TA_OUT_HELLO || !r->ossl_ok) {
			/* like the TLS 1.2 certificate hellos: again with the
			 * chain schemes listed, then also without status_request,
			 * then say what is missing */
			unsigned next = !(arg & (C13_RIDERS | C13_ANY)) ? arg | C13_RIDERS
			                : !(arg & C13_NO_STATUS)        ? arg | C13_NO_STATUS
			                                                : 0;

			if (next && r->outcome != TA_OUT_CONNECT && !t->abort &&
			    send_cert13(f, next) == TA_OK)
				break;
			ta_result_note(
			        &t->res,
			        "TLSv1.3: no certificate obtained for the %s signature%s (%s)",
			        families[arg & 0xff].name, arg & C13_ANY ? " or any other" : "",
			        outcome_text(r));
			break;
		}
		{
			/* labelled by the scheme the server signed with: a hello
			 * listing chain schemes too may have reached another key */
			int fam = r->ossl_sigscheme ? family_of(r->ossl_sigscheme) : -1;

			add_chain(t, r, true, "TLSv1.3, %s signature",
			          families[fam >= 0 ? (size_t)fam : arg & 0xff].name);
		}
		if (arg & C13_NO_STATUS) {
			ft->ocsp_stapling = TA_NO;
			ta_result_note(&t->res,
			               "TLSv1.3: the server fails a handshake that asks for OCSP "
			               "stapling (status_request), so it staples nothing; its "
			               "certificate came without asking");
		} else {
			if (r->ocsp)
				ft->ocsp_stapling = TA_YES;
			else if (ft->ocsp_stapling == TA_UNKNOWN)
				ft->ocsp_stapling = TA_NO;
		}
		if ((arg & C13_TICKETS) && r->ossl_session && ft->tls13_tickets == TA_UNKNOWN) {
			struct ta_ossl_req req = {.min_version = TA_TLS13, .max_version = TA_TLS13};

			ft->tls13_tickets = r->ossl_tickets ? TA_YES : TA_NO;
			ft->max_early_data = r->ossl_max_early_data;
			ft->early_data = r->ossl_max_early_data ? TA_YES : TA_NO;
			if (r->ossl_tickets && (req.resume = keep_session(f, r)))
				send_ossl(f, T_RESUME13, &req);
		}
		break;
	case T_RESUME13:
		if (r->outcome == TA_OUT_HELLO && r->ossl_ok)
			ft->tls13_resumption = r->ossl_reused ? TA_YES : TA_NO;
		break;
	case T_FALLBACK:
		if (r->outcome == TA_OUT_ALERT && r->alert.desc == TA_ALERT_INAPPROPRIATE_FALLBACK)
			ft->fallback_scsv = TA_YES;
		else if (r->outcome == TA_OUT_HELLO)
			ft->fallback_scsv = TA_NO;
		else if (r->outcome == TA_OUT_CLOSED && t->closes_on_refusal) {
			/* it refuses everything that way: the hello that a server
			 * without RFC 7507 would have answered was refused */
			ft->fallback_scsv = TA_YES;
			ta_result_note(&t->res, "fallback SCSV: the server closed the connection "
			                        "(as it does instead of every alert): protected");
		} else
			ta_result_note(&t->res, "fallback SCSV: no clear answer (%s)",
			               r->outcome == TA_OUT_ALERT ? "another alert" : "no answer");
		break;
	case T_SID1:
	case T_TIX1:
		if (kind == T_SID1 && f->alpn_on_sid1) {
			f->alpn_on_sid1 = false;
			if (r->outcome == TA_OUT_HELLO && r->ossl_ok) {
				on_alpn(f, r);
			} else {
				/* no_application_protocol (120) answers ALPN: none
				 * of them; any other failure leaves ALPN to a hello
				 * of its own.  The session test goes again without
				 * ALPN either way, so ALPN never costs it. */
				if (r->outcome == TA_OUT_ALERT && r->alert.desc == 120)
					ft->alpn_tested = true;
				else
					alpn_next(f);
				send_sid1(f);
				break;
			}
		}
		if (r->outcome != TA_OUT_HELLO || !r->ossl_ok) {
			if (!f->ossl12_failed)
				ta_result_note(&t->res,
				               "resumption and renegotiation not tested: OpenSSL "
				               "could not complete a handshake with this server");
			f->ossl12_failed = true;
			break;
		}
		if (kind == T_TIX1) {
			ft->client_renegotiation = r->ossl_reneg;
		}
		if (r->ossl_session) {
			struct ta_ossl_req req = {.min_version = TA_TLS10,
			                          .max_version = ta_ver_code(f->vbest),
			                          .ciphers = "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
			                          .flags = kind == T_SID1 ? TA_OSSL_NO_TICKET : 0,
			                          .resume = NULL};

			if (kind == T_TIX1 && !ta_ossl_session_has_ticket(r->ossl_session)) {
				ft->session_ticket = TA_NO;
				break;
			}
			if ((req.resume = keep_session(f, r)))
				send_ossl(f, kind == T_SID1 ? T_SID2 : T_TIX2, &req);
		}
		break;
	case T_SID2:
		if (r->outcome == TA_OUT_HELLO && r->ossl_ok)
			ft->session_id_resumption = r->ossl_reused ? TA_YES : TA_NO;
		break;
	case T_TIX2:
		if (r->outcome == TA_OUT_HELLO && r->ossl_ok)
			ft->session_ticket = r->ossl_reused ? TA_YES : TA_NO;
		break;
	case T_ALPN:
		on_alpn(f, r);
		break;
	case T_ETM:
		if (r->outcome == TA_OUT_HELLO)
			ft->encrypt_then_mac = r->sh.etm ? TA_YES : TA_NO;
		break;
	default:
		break;
	}
	if (--f->pending == 0)
		ta_job_finish(job);
}

static void
feat_start(struct ta_job *job)
{
	struct feat_job *f = (struct feat_job *)job;
	struct ta_target *t = job->t;
	struct ta_features *ft = &t->res.features;
	int offered[TA_NVER], noff = 0;

	ft->tested = true;
	f->pending = 1; /* held while starting */
	for (int v = TA_V_SSL3; v <= TA_V_TLS13; v++)
		if (t->res.ver[v].offered)
			offered[noff++] = v;
	f->vbest = -1;
	for (int v = TA_V_TLS12; v >= TA_V_SSL3; v--)
		if (t->res.ver[v].offered) {
			f->vbest = v;
			break;
		}
	f->tls13 = t->res.ver[TA_V_TLS13].offered;
	for (size_t i = 0; i < NALPN; i++)
		f->alpn_left[i] = true;

	if (f->vbest >= 0) {
		const struct ta_ver_result *v = &t->res.ver[f->vbest];
		uint16_t all[TA_MAX_ACCEPT];

		for (size_t i = 0; i < v->nsuites; i++)
			all[i] = (uint16_t)v->suites[i];
		for (uint8_t k = TA_CERTK_NONE + 1; k < TA_CERTK_COUNT; k++)
			if (send_cert12(f, k, ASK_ALL) == TA_OK)
				f->cert12_left++;
		if (t->sni[0])
			send_hello_ask(f, T_NOSNI, ta_ver_code(f->vbest), all, v->nsuites, false,
			               false, NULL, 0, ASK_BARE);
		start_ossl12(f);
	}
	if (f->tls13) {
		bool ticketed = false;

		for (size_t i = 0; i < NFAMILIES; i++) {
			const struct ta_result *r = &t->res;

			if (!ta_u16_contains(r->sig13, r->nsig13, families[i].scheme) &&
			    !(families[i].scheme2 &&
			      ta_u16_contains(r->sig13, r->nsig13, families[i].scheme2)) &&
			    !(families[i].scheme3 &&
			      ta_u16_contains(r->sig13, r->nsig13, families[i].scheme3)))
				continue;
			send_cert13(f, (unsigned)i | (ticketed ? 0 : C13_TICKETS));
			ticketed = true;
		}
		if (!ticketed) /* family 0 label: RSA or whatever it is */
			send_cert13(f, 0 | C13_TICKETS | C13_ANY);
		if (f->vbest < 0 && t->sni[0]) {
			struct ta_ossl_req req = {.min_version = TA_TLS13,
			                          .max_version = TA_TLS13,
			                          .flags = TA_OSSL_CHAIN};
			send_ossl(f, T_NOSNI13, &req);
		}
	}
	if (noff >= 2) {
		int v2 = offered[noff - 2];
		const struct ta_ver_result *v = &t->res.ver[v2];
		uint16_t suites[TA_MAX_ACCEPT];

		for (size_t i = 0; i < v->nsuites; i++)
			suites[i] = (uint16_t)v->suites[i];
		send_hello_ask(f, T_FALLBACK, ta_ver_code(v2), suites, v->nsuites, true, true, NULL,
		               0, ASK_BARE);
	}
	if (!f->alpn_on_sid1)
		alpn_next(f);
	if (--f->pending == 0)
		ta_job_finish(job);
}

static void
feat_free(struct ta_job *job)
{
	struct feat_job *f = (struct feat_job *)job;

	for (size_t i = 0; i < f->nsessions; i++)
		ta_ossl_session_free(f->sessions[i]);
	free(job);
}

static const struct ta_job_ops feat_ops = {"features", feat_start, feat_free};

void
ta_features_start(struct ta_target *t)
{
	struct feat_job *f = calloc(1, sizeof *f);
	struct ta_features *ft = &t->res.features;

	ft->ocsp_stapling = ft->secure_renegotiation = ft->client_renegotiation = TA_UNKNOWN;
	ft->fallback_scsv = ft->compression = ft->session_id_resumption = TA_UNKNOWN;
	ft->session_ticket = ft->tls13_tickets = ft->tls13_resumption = TA_UNKNOWN;
	ft->extended_master_secret = ft->encrypt_then_mac = ft->heartbeat = TA_UNKNOWN;
	ft->early_data = ft->ticket_extension = TA_UNKNOWN;
	ft->record_size_limit = -2;
	if (!f)
		return;
	f->job.ops = &feat_ops;
	snprintf(f->job.label, sizeof f->job.label, "features");
	ta_target_add_job(t, &f->job);
}
