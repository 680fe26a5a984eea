/*
 * JSON report (schema: docs/schema/scan.schema.json).  Built with jansson,
 * which escapes every string; names come from our registries, never from
 * server bytes, except the error texts, which are our own.
 */
#include <jansson.h>
#include <stdio.h>

#include "probe/scan_internal.h"
#include "report/report.h"
#include "wire/registry.h"

static json_t *
tri(int v)
{
	return v == TA_YES ? json_true() : v == TA_NO ? json_false() : json_null();
}

static json_t *
suite_names(const struct ta_ver_result *v, bool ssl2)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->nsuites; i++) {
		const struct ta_suite *s =
		        ssl2 ? ta_ssl2_suite_find(v->suites[i]) : ta_suite_find(v->suites[i]);
		char unk[32];

		if (s) {
			json_array_append_new(a, json_string(s->iana));
		} else {
			snprintf(unk, sizeof unk, ssl2 ? "UNKNOWN_0x%06X" : "UNKNOWN_0x%04X",
			         (unsigned)v->suites[i]);
			json_array_append_new(a, json_string(unk));
		}
	}
	return a;
}

static json_t *
suite_details(const struct ta_ver_result *v, bool ssl2)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->nsuites; i++) {
		const struct ta_suite *s =
		        ssl2 ? ta_ssl2_suite_find(v->suites[i]) : ta_suite_find(v->suites[i]);
		char id[16];

		snprintf(id, sizeof id, ssl2 ? "0x%06X" : "0x%04X", (unsigned)v->suites[i]);
		json_array_append_new(a, json_pack("{s:s, s:s?, s:s?, s:i, s:b, s:b, s:b}", "id",
		                                   id, "iana", s ? s->iana : NULL, "openssl",
		                                   s ? s->openssl : NULL, "bits", s ? s->bits : 0,
		                                   "forward_secrecy", s && (s->flags & TA_SUITE_FS),
		                                   "aead", s && (s->flags & TA_SUITE_AEAD),
		                                   "export", s && (s->flags & TA_SUITE_EXPORT)));
	}
	return a;
}

static json_t *
scheme_list(const uint16_t *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct ta_sigscheme *s = ta_sigscheme_find(v[i]);
		char unk[24];

		snprintf(unk, sizeof unk, "UNKNOWN_0x%04X", v[i]);
		json_array_append_new(a, json_string(s ? s->iana : unk));
	}
	return a;
}

static json_t *
target_json(const struct ta_result *r)
{
	json_t *t = json_object(), *protos = json_object(), *groups = json_array(),
	       *sigs = json_array(), *notes = json_array();

	json_object_set_new(t, "host", json_string(r->host));
	json_object_set_new(t, "port", json_integer(r->port));
	json_object_set_new(t, "ip", r->ip[0] ? json_string(r->ip) : json_null());
	json_object_set_new(t, "status", json_string(r->ok ? "ok" : "error"));
	json_object_set_new(t, "error", r->ok ? json_null() : json_string(r->error));
	json_object_set_new(t, "connections", json_integer(r->connections));
	json_object_set_new(t, "failed_connections", json_integer(r->failed_connections));
	json_object_set_new(t, "duration_ms", json_integer((json_int_t)r->duration_ms));
	for (int v = 0; v < TA_NVER; v++) {
		const struct ta_ver_result *vr = &r->ver[v];
		json_t *o = json_object();

		json_object_set_new(o, "offered", json_boolean(vr->offered));
		json_object_set_new(o, "tested", json_boolean(vr->tested));
		json_object_set_new(o, "complete", json_boolean(vr->tested && !vr->incomplete));
		json_object_set_new(o, "cipher_suites", suite_names(vr, v == TA_V_SSL2));
		json_object_set_new(o, "server_order", tri(vr->server_order));
		json_object_set_new(o, "chacha20_priority", tri(vr->chacha_priority));
		json_object_set_new(o, "cipher_suite_details", suite_details(vr, v == TA_V_SSL2));
		json_object_set_new(protos, ta_ver_name(v), o);
	}
	json_object_set_new(t, "protocols", protos);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct ta_group *g = ta_group_find(r->groups[i]);
		char unk[24];

		snprintf(unk, sizeof unk, "UNKNOWN_0x%04X", r->groups[i]);
		json_array_append_new(groups, json_string(g ? g->iana : unk));
	}
	json_object_set_new(t, "groups", groups);
	json_object_set_new(t, "groups_server_order", tri(r->groups_server_order));
	json_object_set_new(t, "tls13_hello_retry_request", tri(r->hrr_seen));
	if (r->dh.bits)
		json_object_set_new(
		        t, "dh", json_pack("{s:i, s:s}", "bits", r->dh.bits, "group", r->dh.group));
	else
		json_object_set_new(t, "dh", json_null());
	json_decref(sigs);
	sigs = scheme_list(r->sigschemes, r->nsigschemes);
	json_object_set_new(t, "signature_schemes", sigs);
	json_object_set_new(t, "signature_schemes_by_version",
			    json_pack("{s:o, s:o}", "TLSv1.2", scheme_list(r->sig12, r->nsig12),
				      "TLSv1.3", scheme_list(r->sig13, r->nsig13)));
	for (size_t i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	json_object_set_new(t, "notes", notes);
	return t;
}

int
ta_report_json(const struct ta_scan *scan, FILE *out)
{
	json_t *root = json_object(), *targets = json_array();
	int rc;

	json_object_set_new(root, "tool", json_string("tlsaudit"));
	json_object_set_new(root, "version", json_string(TA_VERSION_STRING));
	json_object_set_new(root, "schema",
	                    json_string("https://tlsaudit.invalid/schema/scan-1.json"));
	for (size_t i = 0; i < ta_scan_target_count(scan); i++)
		json_array_append_new(targets, target_json(ta_scan_result(scan, i)));
	json_object_set_new(root, "targets", targets);
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return rc == 0 ? TA_OK : TA_ESYS;
}
