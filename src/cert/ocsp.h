/*
 * A stapled OCSP response reduced to what a report needs.
 */
#ifndef TA_CERT_OCSP_H
#define TA_CERT_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ta_ocsp {
	char response_status[24]; /* "successful", "tryLater" ... or "malformed" */
	char cert_status[12];     /* "good", "revoked", "unknown" */
	bool valid;               /* a single response was read */
	int64_t this_update, next_update, revoked_at; /* Unix time, 0 when absent */
};

/* Parse DER; TA_EDECODE when it is not an OCSP response (out still says so). */
int ta_ocsp_parse(const uint8_t *der, size_t len, struct ta_ocsp *out);

#endif
