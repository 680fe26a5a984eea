/*
 * What the report writers may see of a scan: its results, read-only.
 */
#ifndef TA_PROBE_SCAN_INTERNAL_H
#define TA_PROBE_SCAN_INTERNAL_H

#include <stdbool.h>

#include "model/result.h"
#include "tlsaudit.h"

/*
 * Who takes the finished targets (the report layer, through the public
 * API): target() gets each target once nothing of it runs any more, with
 * its place in the scan's order and the endpoint as listed; its result is final and is freed after
 * the call (the consumer keeps nothing of it).  end() runs once the loop
 * is over, with the mail domains (their DANE verdicts are complete only
 * then).
 */
struct ta_endpoint {
	const char *host; /* as listed */
	uint16_t port;
	const char *proto; /* the line's /PROTO, else --starttls, else "" */
	const char *ip;    /* "" when the name did not resolve */
	uint64_t seq;      /* its place in the list as given (shards keep it) */
};
enum { TA_HAVE_NONE, TA_HAVE_OK, TA_HAVE_ERROR };
struct ta_scan_consumer {
	/* optional: a target about to start; TA_HAVE_OK or TA_HAVE_ERROR
	 * when the consumer already has its result (a resumed run) and whether
	 * that result is an error: it is not scanned, and target() is called
	 * for it at once with r NULL */
	int (*have)(void *arg, size_t index, const struct ta_endpoint *e);
	void (*target)(void *arg, size_t index, const struct ta_endpoint *e,
	               const struct ta_result *r);
	void (*end)(void *arg, const struct ta_mail_result *mails, size_t nmails);
	void *arg;
};
void ta_scan_set_consumer(struct ta_scan *s, const struct ta_scan_consumer *c);

const struct ta_result *ta_scan_result(const struct ta_scan *s, size_t i);
size_t ta_scan_mail_count(const struct ta_scan *s);
const struct ta_mail_result *ta_scan_mail(const struct ta_scan *s, size_t i);

/* Split "host[:port]" / "[v6]:port"; one-line reason in err on TA_EINVAL. */
int ta_parse_target(const char *spec, uint16_t default_port, char *host, size_t hostcap,
                    uint16_t *port, char *err, size_t errlen);

#endif
