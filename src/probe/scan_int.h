/*
 * Shared by the files of the scan (scan.c: targets and the run; resolve.c:
 * names to addresses; parts.c: CAA, HTTP and the address records).
 */
#ifndef TA_PROBE_SCAN_INT_H
#define TA_PROBE_SCAN_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct ta_scan;
struct ta_target;

/* scan.c */
struct ta_target *ta_target_alloc(struct ta_scan *s, const char *host, uint16_t port);
void ta_target_free(struct ta_target *t);
void ta_target_set_address(struct ta_target *t, const struct sockaddr *sa, socklen_t len,
                           const char *ip);
void ta_target_set_service(struct ta_scan *s, struct ta_target *t, const char *proto);

/* resolve.c: every name of the scan, expanded to one target per address */
int ta_scan_resolve_names(struct ta_scan *s);

/* parts.c */
bool ta_host_is_literal(const char *host);
int ta_scan_assign_hosts(struct ta_scan *s);
void ta_scan_start_caa(struct ta_scan *s);
void ta_target_start_http(struct ta_target *t);

#endif
