/*
 * The plain result of one target (model/result.h): the helpers every layer
 * above the probes uses to read and annotate it, and its release.
 */
#include "model/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "wire/tls.h"

static const uint16_t vcode[TA_NVER] = {TA_SSL2, TA_SSL3, TA_TLS10, TA_TLS11, TA_TLS12, TA_TLS13};
static const char *const vname[TA_NVER] = {"SSLv2",   "SSLv3",   "TLSv1.0",
                                           "TLSv1.1", "TLSv1.2", "TLSv1.3"};

uint16_t
ta_ver_code(int idx)
{
	return idx >= 0 && idx < TA_NVER ? (uint16_t)vcode[idx] : 0;
}

const char *
ta_ver_name(int idx)
{
	return idx >= 0 && idx < TA_NVER ? vname[idx] : "?";
}

void
ta_result_note(struct ta_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nnotes >= TA_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes], TA_NOTE_LEN, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < r->nnotes; i++)
		if (strcmp(r->notes[i], r->notes[r->nnotes]) == 0)
			return; /* said already */
	r->nnotes++;
}

void
ta_result_release(struct ta_result *r)
{
	for (size_t i = 0; i < r->nchains; i++) {
		free(r->chains[i].der);
		free(r->chains[i].ocsp);
		ta_chain_free(r->chains[i].analysis);
		free(r->chains[i].analysis);
		r->chains[i].der = r->chains[i].ocsp = NULL;
		r->chains[i].analysis = NULL;
	}
	r->nchains = 0;
}
