/*
 * The client simulation (src/assess/clients_sim.c) against target documents
 * built here: a TLS 1.2 server whose first suite is DHE, with its own DH
 * prime or with none (GnuTLS without DH parameters: DHE only with an RFC
 * 7919 group the client offers, "dh": {"only_with_ffdhe": true}), and
 * clients made here that offer or lack the FFDHE groups.  What a server
 * does is RFC 7919 section 4 (no FFDHE group in common: no DHE suite) and
 * RFC 8422 section 5.1 (an ECDHE suite needs a common curve); the live
 * comparison with real clients is tests/integration/test_clients.py.
 */
#include <stdlib.h>
#include <string.h>

#include "assess/clients.h"
#include "tharness.h"

#define DHE_AES128_GCM   0x009e
#define ECDHE_AES128_GCM 0xc02f
#define SECP256R1        0x0017
#define FFDHE2048        0x0100
#define FFDHE3072        0x0101

static json_t *
server(bool ffdhe_only)
{
	json_error_t e;
	json_t *t = json_loads(
	        "{\"protocols\": {\"SSLv3\": {\"offered\": false}, \"TLSv1.0\": {\"offered\": "
	        "false},"
	        " \"TLSv1.1\": {\"offered\": false}, \"TLSv1.3\": {\"offered\": false},"
	        " \"TLSv1.2\": {\"offered\": true, \"server_order\": true, "
	        "\"cipher_suite_details\":"
	        "  [{\"id\": \"0x009E\"}, {\"id\": \"0xC02F\"}]}},"
	        " \"groups_by_version\": {\"TLSv1.2\": {\"groups\": [\"secp256r1\", \"ffdhe3072\","
	        "  \"ffdhe2048\"], \"server_order\": true}},"
	        " \"signature_schemes_by_version\": {\"TLSv1.2\": [\"rsa_pss_rsae_sha256\","
	        "  \"rsa_pkcs1_sha256\"]},"
	        " \"tls13_hello_retry_request\": null,"
	        " \"certificates\": [{\"key_type\": \"RSA\", \"key_bits\": 2048}]}",
	        0, &e);

	if (t)
		json_object_set_new(
		        t, "dh",
		        ffdhe_only ? json_pack("{s:i, s:s, s:b}", "bits", 2048, "group",
		                               "ffdhe2048", "only_with_ffdhe", 1)
		                   : json_pack("{s:i, s:s}", "bits", 2048, "group", "custom"));
	return t;
}

static void
client(struct ta_client *c, const char *name, const uint16_t *suites, size_t ns,
       const uint16_t *groups, size_t ng)
{
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->versions[0] = 0x0303;
	c->nversions = 1;
	memcpy(c->suites, suites, ns * sizeof *suites);
	c->nsuites = ns;
	c->suites_known = true;
	memcpy(c->groups, groups, ng * sizeof *groups);
	c->ngroups = ng;
	c->groups_known = true;
	c->sigalgs[0] = 0x0804; /* rsa_pss_rsae_sha256 */
	c->sigalgs[1] = 0x0401; /* rsa_pkcs1_sha256 */
	c->nsigalgs = 2;
	c->sigalgs_known = true;
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static const struct {
	const char *name;
	bool ffdhe_only;
	uint16_t suites[2], groups[3];
	size_t ns, ng;
	const char *result, *suite, *group, *reason_has;
	long dh_bits;
} cases[] = {
        /* no prime of its own: DHE needs an FFDHE group in common */
        {"ffdhe-only: ffdhe2048 offered",
         true,
         {DHE_AES128_GCM, ECDHE_AES128_GCM},
         {SECP256R1, FFDHE2048},
         2,
         2,
         "connects",
         "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
         "ffdhe2048",
         NULL,
         2048},
        {"ffdhe-only: the server's FFDHE order",
         true,
         {DHE_AES128_GCM},
         {FFDHE2048, FFDHE3072},
         1,
         2,
         "connects",
         "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
         "ffdhe3072",
         NULL,
         3072},
        {"ffdhe-only: no FFDHE group, ECDHE next",
         true,
         {DHE_AES128_GCM, ECDHE_AES128_GCM},
         {SECP256R1},
         2,
         1,
         "connects",
         "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
         "secp256r1",
         NULL,
         0},
        {"ffdhe-only: no FFDHE group, DHE only",
         true,
         {DHE_AES128_GCM},
         {SECP256R1},
         1,
         1,
         "fails",
         NULL,
         NULL,
         "RFC 7919",
         0},
        /* its own prime: any client offering DHE gets it, no group */
        {"own prime: no FFDHE group",
         false,
         {DHE_AES128_GCM},
         {SECP256R1},
         1,
         1,
         "connects",
         "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
         NULL,
         NULL,
         2048},
        /* an ECDHE suite never gets an FFDHE group for its curve */
        {"ECDHE with FFDHE groups only",
         false,
         {ECDHE_AES128_GCM},
         {FFDHE2048},
         1,
         1,
         "fails",
         NULL,
         NULL,
         "no common group for the ECDHE suites",
         0},
};

int
main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ta_client c;
		json_t *t = server(cases[i].ffdhe_only), *r;

		TH_CASE(cases[i].name);
		client(&c, cases[i].name, cases[i].suites, cases[i].ns, cases[i].groups,
		       cases[i].ng);
		CHECK(t != NULL);
		r = t ? ta_client_simulate(&c, t) : NULL;
		CHECK(r != NULL);
		if (!r) {
			json_decref(t);
			continue;
		}
		if (strcmp(str(r, "result"), cases[i].result) != 0)
			fprintf(stderr, "got %s: %s\n", str(r, "result"), str(r, "reason"));
		CHECK(strcmp(str(r, "result"), cases[i].result) == 0);
		CHECK(cases[i].suite ? strcmp(str(r, "cipher_suite"), cases[i].suite) == 0
		                     : json_is_null(json_object_get(r, "cipher_suite")));
		CHECK(cases[i].group ? strcmp(str(r, "group"), cases[i].group) == 0
		                     : json_is_null(json_object_get(r, "group")));
		CHECK(json_integer_value(json_object_get(r, "dh_bits")) == cases[i].dh_bits);
		CHECK(!cases[i].reason_has || strstr(str(r, "reason"), cases[i].reason_has));
		json_decref(r);
		json_decref(t);
	}
	return th_done("unit_clients_sim");
}
