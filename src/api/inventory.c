/*
 * The inventory of a store (include/tlsaudit.h, docs/inventory.md):
 * files read into endpoint rows (src/inventory), kept in the store, and
 * written back as our CSV with what the last scan of each endpoint saw.
 * A row is stored as the text of a one-row inventory file, so what is
 * read back goes through the same fuzzed parser as any inventory file.
 */
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "inventory/inventory.h"
#include "report/escape.h"
#include "store/store.h"
#include "wire/rd.h"

#define DEFAULT_PROFILE "hkcert-intermediate"

struct msgs {
	FILE *out;
	size_t errors, notes;
};

static void
on_msg(void *arg, enum ta_inv_severity sev, const char *msg)
{
	struct msgs *m = arg;

	if (sev == TA_INV_ERROR)
		m->errors++;
	else
		m->notes++;
	if (!m->out)
		return;
	fputs("tlsaudit: ", m->out);
	ta_esc_put(m->out, msg, ta_esc_term_mode()); /* it quotes the file */
	fputc('\n', m->out);
}

/* Row r as the text of a one-row inventory file (malloc'd), or NULL. */
static char *
row_text(struct ta_inv_row *r)
{
	struct ta_inventory one = {r, 1, 1};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return NULL;
	rc = ta_inv_write_csv(f, &one, NULL, 0, NULL, 0);
	if (fclose(f) != 0 || rc != TA_OK) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The rows already stored, sorted by key, to merge new rows into. */
struct stored {
	struct ta_inventory inv;
	char **keys;
	size_t *order; /* row indexes sorted by key */
	struct msgs m;
};

static int
load_row(void *arg, const char *key, const char *text)
{
	struct stored *s = arg;

	(void)key;
	return ta_inv_parse(text, strlen(text), "store", TA_INV_CSV, &s->inv, on_msg, &s->m) == 0
	               ? TA_OK
	               : TA_EINVAL;
}

static const struct stored *sort_ctx;

static int
cmp_order(const void *a, const void *b)
{
	return strcmp(sort_ctx->keys[*(const size_t *)a], sort_ctx->keys[*(const size_t *)b]);
}

static int
load_stored(struct ta_store *st, struct stored *s)
{
	ta_inv_init(&s->inv);
	TA_TRY(ta_store_inventory_each(st, load_row, s));
	s->keys = calloc(s->inv.n + 1, sizeof *s->keys);
	s->order = calloc(s->inv.n + 1, sizeof *s->order);
	if (!s->keys || !s->order)
		return TA_ENOMEM;
	for (size_t i = 0; i < s->inv.n; i++) {
		if (!(s->keys[i] = malloc(TA_INV_KEY_MAX)))
			return TA_ENOMEM;
		ta_inv_key(&s->inv.rows[i], s->keys[i], TA_INV_KEY_MAX);
		s->order[i] = i;
	}
	sort_ctx = s;
	qsort(s->order, s->inv.n, sizeof *s->order, cmp_order);
	return TA_OK;
}

static void
free_stored(struct stored *s)
{
	for (size_t i = 0; s->keys && i < s->inv.n; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->order);
	ta_inv_free(&s->inv);
}

/* A new row of an endpoint already stored keeps what it leaves empty
 * (an nmap or list import does not wipe the owner, profile or notes). */
static int
merge_into(const struct stored *s, const char *key, struct ta_inv_row *r)
{
	size_t lo = 0, hi = s->inv.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->keys[s->order[mid]], key);

		if (c == 0) {
			const struct ta_inv_row *old = &s->inv.rows[s->order[mid]];
			char **nf[] = {&r->asset_id,    &r->name,        &r->owner,
			               &r->service,     &r->sni,         &r->exposure,
			               &r->criticality, &r->software,    &r->tls_library,
			               &r->profile,     &r->contingency, &r->exception_expiry,
			               &r->tags,        &r->notes};
			char *const of[] = {
			        old->asset_id,    old->name,        old->owner,
			        old->service,     old->sni,         old->exposure,
			        old->criticality, old->software,    old->tls_library,
			        old->profile,     old->contingency, old->exception_expiry,
			        old->tags,        old->notes};

			for (size_t k = 0; k < sizeof nf / sizeof nf[0]; k++)
				if (!**nf[k] && *of[k]) {
					char *d = strdup(of[k]);

					if (!d)
						return TA_ENOMEM;
					free(*nf[k]);
					*nf[k] = d;
				}
			if (r->upgradable == TA_UPG_UNSET)
				r->upgradable = old->upgradable;
			return TA_OK;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return TA_OK;
}

int
ta_inventory_import(const char *db, const char *const *files, size_t nfiles, int replace,
                    FILE *msgs, size_t *rows, size_t *bad, char *err, size_t errlen)
{
	struct ta_inventory inv;
	struct msgs m = {msgs, 0, 0};
	struct ta_store *st = NULL;
	char **text = NULL, **keys = NULL;
	int rc = TA_OK, unusable = 0;

	ta_inv_init(&inv);
	for (size_t i = 0; i < nfiles; i++)
		unusable += ta_inv_parse_file(files[i], &inv, on_msg, &m) < 0;
	*rows = inv.n;
	*bad = m.errors;
	if (!db) {
		ta_inv_free(&inv);
		return TA_OK;
	}
	if (unusable && replace) {
		/* replacing with a part of the files would drop rows silently */
		snprintf(err, errlen, "--replace: %d file%s could not be read; nothing stored",
		         unusable, unusable == 1 ? "" : "s");
		ta_inv_free(&inv);
		return TA_EINVAL;
	}
	text = calloc(inv.n + 1, sizeof *text);
	keys = calloc(inv.n + 1, sizeof *keys);
	if (!text || !keys)
		rc = TA_ENOMEM;
	if (rc == TA_OK && (rc = ta_store_open(db, TA_STORE_CREATE, &st, err, errlen)) == TA_OK) {
		struct stored old = {.m = {NULL, 0, 0}};

		rc = replace ? TA_OK : load_stored(st, &old);
		for (size_t i = 0; rc == TA_OK && i < inv.n; i++) {
			keys[i] = malloc(TA_INV_KEY_MAX);
			if (!keys[i]) {
				rc = TA_ENOMEM;
				break;
			}
			ta_inv_key(&inv.rows[i], keys[i], TA_INV_KEY_MAX);
			if (!replace && (rc = merge_into(&old, keys[i], &inv.rows[i])) != TA_OK)
				break;
			if (!(text[i] = row_text(&inv.rows[i])))
				rc = TA_ENOMEM;
		}
		free_stored(&old);
		if (rc == TA_OK)
			rc = ta_store_inventory_put(st, (const char *const *)text,
			                            (const char *const *)keys, inv.n, replace);
		if (rc != TA_OK)
			snprintf(err, errlen, "%s",
			         rc == TA_ENOMEM ? "out of memory" : ta_store_error(st));
	} else if (rc == TA_ENOMEM) {
		snprintf(err, errlen, "out of memory");
	}
	for (size_t i = 0; text && keys && i < inv.n; i++) {
		free(text[i]);
		free(keys[i]);
	}
	free(text);
	free(keys);
	ta_store_close(st);
	ta_inv_free(&inv);
	return rc;
}

/* ---- export ---- */

/* What the last scan of a row saw, in the export's extra columns. */
static const char *const extra_names[] = {
        "last_scanned",   "last_status",    "highest_version", "lowest_version", "weak_suites",
        "cert_not_after", "cert_days_left", "target_profile",  "compliant",
};
#define NEXTRA (sizeof extra_names / sizeof extra_names[0])

struct export_ctx {
	struct ta_store *st;
	struct ta_inventory inv;
	struct msgs m;
	char **cells; /* NEXTRA per row */
	size_t ncells;
	time_t now;
	int rc;
};

static char *
dup_text(const char *s)
{
	return strdup(s ? s : "");
}

/* The weak suites of a document, "name (version); ..." */
static char *
weak_suites(const json_t *doc)
{
	const char *ver;
	const json_t *p, *s;
	size_t i;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = 0;

	if (!f)
		return NULL;
	json_object_foreach ((json_t *)json_object_get(doc, "protocols"), ver, p)
		json_array_foreach (json_object_get(p, "cipher_suite_details"), i, s)
			if (strcmp(json_string_value(json_object_get(s, "strength")) ?: "",
			           "weak") == 0)
				fprintf(f, "%s%s (%s)", n++ ? "; " : "",
				        json_string_value(json_object_get(s, "iana")) ?: "?", ver);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void
observed(struct export_ctx *x, const struct ta_inv_row *r, char **cell)
{
	static const char *const order[] = {"SSLv2",   "SSLv3",   "TLSv1.0",
	                                    "TLSv1.1", "TLSv1.2", "TLSv1.3"};
	const char *proto = r->protocol;
	const char *profile = r->profile[0] ? r->profile : DEFAULT_PROFILE;
	char started[32] = "", num[32] = "";
	const char *lo = "", *hi = "";
	json_t *doc = ta_store_latest(x->st, r->host, r->port, proto, started, sizeof started);
	const json_t *leaf, *verdict;
	int64_t t;

	/* scanned as listed with its /PROTO, or without one (its port's) */
	if (!doc)
		doc = ta_store_latest(x->st, r->host, r->port, "", started, sizeof started);
	for (size_t i = 0; doc && i < sizeof order / sizeof order[0]; i++)
		if (json_is_true(json_object_get(
		            json_object_get(json_object_get(doc, "protocols"), order[i]),
		            "offered"))) {
			if (!*lo)
				lo = order[i];
			hi = order[i];
		}
	leaf = json_array_get(json_object_get(doc, "certificates"), 0);
	verdict = json_object_get(json_object_get(doc, "profiles"), profile);
	cell[0] = dup_text(started);
	cell[1] = dup_text(doc ? json_string_value(json_object_get(doc, "status")) : "");
	cell[2] = dup_text(hi);
	cell[3] = dup_text(lo);
	cell[4] = doc ? weak_suites(doc) : dup_text("");
	cell[5] = dup_text(json_string_value(json_object_get(leaf, "not_after")));
	if (ta_parse_iso_time(json_string_value(json_object_get(leaf, "not_after")), &t)) {
		int64_t d = t - (int64_t)x->now;

		snprintf(num, sizeof num, "%lld",
		         (long long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400)));
	}
	cell[6] = dup_text(num);
	cell[7] = dup_text(profile);
	cell[8] = dup_text(!doc || !verdict                                       ? ""
	                   : json_is_true(json_object_get(verdict, "compliant"))  ? "yes"
	                   : json_is_false(json_object_get(verdict, "compliant")) ? "no"
	                                                                          : "not judged");
	json_decref(doc);
}

static int
one_row(void *arg, const char *key, const char *text)
{
	struct export_ctx *x = arg;
	size_t before = x->inv.n;

	(void)key;
	if (ta_inv_parse(text, strlen(text), "store", TA_INV_CSV, &x->inv, on_msg, &x->m) != 0 ||
	    x->inv.n != before + 1)
		return TA_EINVAL; /* a stored row that does not read: a damaged store */
	return TA_OK;
}

int
ta_inventory_export(const char *db, FILE *out, int bom, char *err, size_t errlen)
{
	struct export_ctx x = {.m = {NULL, 0, 0}, .now = ta_now()};
	char ***values = NULL;
	int rc;

	ta_inv_init(&x.inv);
	TA_TRY(ta_store_open(db, TA_STORE_READ, &x.st, err, errlen));
	rc = ta_store_inventory_each(x.st, one_row, &x);
	if (rc != TA_OK) {
		snprintf(err, errlen, "%s",
		         rc == TA_EINVAL && !ta_store_error(x.st)[0]
		                 ? "a stored inventory row does not read"
		                 : ta_store_error(x.st));
		goto out;
	}
	if (x.inv.n == 0) {
		snprintf(err, errlen, "the store has no inventory (tlsaudit inventory import)");
		rc = TA_EINVAL;
		goto out;
	}
	values = calloc(x.inv.n, sizeof *values);
	rc = values ? TA_OK : TA_ENOMEM;
	for (size_t i = 0; rc == TA_OK && i < x.inv.n; i++) {
		if (!(values[i] = calloc(NEXTRA, sizeof *values[i]))) {
			rc = TA_ENOMEM;
			break;
		}
		observed(&x, &x.inv.rows[i], values[i]);
		for (size_t k = 0; k < NEXTRA; k++)
			if (!values[i][k])
				rc = TA_ENOMEM;
	}
	if (rc == TA_OK)
		rc = ta_inv_write_csv(out, &x.inv, extra_names, NEXTRA,
		                      (const char *const *const *)values,
		                      bom ? TA_INV_WRITE_BOM : 0);
	if (rc != TA_OK)
		snprintf(err, errlen, "%s",
		         rc == TA_ENOMEM ? "out of memory" : "cannot write the inventory");
out:
	for (size_t i = 0; values && i < x.inv.n; i++) {
		for (size_t k = 0; values[i] && k < NEXTRA; k++)
			free(values[i][k]);
		free(values[i]);
	}
	free(values);
	ta_inv_free(&x.inv);
	ta_store_close(x.st);
	return rc;
}

/* ---- the inventory as targets ---- */

struct targets_ctx {
	struct ta_inventory inv;
	struct msgs m;
};

static int
one_target_row(void *arg, const char *key, const char *text)
{
	struct targets_ctx *x = arg;

	(void)key;
	return ta_inv_parse(text, strlen(text), "store", TA_INV_CSV, &x->inv, on_msg, &x->m) == 0
	               ? TA_OK
	               : TA_EINVAL;
}

int
ta_inventory_targets(const char *db, void (*fn)(void *arg, const char *spec), void *arg, char *err,
                     size_t errlen)
{
	struct targets_ctx x = {.m = {NULL, 0, 0}};
	struct ta_store *st;
	int rc;

	ta_inv_init(&x.inv);
	TA_TRY(ta_store_open(db, TA_STORE_READ, &st, err, errlen));
	rc = ta_store_inventory_each(st, one_target_row, &x);
	if (rc != TA_OK)
		snprintf(err, errlen, "%s",
		         ta_store_error(st)[0] ? ta_store_error(st)
		                               : "a stored inventory row does not read");
	else if (x.inv.n == 0) {
		snprintf(err, errlen, "the store has no inventory (tlsaudit inventory import)");
		rc = TA_EINVAL;
	}
	for (size_t i = 0; rc == TA_OK && i < x.inv.n; i++) {
		const struct ta_inv_row *r = &x.inv.rows[i];
		char spec[400];

		snprintf(spec, sizeof spec, strchr(r->host, ':') ? "[%s]:%u/%s" : "%s:%u/%s",
		         r->host, (unsigned)r->port, r->protocol);
		fn(arg, spec);
	}
	ta_inv_free(&x.inv);
	ta_store_close(st);
	return rc;
}
