/*
 * The certificates of the diff (report/diff.h).  Each served leaf of run
 * B is paired with one of run A: the same certificate (SHA-256
 * fingerprint), else the same subject and key type, else the same
 * subject, else the only one left on each side.  A pair of different
 * certificates says what changed (key, issuer, subject, names, expiry,
 * signature); every pair says what changed in its standing: expiry
 * crossing 30 days or 0 (days left computed against each run's own report
 * time), trust, name match, chain problems, OCSP status, intermediates.
 *
 * The document has no fingerprint of the public key: a new certificate
 * with the same key type and size may or may not have a new key, and the
 * diff says so.  When documents carry "spki_sha256" (the SHA-256 of the
 * SubjectPublicKeyInfo, hex), the diff uses it.
 */
#include <stdio.h>
#include <string.h>

#include "report/diff_int.h"

#define CAT           "certificate"
#define EXPIRING_DAYS 30

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days left of cert at the time of its run: from not_after and the run's
 * report time, else the document's own days_left. */
static bool
days_left(const json_t *cert, const struct ta_dside *s, int64_t *out)
{
	const json_t *d = json_object_get(cert, "days_left");
	int64_t na;

	if (s->has_time && ta_dparse_time(ta_dstr(cert, "not_after"), &na)) {
		*out = floor_div(na - s->time, 86400);
		return true;
	}
	if (!json_is_integer(d))
		return false;
	*out = json_integer_value(d);
	return true;
}

/* 0 valid, 1 expiring within EXPIRING_DAYS, 2 expired */
static int
expiry_state(int64_t days)
{
	return days < 0 ? 2 : days < EXPIRING_DAYS ? 1 : 0;
}

static void
expiry_change(struct ta_dchg *c, const char *scope, const char *item, const char *what,
              const json_t *ca, const struct ta_dside *a, const json_t *cb,
              const struct ta_dside *b)
{
	int64_t da, db;
	int xa, xb;

	if (!days_left(ca, a, &da) || !days_left(cb, b, &db))
		return;
	xa = expiry_state(da);
	xb = expiry_state(db);
	if (xa == xb)
		return;
	if (xb == 2)
		ta_dchg_add(c, CAT, scope, item, json_integer(da), json_integer(db), TA_DREG_WORSE,
		            "%s expired %lld days before run B (%.10s)", what, (long long)-db,
		            ta_dstr0(cb, "not_after"));
	else if (xb == 1)
		ta_dchg_add(c, CAT, scope, item, json_integer(da), json_integer(db), TA_DREG_WORSE,
		            "%s expires in %lld days (%.10s), under %d", what, (long long)db,
		            ta_dstr0(cb, "not_after"), EXPIRING_DAYS);
	else
		ta_dchg_add(c, CAT, scope, item, json_integer(da), json_integer(db), TA_DREG_BETTER,
		            "%s valid for %lld more days (%.10s); it had %lld", what, (long long)db,
		            ta_dstr0(cb, "not_after"), (long long)da);
}

/* "RSA 2048", "EC 256 secp256r1" */
static void
key_text(char *buf, size_t cap, const json_t *cert)
{
	snprintf(buf, cap, "%s %" JSON_INTEGER_FORMAT "%s%s", ta_dstr0(cert, "key_type"),
	         json_integer_value(json_object_get(cert, "key_bits")),
	         ta_dstr(cert, "curve") ? " " : "", ta_dstr0(cert, "curve"));
}

/* The facts of a served certificate that are good one way. */
static const struct {
	const char *key, *yes, *no;
	int good; /* 1, 0, or -1: neither */
} flags[] = {
        {"trusted", "trusted", "not trusted", 1},
        {"hostname_match", "matches the host name", "does not match the host name", 1},
        {"chain_complete", "chain complete", "chain incomplete", 1},
        {"chain_order_ok", "chain in order", "chain out of order", 1},
        {"sha1_in_chain", "SHA-1 signature in the chain", "no SHA-1 signature in the chain", 0},
        {"root_in_chain", "root served in the chain", "no root served in the chain", 0},
        {"self_signed", "self-signed", "not self-signed", 0},
        {"weak_key", "weak key", "key not weak", 0},
        {"sha1_signature", "signed with SHA-1", "not signed with SHA-1", 0},
        {"ocsp_must_staple", "OCSP must-staple", "no OCSP must-staple", -1},
};

/* The fingerprint of a certificate, or JSON null (borrowed). */
static json_t *
fingerprint(const json_t *cert)
{
	json_t *f = json_object_get(cert, "sha256_fingerprint");

	return f ? f : json_null();
}

static void
standing(struct ta_dchg *c, const char *scope, const json_t *ca, const struct ta_dside *a,
         const json_t *cb, const struct ta_dside *b)
{
	const char *sa = ta_dstr(json_object_get(ca, "ocsp_response"), "cert_status");
	const char *sb = ta_dstr(json_object_get(cb, "ocsp_response"), "cert_status");
	const json_t *ka = json_object_get(ca, "chain"), *kb = json_object_get(cb, "chain"), *x, *y;
	size_t i, j;

	expiry_change(c, scope, "days_left", "the certificate", ca, a, cb, b);
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		int fa = ta_dtri(ca, flags[i].key), fb = ta_dtri(cb, flags[i].key);
		bool why = fb == 0 && strcmp(flags[i].key, "trusted") == 0 &&
		           ta_dstr(cb, "trust_error");

		if (fa < 0 || fb < 0 || fa == fb)
			continue;
		ta_dchg_add(c, CAT, scope, flags[i].key, json_boolean(fa), json_boolean(fb),
		            flags[i].good < 0     ? TA_DREG_NEUTRAL
		            : fb == flags[i].good ? TA_DREG_BETTER
		                                  : TA_DREG_WORSE,
		            "%s%s%s", fb ? flags[i].yes : flags[i].no, why ? ": " : "",
		            why ? ta_dstr(cb, "trust_error") : "");
	}
	if (sa && sb && strcmp(sa, sb) != 0)
		ta_dchg_add(c, CAT, scope, "ocsp_status", json_string(sa), json_string(sb),
		            strcmp(sb, "revoked") == 0   ? TA_DREG_WORSE
		            : strcmp(sa, "revoked") == 0 ? TA_DREG_BETTER
		                                         : TA_DREG_NEUTRAL,
		            "stapled OCSP status %s -> %s", sa, sb);
	/* the intermediates: which are served, and the expiry of those in both */
	if (!json_is_array(ka) || !json_is_array(kb))
		return;
	if (!json_equal(ka, kb)) {
		json_t *fa = json_array(), *fb = json_array();
		bool ok = fa && fb;

		/* by fingerprint: run A's digest keeps less of each than run B has */
		for (i = 0; ok && i < json_array_size(ka) && i < TA_DIFF_MAX_CHAIN; i++)
			ok = json_array_append(fa, fingerprint(json_array_get(ka, i))) == 0;
		for (i = 0; ok && i < json_array_size(kb) && i < TA_DIFF_MAX_CHAIN; i++)
			ok = json_array_append(fb, fingerprint(json_array_get(kb, i))) == 0;
		if (!ok)
			c->err = TA_ENOMEM;
		else if (!json_equal(fa, fb))
			ta_dchg_add(
			        c, CAT, scope, "chain", json_incref(fa), json_incref(fb),
			        TA_DREG_NEUTRAL,
			        "intermediates changed: %zu served, the first %s (were %zu, the "
			        "first %s)",
			        json_array_size(kb), ta_dstr0(json_array_get(kb, 0), "subject"),
			        json_array_size(ka), ta_dstr0(json_array_get(ka, 0), "subject"));
		json_decref(fa);
		json_decref(fb);
	}
	json_array_foreach (kb, j, y) {
		if (j >= TA_DIFF_MAX_CHAIN)
			break;
		json_array_foreach (ka, i, x) {
			char what[160];

			if (i >= TA_DIFF_MAX_CHAIN)
				break;
			if (!json_is_string(json_object_get(y, "sha256_fingerprint")) ||
			    !json_equal(json_object_get(x, "sha256_fingerprint"),
			                json_object_get(y, "sha256_fingerprint")))
				continue;
			snprintf(what, sizeof what, "intermediate %s", ta_dstr0(y, "subject"));
			expiry_change(c, scope, "chain_days_left", what, x, a, y, b);
			break;
		}
	}
}

/* A pair of different certificates: what the new one changes. */
static void
replaced(struct ta_dchg *c, const char *scope, const json_t *ca, const json_t *cb)
{
	char ka[96], kb[96];
	const char *pa = ta_dstr(ca, "spki_sha256"), *pb = ta_dstr(cb, "spki_sha256");
	json_int_t ba = json_integer_value(json_object_get(ca, "key_bits"));
	json_int_t bb = json_integer_value(json_object_get(cb, "key_bits"));
	bool same_type =
	        json_equal(json_object_get(ca, "key_type"), json_object_get(cb, "key_type"));
	static const char *const plain[][2] = {
	        {"subject", "subject"}, {"issuer", "issuer"}, {"signature_algorithm", "signature"}};

	key_text(ka, sizeof ka, ca);
	key_text(kb, sizeof kb, cb);
	ta_dchg_add(c, CAT, scope, "certificate", ta_dget(ca, "sha256_fingerprint"),
	            ta_dget(cb, "sha256_fingerprint"), TA_DREG_NEUTRAL,
	            "new certificate: serial %s, valid %.10s to %.10s%s", ta_dstr0(cb, "serial"),
	            ta_dstr0(cb, "not_before"), ta_dstr0(cb, "not_after"),
	            pa && pb              ? ""
	            : strcmp(ka, kb) == 0 ? " (same key type and size: the report does not say "
	                                    "whether the key is new)"
	                                  : "");
	if (pa && pb && strcmp(pa, pb) != 0)
		ta_dchg_add(c, CAT, scope, "key", json_string(pa), json_string(pb), TA_DREG_NEUTRAL,
		            "new key (%s)", kb);
	else if (pa && pb)
		ta_dchg_add(c, CAT, scope, "key", json_string(pa), json_string(pb), TA_DREG_NEUTRAL,
		            "same key as before (%s)", kb);
	if (strcmp(ka, kb) != 0)
		ta_dchg_add(c, CAT, scope, "key_type", json_string(ka), json_string(kb),
		            !same_type ? TA_DREG_NEUTRAL
		            : bb < ba  ? TA_DREG_WORSE
		            : bb > ba  ? TA_DREG_BETTER
		                       : TA_DREG_NEUTRAL,
		            "key %s -> %s", ka, kb);
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		const json_t *va = json_object_get(ca, plain[i][0]),
		             *vb = json_object_get(cb, plain[i][0]);

		if (json_is_string(va) && json_is_string(vb) && !json_equal(va, vb))
			ta_dchg_add(c, CAT, scope, plain[i][0], json_incref((json_t *)va),
			            json_incref((json_t *)vb), TA_DREG_NEUTRAL, "%s %s -> %s",
			            plain[i][1], json_string_value(va), json_string_value(vb));
	}
	if (json_is_string(json_object_get(ca, "not_after")) &&
	    json_is_string(json_object_get(cb, "not_after")) &&
	    !json_equal(json_object_get(ca, "not_after"), json_object_get(cb, "not_after")))
		ta_dchg_add(c, CAT, scope, "not_after", ta_dget(ca, "not_after"),
		            ta_dget(cb, "not_after"), TA_DREG_NEUTRAL, "expiry %.10s -> %.10s",
		            ta_dstr0(ca, "not_after"), ta_dstr0(cb, "not_after"));
	if (json_is_array(json_object_get(ca, "san")) &&
	    json_is_array(json_object_get(cb, "san")) &&
	    !json_equal(json_object_get(ca, "san"), json_object_get(cb, "san"))) {
		char la[160], lb[160];

		ta_dchg_add(c, CAT, scope, "san", ta_dget(ca, "san"), ta_dget(cb, "san"),
		            TA_DREG_NEUTRAL, "names [%s] -> [%s]",
		            ta_djoin(la, sizeof la, json_object_get(ca, "san")),
		            ta_djoin(lb, sizeof lb, json_object_get(cb, "san")));
	}
}

static bool
same_field(const json_t *x, const json_t *y, const char *key)
{
	const json_t *u = json_object_get(x, key), *v = json_object_get(y, key);

	return json_is_string(u) && json_equal(u, v);
}

/* The same certificate: the same fingerprint, or for a document without
 * fingerprints, the same names, serial and dates. */
static bool
same_cert(const json_t *x, const json_t *y)
{
	static const char *const keys[] = {"subject", "issuer", "serial", "not_before",
	                                   "not_after"};

	if (json_is_string(json_object_get(x, "sha256_fingerprint")) ||
	    json_is_string(json_object_get(y, "sha256_fingerprint")))
		return same_field(x, y, "sha256_fingerprint");
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!json_equal(json_object_get(x, keys[i]) ? json_object_get(x, keys[i])
		                                            : json_null(),
		                json_object_get(y, keys[i]) ? json_object_get(y, keys[i])
		                                            : json_null()))
			return false;
	return true;
}

void
ta_dcmp_certs(struct ta_dchg *c, const struct ta_dside *a, const struct ta_dside *b)
{
	const json_t *la = json_object_get(a->doc, "certificates");
	const json_t *lb = json_object_get(b->doc, "certificates");
	size_t na = json_array_size(la), nb = json_array_size(lb), i, j, left_a = 0, left_b = 0;
	int pair[TA_DIFF_MAX_CERTS];  /* b's partner in a, or -1 */
	bool used[TA_DIFF_MAX_CERTS]; /* a's paired */

	/* features not tested (--no-features) in a run: no certificates to compare */
	if (!json_is_array(la) || !json_is_array(lb) ||
	    !json_is_object(json_object_get(a->doc, "features")) ||
	    !json_is_object(json_object_get(b->doc, "features")))
		return;
	na = na < TA_DIFF_MAX_CERTS ? na : TA_DIFF_MAX_CERTS;
	nb = nb < TA_DIFF_MAX_CERTS ? nb : TA_DIFF_MAX_CERTS;
	for (j = 0; j < nb; j++)
		pair[j] = -1;
	for (i = 0; i < na; i++)
		used[i] = false;
	/* fingerprint, subject and key type, subject: the best pairs first */
	for (int pass = 0; pass < 3; pass++)
		for (j = 0; j < nb; j++)
			for (i = 0; pair[j] < 0 && i < na; i++) {
				const json_t *x = json_array_get(la, i), *y = json_array_get(lb, j);

				if (used[i] || !(pass == 0   ? same_cert(x, y)
				                 : pass == 1 ? same_field(x, y, "subject") &&
				                                       same_field(x, y, "key_type")
				                             : same_field(x, y, "subject")))
					continue;
				pair[j] = (int)i;
				used[i] = true;
			}
	for (i = 0; i < na; i++)
		left_a += !used[i];
	for (j = 0; j < nb; j++)
		left_b += pair[j] < 0;
	if (left_a == 1 && left_b == 1) /* one certificate replaced by another */
		for (j = 0; j < nb; j++)
			for (i = 0; pair[j] < 0 && i < na; i++)
				if (!used[i]) {
					pair[j] = (int)i;
					used[i] = true;
				}
	for (j = 0; j < nb; j++) {
		const json_t *y = json_array_get(lb, j), *x;
		const char *scope = ta_dstr0(y, "subject");

		if (!json_is_object(y))
			continue;
		if (pair[j] < 0) {
			ta_dchg_add(c, CAT, scope, "certificate", NULL,
			            ta_dget(y, "sha256_fingerprint"), TA_DREG_NEUTRAL,
			            "another certificate served: %s, issued by %s, until %.10s",
			            scope, ta_dstr0(y, "issuer"), ta_dstr0(y, "not_after"));
			continue;
		}
		x = json_array_get(la, (size_t)pair[j]);
		if (!json_is_object(x))
			continue;
		if (!same_cert(x, y))
			replaced(c, scope, x, y);
		standing(c, scope, x, a, y, b);
	}
	for (i = 0; i < na; i++) {
		const json_t *x = json_array_get(la, i);

		if (!used[i] && json_is_object(x))
			ta_dchg_add(c, CAT, ta_dstr0(x, "subject"), "certificate",
			            ta_dget(x, "sha256_fingerprint"), NULL, TA_DREG_NEUTRAL,
			            "no longer served: %s, issued by %s, until %.10s",
			            ta_dstr0(x, "subject"), ta_dstr0(x, "issuer"),
			            ta_dstr0(x, "not_after"));
	}
}
