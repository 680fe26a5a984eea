/*
 * The digest of a target document that the diff keeps of run A while it
 * reads run B (report/diff.h): the fields the comparisons read, in the
 * document's own shape (so the same code compares a digest and a
 * document), written as one compact JSON text.  What is left out is what
 * the diff does not compare: the wording of each profile rule (evidence,
 * remediation, source, items, requires), the details of a suite beyond
 * its names and strength, and the facts of a certificate it does not
 * judge.  About 8 KB per target instead of 100 KB in the report.
 */
#include <stdlib.h>

#include "report/diff_int.h"

/* A new object with the members of src named in keys (deep copies); NULL
 * when out of memory. */
static json_t *
pick(const json_t *src, const char *const *keys, size_t n)
{
	json_t *o = json_object(), *v;

	for (size_t i = 0; o && i < n; i++) {
		const json_t *x = json_object_get(src, keys[i]);

		if (x && (!(v = json_deep_copy(x)) || json_object_set_new(o, keys[i], v) != 0)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Each element of arr (objects) cut down to keys, with cut applied to it
 * (may be NULL); not an array: a copy of whatever it is. */
static json_t *
pick_each(const json_t *arr, const char *const *keys, size_t n,
          int (*cut)(json_t *out, const json_t *in))
{
	json_t *out, *x;
	size_t i;

	if (!json_is_array(arr))
		return json_deep_copy(arr);
	if (!(out = json_array()))
		return NULL;
	json_array_foreach (arr, i, x) {
		json_t *y = json_is_object(x) ? pick(x, keys, n) : json_deep_copy(x);

		if (y && cut && json_is_object(x) && cut(y, x) != 0) {
			json_decref(y);
			y = NULL;
		}
		/* json_array_append_new takes y, also when it fails */
		if (!y || json_array_append_new(out, y) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int
set_or_fail(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

/* A version: offered, the suites and their order; of each suite's details
 * only what the text names. */
static int
cut_protocols(json_t *out, const json_t *protocols)
{
	static const char *const keys[] = {"offered", "tested", "cipher_suites", "server_order",
	                                   "chacha20_priority"};
	static const char *const det[] = {"iana", "openssl", "strength"};
	const char *v;
	json_t *p;

	if (!json_is_object(protocols))
		return set_or_fail(out, "protocols", json_deep_copy(protocols));
	json_t *o = json_object();

	if (!o)
		return -1;
	json_object_foreach ((json_t *)protocols, v, p) {
		json_t *q = json_is_object(p) ? pick(p, keys, N(keys)) : json_deep_copy(p);

		if (!q ||
		    (json_is_object(p) && json_object_get(p, "cipher_suite_details") &&
		     set_or_fail(q, "cipher_suite_details",
		                 pick_each(json_object_get(p, "cipher_suite_details"), det, N(det),
		                           NULL)) != 0) ||
		    json_object_set_new(o, v, q) != 0) {
			json_decref(o);
			return -1;
		}
	}
	return json_object_set_new(out, "protocols", o);
}

static const char *const chain_keys[] = {"subject",    "issuer",    "sha256_fingerprint",
                                         "not_before", "not_after", "days_left"};

static int
cut_cert(json_t *out, const json_t *in)
{
	const json_t *ocsp = json_object_get(in, "ocsp_response");

	if (json_object_get(in, "chain") &&
	    set_or_fail(out, "chain",
	                pick_each(json_object_get(in, "chain"), chain_keys, N(chain_keys), NULL)) !=
	            0)
		return -1;
	if (json_is_object(ocsp))
		return set_or_fail(out, "ocsp_response",
		                   pick(ocsp, (const char *const[]){"cert_status"}, 1));
	return ocsp ? set_or_fail(out, "ocsp_response", json_deep_copy(ocsp)) : 0;
}

/* Of a profile verdict: compliant, and each rule's id and result. */
static int
cut_profiles(json_t *out, const json_t *profiles)
{
	static const char *const rule[] = {"id", "result"};
	json_t *o, *p;
	const char *id;

	if (!json_is_object(profiles))
		return set_or_fail(out, "profiles", json_deep_copy(profiles));
	if (!(o = json_object()))
		return -1;
	json_object_foreach ((json_t *)profiles, id, p) {
		json_t *q = json_is_object(p) ? pick(p, (const char *const[]){"compliant"}, 1)
		                              : json_deep_copy(p);

		if (!q ||
		    (json_is_object(p) && json_object_get(p, "rules") &&
		     set_or_fail(q, "rules",
		                 pick_each(json_object_get(p, "rules"), rule, N(rule), NULL)) !=
		             0) ||
		    json_object_set_new(o, id, q) != 0) {
			json_decref(o);
			return -1;
		}
	}
	return json_object_set_new(out, "profiles", o);
}

char *
ta_diff_digest(const json_t *t)
{
	static const char *const keys[] = {"host",
	                                   "port",
	                                   "ip",
	                                   "status",
	                                   "error",
	                                   "service",
	                                   "starttls",
	                                   "incomplete",
	                                   "incomplete_reason",
	                                   "groups",
	                                   "groups_by_version",
	                                   "dh",
	                                   "signature_schemes",
	                                   "signature_schemes_by_version",
	                                   "tls13_hello_retry_request",
	                                   "features",
	                                   "http",
	                                   "dns"};
	static const char *const cert[] = {
	        "subject",        "issuer",         "serial",         "san",
	        "key_type",       "key_bits",       "curve",          "signature_algorithm",
	        "not_before",     "not_after",      "days_left",      "sha256_fingerprint",
	        "spki_sha256",    "trusted",        "trust_error",    "hostname_match",
	        "chain_complete", "chain_order_ok", "sha1_in_chain",  "root_in_chain",
	        "self_signed",    "weak_key",       "sha1_signature", "ocsp_must_staple"};
	json_t *o = pick(t, keys, N(keys));
	char *text = NULL;

	if (o &&
	    (!json_object_get(t, "protocols") ||
	     cut_protocols(o, json_object_get(t, "protocols")) == 0) &&
	    (!json_object_get(t, "certificates") ||
	     set_or_fail(o, "certificates",
	                 pick_each(json_object_get(t, "certificates"), cert, N(cert), cut_cert)) ==
	             0) &&
	    (!json_object_get(t, "profiles") ||
	     cut_profiles(o, json_object_get(t, "profiles")) == 0))
		text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return text;
}
