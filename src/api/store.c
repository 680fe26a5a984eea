/*
 * A scan kept in a store (tlsaudit scan --db, docs/store.md): the run is
 * recorded when the scan is set up, each target's document is committed
 * as it finishes, and the run is marked done or interrupted at the end.
 * A resumed run (--resume) takes up the last unfinished run when it was
 * started with the same targets and options (the identity's SHA-256): the
 * targets it holds are not scanned again (ta_output_have), and their
 * documents are read back from the store in their turn, so the report is
 * the whole run's.  A failure of the store does not stop the scan: the
 * reports go on, and the failure is reported at the end.
 */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "cert/cert.h"
#include "inventory/inventory.h"
#include "probe/engine.h"
#include "store/store.h"

#include "api/output_int.h"

void
ta_store_key(const struct ta_endpoint *e, char *buf, size_t cap)
{
	size_t n;

	snprintf(buf, cap, "%s|%u|%s|%s", e->host, (unsigned)e->port, e->proto, e->ip);
	for (n = 0; buf[n] && buf[n] != '|'; n++)
		buf[n] = (char)tolower((unsigned char)buf[n]);
}

static void
store_failed(struct ta_output *o, const char *what)
{
	if (!o->store_err[0])
		snprintf(o->store_err, sizeof o->store_err, "%s: %s", what,
		         ta_store_error(o->store));
}

static int
sha256_hex(const char *text, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (!EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL) || len != 32)
		return TA_EINTERNAL;
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return TA_OK;
}

/* The report time of a stored run, from its header; 0 when it has none. */
static time_t
header_time(const json_t *header)
{
	int64_t t;

	return ta_parse_iso_time(json_string_value(json_object_get(header, "report_time")), &t)
	               ? (time_t)t
	               : 0;
}

/* This process's shard of a run of several (ta_store_run_shard): the
 * report time is the run's, whichever shard began it. */
static int
begin_shard(struct ta_output *o, const char *label, const char *options, const char *fp, int resume,
            char *err, size_t errlen)
{
	struct ta_shard_join j = {label, fp, o->scan->cfg.shard, o->scan->cfg.nshards, resume};
	json_t *header;
	bool joined, resumed;
	int rc;

	o->now = ta_now();
	header = ta_doc_meta(o->now);
	rc = header ? ta_store_run_shard(o->store, header, options, &j, &o->run, &joined, &resumed)
	            : TA_ENOMEM;
	json_decref(header);
	if (rc != TA_OK) {
		snprintf(err, errlen, "%s%s", resume ? "--resume: " : "", ta_store_error(o->store));
		return rc;
	}
	if (joined) {
		header = ta_store_run_header(o->store, o->run);
		o->now = header ? header_time(header) : 0;
		json_decref(header);
		if (!o->now) {
			snprintf(err, errlen, "run %lld: %s", (long long)o->run,
			         ta_store_error(o->store));
			return TA_EINVAL;
		}
	}
	o->resumed = resumed;
	o->sharded = true;
	return TA_OK;
}

int
ta_scan_store(struct ta_scan *s, const char *path, const char *label, const char *options,
              const char *identity, int resume, char *err, size_t errlen)
{
	struct ta_output *o = ta_output_of(s);
	char fp[65];
	json_t *header;
	int rc;

	if (!o || !o->assess) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	if (o->store || o->started) {
		snprintf(err, errlen, "the store is set before the reports, once");
		return TA_EINVAL;
	}
	if (sha256_hex(identity, fp) != TA_OK) {
		snprintf(err, errlen, "cannot hash the run's identity");
		return TA_EINTERNAL;
	}
	if (s->cfg.nshards > 1 && (!label || !*label)) {
		snprintf(err, errlen,
		         "--shard with --db needs --run-label: the shards of one run "
		         "find each other by it");
		return TA_EINVAL;
	}
	TA_TRY(ta_store_open(path, resume && s->cfg.nshards <= 1 ? TA_STORE_WRITE : TA_STORE_CREATE,
	                     &o->store, err, errlen));
	if (s->cfg.nshards > 1) {
		TA_TRY(begin_shard(o, label, options, fp, resume, err, errlen));
	} else if (resume) {
		/* the last run of these targets and options, if it did not end */
		struct ta_run_info r;

		rc = ta_store_run_last_of(o->store, fp, &r);
		if (rc != TA_OK) {
			snprintf(err, errlen,
			         "--resume: %s (a run is resumed with the targets and options it "
			         "was started with)",
			         rc == TA_EINVAL
			                 ? "no run of these targets and options in the store"
			                 : ta_store_error(o->store));
			return TA_EINVAL;
		}
		if (strcmp(r.status, "done") == 0) {
			snprintf(err, errlen,
			         "--resume: the last run of these targets and options (%lld, "
			         "started %s) is done: nothing to resume",
			         (long long)r.id, r.started);
			return TA_EINVAL;
		}
		header = ta_store_run_header(o->store, r.id);
		if (!header || !(o->now = header_time(header))) {
			json_decref(header);
			snprintf(err, errlen, "--resume: run %lld: %s", (long long)r.id,
			         ta_store_error(o->store));
			return TA_EINVAL;
		}
		json_decref(header);
		o->run = r.id;
		o->resumed = true;
	} else {
		o->now = ta_now();
		header = ta_doc_meta(o->now);
		rc = header ? ta_store_run_begin(o->store, header, options, label, fp, &o->run)
		            : TA_ENOMEM;
		json_decref(header);
		if (rc != TA_OK) {
			snprintf(err, errlen, "%s", ta_store_error(o->store));
			return rc;
		}
	}
	TA_TRY(ta_output_start(o));
	ta_output_install(o);
	return TA_OK;
}

long long
ta_scan_run_id(const struct ta_scan *s)
{
	const struct ta_output *o = s->report_state;

	return o && o->store ? (long long)o->run : 0;
}

const char *
ta_scan_store_error(const struct ta_scan *s)
{
	const struct ta_output *o = s->report_state;

	return o && o->store_err[0] ? o->store_err : NULL;
}

int
ta_output_have(void *arg, size_t index, const struct ta_endpoint *e)
{
	struct ta_output *o = arg;
	char key[400];
	bool error = false;

	if (!o->store || !o->resumed)
		return TA_HAVE_NONE;
	ta_store_key(e, key, sizeof key);
	if (!ta_store_has(o->store, o->run, key, &error) || !ta_output_slot(o, index))
		return TA_HAVE_NONE;
	if (!(o->pending[index].key = strdup(key)))
		return TA_HAVE_NONE;
	return error ? TA_HAVE_ERROR : TA_HAVE_OK;
}

/* The inventory's profile for endpoint e (docs/inventory.md): its row is
 * found by the inventory's key, host|port|protocol, where the protocol is
 * the target's /PROTO, else the STARTTLS dialogue the port chose, else tls. */
static void
add_target_profile(struct ta_output *o, const struct ta_endpoint *e, json_t *doc)
{
	const json_t *st = json_object_get(doc, "starttls");
	const char *proto = e->proto;
	char key[TA_INV_KEY_MAX], *text;
	struct ta_inventory inv;
	struct ta_inv_row r = {0};

	if (o->inventory < 0)
		o->inventory = ta_store_has_inventory(o->store);
	if (!o->inventory)
		return;
	if (!proto || !*proto)
		proto = json_is_string(json_object_get(st, "protocol"))
		                ? json_string_value(json_object_get(st, "protocol"))
		                : "tls";
	r.host = (char *)e->host;
	r.port = e->port;
	r.protocol = (char *)proto;
	ta_inv_key(&r, key, sizeof key);
	if (!(text = ta_store_inventory_row(o->store, key)))
		return;
	ta_inv_init(&inv);
	/* the row was stored by the same parser: read back, it is one row */
	if (ta_inv_parse(text, strlen(text), "store", TA_INV_CSV, &inv, NULL, NULL) == 0 &&
	    inv.n == 1 && inv.rows[0].profile && inv.rows[0].profile[0])
		json_object_set_new(doc, "target_profile", json_string(inv.rows[0].profile));
	ta_inv_free(&inv);
	free(text);
}

void
ta_output_store(struct ta_output *o, const struct ta_endpoint *e, json_t *doc)
{
	char key[400];

	if (!o->store)
		return;
	add_target_profile(o, e, doc);
	ta_store_key(e, key, sizeof key);
	if (ta_store_put(o->store, o->run, e->seq, key, doc) != TA_OK)
		store_failed(o, "cannot store a target");
}

json_t *
ta_output_stored(struct ta_output *o, struct pending *p)
{
	json_t *doc = ta_store_get(o->store, o->run, p->key);

	if (!doc)
		store_failed(o, "cannot read a stored target back");
	else
		ta_doc_refresh_dates(doc, o->now);
	if (doc && ta_assess_note(o->assess, doc) != TA_OK)
		store_failed(o, "out of memory");
	free(p->key);
	p->key = NULL;
	return doc;
}

void
ta_output_store_end(struct ta_output *o)
{
	/* a run with a target that could not be stored stays resumable */
	bool whole = !ta_scan_interrupted(o->scan) && !o->store_err[0];

	const char *status = whole ? "done" : "interrupted";

	if (!o->store)
		return;
	if (o->sharded ? ta_store_shard_end(o->store, o->run, o->scan->cfg.shard, status) != TA_OK
	               : ta_store_run_end(o->store, o->run, status) != TA_OK)
		store_failed(o, "cannot end the run");
}

void
ta_output_store_free(struct ta_output *o)
{
	ta_store_close(o->store);
	o->store = NULL;
}
