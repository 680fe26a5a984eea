/*
 * Inside the HTTP client (net/http.h is the interface): http.c runs
 * libcurl's multi interface on the loop and starts the transfers;
 * http_response.c reads what a finished transfer got.  Not for other
 * modules.
 */
#ifndef TA_NET_HTTP_INT_H
#define TA_NET_HTTP_INT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http.h"
#include "wire/httptext.h"

enum xkind { X_HTTPS, X_PLAIN, X_FETCH };

struct check {
	struct ta_http_result *out;
	void (*done)(void *arg);
	void *arg;
	char host[256];
	uint16_t http_port;
	int pending; /* transfers not yet over */
};

/* One transfer (easy handle). */
struct xfer {
	struct ta_http *h;
	struct xfer *prev, *next;
	CURL *easy;
	int kind;            /* enum xkind */
	struct check *chk;   /* X_HTTPS, X_PLAIN */
	ta_http_fetch_cb cb; /* X_FETCH */
	void *arg;
	struct curl_slist *connect_to, *headers;
	char head[TA_HTTP_HEAD_MAX]; /* the last response head, line by line */
	size_t headlen;
	bool head_complete; /* its empty line arrived: a new line starts a new head */
	bool head_overflow;
	uint8_t *body; /* X_FETCH: what was received, up to bodycap */
	size_t bodylen, bodycap;
	bool body_overflow; /* X_FETCH: more than bodycap bytes */
	bool stopped;       /* we stopped reading the body: CURLE_WRITE_ERROR is ours */
	char errbuf[CURL_ERROR_SIZE];
};

/* http.c: take x out of its client's list (and off the multi handle),
 * and free it. */
void ta_http_xfer_unlink(struct xfer *x);
void ta_http_xfer_free(struct xfer *x);

/* http_response.c: a transfer is over: record it, tell the caller (x is
 * freed, and a check whose transfers are all over too). */
void ta_http_finish(struct xfer *x, CURLcode rc);

#endif
