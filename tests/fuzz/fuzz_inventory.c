/*
 * Fuzz target: an inventory file in any format (src/inventory/: CSV,
 * target list, nmap XML), the format picked by content (TA_INV_AUTO).
 * Invariants: the value is -1 after exactly one error and nothing added,
 * else the number of error messages; every message is one line of
 * printable ASCII starting with the file's name; every row is checked
 * (host, port, protocol, text); and the rows written as CSV and read back
 * give the same rows without a message.
 */
#include <stdio.h>

#include "fuzz.h"
#include "inventory/inventory.h"

struct seen {
	int errors, notes;
};

static void
on_msg(void *arg, enum ta_inv_severity sev, const char *msg)
{
	struct seen *s = arg;

	FUZZ_ASSERT(sev == TA_INV_ERROR || sev == TA_INV_NOTE);
	FUZZ_ASSERT(strncmp(msg, "fuzz", 4) == 0);
	for (const char *p = msg; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p <= 0x7e);
	if (sev == TA_INV_ERROR)
		s->errors++;
	else
		s->notes++;
}

static void
no_msg(void *arg, enum ta_inv_severity sev, const char *msg)
{
	(void)arg, (void)sev;
	fprintf(stderr, "re-read: %s\n", msg);
	FUZZ_ASSERT(!"a row written as CSV is read back without a message");
}

static bool
text_ok(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

static void
check_row(const struct ta_inv_row *r)
{
	const char *const texts[] = {
	        r->asset_id,    r->name,    r->owner,       r->service,          r->host,
	        r->protocol,    r->sni,     r->exposure,    r->criticality,      r->software,
	        r->tls_library, r->profile, r->contingency, r->exception_expiry, r->tags,
	        r->notes};
	char key[TA_INV_KEY_MAX];

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		FUZZ_ASSERT(text_ok(texts[i]) && strlen(texts[i]) <= TA_INV_FIELD_MAX);
	FUZZ_ASSERT(r->host[0] && strlen(r->host) <= 253);
	FUZZ_ASSERT(r->port >= 1);
	FUZZ_ASSERT(ta_starttls_known(r->protocol));
	FUZZ_ASSERT(r->upgradable >= TA_UPG_UNSET && r->upgradable <= TA_UPG_NO);
	FUZZ_ASSERT(!r->exception_expiry[0] || strlen(r->exception_expiry) == 10);
	FUZZ_ASSERT(!r->exposure[0] || !strcmp(r->exposure, "internet") ||
	            !strcmp(r->exposure, "internal") || !strcmp(r->exposure, "partner"));
	FUZZ_ASSERT(r->line >= 1);
	ta_inv_key(r, key, sizeof key);
	FUZZ_ASSERT(strlen(key) < sizeof key - 1);
}

static bool
same(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_inventory inv, back;
	struct seen s = {0};
	char *csv = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	ta_inv_init(&inv);
	ta_inv_init(&back);
	rc = ta_inv_parse((const char *)data, size, "fuzz", TA_INV_AUTO, &inv, on_msg, &s);
	if (rc < 0) {
		FUZZ_ASSERT(rc == -1 && s.errors == 1 && inv.n == 0);
		return 0;
	}
	FUZZ_ASSERT(rc == s.errors);
	for (size_t i = 0; i < inv.n; i++)
		check_row(&inv.rows[i]);

	f = open_memstream(&csv, &len);
	FUZZ_ASSERT(f != NULL);
	FUZZ_ASSERT(ta_inv_write_csv(f, &inv, NULL, 0, NULL, 0) == TA_OK);
	fclose(f);
	rc = ta_inv_parse(csv, len, "fuzz-back", TA_INV_CSV, &back, no_msg, NULL);
	FUZZ_ASSERT(rc == 0 && back.n == inv.n);
	for (size_t i = 0; i < inv.n; i++) {
		const struct ta_inv_row *a = &inv.rows[i], *b = &back.rows[i];

		FUZZ_ASSERT(
		        same(a->asset_id, b->asset_id) && same(a->name, b->name) &&
		        same(a->owner, b->owner) && same(a->service, b->service) &&
		        same(a->host, b->host) && a->port == b->port &&
		        same(a->protocol, b->protocol) && same(a->sni, b->sni) &&
		        same(a->exposure, b->exposure) && same(a->criticality, b->criticality) &&
		        same(a->software, b->software) && same(a->tls_library, b->tls_library) &&
		        same(a->profile, b->profile) && a->upgradable == b->upgradable &&
		        same(a->contingency, b->contingency) &&
		        same(a->exception_expiry, b->exception_expiry) && same(a->tags, b->tags) &&
		        same(a->notes, b->notes));
	}
	free(csv);
	ta_inv_free(&inv);
	ta_inv_free(&back);
	return 0;
}
