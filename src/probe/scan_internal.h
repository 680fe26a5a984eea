/*
 * What the report writers may see of a scan: its results, read-only.
 */
#ifndef TA_PROBE_SCAN_INTERNAL_H
#define TA_PROBE_SCAN_INTERNAL_H

#include "model/result.h"
#include "tlsaudit.h"

const struct ta_result *ta_scan_result(const struct ta_scan *s, size_t i);
size_t ta_scan_mail_count(const struct ta_scan *s);
const struct ta_mail_result *ta_scan_mail(const struct ta_scan *s, size_t i);

/* Split "host[:port]" / "[v6]:port"; one-line reason in err on TA_EINVAL. */
int ta_parse_target(const char *spec, uint16_t default_port, char *host, size_t hostcap,
                    uint16_t *port, char *err, size_t errlen);

#endif
