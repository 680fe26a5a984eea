/*
 * Handshake features and the server's cipher order.
 *
 * The features are the yes/no facts of model/facts.h (key, where the value
 * lives in struct ta_features, the good answer): the evaluator adds, keyed
 * by the fact's key, when a rule on it applies by default and the words of
 * its evidence and remediation.  A rule naming a key that is not a yes/no
 * fact is rejected when the profile is loaded (ta_feature_lookup).
 */
#include <stdlib.h>
#include <string.h>

#include "profile/eval_int.h"

const struct ta_feature ta_features_tab[] = {
        {"ocsp_stapling", COND_ALWAYS, "OCSP response stapled",
         "Enable OCSP stapling (nginx: ssl_stapling on; ssl_stapling_verify on).",
         "Stop stapling OCSP responses."},
        {"secure_renegotiation", COND_TLS12_OR_BELOW,
         "Secure renegotiation (RFC 5746 renegotiation_info)",
         "Upgrade the TLS library so that it supports secure renegotiation (RFC 5746).",
         "Disable renegotiation_info (not advisable)."},
        {"client_renegotiation", COND_TLS12_OR_BELOW, "Client-initiated renegotiation accepted",
         "Allow client-initiated renegotiation.",
         "Refuse client-initiated renegotiation (OpenSSL: SSL_OP_NO_RENEGOTIATION; Apache and "
         "nginx refuse it by default in current versions)."},
        {"compression", COND_TLS12_OR_BELOW, "TLS compression accepted",
         "Enable TLS compression (not advisable).",
         "Disable TLS-level compression (CRIME): OpenSSL SSL_OP_NO_COMPRESSION, or upgrade the "
         "TLS library."},
        {"fallback_scsv", COND_TWO_VERSIONS, "Downgrade protection (TLS_FALLBACK_SCSV)",
         "Support TLS_FALLBACK_SCSV (RFC 7507): any current TLS library does; upgrade it, or "
         "offer only TLSv1.2 and later.",
         "Stop honouring TLS_FALLBACK_SCSV."},
        {"session_id_resumption", COND_TLS12_OR_BELOW, "Session resumption by session ID",
         "Enable session-ID resumption (a server-side session cache; nginx: ssl_session_cache "
         "shared:SSL:10m).",
         "Disable session-ID resumption (no server-side session cache; nginx: "
         "ssl_session_cache off)."},
        {"session_ticket", COND_TLS12_OR_BELOW, "Session ticket resumption (RFC 5077)",
         "Enable TLS session tickets (nginx: ssl_session_tickets on).",
         "Disable TLS session tickets (nginx: ssl_session_tickets off)."},
        {"session_ticket_extension", COND_TLS12_OR_BELOW, "Session ticket extension answered",
         "Enable TLS session tickets (nginx: ssl_session_tickets on).",
         "Disable TLS session tickets (nginx: ssl_session_tickets off)."},
        {"tls13_session_tickets", COND_TLS13, "TLS 1.3 session tickets sent",
         "Send TLS 1.3 session tickets (OpenSSL: SSL_CTX_set_num_tickets above 0).",
         "Send no TLS 1.3 session tickets (OpenSSL: SSL_CTX_set_num_tickets 0)."},
        {"tls13_resumption", COND_TLS13, "TLS 1.3 resumption",
         "Accept TLS 1.3 resumption with the tickets the server sends.",
         "Refuse TLS 1.3 resumption (send no session tickets)."},
        {"extended_master_secret", COND_TLS12_OR_BELOW, "Extended master secret (RFC 7627)",
         "Enable the extended master secret extension (RFC 7627): upgrade the TLS library.",
         "Disable extended master secret (not advisable)."},
        {"encrypt_then_mac", COND_TLS12_OR_BELOW, "Encrypt-then-MAC (RFC 7366)",
         "Enable encrypt-then-MAC (RFC 7366).", "Disable encrypt-then-MAC."},
        {"heartbeat", COND_ALWAYS, "Heartbeat extension", "Enable heartbeat.",
         "Disable the heartbeat extension."},
        {"early_data", COND_TLS13, "TLS 1.3 0-RTT early data accepted", "Enable 0-RTT early data.",
         "Disable 0-RTT early data (nginx: ssl_early_data off; OpenSSL: max_early_data 0)."},
};
const size_t ta_features_count = sizeof ta_features_tab / sizeof ta_features_tab[0];

const struct ta_feature *
ta_feature_lookup(const char *key, const struct ta_fact **fact)
{
	const struct ta_fact *f = ta_fact_find(key);

	*fact = NULL;
	if (!f || f->type != TA_FACT_TRI)
		return NULL;
	for (size_t i = 0; i < ta_features_count; i++)
		if (strcmp(ta_features_tab[i].name, key) == 0) {
			*fact = f;
			return &ta_features_tab[i];
		}
	return NULL;
}

/* A condition: 1 holds, 0 does not, -1 unknown. */
static int
cond_holds(enum ta_cond k, const struct ta_result *r)
{
	int n = 0, unknown = 0;

	switch (k) {
	case COND_TLS12_OR_BELOW:
		return ev_some_offered(r, TA_V_SSL3, TA_V_TLS12);
	case COND_TLS13:
		return ver_known(r, TA_V_TLS13) ? ver_offered(r, TA_V_TLS13) : -1;
	case COND_TWO_VERSIONS:
		for (int i = TA_V_SSL3; i <= TA_V_TLS13; i++) {
			n += ver_offered(r, i);
			unknown += !ver_known(r, i);
		}
		return n >= 2 ? 1 : (n + unknown >= 2 ? -1 : 0);
	case COND_LEGACY_NO_TLS13: {
		int old = ev_some_offered(r, TA_V_SSL3, TA_V_TLS11);
		int t13 = cond_holds(COND_TLS13, r);

		if (old == 0 || t13 == 1)
			return 0;
		return old == 1 && t13 == 0 ? 1 : -1;
	}
	default:
		return 1;
	}
}

static const char *const cond_text[COND_N] = {
        "always",
        "a version below TLSv1.3 is offered",
        "TLSv1.3 is offered",
        "at least two protocol versions are offered",
        "a version below TLSv1.2 is offered and TLSv1.3 is not",
};

enum ta_cond
ev_feature_when(const struct ta_rule *ru)
{
	return ru->when >= 0 ? (enum ta_cond)ru->when : ru->feature->when;
}

/* Verdict when the answer is not the expected one. */
static enum ta_verdict
otherwise(const struct ta_rule *ru)
{
	enum ta_verdict v = ru->otherwise >= 0 ? (enum ta_verdict)ru->otherwise : TA_VERDICT_FAIL;

	return v == TA_VERDICT_FAIL && ru->severity == TA_VERDICT_WARN ? TA_VERDICT_WARN : v;
}

/* What the profile says of an expected yes (no): required (forbidden) when
 * the other answer fails, recommended (discouraged) when it warns, optional
 * when the profile only notes it. */
static const char *
expect_level(const struct ta_rule *ru)
{
	switch (otherwise(ru)) {
	case TA_VERDICT_FAIL:
		return ru->expect ? "required" : "forbidden";
	case TA_VERDICT_WARN:
		return ru->expect ? "recommended" : "discouraged";
	default:
		return "optional";
	}
}

void
ev_feature(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_feature *f = ru->feature;
	const struct ta_features *ft = &c->r->features;
	enum ta_cond when = ev_feature_when(ru);
	int holds = cond_holds(when, c->r);
	const char *level = expect_level(ru);
	int val;

	if (holds == 0) {
		ev_add(&o->ev, "Does not apply: it applies when %s.", cond_text[when]);
		worsen(o, TA_VERDICT_NA);
		return;
	}
	if (!ft->tested) {
		ev_add(&o->ev, "Handshake features were not tested.");
		worsen(o, TA_VERDICT_CNT);
		ev_item(o, IK_FEATURE, f->name, TA_UNKNOWN, level, TA_VERDICT_CNT);
		return;
	}
	val = ta_fact_int(ru->fact, ft);
	if (val == TA_UNKNOWN || holds < 0) {
		ev_add(&o->ev, "%s: unknown (%s).", f->label,
		       holds < 0 ? "the versions it depends on were not all tested"
		                 : "the probe could not tell");
		worsen(o, TA_VERDICT_CNT);
		ev_item(o, IK_FEATURE, f->name, val == TA_UNKNOWN ? TA_UNKNOWN : val, level,
		        TA_VERDICT_CNT);
		return;
	}
	ev_add(&o->ev, "%s: %s.", f->label, val == TA_YES ? "yes" : "no");
	if ((val == TA_YES) == (ru->expect == 1)) {
		worsen(o, TA_VERDICT_PASS);
		ev_item(o, IK_FEATURE, f->name, val, level, TA_VERDICT_PASS);
		return;
	}
	enum ta_verdict v = ru->otherwise >= 0 ? (enum ta_verdict)ru->otherwise : TA_VERDICT_FAIL;
	worsen(o, v);
	ev_item(o, IK_FEATURE, f->name, val, level, v);
	if (v == TA_VERDICT_PASS) {
		ev_add(&o->dev, "Not %s, which this profile only notes.",
		       ru->expect ? "present" : "absent");
		ev_add(&o->fix, "Optional: %s", ru->expect ? f->fix_on : f->fix_off);
	} else {
		ev_add(&o->fix, "%s", ru->expect ? f->fix_on : f->fix_off);
	}
}

void
ev_server_order(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const char *level = expect_level(ru);
	bool any = false;
	char buf[32];

	for (int i = 0; i < TA_NVER; i++) {
		const struct ta_ver_result *v = &c->r->ver[i];
		bool only = ru->unless_only.n > 0;
		struct ta_item *it;

		if (!(ru->vmask & (1u << i)))
			continue;
		if (!ver_known(c->r, i)) {
			ev_sep(&o->ev);
			ev_add(&o->ev, "%s not tested.", ta_ver_name(i));
			worsen(o, TA_VERDICT_CNT);
			if ((it = ev_item(o, IK_PROTOCOL, "server_order", TA_UNKNOWN, level,
			                  TA_VERDICT_CNT)))
				it->ver = (int8_t)i;
			continue;
		}
		if (!v->offered || v->nsuites < 2)
			continue;
		for (size_t k = 0; only && k < v->nsuites; k++)
			only = in_list(&ru->unless_only,
			               ev_suite_name(v->suites[k], buf, sizeof buf));
		if (only)
			continue;
		any = true;
		ev_sep(&o->ev);
		if (v->server_order == TA_UNKNOWN) {
			ev_add(&o->ev, "%s: server order unknown.", ta_ver_name(i));
			worsen(o, TA_VERDICT_CNT);
			if ((it = ev_item(o, IK_PROTOCOL, "server_order", TA_UNKNOWN, level,
			                  TA_VERDICT_CNT)))
				it->ver = (int8_t)i;
			continue;
		}
		ev_add(&o->ev, "%s: %s.", ta_ver_name(i),
		       v->server_order == TA_YES ? "the server enforces its cipher order"
		                                 : "the client's cipher order is followed");
		enum ta_verdict iv = TA_VERDICT_PASS;
		if ((v->server_order == TA_YES) != (ru->expect == 1)) {
			iv = ru->otherwise >= 0 ? (enum ta_verdict)ru->otherwise : TA_VERDICT_FAIL;
			if (o->fix.len == 0)
				ev_add(&o->fix, "%s",
				       ru->expect
				               ? "Make the server choose the cipher suite by its "
				                 "own "
				                 "order (nginx: ssl_prefer_server_ciphers on)."
				               : "Let the client choose the cipher suite (nginx: "
				                 "ssl_prefer_server_ciphers off).");
		}
		worsen(o, iv);
		if ((it = ev_item(o, IK_PROTOCOL, "server_order", v->server_order, level, iv)))
			it->ver = (int8_t)i;
	}
	if (!any && o->v == TA_VERDICT_NA) {
		ev_sep(&o->ev);
		ev_add(&o->ev, "No version in scope offers two or more cipher suites that need "
		               "ordering.");
	}
}
