/*
 * Text report for people: one block per target, versions in order, suites
 * with their OpenSSL names and a plain strength mark; colour only when the
 * caller says the output is a terminal.  Every string that did not come
 * from our own tables goes through ta_fput_safe().
 */
#include <stdio.h>
#include <string.h>

#include "probe/scan_internal.h"
#include "report/report.h"
#include "wire/registry.h"

#define C_RED "\033[31m"
#define C_YEL "\033[33m"
#define C_GRN "\033[32m"
#define C_BLD "\033[1m"
#define C_OFF "\033[0m"

void
ta_fput_safe(const char *s, FILE *out)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
}

enum strength { ST_GOOD, ST_OK, ST_WEAK };

static enum strength
suite_strength(const struct ta_suite *s)
{
	if (!s)
		return ST_WEAK;
	if ((s->flags & TA_SUITE_EXPORT) || s->cipher == TA_CIPHER_NULL ||
	    s->cipher == TA_CIPHER_RC4 || s->cipher == TA_CIPHER_RC2 ||
	    s->cipher == TA_CIPHER_DES || s->cipher == TA_CIPHER_DES40 ||
	    s->cipher == TA_CIPHER_3DES || s->auth == TA_AUTH_NULL || s->mac == TA_MAC_MD5 ||
	    (s->flags & TA_SUITE_SSL2))
		return ST_WEAK;
	if ((s->flags & TA_SUITE_FS) && (s->flags & TA_SUITE_AEAD))
		return ST_GOOD;
	return ST_OK;
}

static const char *
mark(enum strength st, int color)
{
	if (!color)
		return st == ST_WEAK ? "weak" : st == ST_OK ? "ok  " : "good";
	return st == ST_WEAK ? C_RED "weak" C_OFF
	       : st == ST_OK ? C_YEL "ok  " C_OFF
	                     : C_GRN "good" C_OFF;
}

static const char *
tri_text(int v)
{
	return v == TA_YES ? "yes" : v == TA_NO ? "no" : "n/a";
}

static void
target_text(const struct ta_result *r, FILE *out, int color)
{
	fprintf(out, "%s", color ? C_BLD : "");
	ta_fput_safe(r->host, out);
	fprintf(out, ":%u", r->port);
	if (r->ip[0])
		fprintf(out, " (%s)", r->ip);
	fprintf(out, "%s\n", color ? C_OFF : "");
	if (!r->ok) {
		fprintf(out, "  %serror%s: ", color ? C_RED : "", color ? C_OFF : "");
		ta_fput_safe(r->error, out);
		fputc('\n', out);
	}
	fprintf(out, "  %u connections, %.2f s\n", r->connections, (double)r->duration_ms / 1000.0);
	fprintf(out, "\n  Protocols\n");
	for (int v = 0; v < TA_NVER; v++) {
		const struct ta_ver_result *vr = &r->ver[v];

		fprintf(out, "    %-8s %s%s", ta_ver_name(v),
		        !vr->tested   ? "not tested"
		        : vr->offered ? "offered"
		                      : "not offered",
		        vr->incomplete ? " (incomplete)" : "");
		if (vr->offered && vr->nsuites > 1)
			fprintf(out, ", server order: %s", tri_text(vr->server_order));
		if (vr->chacha_priority != TA_UNKNOWN)
			fprintf(out, ", ChaCha20 priority: %s", tri_text(vr->chacha_priority));
		fputc('\n', out);
	}
	for (int v = TA_NVER - 1; v >= 0; v--) {
		const struct ta_ver_result *vr = &r->ver[v];

		if (!vr->offered || vr->nsuites == 0)
			continue;
		fprintf(out, "\n  %s cipher suites (%zu)%s\n", ta_ver_name(v), vr->nsuites,
		        vr->server_order == TA_YES ? ", server's order" : "");
		for (size_t i = 0; i < vr->nsuites; i++) {
			const struct ta_suite *s = v == TA_V_SSL2
			                                   ? ta_ssl2_suite_find(vr->suites[i])
			                                   : ta_suite_find(vr->suites[i]);

			fprintf(out, "    %s  0x%04X  %-48s %-32s %4u bits\n",
			        mark(suite_strength(s), color), (unsigned)vr->suites[i],
			        s ? s->iana : "UNKNOWN", s && s->openssl ? s->openssl : "-",
			        s ? s->bits : 0);
		}
	}
	if (r->ngroups) {
		fprintf(out, "\n  Key exchange groups%s:",
		        r->groups_server_order == TA_YES ? " (server's order)" : "");
		for (size_t i = 0; i < r->ngroups; i++) {
			const struct ta_group *g = ta_group_find(r->groups[i]);

			if (g)
				fprintf(out, " %s", g->iana);
			else
				fprintf(out, " 0x%04X", r->groups[i]);
		}
		fputc('\n', out);
	}
	if (r->dh.bits)
		fprintf(out, "  DH parameters (no FFDHE group offered): %u bits, %s\n", r->dh.bits,
		        r->dh.group);
	if (r->nsigschemes) {
		fprintf(out, "  Signature schemes:");
		for (size_t i = 0; i < r->nsigschemes; i++) {
			const struct ta_sigscheme *s = ta_sigscheme_find(r->sigschemes[i]);

			if (s)
				fprintf(out, " %s", s->iana);
			else
				fprintf(out, " 0x%04X", r->sigschemes[i]);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->nnotes; i++) {
		fprintf(out, "  note: ");
		ta_fput_safe(r->notes[i], out);
		fputc('\n', out);
	}
	fputc('\n', out);
}

int
ta_report_text(const struct ta_scan *scan, FILE *out, int color)
{
	for (size_t i = 0; i < ta_scan_target_count(scan); i++)
		target_text(ta_scan_result(scan, i), out, color);
	return ferror(out) ? TA_ESYS : TA_OK;
}

int
ta_scan_write(const struct ta_scan *scan, enum ta_format fmt, FILE *out, int color)
{
	if (fmt == TA_FORMAT_JSON)
		return ta_report_json(scan, out);
	return ta_report_text(scan, out, color);
}
