/*
 * The certificates of a target's HTML section (html_cert.c), for
 * html_target.c.  Inside the HTML writer, like html_int.h.
 */
#ifndef TA_REPORT_HTML_CERT_H
#define TA_REPORT_HTML_CERT_H

#include <jansson.h>
#include <stdio.h>

/* "Certificates": each one served, its chain, trust and revocation. */
void hw_certificates(FILE *out, const json_t *certs);

#endif
