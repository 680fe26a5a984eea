/*
 * What a finished transfer got (http.c runs the transfers).  Everything a
 * server sends is hostile: the response head, collected by http.c into a
 * TA_HTTP_HEAD_MAX buffer, is parsed by src/wire/httptext.c, and every
 * string stored in a result is a printable copy (ta_text_printable).  A
 * check's HTTPS answer gives the status, HSTS, CSP and compression, its
 * plain HTTP answer the status and whether it redirects to HTTPS; a fetch
 * hands its status, Content-Type and body to the caller.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_int.h"
#include "wire/httptext.h"

/* One printable line saying why a transfer failed. */
static void
error_line(struct xfer *x, CURLcode rc, char *dst, size_t cap)
{
	const char *txt = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	size_t n = strnlen(txt, CURL_ERROR_SIZE);

	while (n > 0 && (txt[n - 1] == '\n' || txt[n - 1] == '\r' || txt[n - 1] == ' '))
		n--;
	if (x->head_overflow)
		snprintf(dst, cap, "response head larger than %d bytes", TA_HTTP_HEAD_MAX);
	else if (x->body_overflow)
		snprintf(dst, cap, "body larger than %d bytes", TA_HTTP_BODY_MAX);
	else
		ta_text_printable(dst, cap, (const uint8_t *)txt, n);
}

/* The transfer produced a response (a body we cut short is ours). */
static bool
xfer_ok(const struct xfer *x, CURLcode rc)
{
	return rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->stopped && x->head_complete);
}

static void
copy_view(char *dst, size_t cap, struct ta_rd v)
{
	ta_text_printable(dst, cap, v.p, ta_rd_left(&v));
}

static long
response_code(struct xfer *x)
{
	long code = 0;

	if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		code = 0;
	return code;
}

static void
https_done(struct xfer *x, CURLcode rc)
{
	struct ta_http_result *out = x->chk->out;
	struct ta_http_head head;
	struct ta_rd v, ro;
	const char *why;
	size_t n, nro;

	if (!xfer_ok(x, rc)) {
		error_line(x, rc, out->error, sizeof out->error);
		return;
	}
	if (ta_http_head_parse(x->head, x->headlen, &head, &why) != TA_OK) {
		out->https_status = (int)response_code(x);
		snprintf(out->error, sizeof out->error, "malformed response head: %s", why);
		return;
	}
	out->https_status = (int)head.status;

	/* RFC 6797 8.1: only the first Strict-Transport-Security counts */
	if (ta_http_head_find(&head, "Strict-Transport-Security", &v) > 0) {
		struct ta_hsts_policy p;

		out->hsts_present = true;
		out->hsts.valid = ta_hsts_parse((const char *)v.p, ta_rd_left(&v), &p) == TA_OK;
		out->hsts.max_age = p.max_age;
		out->hsts.include_subdomains = p.include_subdomains;
		out->hsts.preload = p.preload;
		snprintf(out->hsts.error, sizeof out->hsts.error, "%s", p.error);
	}

	n = ta_http_head_find(&head, "Content-Security-Policy", &v);
	nro = ta_http_head_find(&head, "Content-Security-Policy-Report-Only", &ro);
	out->csp = n > 0 ? TA_YES : TA_NO;
	out->csp_report_only = nro > 0;
	if (n > 0)
		copy_view(out->csp_value, sizeof out->csp_value, v);
	else if (nro > 0) /* the only policy there is, though not enforced */
		copy_view(out->csp_value, sizeof out->csp_value, ro);

	out->set_cookies = (unsigned)ta_http_head_find(&head, "Set-Cookie", &v);
	if (ta_http_head_find(&head, "Cache-Control", &v) > 0)
		copy_view(out->cache_control, sizeof out->cache_control, v);
	out->compression = TA_NO;
	if (ta_http_head_find(&head, "Content-Encoding", &v) > 0) {
		copy_view(out->content_encoding, sizeof out->content_encoding, v);
		if (ta_http_coding_compressed(v))
			out->compression = TA_YES;
	}
}

static bool
is_redirect(unsigned status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void
plain_done(struct xfer *x, CURLcode rc)
{
	struct check *chk = x->chk;
	struct ta_http_result *out = chk->out;
	struct ta_http_location loc;
	struct ta_http_head head;
	struct ta_rd v;
	const char *why;
	long oserr = 0;

	if (!xfer_ok(x, rc)) {
		char line[sizeof out->http_error];

		curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &oserr);
		if (rc == CURLE_COULDNT_CONNECT && oserr == ECONNREFUSED)
			snprintf(line, sizeof line, "connection refused");
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(line, sizeof line, "timed out");
		else
			error_line(x, rc, line, sizeof line);
		snprintf(out->http_error, sizeof out->http_error, "port %u: %.180s",
		         (unsigned)chk->http_port, line);
		return;
	}
	if (ta_http_head_parse(x->head, x->headlen, &head, &why) != TA_OK) {
		out->http_status = (int)response_code(x);
		snprintf(out->http_error, sizeof out->http_error,
		         "port %u: malformed response head: %s", (unsigned)chk->http_port, why);
		return;
	}
	out->http_status = (int)head.status;
	out->redirect_to_https = TA_NO;
	if (!is_redirect(head.status) || ta_http_head_find(&head, "Location", &v) == 0)
		return;
	copy_view(out->redirect_location, sizeof out->redirect_location, v);
	ta_http_location_parse((const char *)v.p, ta_rd_left(&v), &loc);
	if (loc.kind == TA_LOC_HTTPS && ta_http_host_eq(loc.host, chk->host, strlen(chk->host)))
		out->redirect_to_https = TA_YES;
}

static void
fetch_done(struct xfer *x, CURLcode rc)
{
	struct ta_http_fetch_res res;
	struct ta_http_head head;
	char ctype[128] = "", err[256] = "";
	const char *why;
	struct ta_rd v;

	memset(&res, 0, sizeof res);
	if (!xfer_ok(x, rc)) {
		error_line(x, rc, err, sizeof err);
		res.status = (int)response_code(x);
	} else if (ta_http_head_parse(x->head, x->headlen, &head, &why) != TA_OK) {
		snprintf(err, sizeof err, "malformed response head: %s", why);
		res.status = (int)response_code(x);
	} else {
		res.status = (int)head.status;
		if (ta_http_head_find(&head, "Content-Type", &v) > 0)
			copy_view(ctype, sizeof ctype, v);
		res.body = x->body;
		res.body_len = x->bodylen;
	}
	if (res.body == NULL) {
		res.body = (const uint8_t *)"";
		res.body_len = 0;
	}
	res.content_type = ctype;
	res.error = err;
	/* out of h's list first: the callback may free h */
	ta_http_xfer_unlink(x);
	x->cb(x->arg, &res);
	ta_http_xfer_free(x);
}

/* A transfer is over: record it, tell the caller. */
void
ta_http_finish(struct xfer *x, CURLcode rc)
{
	struct check *chk = x->chk;

	if (x->kind == X_FETCH) {
		fetch_done(x, rc);
		return;
	}
	if (x->kind == X_HTTPS)
		https_done(x, rc);
	else
		plain_done(x, rc);
	ta_http_xfer_unlink(x);
	ta_http_xfer_free(x);
	if (--chk->pending == 0) {
		chk->out->tested = true;
		chk->done(chk->arg);
		free(chk);
	}
}
