/*
 * Shared by the files of the scan (scan.c: targets and the run; spec.c:
 * targets before they start; resolve.c: names to addresses; parts.c: CAA,
 * HTTP and the address records).
 *
 * A target the run has not started is a spec: the user's line and what
 * resolution found, under a kilobyte.  The target itself (probe state and
 * result, about 43 KB) is made from it when it starts and freed once it is
 * handed on, so a run of 10,000 holds 10,000 specs and only the targets in
 * flight.
 */
#ifndef TA_PROBE_SCAN_INT_H
#define TA_PROBE_SCAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/dns.h"

struct ta_scan;
struct ta_target;
struct ta_host;

/* An address of a target: the user's literal or one a name resolved to. */
struct ta_addr {
	struct sockaddr_storage sa;
	socklen_t len; /* 0: none */
	char ip[64];
};

/* The CAA lookup of one name, made once when the first target of the name
 * starts; the targets of the name that start before it ends wait for it,
 * later ones take a copy.  Freed when the last target of the name is
 * handed on. */
struct ta_caa_lookup {
	char name[256];
	struct ta_dns_result *res; /* from the start of the lookup */
	bool started, done;
	struct ta_target *waiters; /* linked by caa_next */
	size_t refs;               /* targets of the name not handed on yet */
};

struct ta_spec {
	char host[256];
	char sni[256];
	char proto[16]; /* the line's own "/proto" */
	uint16_t port;
	bool needs_resolve;    /* a name, resolved when the run starts */
	struct ta_addr addr;   /* len 0: not resolved (or it failed) */
	struct ta_addr *extra; /* a name's further addresses, until the expansion */
	size_t nextra;
	char *error;               /* why it cannot be scanned, or NULL */
	struct ta_host *hostrec;   /* its address's connection count */
	struct ta_caa_lookup *caa; /* the CAA lookup of its name, or NULL */
	uint64_t seq;              /* its place in the list: line << 16 | address */
};

/* spec.c */
/* A new spec at the end of the scan's list: zero but host and port. */
struct ta_spec *ta_spec_new(struct ta_scan *s, const char *host, uint16_t port);
void ta_spec_set_address(struct ta_spec *sp, const struct sockaddr *sa, socklen_t len,
                         const char *ip);
/* A spec's error, formatted (the spec keeps the first). */
void ta_spec_fail(struct ta_spec *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ta_spec_release(struct ta_spec *sp);
/* Keep only the specs of shard k of n (--shard; ta_shard_of), in order. */
void ta_spec_keep_shard(struct ta_scan *s, unsigned k, unsigned n);

/* Specs already listed, by (host, address, port): index + 1 per slot. */
struct ta_seen {
	size_t *slot;
	size_t cap, n;
};
/* Add spec idx of v unless one with its host, address and port is there
 * (*dup then); TA_ENOMEM when the table cannot grow. */
int ta_seen_add(struct ta_seen *tab, const struct ta_spec *v, size_t idx, bool *dup);
void ta_seen_free(struct ta_seen *tab);

/* scan.c */
struct ta_target *ta_target_alloc(struct ta_scan *s, const char *host, uint16_t port);
void ta_target_free(struct ta_target *t);
void ta_target_set_service(struct ta_scan *s, struct ta_target *t, const char *proto);

/* resolve.c: every name of the scan, expanded to one spec per address */
int ta_scan_resolve_names(struct ta_scan *s);

/* parts.c */
bool ta_host_is_literal(const char *host);
/* The address records and CAA lookups of every spec. */
int ta_scan_assign_hosts(struct ta_scan *s);
int ta_scan_assign_caa(struct ta_scan *s);
/* A target starting: its CAA result (a copy, or wait) and HTTP checks. */
void ta_target_start_caa(struct ta_target *t, struct ta_caa_lookup *caa);
void ta_target_start_http(struct ta_target *t);
/* A target handed on: the last of its name frees the CAA lookup. */
void ta_caa_release(struct ta_caa_lookup *caa);

#endif
