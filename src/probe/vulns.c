/*
 * The active vulnerability probes (docs/vulnerabilities.md): each detects
 * without exploiting, with a few connections to the target's own address,
 * after the versions and suites are known.
 *
 * - Heartbleed (CVE-2014-0160): after the server's flight, a heartbeat
 *   request that declares 16,384 payload bytes and carries none.  RFC 6520
 *   says to discard it silently; a vulnerable server answers with its
 *   memory.  The bytes it returns are counted, never kept or shown.
 * - CCS injection (CVE-2014-0224): a ChangeCipherSpec before the key
 *   exchange, then a record that would be encrypted.  A patched server
 *   answers the ChangeCipherSpec with unexpected_message; a vulnerable one
 *   takes it, and then fails to decrypt the record (bad_record_mac), or
 *   waits for more.
 * - Downgrade protection (RFC 8446 4.1.3): a server of TLS 1.3 answering a
 *   TLS 1.2 (1.1) hello puts DOWNGRD\1 (\0) at the end of its random.
 * - Intolerance: the same hello with supported_versions listing GREASE and
 *   a version to come (0x0305) beside its own, with GREASE and unassigned
 *   extensions, with GREASE suites and groups (RFC 8446 4.2.1, RFC 8701);
 *   each must still get a ServerHello, as a plain hello does.  (A
 *   legacy_version above 0x0303 is not tried: RFC 8446 freezes it, and
 *   JSSE and Erlang/OTP refuse it, as clients never send it.)
 * ROBOT and Ticketbleed: vulns_robot.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/hbpost.h"
#include "probe/vulns_int.h"

#define HB_DECLARED   16384 /* payload length the heartbeat request declares */
#define INTOL_RETRIES 1     /* a refused twist is tried again: noise is not a finding */

static void finish(struct vuln_job *v);
static void send_heartbeat_post(struct vuln_job *v);

/* The name of an alert, for the evidence. */
static const char *
alert_name(uint8_t d)
{
	const char *n = ta_alert_name(d);

	return n ? n : "other";
}

void
ta_vuln_set(struct ta_target *t, enum ta_vprobe p, int status, const char *fmt, ...)
{
	struct ta_vuln_probe *v = &t->res.vulns[p];
	va_list ap;

	v->status = status;
	va_start(ap, fmt);
	vsnprintf(v->evidence, sizeof v->evidence, fmt, ap);
	va_end(ap);
}

void
ta_vuln_more(struct ta_target *t, enum ta_vprobe p, int status, const char *fmt, ...)
{
	struct ta_vuln_probe *v = &t->res.vulns[p];
	va_list ap;

	if (status >= 0)
		v->status = status;
	va_start(ap, fmt);
	vsnprintf(v->more, sizeof v->more, fmt, ap);
	va_end(ap);
}

/* What an answer was, for the evidence. */
void
ta_vuln_answer_text(const struct ta_response *r, char *buf, size_t cap)
{
	static const char *const names[] = {"a ServerHello",
	                                    "a HelloRetryRequest",
	                                    "an alert",
	                                    "a close",
	                                    "no answer in time",
	                                    "no connection",
	                                    "bytes that are not TLS",
	                                    "an SSLv2 hello",
	                                    "an SSLv2 error",
	                                    "a failed STARTTLS dialogue",
	                                    "an internal failure"};

	if (r->outcome == TA_OUT_ALERT && r->has_alert)
		snprintf(buf, cap, "alert %u (%s)", r->alert.desc, alert_name(r->alert.desc));
	else
		snprintf(buf, cap, "%s",
		         r->outcome >= 0 && r->outcome <= TA_OUT_INTERNAL ? names[r->outcome]
		                                                          : "?");
}

/* What came after a second flight, for the evidence (no timings: a
 * document does not change with the load of the moment). */
void
ta_vuln_follow_text(const struct ta_response *r, char *buf, size_t cap)
{
	switch (r->follow.end) {
	case TA_FOLLOW_ALERT:
		snprintf(buf, cap, "alert %u (%s)", r->follow.alert.desc,
		         alert_name(r->follow.alert.desc));
		break;
	case TA_FOLLOW_RECORD:
		snprintf(buf, cap, "a record of type %u", r->follow.type);
		break;
	case TA_FOLLOW_CLOSED:
		snprintf(buf, cap, "a close");
		break;
	case TA_FOLLOW_RESET:
		snprintf(buf, cap, "a reset");
		break;
	case TA_FOLLOW_TIMEOUT:
		snprintf(buf, cap, "no answer in time");
		break;
	default:
		snprintf(buf, cap, "no ServerHelloDone (the second flight was not sent)");
	}
}

void
ta_vuln_record(uint8_t *out, size_t cap, size_t *len, uint8_t type, uint16_t version,
               const uint8_t *body, size_t n)
{
	if (*len + 5 + n > cap)
		return;
	out[*len] = type;
	out[*len + 1] = (uint8_t)(version >> 8);
	out[*len + 2] = (uint8_t)version;
	out[*len + 3] = (uint8_t)(n >> 8);
	out[*len + 4] = (uint8_t)n;
	memcpy(out + *len + 5, body, n);
	*len += 5 + n;
}

/* Heartbleed: a heartbeat request with a payload length and no payload. */
static void
follow_heartbeat(struct ta_job *job, const struct ta_response *r, uint8_t *out, size_t cap,
                 size_t *len)
{
	const uint8_t hb[3] = {1, HB_DECLARED >> 8, HB_DECLARED & 0xff};

	(void)job;
	ta_vuln_record(out, cap, len, TA_CT_HEARTBEAT, r->sh.version, hb, sizeof hb);
}

/* CCS injection: a ChangeCipherSpec now, and a record that would be
 * encrypted with the keys it switched to. */
static void
follow_ccs(struct ta_job *job, const struct ta_response *r, uint8_t *out, size_t cap, size_t *len)
{
	const uint8_t ccs[1] = {1};
	uint8_t fin[48];

	(void)job;
	ta_random(fin, sizeof fin);
	ta_vuln_record(out, cap, len, TA_CT_CCS, r->sh.version, ccs, sizeof ccs);
	ta_vuln_record(out, cap, len, TA_CT_HANDSHAKE, r->sh.version, fin, sizeof fin);
}

int
ta_vuln_send(struct vuln_job *v, uint32_t tag, const struct vuln_hello *vh)
{
	uint16_t versions[3] = {0x0a0a, 0x0305, vh->version}; /* GREASE, a version to come */
	struct ta_target *t = v->job.t;
	uint8_t buf[TA_HELLO_MAX_BYTES + 5];
	uint16_t groups[97], sigs[96];
	struct ta_hello h;
	struct ta_wr w;
	size_t ng = 0;
	int rc;

	memset(&h, 0, sizeof h);
	ta_random(h.random, sizeof h.random);
	h.version = vh->version;
	h.suites = vh->suites;
	h.nsuites = vh->nsuites;
	if (vh->versions_twist) { /* versions it does not know, and its own */
		h.versions = versions;
		h.nversions = 3;
	}
	h.sni = t->sni[0] ? t->sni : NULL;
	if (vh->grease_groups)
		groups[ng++] = 0x3a3a;
	ng += ta_target_groups12(t, groups + ng, 96);
	h.groups = groups;
	h.ngroups = ng;
	h.ec_point_formats = true;
	if (vh->version >= TA_TLS12) {
		h.nsigalgs = ta_list_sigalgs(sigs, 96, false);
		h.sigalgs = sigs;
	}
	h.reneg_info = true;
	h.heartbeat = vh->heartbeat;
	h.unknown_exts = vh->unknown_exts;
	h.nunknown_exts = vh->nunknown;
	if (vh->ticket) {
		/* a session made with extended_master_secret resumes only with it
		 * (RFC 7627 5.3): OpenSSL answers handshake_failure otherwise */
		h.ems = true;
		h.session_ticket = true;
		h.ticket = vh->ticket;
		h.ticket_len = vh->ticket_len;
	}
	if (vh->sid_len && vh->sid_len <= sizeof h.session_id) {
		memcpy(h.session_id, vh->sid, vh->sid_len);
		h.session_id_len = vh->sid_len;
	}
	h.pad_to = 512;
	ta_wr_init(&w, buf, sizeof buf);
	rc = ta_hello_write(&h, &w);
	v->job.tag = tag;
	if (rc == TA_OK)
		rc = vh->follow
		             ? ta_xchg_submit_follow(&v->job, buf, w.len, TA_WANT_CERT, vh->follow,
		                                     vh->wait_ms ? vh->wait_ms : WAIT_MS,
		                                     ta_vuln_on_answer)
		             : ta_xchg_submit(&v->job, buf, w.len, 0, ta_vuln_on_answer);
	if (rc == TA_OK)
		v->pending++;
	return rc;
}

static int
send_tag(struct vuln_job *v, uint32_t tag)
{
	static const uint16_t unknown[] = {0x1a1a, 0xfe17};
	uint16_t grease[TA_MAX_ACCEPT + 1], low_suites[TA_MAX_ACCEPT];
	struct vuln_hello vh = {.version = v->version, .suites = v->suites, .nsuites = v->nsuites};

	v->tries[tag]++;
	switch (tag) {
	case T_HB:
		vh.heartbeat = true;
		vh.follow = follow_heartbeat;
		break;
	case T_CCS:
		vh.follow = follow_ccs;
		break;
	case T_DOWN12:
		vh.version = TA_TLS12;
		break;
	case T_DOWN11: { /* the highest version below TLS 1.2 */
		int low = v->job.t->res.ver[TA_V_TLS11].offered ? TA_V_TLS11 : TA_V_TLS10;
		const struct ta_ver_result *r = &v->job.t->res.ver[low];

		for (size_t i = 0; i < r->nsuites; i++)
			low_suites[i] = (uint16_t)r->suites[i];
		vh.version = ta_ver_code(low);
		vh.suites = low_suites;
		vh.nsuites = r->nsuites;
		break;
	}
	case T_INTOL_VERSION: /* supported_versions with GREASE and a version to come */
		vh.versions_twist = true;
		break;
	case T_INTOL_EXT:
		vh.unknown_exts = unknown;
		vh.nunknown = sizeof unknown / sizeof unknown[0];
		break;
	case T_INTOL_GREASE:
		grease[0] = 0x2a2a;
		memcpy(grease + 1, v->suites, v->nsuites * sizeof *grease);
		vh.suites = grease;
		vh.nsuites = v->nsuites + 1;
		vh.grease_groups = true;
		break;
	default: /* T_BASE */
		break;
	}
	return ta_vuln_send(v, tag, &vh);
}

static void
judge_heartbleed(struct vuln_job *v, const struct ta_response *r)
{
	struct ta_target *t = v->job.t;
	char how[120];

	if (r->outcome != TA_OUT_HELLO || !r->follow.sent) {
		ta_vuln_answer_text(r, how, sizeof how);
		ta_vuln_set(t, TA_VP_HEARTBLEED, TA_VS_COULD_NOT_TEST,
		            "the hello for the heartbeat got %s, not a ServerHelloDone", how);
		return;
	}
	if (r->follow.end == TA_FOLLOW_RECORD && r->follow.type == TA_CT_HEARTBEAT) {
		/* the message: type, length, payload, padding; none of the payload was ours */
		size_t leaked = r->follow.bytes > 3 ? r->follow.bytes - 3 : 0;

		if (leaked > r->follow.hb_length)
			leaked = r->follow.hb_length; /* the rest is its padding */

		ta_vuln_set(
		        t, TA_VP_HEARTBLEED, TA_VS_VULNERABLE,
		        "a heartbeat request declaring %u payload bytes and carrying none got a "
		        "heartbeat response (type %u, declaring %u) of %zu bytes: %zu bytes of the "
		        "server's memory (counted, not kept)",
		        HB_DECLARED, r->follow.hb_type, r->follow.hb_length, r->follow.bytes,
		        leaked);
		return;
	}
	ta_vuln_follow_text(r, how, sizeof how);
	ta_vuln_set(t, TA_VP_HEARTBLEED, TA_VS_NOT_VULNERABLE,
	            "a heartbeat request declaring %u payload bytes and carrying none got %s "
	            "(heartbeat extension %s)",
	            HB_DECLARED, how, r->sh.heartbeat ? "negotiated" : "not negotiated");
	if (r->sh.heartbeat)
		send_heartbeat_post(v);
}

/* Heartbleed after the handshake, where the server took the extension. */
static void
send_heartbeat_post(struct vuln_job *v)
{
	/* suites whose records recprot.c protects; anonymous ones too */
	struct ta_ossl_req req = {
	        .min_version = TA_TLS10,
	        .max_version = v->version,
	        .ciphers = "AESGCM:CHACHA20:AES:CAMELLIA:3DES:!AESCCM:!PSK:!SRP:@SECLEVEL=0",
	        .flags = TA_OSSL_HEARTBEAT | TA_OSSL_NO_TICKET};

	v->job.tag = T_HB_POST;
	if (ta_xchg_submit_ossl(&v->job, &req, ta_vuln_on_answer) == TA_OK)
		v->pending++;
	else
		ta_vuln_more(v->job.t, TA_VP_HEARTBLEED, TA_VS_COULD_NOT_TEST,
		             "after the handshake: not tried (out of memory)");
}

static void
judge_heartbleed_post(struct ta_target *t, const struct ta_response *r)
{
	const char *p = r->hb.protection;
	char how[120];

	if (!r->ossl_ok) {
		ta_vuln_answer_text(r, how, sizeof how);
		ta_vuln_more(t, TA_VP_HEARTBLEED, TA_VS_COULD_NOT_TEST,
		             "after the handshake: not tested, the full handshake got %s", how);
	} else if (!r->hb.negotiated) {
		ta_vuln_more(
		        t, TA_VP_HEARTBLEED, -1,
		        "after the handshake: a full handshake did not negotiate the heartbeat "
		        "extension, so heartbeats were not sent");
	} else if (r->hb.unprotected || !r->hb.sent) {
		ta_vuln_more(t, TA_VP_HEARTBLEED, TA_VS_COULD_NOT_TEST,
		             "after the handshake: not tested, the session used %s, whose records "
		             "tlsaudit does not protect",
		             p);
	} else if (r->hb.over_answered) {
		size_t got = r->hb.over_bytes > 3 ? r->hb.over_bytes - 3 : 0;
		size_t leaked = got < r->hb.over_declared ? got : r->hb.over_declared;

		/* the first HB_POST_PAYLOAD bytes it returns are our padding */
		leaked = leaked > HB_POST_PAYLOAD ? leaked - HB_POST_PAYLOAD : 0;
		ta_vuln_more(
		        t, TA_VP_HEARTBLEED, TA_VS_VULNERABLE,
		        "after the handshake (%s): an encrypted heartbeat request declaring %u "
		        "payload bytes with none got a response declaring %u, of %zu bytes: %zu "
		        "bytes of the server's memory (decrypted, counted, not kept)%s",
		        p, HB_POST_DECLARED, r->hb.over_declared, r->hb.over_bytes, leaked,
		        r->hb.echoed ? "; a well-formed heartbeat was echoed" : "");
	} else if (r->hb.bad_record) {
		ta_vuln_more(t, TA_VP_HEARTBLEED, TA_VS_COULD_NOT_TEST,
		             "after the handshake (%s): a record of the server's did not "
		             "authenticate with the session's keys",
		             p);
	} else if (r->hb.end == TA_FOLLOW_ALERT &&
	           (r->hb.alert.desc == TA_ALERT_BAD_RECORD_MAC ||
	            r->hb.alert.desc == TA_ALERT_DECRYPTION_FAILED ||
	            r->hb.alert.desc == TA_ALERT_DECRYPT_ERROR)) {
		ta_vuln_more(t, TA_VP_HEARTBLEED, TA_VS_COULD_NOT_TEST,
		             "after the handshake (%s): the server could not read our records "
		             "(alert %u, %s)",
		             p, r->hb.alert.desc, alert_name(r->hb.alert.desc));
	} else if (r->hb.echoed) {
		ta_vuln_more(
		        t, TA_VP_HEARTBLEED, -1,
		        "after the handshake (%s): an encrypted heartbeat request declaring %u "
		        "payload bytes and carrying none was dropped, a well-formed one after "
		        "it was echoed",
		        p, HB_POST_DECLARED);
	} else {
		if (r->hb.end == TA_FOLLOW_ALERT)
			snprintf(how, sizeof how, "alert %u (%s)", r->hb.alert.desc,
			         alert_name(r->hb.alert.desc));
		else
			snprintf(how, sizeof how, "%s",
			         r->hb.end == TA_FOLLOW_CLOSED  ? "a close"
			         : r->hb.end == TA_FOLLOW_RESET ? "a reset"
			                                        : "no answer in time");
		ta_vuln_more(
		        t, TA_VP_HEARTBLEED, -1,
		        "after the handshake (%s): an encrypted heartbeat request declaring %u "
		        "payload bytes and carrying none, then a well-formed one, got %s",
		        p, HB_POST_DECLARED, how);
	}
}

static void
judge_ccs(struct ta_target *t, const struct ta_response *r)
{
	char how[120];
	uint8_t d = r->follow.alert.desc;

	if (r->outcome != TA_OUT_HELLO || !r->follow.sent) {
		ta_vuln_answer_text(r, how, sizeof how);
		ta_vuln_set(
		        t, TA_VP_CCS_INJECTION, TA_VS_COULD_NOT_TEST,
		        "the hello for the early ChangeCipherSpec got %s, not a ServerHelloDone",
		        how);
		return;
	}
	ta_vuln_follow_text(r, how, sizeof how);
	if ((r->follow.end == TA_FOLLOW_ALERT &&
	     (d == TA_ALERT_BAD_RECORD_MAC || d == TA_ALERT_DECRYPTION_FAILED)) ||
	    r->follow.end == TA_FOLLOW_TIMEOUT)
		ta_vuln_set(
		        t, TA_VP_CCS_INJECTION, TA_VS_VULNERABLE,
		        "a ChangeCipherSpec before the key exchange, then a record, got %s: the "
		        "ChangeCipherSpec was taken (a patched server answers unexpected_message)",
		        how);
	else
		ta_vuln_set(t, TA_VP_CCS_INJECTION, TA_VS_NOT_VULNERABLE,
		            "a ChangeCipherSpec before the key exchange got %s", how);
}

static void
judge_downgrade(struct vuln_job *v, uint32_t tag, const struct ta_response *r)
{
	uint8_t want = tag == T_DOWN12 ? 12 : 11;
	char how[80];
	size_t n = strlen(v->down_how);

	if (r->outcome != TA_OUT_HELLO) {
		ta_vuln_answer_text(r, how, sizeof how);
		snprintf(v->down_how + n, sizeof v->down_how - n, "%s%s hello: %s", n ? "; " : "",
		         want == 12 ? "TLS 1.2" : "TLS 1.1 (or 1.0)", how);
		v->down_ok[tag == T_DOWN12 ? 0 : 1] = true; /* not a verdict either way */
		return;
	}
	v->down_ok[tag == T_DOWN12 ? 0 : 1] = r->sh.downgrade == want;
	snprintf(v->down_how + n, sizeof v->down_how - n, "%sa %s hello got %s", n ? "; " : "",
	         want == 12 ? "TLS 1.2" : "TLS 1.1 (or 1.0)",
	         r->sh.downgrade == want ? "the DOWNGRD sentinel"
	         : r->sh.downgrade       ? "the wrong DOWNGRD sentinel"
	                                 : "no DOWNGRD sentinel in the ServerHello random");
}

void
ta_vuln_on_answer(struct ta_job *job, const struct ta_response *r)
{
	struct vuln_job *v = (struct vuln_job *)job;
	struct ta_target *t = job->t;
	uint32_t tag = r->tag;

	if ((tag & 0xff) == T_ROBOT) {
		ta_robot_answer(v, r);
		tag = 0;
	} else if ((tag & 0xff) == T_TICKET || tag == T_TICKET_OSSL) {
		ta_ticket_answer(v, r);
		tag = 0;
	}
	switch (tag) {
	case 0:
		break;
	case T_BASE:
		v->base_ok = r->outcome == TA_OUT_HELLO;
		break;
	case T_HB:
		judge_heartbleed(v, r);
		break;
	case T_HB_POST:
		judge_heartbleed_post(t, r);
		break;
	case T_CCS:
		judge_ccs(t, r);
		break;
	case T_DOWN12:
	case T_DOWN11:
		judge_downgrade(v, tag, r);
		break;
	default: {
		int k = (int)tag - T_INTOL_VERSION;

		if (k < 0 || k > 2)
			break;

		if (r->outcome != TA_OUT_HELLO && v->tries[tag] <= INTOL_RETRIES && !t->abort &&
		    send_tag(v, tag) == TA_OK)
			break; /* once more */
		v->intol[k] = r->outcome == TA_OUT_HELLO ? TA_YES : TA_NO;
		ta_vuln_answer_text(r, v->intol_how[k], sizeof v->intol_how[k]);
	}
	}
	if (--v->pending == 0)
		finish(v);
}

static void
finish_intolerance(struct vuln_job *v)
{
	static const char *const what[3] = {"supported_versions with GREASE and 0x0305",
	                                    "GREASE and unassigned extensions",
	                                    "GREASE suites and groups"};
	struct ta_target *t = v->job.t;
	char refused[240] = "";
	size_t n = 0;

	if (!v->base_ok) {
		ta_vuln_set(t, TA_VP_INTOLERANCE, TA_VS_COULD_NOT_TEST,
		            "the plain hello the others are compared with got no ServerHello");
		return;
	}
	for (int k = 0; k < 3; k++)
		if (v->intol[k] == TA_NO)
			n += (size_t)snprintf(refused + n,
			                      n < sizeof refused ? sizeof refused - n : 0,
			                      "%s%s: %s", n ? "; " : "", what[k], v->intol_how[k]);
	if (n)
		ta_vuln_set(t, TA_VP_INTOLERANCE, TA_VS_VULNERABLE,
		            "refused (twice) what it must ignore, where the plain hello worked: %s",
		            refused);
	else
		ta_vuln_set(t, TA_VP_INTOLERANCE, TA_VS_NOT_VULNERABLE,
		            "a ServerHello to each: %s, %s, %s", what[0], what[1], what[2]);
}

/* Every answer is in: the verdicts that rest on several. */
static void
finish(struct vuln_job *v)
{
	struct ta_target *t = v->job.t;

	if (v->vbest >= 0)
		finish_intolerance(v);
	if (t->res.ver[TA_V_TLS13].offered && v->vbest >= 0)
		ta_vuln_set(t, TA_VP_DOWNGRADE,
		            v->down_ok[0] && v->down_ok[1] ? TA_VS_NOT_VULNERABLE
		                                           : TA_VS_VULNERABLE,
		            "%s", v->down_how);
	ta_job_finish(&v->job);
}

static void
vuln_free(struct ta_job *job)
{
	ta_robot_key_free((struct vuln_job *)job);
	free(((struct vuln_job *)job)->ticket);
	free(job);
}

static void
vuln_start(struct ta_job *job)
{
	struct vuln_job *v = (struct vuln_job *)job;
	struct ta_target *t = job->t;
	bool tls13 = t->res.ver[TA_V_TLS13].offered;

	v->pending = 1; /* this function's own, until it has sent everything */
	for (int i = TA_V_TLS12; i >= TA_V_TLS10 && v->vbest < 0; i--)
		if (t->res.ver[i].offered && t->res.ver[i].nsuites)
			v->vbest = i;
	v->down_ok[0] = v->down_ok[1] = true;
	v->intol[0] = v->intol[1] = v->intol[2] = TA_UNKNOWN;
	if (v->vbest < 0) {
		const char *why = tls13 ? "the server offers TLS 1.3 only, which has none of it"
		                        : "the server offers no TLS 1.0 to 1.2";

		ta_vuln_set(t, TA_VP_HEARTBLEED, TA_VS_NOT_APPLICABLE, "%s", why);
		ta_vuln_set(t, TA_VP_CCS_INJECTION, TA_VS_NOT_APPLICABLE, "%s", why);
		ta_vuln_set(
		        t, TA_VP_INTOLERANCE, TA_VS_COULD_NOT_TEST,
		        "the intolerance hellos are TLS 1.2 hellos, and the server offers none of "
		        "TLS 1.0 to 1.2");
		ta_vuln_set(t, TA_VP_ROBOT, TA_VS_NOT_APPLICABLE, "%s", why);
		ta_vuln_set(t, TA_VP_TICKETBLEED, TA_VS_NOT_APPLICABLE, "%s", why);
	} else {
		const struct ta_ver_result *r = &t->res.ver[v->vbest];

		v->version = ta_ver_code(v->vbest);
		for (size_t i = 0; i < r->nsuites; i++)
			v->suites[i] = (uint16_t)r->suites[i];
		v->nsuites = r->nsuites;
		for (uint32_t tag = T_BASE; tag <= T_INTOL_GREASE; tag++) {
			if ((tag == T_DOWN12 && !(tls13 && v->vbest == TA_V_TLS12)) ||
			    (tag == T_DOWN11 && !(tls13 && (t->res.ver[TA_V_TLS11].nsuites ||
			                                    t->res.ver[TA_V_TLS10].nsuites))))
				continue;
			if (send_tag(v, tag) != TA_OK && tag == T_HB)
				ta_vuln_set(t, TA_VP_HEARTBLEED, TA_VS_COULD_NOT_TEST,
				            "out of memory");
		}
		ta_robot_start(v);
		ta_ticket_start(v);
	}
	if (!tls13)
		ta_vuln_set(t, TA_VP_DOWNGRADE, TA_VS_NOT_APPLICABLE,
		            "the server offers no TLS 1.3: there is no higher version to protect");
	else if (v->vbest < 0)
		ta_vuln_set(t, TA_VP_DOWNGRADE, TA_VS_NOT_APPLICABLE,
		            "the server offers TLS 1.3 and nothing from TLS 1.0 to 1.2 to fall "
		            "back to");
	if (--v->pending == 0)
		finish(v);
}

static const struct ta_job_ops vuln_ops = {"vulnerabilities", vuln_start, vuln_free};

void
ta_vulns_start(struct ta_target *t)
{
	struct vuln_job *v = calloc(1, sizeof *v);

	t->res.vulns_tested = true;
	if (!v) {
		for (int p = TA_VP_HEARTBLEED; p < TA_VP_COUNT; p++)
			ta_vuln_set(t, (enum ta_vprobe)p, TA_VS_COULD_NOT_TEST, "out of memory");
		return;
	}
	v->vbest = -1;
	v->job.ops = &vuln_ops;
	snprintf(v->job.label, sizeof v->job.label, "vulnerabilities");
	ta_target_add_job(t, &v->job);
}
