/*
 * The verdicts of the active vulnerability probes (probe/vulns.c) in the
 * shape of the derived ones (vulns.c): one object per check with id, cve,
 * status, severity, evidence and fix (docs/vulnerabilities.md).
 */
#include "assess/assess.h"

static const struct {
	const char *id;
	const char *cve[4];
	const char *severity; /* when vulnerable */
	const char *fix;
} rows[TA_VP_COUNT] = {
        [TA_VP_HEARTBLEED] = {"heartbleed",
                              {"CVE-2014-0160"},
                              "critical",
                              "Upgrade the TLS library (OpenSSL 1.0.1g or later), then replace "
                              "the private key and revoke the certificate: the memory that "
                              "leaked may have held the key."},
        [TA_VP_CCS_INJECTION] = {"ccs-injection",
                                 {"CVE-2014-0224"},
                                 "high",
                                 "Upgrade OpenSSL (0.9.8za, 1.0.0m, 1.0.1h or later)."},
        [TA_VP_TICKETBLEED] = {"ticketbleed",
                               {"CVE-2016-9244"},
                               "high",
                               "Upgrade the BIG-IP software, or turn session tickets off on "
                               "the virtual server."},
        [TA_VP_ROBOT] = {"robot",
                         {"CVE-2017-13099", "CVE-2017-6168", "CVE-2017-17382", "CVE-2017-1000385"},
                         "high",
                         "Turn the RSA key exchange suites (TLS_RSA_*) off, or upgrade the "
                         "TLS stack."},
        [TA_VP_DOWNGRADE] = {"downgrade-protection",
                             {NULL},
                             "medium",
                             "Upgrade the TLS library to one that implements the downgrade "
                             "protection of RFC 8446 (OpenSSL 1.1.1, GnuTLS 3.6.5 or later)."},
        [TA_VP_INTOLERANCE] = {"intolerance",
                               {NULL},
                               "medium",
                               "Upgrade the server, or the device in front of it: it must "
                               "ignore versions, extensions and GREASE values it does not "
                               "know (RFC 8446 4.1.2, RFC 8701), or clients fail when they "
                               "change."},
};

static const char *
status_name(int s)
{
	switch (s) {
	case TA_VS_VULNERABLE:
		return "vulnerable";
	case TA_VS_NOT_VULNERABLE:
		return "not_vulnerable";
	case TA_VS_NOT_APPLICABLE:
		return "not_applicable";
	default:
		return "could_not_test";
	}
}

json_t *
ta_vulns_active(const struct ta_result *r)
{
	json_t *list = json_array();

	for (int p = 0; list && p < TA_VP_COUNT; p++) {
		const struct ta_vuln_probe *v = &r->vulns[p];
		json_t *cve = json_array(), *ev = json_array(), *o;
		const char *evidence = v->evidence;

		for (int k = 0; cve && k < 4 && rows[p].cve[k]; k++)
			json_array_append_new(cve, json_string(rows[p].cve[k]));
		if (!r->vulns_tested)
			evidence = "not probed (--no-vuln)";
		else if (!r->ok)
			evidence = "the target could not be scanned";
		else if (v->status == TA_VS_NOT_TESTED)
			evidence = "the probe did not run (the scan stopped early)";
		if (ev && evidence[0])
			json_array_append_new(ev, json_string(evidence));
		if (ev && evidence == v->evidence && v->more[0])
			json_array_append_new(ev, json_string(v->more));
		o = json_pack("{ss so ss ss so ss}", "id", rows[p].id, "cve", cve, "status",
		              r->vulns_tested && r->ok ? status_name(v->status) : "could_not_test",
		              "severity",
		              v->status == TA_VS_VULNERABLE && r->ok ? rows[p].severity : "info",
		              "evidence", ev, "fix", rows[p].fix);
		if (!o || json_array_append_new(list, o) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}
