/*
 * Client simulation (docs/clients.md): which real clients connect to one
 * endpoint, with which version, cipher suite and group, or why they fail.
 * The clients are the captured ClientHellos of the clients of a Debian 12
 * machine and documented older clients (tests/data/clients, built in);
 * the server is the facts of a target document (docs/schema/scan.schema.json)
 * — of a scanned endpoint, or of a profile's configuration built by
 * ta_profile_facts() (src/profile) before it is applied.
 */
#ifndef TA_ASSESS_CLIENTS_H
#define TA_ASSESS_CLIENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsaudit.h"

#define TA_CLIENT_MAX_LIST 256

/* What one client offers and accepts. */
struct ta_client {
	char name[64];
	char version[192];    /* as the client reports it, or the documented release */
	char source[512];     /* "captured YYYY-MM-DD" or the documents cited */
	bool captured;        /* from a ClientHello; else documented */
	uint16_t versions[8]; /* highest first */
	size_t nversions;
	bool versions_assumed; /* no supported_versions: legacy_version and below */
	uint16_t suites[TA_CLIENT_MAX_LIST];
	size_t nsuites;
	bool suites_known;
	uint16_t groups[64];
	size_t ngroups;
	bool groups_known;   /* supported_groups sent (or documented) */
	uint16_t shares[16]; /* TLS 1.3 key_share groups */
	size_t nshares;
	uint16_t sigalgs[64];
	size_t nsigalgs;
	bool sigalgs_known;
	int rsa_min_bits, dh_min_bits, ec_min_bits; /* 0: unknown */
	char limits_source[512];
};

struct ta_clients {
	struct ta_client *v;
	size_t n;
};

/*
 * The built-in clients, in name order (captured first, then documented).
 * 0, or TA_ENOMEM / TA_EINVAL with a reason in err (a built-in file that
 * does not parse is a build bug).  Free with ta_clients_free().
 */
int ta_clients_builtin(struct ta_clients *out, char *err, size_t errlen) TA_MUST_CHECK;
void ta_clients_free(struct ta_clients *c);

/*
 * A client from one captured file's JSON (name, version, captured,
 * client_hello in hex): the hello is parsed by wire/chello.c.  TA_EDECODE
 * when the hello does not parse, TA_EINVAL when a key is missing.
 */
int ta_client_from_capture(const json_t *doc, struct ta_client *c) TA_MUST_CHECK;

/*
 * The simulation of every client against the target document's facts:
 * [{"client", "client_version", "source", "result": "connects" | "fails" |
 * "unknown", "protocol", "cipher_suite", "group", "dh_bits",
 * "hello_retry_request", "reason", "missing": [...]}] (the schema's
 * "clients").  NULL when out of memory.
 */
json_t *ta_clients_simulate(const struct ta_clients *cl, const json_t *target);

/* The same for one client. */
json_t *ta_client_simulate(const struct ta_client *c, const json_t *target);

/* The client as JSON (for `tlsaudit clients --list`): versions, suites,
 * groups, key shares, signature schemes by name; limits. */
json_t *ta_client_json(const struct ta_client *c);

#endif
