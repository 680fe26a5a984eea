/*
 * The certificate hellos of the features job (features.c runs the job;
 * its opening comment has the overview).  TLS 1.2 and below: one raw
 * hello per kind of certificate key the accepted suites need, and its
 * answer (asked again without status_request, then without any feature
 * extension, when the server fails it).  TLS 1.3: one OpenSSL handshake
 * per signature family (the table below), with the schemes chains are
 * signed with listed too when asked again; features.c reads its answer.
 * Every chain served is kept once, with each way it came
 * (ta_feat_add_chain).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/features_int.h"

/* TLS 1.3 signature families: the schemes one certificate can sign with. */
const struct feat_family ta_feat_families[] = {
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
const size_t ta_feat_nfamilies = sizeof ta_feat_families / sizeof ta_feat_families[0];

/* Certificate hellos, one per kind of certificate key the accepted suites
 * need (enum ta_cert_kind), labelled as users know them. */
static const char *const certk_names[TA_CERTK_COUNT] = {
        [TA_CERTK_RSA] = "RSA", [TA_CERTK_EC] = "ECDSA",  [TA_CERTK_DSA] = "DSS",
        [TA_CERTK_DH] = "DH",   [TA_CERTK_GOST] = "GOST",
};

/* Bytes of a chain's certificates, back to back. */
static size_t
chain_bytes(const struct ta_served_chain *c)
{
	size_t total = 0;

	for (size_t i = 0; i < c->n; i++)
		total += c->len[i];
	return total;
}

/* The documented order of chains: the rank of the first way each came;
 * for equal ranks (never from one server that answers alike) the leaf's
 * DER bytes, then the whole chain's, so that nothing depends on which
 * handshake finished first. */
static int
chain_cmp(const struct ta_served_chain *a, const struct ta_served_chain *b)
{
	size_t la = a->len[0], lb = b->len[0], ta = chain_bytes(a), tb = chain_bytes(b);
	int d;

	if (a->rank[0] != b->rank[0])
		return a->rank[0] < b->rank[0] ? -1 : 1;
	if ((d = memcmp(a->der + a->off[0], b->der + b->off[0], la < lb ? la : lb)) != 0)
		return d;
	if (la != lb)
		return la < lb ? -1 : 1;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return memcmp(a->der, b->der, ta);
}

/* Put chain i where the order wants it (the others are in order). */
static void
place_chain(struct ta_result *res, size_t i)
{
	struct ta_served_chain c = res->chains[i];

	while (i > 0 && chain_cmp(&c, &res->chains[i - 1]) < 0) {
		res->chains[i] = res->chains[i - 1];
		i--;
	}
	while (i + 1 < res->nchains && chain_cmp(&c, &res->chains[i + 1]) > 0) {
		res->chains[i] = res->chains[i + 1];
		i++;
	}
	res->chains[i] = c;
}

/* Add a way a chain came, in rank order (the four first kept). */
static void
add_how(struct ta_served_chain *c, unsigned rank, bool sni, const char *how)
{
	size_t pos = 0, cap = sizeof c->how / sizeof c->how[0];

	for (size_t k = 0; k < c->nhow; k++)
		if (strcmp(c->how[k], how) == 0)
			return; /* asked again the same way */
	while (pos < c->nhow && c->rank[pos] <= rank)
		pos++;
	if (pos >= cap)
		return;
	if (c->nhow == cap)
		c->nhow--; /* the last way gives its place */
	for (size_t k = c->nhow; k > pos; k--) {
		memcpy(c->how[k], c->how[k - 1], sizeof c->how[k]);
		c->rank[k] = c->rank[k - 1];
		c->how_sni[k] = c->how_sni[k - 1];
	}
	snprintf(c->how[pos], sizeof c->how[pos], "%s", how);
	c->rank[pos] = rank;
	c->how_sni[pos] = sni;
	c->nhow++;
	c->sni = c->how_sni[0];
}

static void
free_chain(struct ta_served_chain *c)
{
	free(c->der);
	free(c->ocsp);
	memset(c, 0, sizeof *c);
}

/*
 * Keep a served chain, merging one already seen (same certificates).  The
 * chains, and each one's ways, stay in rank order (features_int.h
 * RANK_*): the order in which the plan asks, never the order in which
 * answers happen to come; when there are more than TA_MAX_CHAINS, those
 * ranked first are kept.
 */
void
ta_feat_add_chain(struct ta_target *t, const struct ta_response *r, unsigned rank, bool sni,
                  const char *fmt, ...)
{
	struct ta_result *res = &t->res;
	struct ta_served_chain *c, fresh;
	size_t total = 0;
	va_list ap;
	char how[96];

	if (!r->chain || r->ncerts == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(how, sizeof how, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < r->ncerts && i < TA_CHAIN_MAX_CERTS; i++)
		total += r->cert_len[i];
	for (size_t i = 0; i < res->nchains; i++) {
		c = &res->chains[i];
		if (c->n == r->ncerts && c->len[0] == r->cert_len[0] && chain_bytes(c) == total &&
		    memcmp(c->der, r->chain, total) == 0) {
			add_how(c, rank, sni, how);
			if (!c->ocsp && r->ocsp && (c->ocsp = malloc(r->ocsp_len))) {
				memcpy(c->ocsp, r->ocsp, r->ocsp_len);
				c->ocsp_len = r->ocsp_len;
			}
			place_chain(res, i);
			return;
		}
	}
	memset(&fresh, 0, sizeof fresh);
	if (!(fresh.der = malloc(total)))
		return;
	memcpy(fresh.der, r->chain, total);
	for (size_t i = 0; i < r->ncerts && i < TA_CHAIN_MAX_CERTS; i++) {
		fresh.off[i] = r->cert_off[i];
		fresh.len[i] = r->cert_len[i];
		fresh.n++;
	}
	add_how(&fresh, rank, sni, how);
	if (res->nchains >= TA_MAX_CHAINS) {
		c = &res->chains[TA_MAX_CHAINS - 1];
		if (chain_cmp(&fresh, c) >= 0) {
			free(fresh.der);
			return;
		}
		free_chain(c); /* ranked last: it gives its place */
		res->nchains--;
	}
	if (r->ocsp && (fresh.ocsp = malloc(r->ocsp_len))) {
		memcpy(fresh.ocsp, r->ocsp, r->ocsp_len);
		fresh.ocsp_len = r->ocsp_len;
	}
	res->chains[res->nchains++] = fresh;
	place_chain(res, res->nchains - 1);
}

/* Erlang checks the server's chain against signature_algorithms (not only
 * signature_algorithms_cert, which OpenSSL does not send): an EC leaf
 * signed with RSA needs an RSA scheme listed.  Asked again with these. */
static const char chain_schemes[] =
        "rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:ecdsa_secp256r1_sha256:"
        "ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512";

int
ta_feat_send_cert13(struct feat_job *f, unsigned arg)
{
	struct ta_ossl_req req = {.min_version = TA_TLS13, .max_version = TA_TLS13};
	char list[512];

	req.sigalgs = arg & C13_ANY ? NULL : ta_feat_families[arg & 0xff].sigalgs;
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
	req.flags =
	        (arg & C13_TICKETS_AGAIN ? TA_OSSL_TICKETS | TA_OSSL_TICKETS_LONG : TA_OSSL_CHAIN) |
	        (arg & C13_NO_STATUS ? 0 : TA_OSSL_STATUS) |
	        (arg & C13_TICKETS ? TA_OSSL_TICKETS : 0);
	return ta_feat_send_ossl(f, T_CERT13 | (uint32_t)arg << 8, &req);
}

/* The family whose schemes include scheme, or -1. */
int
ta_feat_family_of(uint16_t scheme)
{
	for (size_t i = 0; i < ta_feat_nfamilies; i++)
		if (ta_feat_families[i].scheme == scheme || ta_feat_families[i].scheme2 == scheme ||
		    ta_feat_families[i].scheme3 == scheme)
			return (int)i;
	return -1;
}

/* The certificate hello for one kind of certificate key: that kind's CBC
 * suites among those accepted when there are any (the same answer then
 * says whether encrypt_then_mac is used), else all of that kind.  Kinds
 * by key, not by signature: static ECDH_RSA needs an EC certificate, and
 * a server with RSA and EC ones (Erlang) answers it with the EC one. */
int
ta_feat_send_cert12(struct feat_job *f, uint8_t certk, int ask)
{
	const struct ta_ver_result *v = &f->job.t->res.ver[f->vbest];
	uint16_t by[TA_MAX_ACCEPT];
	size_t n = 0;

	for (int pass = 0; pass < 2 && n == 0; pass++)
		for (size_t i = 0; i < v->nsuites; i++) {
			const struct ta_suite *s = ta_suite_find(v->suites[i]);

			if (s && ta_suite_cert_kind(s) == certk &&
			    (pass == 1 || ta_feat_cbc_suite(s)))
				by[n++] = (uint16_t)s->id;
		}
	if (n == 0)
		return TA_EINVAL;
	return ta_feat_send_hello_ask(f, T_CERT12 | (uint32_t)certk << 8 | (uint32_t)ask << 16,
	                              ta_ver_code(f->vbest), by, n, true, false, NULL, 0, ask);
}

const char *
ta_feat_outcome_text(const struct ta_response *r)
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
bool
ta_feat_on_cert12(struct feat_job *f, const struct ta_response *r, uint8_t certk, int ask)
{
	struct ta_target *t = f->job.t;
	const char *kname =
	        certk < TA_CERTK_COUNT && certk_names[certk] ? certk_names[certk] : "other";
	bool got = r->outcome == TA_OUT_HELLO && r->chain && r->ncerts > 0;

	if (!got && ask < ASK_BARE && r->outcome != TA_OUT_CONNECT && !t->abort &&
	    ta_feat_send_cert12(f, certk, ask + 1) == TA_OK)
		return false;
	if (!got) {
		ta_result_note(&t->res, "%s: no certificate obtained for the %s suites (%s)",
		               ta_ver_name(f->vbest), kname, ta_feat_outcome_text(r));
		return true;
	}
	ta_feat_add_chain(t, r, RANK_CERT12 + certk, true, "%s, %s suites, SNI %s",
	                  ta_ver_name(f->vbest), kname, t->sni[0] ? "sent" : "none (address)");
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
		ta_feat_take_features(f, r, ask == ASK_ALL);
	return true;
}
