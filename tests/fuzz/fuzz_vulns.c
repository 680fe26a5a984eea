/*
 * Fuzz target: the known-vulnerability verdicts derived from a target
 * document (assess/vulns.c, vulns_rules.c), which may be a stored one read
 * back: any JSON, any shape.  Invariants: never crashes; an object gets
 * an array of verdict objects, each with a string id and a known status;
 * the run context (DROWN) takes every document, also after many.
 */
#include <jansson.h>
#include <string.h>

#include "assess/vulns.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const statuses[] = {"vulnerable", "not_vulnerable", "not_applicable",
	                                       "could_not_test"};
	struct ta_vuln_ctx ctx;
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *list, *v;
	size_t i;

	if (!doc)
		return 0;
	ta_vuln_ctx_init(&ctx);
	/* the document itself, then as another endpoint's (DROWN compares) */
	if (ta_vuln_ctx_note(&ctx, doc) != TA_OK)
		goto out; /* out of memory */
	list = ta_vulns_derive(doc, &ctx);
	FUZZ_ASSERT(list != NULL && json_is_array(list));
	json_array_foreach (list, i, v) {
		const char *st = json_string_value(json_object_get(v, "status"));
		bool known = false;

		FUZZ_ASSERT(json_is_string(json_object_get(v, "id")));
		for (size_t k = 0; st && k < sizeof statuses / sizeof *statuses; k++)
			known |= strcmp(st, statuses[k]) == 0;
		FUZZ_ASSERT(known);
	}
	json_decref(list);
	if (json_is_object(doc))
		FUZZ_ASSERT(ta_vulns_attach(doc, &ctx) == TA_OK);
out:
	ta_vuln_ctx_free(&ctx);
	json_decref(doc);
	return 0;
}
