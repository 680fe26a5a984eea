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
 *
 * The certificate hellos, and the served chains they bring, are certs.c's
 * (features_int.h); every answer comes back through on_answer() here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/features_int.h"

static const char *const alpn_candidates[] = {"h2",       "http/1.1", "http/1.0",  "http/0.9",
                                              "spdy/3.1", "h3",       "acme-tls/1"};
_Static_assert(sizeof alpn_candidates / sizeof alpn_candidates[0] == NALPN,
               "NALPN is the number of alpn_candidates");

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
int
ta_feat_send_hello_ask(struct feat_job *f, uint32_t tag, uint16_t version, const uint16_t *suites,
                       size_t nsuites, bool sni, bool scsv_fallback, const char *const *alpn,
                       size_t nalpn, int ask)
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
		h.ngroups = ta_target_groups12(t, groups, 96);
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

int
ta_feat_send_ossl(struct feat_job *f, uint32_t tag, const struct ta_ossl_req *req)
{
	int rc;

	f->job.tag = tag;
	rc = ta_xchg_submit_ossl(&f->job, req, on_answer);
	if (rc == TA_OK)
		f->pending++;
	return rc;
}

/* A suite encrypt_then_mac applies to: CBC (MAC-then-encrypt). */
bool
ta_feat_cbc_suite(const struct ta_suite *s)
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

		if (ta_feat_cbc_suite(s))
			cbc[n++] = (uint16_t)s->id;
	}
	if (n)
		ta_feat_send_hello_ask(f, T_ETM, ta_ver_code(f->vbest), cbc, n, true, false, NULL,
		                       0, ASK_NO_STATUS);
}

/* Every certificate hello answer may settle encrypt_then_mac (the hellos
 * lead with CBC suites for that); after the last, one more hello does when
 * none could. */
static void
take_etm(struct feat_job *f, const struct ta_response *r, bool asked)
{
	struct ta_features *ft = &f->job.t->res.features;

	if (asked && r->outcome == TA_OUT_HELLO && !r->ossl && ft->encrypt_then_mac == TA_UNKNOWN &&
	    ta_feat_cbc_suite(ta_suite_find(r->sh.suite)))
		ft->encrypt_then_mac = r->sh.etm ? TA_YES : TA_NO;
	if (f->cert12_left > 0 && --f->cert12_left == 0 && f->features_taken &&
	    ft->encrypt_then_mac == TA_UNKNOWN)
		etm_probe(f);
}

void
ta_feat_take_features(struct feat_job *f, const struct ta_response *r, bool asked_status)
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
		ta_feat_send_hello_ask(f, T_ALPN, ta_ver_code(f->vbest), suites, v->nsuites, true,
		                       false, list, n, ASK_BARE);
	} else {
		char joined[256] = "";
		struct ta_ossl_req req = {.min_version = TA_TLS13, .max_version = TA_TLS13};

		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(joined);

			snprintf(joined + len, sizeof joined - len, "%s%s", i ? "," : "", list[i]);
		}
		req.alpn = joined;
		ta_feat_send_ossl(f, T_ALPN, &req);
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
	ta_feat_send_ossl(f, T_SID1, &req);
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
	ta_feat_send_ossl(f, T_TIX1, &req);
}

/* Why a full handshake gave no answer to use, in words. */
static const char *
failure_text(const struct ta_response *r)
{
	return r->outcome == TA_OUT_HELLO ? "the handshake did not complete"
	                                  : ta_feat_outcome_text(r);
}

/*
 * The TLS 1.3 tickets handshake's answer (the first with tickets, or the
 * one asked again): tickets, 0-RTT, then one resumption.  The first
 * handshake's "none" is never final: it is asked again with the longest
 * wait, and only a completed handshake that waited that long says no; one
 * that failed leaves it unknown, with a note (r NULL: not even sent).
 */
static void
on_tickets13(struct feat_job *f, const struct ta_response *r)
{
	struct ta_target *t = f->job.t;
	struct ta_features *ft = &t->res.features;
	struct ta_ossl_req req = {.min_version = TA_TLS13, .max_version = TA_TLS13};

	if (ft->tls13_tickets != TA_UNKNOWN)
		return;
	if (!r || r->outcome != TA_OUT_HELLO || !r->ossl_ok || !r->ossl_session) {
		ta_result_note(&t->res,
		               "TLSv1.3 session tickets: not known (none came within %u ms of a "
		               "full handshake, and a second one, to wait longer, %s%s)",
		               f->ticket_wait_ms, r ? "failed: " : "could not be made",
		               r ? failure_text(r) : "");
		return;
	}
	ft->tls13_tickets = r->ossl_tickets ? TA_YES : TA_NO;
	ft->max_early_data = r->ossl_max_early_data;
	ft->early_data = r->ossl_max_early_data ? TA_YES : TA_NO;
	if (r->ossl_tickets && (req.resume = keep_session(f, r)))
		ta_feat_send_ossl(f, T_RESUME13, &req);
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
		if (ta_feat_on_cert12(f, r, arg & 0xff, (int)(arg >> 8)))
			take_etm(f, r, (int)(arg >> 8) != ASK_BARE);
		break;
	case T_NOSNI:
	case T_NOSNI13:
		if (r->outcome == TA_OUT_HELLO)
			ta_feat_add_chain(t, r, kind == T_NOSNI ? RANK_NOSNI : RANK_NOSNI13, false,
			                  "%s, no SNI",
			                  kind == T_NOSNI ? ta_ver_name(f->vbest) : "TLSv1.3");
		break;
	case T_CERT13:
		if (arg & C13_TICKETS_AGAIN) {
			on_tickets13(f, r);
			break;
		}
		if (r->outcome != TA_OUT_HELLO || !r->ossl_ok) {
			/* like the TLS 1.2 certificate hellos: again with the
			 * chain schemes listed, then also without status_request,
			 * then say what is missing */
			unsigned next = !(arg & (C13_RIDERS | C13_ANY)) ? arg | C13_RIDERS
			                : !(arg & C13_NO_STATUS)        ? arg | C13_NO_STATUS
			                                                : 0;

			if (next && r->outcome != TA_OUT_CONNECT && !t->abort &&
			    ta_feat_send_cert13(f, next) == TA_OK)
				break;
			ta_result_note(
			        &t->res,
			        "TLSv1.3: no certificate obtained for the %s signature%s (%s)",
			        ta_feat_families[arg & 0xff].name,
			        arg & C13_ANY ? " or any other" : "", ta_feat_outcome_text(r));
			break;
		}
		{
			/* labelled by the scheme the server signed with: a hello
			 * listing chain schemes too may have reached another key */
			int fam = r->ossl_sigscheme ? ta_feat_family_of(r->ossl_sigscheme) : -1;
			size_t label = fam >= 0 ? (size_t)fam : arg & 0xff;

			ta_feat_add_chain(t, r, RANK_CERT13 + (unsigned)label, true,
			                  "TLSv1.3, %s signature", ta_feat_families[label].name);
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
			if (r->ossl_tickets) {
				on_tickets13(f, r);
			} else {
				/* none within the adaptive wait: a busy server may
				 * send them later; the same hello again, waiting
				 * longer, before saying no */
				f->ticket_wait_ms = r->ossl_ticket_wait_ms;
				if (t->abort ||
				    ta_feat_send_cert13(f, (arg & ~C13_TICKETS_AGAIN) |
				                                   C13_TICKETS_AGAIN) != TA_OK)
					on_tickets13(f, NULL);
			}
		}
		break;
	case T_RESUME13:
		if (r->outcome == TA_OUT_HELLO && r->ossl_ok)
			ft->tls13_resumption = r->ossl_reused ? TA_YES : TA_NO;
		else
			ta_result_note(&t->res,
			               "TLSv1.3 resumption: not known (the handshake offering the "
			               "session's ticket failed: %s)",
			               failure_text(r));
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
				ta_feat_send_ossl(f, kind == T_SID1 ? T_SID2 : T_TIX2, &req);
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
			if (ta_feat_send_cert12(f, k, ASK_ALL) == TA_OK)
				f->cert12_left++;
		if (t->sni[0])
			ta_feat_send_hello_ask(f, T_NOSNI, ta_ver_code(f->vbest), all, v->nsuites,
			                       false, false, NULL, 0, ASK_BARE);
		start_ossl12(f);
	}
	if (f->tls13) {
		bool ticketed = false;

		for (size_t i = 0; i < ta_feat_nfamilies; i++) {
			const struct ta_result *r = &t->res;

			if (!ta_u16_contains(r->sig13, r->nsig13, ta_feat_families[i].scheme) &&
			    !(ta_feat_families[i].scheme2 &&
			      ta_u16_contains(r->sig13, r->nsig13, ta_feat_families[i].scheme2)) &&
			    !(ta_feat_families[i].scheme3 &&
			      ta_u16_contains(r->sig13, r->nsig13, ta_feat_families[i].scheme3)))
				continue;
			ta_feat_send_cert13(f, (unsigned)i | (ticketed ? 0 : C13_TICKETS));
			ticketed = true;
		}
		if (!ticketed) /* family 0 label: RSA or whatever it is */
			ta_feat_send_cert13(f, 0 | C13_TICKETS | C13_ANY);
		if (f->vbest < 0 && t->sni[0]) {
			struct ta_ossl_req req = {.min_version = TA_TLS13,
			                          .max_version = TA_TLS13,
			                          .flags = TA_OSSL_CHAIN};
			ta_feat_send_ossl(f, T_NOSNI13, &req);
		}
	}
	if (noff >= 2) {
		int v2 = offered[noff - 2];
		const struct ta_ver_result *v = &t->res.ver[v2];
		uint16_t suites[TA_MAX_ACCEPT];

		for (size_t i = 0; i < v->nsuites; i++)
			suites[i] = (uint16_t)v->suites[i];
		ta_feat_send_hello_ask(f, T_FALLBACK, ta_ver_code(v2), suites, v->nsuites, true,
		                       true, NULL, 0, ASK_BARE);
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
