/*
 * Stapled OCSP responses (RFC 6960) read with OpenSSL's OCSP API: the
 * response status, and for the single response about the leaf its
 * certificate status and validity window.
 */
#include <openssl/ocsp.h>
#include <string.h>

#include "cert/ocsp.h"
#include "tlsaudit.h"

static int64_t
gtime_unix(const ASN1_GENERALIZEDTIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

int
ta_ocsp_parse(const uint8_t *der, size_t len, struct ta_ocsp *out)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *basic = NULL;
	int rc = TA_EDECODE;

	memset(out, 0, sizeof *out);
	snprintf(out->response_status, sizeof out->response_status, "malformed");
	snprintf(out->cert_status, sizeof out->cert_status, "unknown");
	if (len > 65536 || !(resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)))
		return TA_EDECODE;
	snprintf(out->response_status, sizeof out->response_status, "%s",
	         OCSP_response_status_str(OCSP_response_status(resp)));
	if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		rc = TA_OK;
		goto out;
	}
	basic = OCSP_response_get1_basic(resp);
	if (!basic || OCSP_resp_count(basic) < 1)
		goto out;
	{
		OCSP_SINGLERESP *single = OCSP_resp_get0(basic, 0);
		ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
		int reason = 0;
		int st = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);

		snprintf(out->cert_status, sizeof out->cert_status, "%s", OCSP_cert_status_str(st));
		out->this_update = gtime_unix(thisupd);
		out->next_update = gtime_unix(nextupd);
		out->revoked_at = gtime_unix(rev);
		out->valid = true;
	}
	rc = TA_OK;
out:
	OCSP_BASICRESP_free(basic);
	OCSP_RESPONSE_free(resp);
	return rc;
}
