/*
 * JSON report (schema: docs/schema/scan.schema.json).  Built with jansson,
 * which escapes every string; names come from our registries, never from
 * server bytes, except the error texts, which are our own.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "assess/assess.h"
#include "cert/cert.h"
#include "probe/scan_internal.h"
#include "profile/profile.h"
#include "report/report.h"
#include "wire/registry.h"

#include <time.h>

json_t *
ta_report_json_tree(const struct ta_scan *scan)
{
	json_t *root = json_object(), *targets = json_array();

	json_t *meta = ta_doc_meta(ta_now());

	json_object_update(root, meta);
	json_decref(meta);
	for (size_t i = 0; i < ta_scan_target_count(scan); i++) {
		json_t *t = ta_doc_target(ta_scan_result(scan, i)), *profiles = json_object();
		size_t n;
		struct ta_eval *const *ev = ta_report_evals(scan, i, &n);

		for (size_t k = 0; ev && k < n; k++)
			if (ev[k])
				json_object_set_new(profiles, ta_profile_id(ta_eval_profile(ev[k])),
				                    ta_eval_json(ev[k]));
		json_object_set_new(t, "profiles", profiles);
		json_array_append_new(targets, t);
	}
	json_object_set_new(root, "targets", targets);
	if (ta_scan_mail_count(scan)) {
		json_t *mail = json_array();

		for (size_t i = 0; i < ta_scan_mail_count(scan); i++)
			json_array_append_new(mail, ta_doc_mail(ta_scan_mail(scan, i)));
		json_object_set_new(root, "mail", mail);
	}
	return root;
}

int
ta_report_json(const struct ta_scan *scan, FILE *out)
{
	json_t *root = ta_report_json_tree(scan);
	int rc;

	if (!root)
		return TA_ENOMEM;
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputc('\n', out);
	json_decref(root);
	return rc == 0 ? TA_OK : TA_ESYS;
}
