/*
 * libcurl's multi interface on the project's event loop (see http.h).
 *
 * curl owns the connections; we own the watchers (one struct hsock per
 * socket curl asks us to watch, attached with curl_multi_assign), one timer
 * (curl's timeout), and one struct xfer per easy handle with its capped
 * header and body buffers.  Every curl callback of ours only records bytes
 * or arms watchers; completed transfers are collected after
 * curl_multi_socket_action() returns, and only then do the callers' callbacks
 * run, so they may start new requests or free the client.
 *
 * Everything a server sends is hostile: the response head is collected into
 * a TA_HTTP_HEAD_MAX buffer (more aborts the transfer), parsed by
 * src/wire/httptext.c, and every string stored in a result is a printable
 * copy (ta_text_printable).  Each transfer has a total timeout.  Names are
 * never resolved for a check: CURLOPT_CONNECT_TO sends the connection to the
 * given address while the URL, Host header and SNI keep the host name.
 *
 * What a finished transfer got is read by http_response.c (http_int.h).
 */
#include "net/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "net/http_int.h"

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

/* One socket curl wants watched. */
struct hsock {
	struct ta_watch w;
	struct ta_http *h;
	struct hsock *prev, *next;
};

struct ta_http {
	struct ta_loop *loop;
	CURLM *multi;
	struct ta_timer timer;
	struct hsock *socks;
	struct xfer *xfers;
	unsigned depth;    /* > 0 while we dispatch events (callers' callbacks may run) */
	bool free_pending; /* ta_http_free() was called during dispatch */
	char *capath;      /* the system trust directory (ta_http_new), or NULL */
};

static bool curl_ready; /* curl_global_init() done (see http.h) */

/* ---- sockets and the timer --------------------------------------------- */

static void dispatch(struct ta_http *h, curl_socket_t fd, int flags);

static void
on_sock_event(struct ta_watch *w, uint32_t ev)
{
	struct hsock *s = container_of(w, struct hsock, w);
	int flags = 0;

	if (ev & (EPOLLIN | EPOLLHUP))
		flags |= CURL_CSELECT_IN;
	if (ev & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (ev & EPOLLERR)
		flags |= CURL_CSELECT_ERR;
	dispatch(s->h, w->fd, flags);
}

static void
on_timeout(struct ta_timer *t)
{
	dispatch(container_of(t, struct ta_http, timer), CURL_SOCKET_TIMEOUT, 0);
}

static void
sock_drop(struct ta_http *h, struct hsock *s)
{
	ta_watch_del(h->loop, &s->w);
	if (s->prev)
		s->prev->next = s->next;
	else
		h->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	/* an event for it may still wait in the loop's current batch */
	(void)ta_loop_defer_free(h->loop, s);
}

/* CURLMOPT_SOCKETFUNCTION */
static int
on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct ta_http *h = userp;
	struct hsock *s = socketp;
	uint32_t events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s)
			sock_drop(h, s);
		return 0;
	}
	if (s == NULL) {
		s = calloc(1, sizeof *s);
		if (s == NULL)
			return -1;
		s->h = h;
		ta_watch_init(&s->w, fd, on_sock_event);
		s->next = h->socks;
		if (h->socks)
			h->socks->prev = s;
		h->socks = s;
		if (curl_multi_assign(h->multi, fd, s) != CURLM_OK) {
			sock_drop(h, s);
			return -1;
		}
	}
	if (what & CURL_POLL_IN)
		events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		events |= EPOLLOUT;
	if (events == 0) {
		ta_watch_del(h->loop, &s->w);
		return 0;
	}
	return ta_watch_set(h->loop, &s->w, events) == TA_OK ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: arm, re-arm or stop our one timer; curl_multi_
 * socket_action() runs when it fires, never from inside this callback. */
static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct ta_http *h = userp;

	(void)multi;
	if (timeout_ms < 0) {
		ta_timer_stop(h->loop, &h->timer);
		return 0;
	}
	return ta_timer_start(h->loop, &h->timer, (uint64_t)timeout_ms) == TA_OK ? 0 : -1;
}

/* ---- transfers ---------------------------------------------------------- */

/* CURLOPT_HEADERFUNCTION: one header line at a time, for every response
 * (interim 1xx ones too: a line after a complete head starts a new one). */
static size_t
on_header(char *buf, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * n;

	if (x->head_complete) {
		x->headlen = 0;
		x->head_complete = false;
	}
	if (len > sizeof x->head - x->headlen) {
		x->head_overflow = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	memcpy(x->head + x->headlen, buf, len);
	x->headlen += len;
	if ((len == 2 && buf[0] == '\r' && buf[1] == '\n') || (len == 1 && buf[0] == '\n'))
		x->head_complete = true;
	return len;
}

/* CURLOPT_WRITEFUNCTION: a check reads a little of the body and drops it
 * (it only wants the head); a fetch keeps up to bodycap bytes. */
static size_t
on_body(char *buf, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	size_t len = size * n;

	if (len > x->bodycap - x->bodylen) {
		if (x->kind == X_FETCH)
			x->body_overflow = true;
		else
			x->stopped = true;
		return 0;
	}
	if (x->kind == X_FETCH) {
		if (x->body == NULL) {
			x->body = malloc(x->bodycap ? x->bodycap : 1);
			if (x->body == NULL)
				return 0;
		}
		memcpy(x->body + x->bodylen, buf, len);
	}
	x->bodylen += len;
	return len;
}

void
ta_http_xfer_unlink(struct xfer *x)
{
	struct ta_http *h = x->h;

	if (x->prev)
		x->prev->next = x->next;
	else if (h->xfers == x)
		h->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	if (x->easy) {
		curl_multi_remove_handle(h->multi, x->easy);
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
}

void
ta_http_xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy) /* never added to the multi handle */
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->connect_to);
	curl_slist_free_all(x->headers);
	free(x->body);
	free(x);
}

/* Cancel a transfer without telling its caller; a check whose transfers
 * are all gone is freed with it. */
static void
xfer_cancel(struct xfer *x)
{
	struct check *chk = x->chk;

	ta_http_xfer_unlink(x);
	ta_http_xfer_free(x);
	if (chk && --chk->pending == 0)
		free(chk);
}

static int
ip_family(const char *ip)
{
	unsigned char buf[16];

	if (ip == NULL)
		return 0;
	if (inet_pton(AF_INET, ip, buf) == 1)
		return 4;
	if (inet_pton(AF_INET6, ip, buf) == 1)
		return 6;
	return 0;
}

/* A host name (letters, digits, "-", "_", "."), or an IP literal: nothing
 * that could change the meaning of the URL built around it. */
static bool
valid_host(const char *host)
{
	size_t n;

	if (host == NULL)
		return false;
	n = strlen(host);
	if (n == 0 || n > 253)
		return false;
	if (ip_family(host) != 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		char c = host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool
valid_path(const char *path)
{
	size_t n;

	if (path == NULL || path[0] != '/')
		return false;
	n = strlen(path);
	if (n > 1024)
		return false;
	for (size_t i = 0; i < n; i++)
		if (path[i] <= 0x20 || path[i] >= 0x7f || path[i] == '#')
			return false;
	return true;
}

#define SETOPT(x, opt, val)                                                                        \
	do {                                                                                       \
		if (curl_easy_setopt((x)->easy, opt, val) != CURLE_OK)                             \
			goto fail;                                                                 \
	} while (0)

/*
 * A new transfer of kind for scheme://host:port/path, connecting to ip
 * (NULL: libcurl resolves host).  verify: check the certificate against
 * ca_file or the system store.
 */
/* The system trust directory the context was given, or NULL. */
static const char *
system_capath(struct ta_http *h)
{
	return h->capath;
}

static struct xfer *
xfer_new(struct ta_http *h, int kind, bool tls, const char *host, const char *ip, uint16_t port,
         const char *path, unsigned timeout_ms, bool verify, const char *ca_file, int *rc)
{
	bool host6 = ip_family(host) == 6, ip6 = ip_family(ip) == 6;
	char url[1400], line[128];
	struct xfer *x;

	*rc = TA_ENOMEM;
	x = calloc(1, sizeof *x);
	if (x == NULL)
		return NULL;
	x->h = h;
	x->kind = kind;
	x->bodycap = kind == X_FETCH ? TA_HTTP_BODY_MAX : TA_HTTP_CHECK_BODY_MAX;
	x->easy = curl_easy_init();
	if (x->easy == NULL)
		goto fail;
	snprintf(url, sizeof url, "%s://%s%s%s:%u%s", tls ? "https" : "http", host6 ? "[" : "",
	         host, host6 ? "]" : "", (unsigned)port, path);
	if (ip) {
		/* any host and port in the URL go to ip:port (no name lookup) */
		snprintf(line, sizeof line, "::%s%s%s:%u", ip6 ? "[" : "", ip, ip6 ? "]" : "",
		         (unsigned)port);
		x->connect_to = curl_slist_append(NULL, line);
		if (x->connect_to == NULL)
			goto fail;
		SETOPT(x, CURLOPT_CONNECT_TO, x->connect_to);
	}
	if (kind == X_HTTPS) {
		/* ask for compression to see whether the server applies it (BREACH);
		 * the body is never decoded (CURLOPT_HTTP_CONTENT_DECODING off) */
		x->headers = curl_slist_append(NULL, "Accept-Encoding: gzip, deflate, br");
		if (x->headers == NULL)
			goto fail;
		SETOPT(x, CURLOPT_HTTPHEADER, x->headers);
	}
	*rc = TA_EINTERNAL;
	SETOPT(x, CURLOPT_URL, url);
	SETOPT(x, CURLOPT_PRIVATE, x);
	SETOPT(x, CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(x, CURLOPT_NOSIGNAL, 1L);
	SETOPT(x, CURLOPT_PROXY, ""); /* never a proxy from the environment */
	SETOPT(x, CURLOPT_PROTOCOLS_STR, tls ? "https" : "http");
	SETOPT(x, CURLOPT_FOLLOWLOCATION, 0L); /* redirects are data (RFC 8461 3.3 too) */
	SETOPT(x, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	SETOPT(x, CURLOPT_FRESH_CONNECT, 1L); /* one connection per check, to this ip */
	SETOPT(x, CURLOPT_FORBID_REUSE, 1L);
	SETOPT(x, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	SETOPT(x, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	SETOPT(x, CURLOPT_USERAGENT, "tlsaudit/" TA_VERSION_STRING);
	SETOPT(x, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(x, CURLOPT_HEADERDATA, x);
	SETOPT(x, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(x, CURLOPT_WRITEDATA, x);
	if (tls) {
		/* A check does not verify the certificate: tlsaudit analyses the
		 * chain itself (src/cert), and an HTTPS endpoint with a bad
		 * certificate still has headers worth reporting. */
		SETOPT(x, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
		SETOPT(x, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
		if (verify && ca_file) {
			SETOPT(x, CURLOPT_CAINFO, ca_file);
		} else if (!verify || system_capath(h)) {
			/* No bundle parsed per transfer: none at all when nothing
			 * is verified, else the hashed directory (cert/cert.h). */
			SETOPT(x, CURLOPT_CAINFO, (char *)NULL);
			SETOPT(x, CURLOPT_CAPATH, verify ? system_capath(h) : (char *)NULL);
		}
	}
	if (kind == X_FETCH)
		SETOPT(x, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)TA_HTTP_BODY_MAX);
	*rc = TA_OK;
	return x;
fail:
	ta_http_xfer_free(x);
	return NULL;
}

/* Hand x to the multi handle and keep it in h's list. */
static int
xfer_start(struct ta_http *h, struct xfer *x)
{
	if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK)
		return TA_EINTERNAL;
	x->next = h->xfers;
	if (h->xfers)
		h->xfers->prev = x;
	h->xfers = x;
	return TA_OK;
}

static void
destroy(struct ta_http *h)
{
	h->free_pending = true;
	while (h->xfers)
		xfer_cancel(h->xfers);
	curl_multi_cleanup(h->multi); /* may still call on_curl_socket / on_curl_timer */
	h->multi = NULL;
	while (h->socks)
		sock_drop(h, h->socks);
	ta_timer_stop(h->loop, &h->timer);
	free(h->capath);
	free(h);
}

static void
dispatch(struct ta_http *h, curl_socket_t fd, int flags)
{
	CURLMsg *msg;
	int running, left;

	h->depth++;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	while (!h->free_pending && (msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		CURLcode rc = msg->data.result;
		char *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
		    priv == NULL)
			continue;
		ta_http_finish((struct xfer *)(void *)priv, rc);
	}
	if (--h->depth == 0 && h->free_pending)
		destroy(h);
}

/* ---- public ------------------------------------------------------------- */

struct ta_http *
ta_http_new(struct ta_loop *loop, const char *capath)
{
	struct ta_http *h;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_ready = true;
	}
	h = calloc(1, sizeof *h);
	if (h == NULL)
		return NULL;
	h->loop = loop;
	if (capath && !(h->capath = strdup(capath))) {
		free(h);
		return NULL;
	}
	ta_timer_init(&h->timer, on_timeout);
	h->multi = curl_multi_init();
	if (h->multi == NULL ||
	    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK) {
		if (h->multi)
			curl_multi_cleanup(h->multi);
		free(h->capath);
		free(h);
		return NULL;
	}
	return h;
}

void
ta_http_free(struct ta_http *h)
{
	if (h == NULL)
		return;
	if (h->depth > 0) {
		h->free_pending = true; /* destroyed when dispatch unwinds */
		return;
	}
	destroy(h);
}

int
ta_http_check(struct ta_http *h, const struct ta_http_check_req *req, struct ta_http_result *out,
              void (*done)(void *arg), void *arg)
{
	unsigned timeout = req->timeout_ms ? req->timeout_ms : TA_HTTP_DEFAULT_TIMEOUT_MS;
	struct xfer *xs = NULL, *xp = NULL;
	struct check *chk;
	int rc;

	if (h == NULL || h->free_pending || done == NULL || out == NULL || !valid_host(req->host) ||
	    ip_family(req->ip) == 0 || req->https_port == 0)
		return TA_EINVAL;
	memset(out, 0, sizeof *out);
	out->http_port = req->http_port;
	out->redirect_to_https = TA_UNKNOWN;
	out->csp = TA_UNKNOWN;
	out->compression = TA_UNKNOWN;

	chk = calloc(1, sizeof *chk);
	if (chk == NULL)
		return TA_ENOMEM;
	chk->out = out;
	chk->done = done;
	chk->arg = arg;
	chk->http_port = req->http_port;
	snprintf(chk->host, sizeof chk->host, "%s", req->host);

	xs = xfer_new(h, X_HTTPS, true, req->host, req->ip, req->https_port, "/", timeout, false,
	              NULL, &rc);
	if (xs == NULL)
		goto fail;
	if (req->http_port) {
		xp = xfer_new(h, X_PLAIN, false, req->host, req->ip, req->http_port, "/", timeout,
		              false, NULL, &rc);
		if (xp == NULL)
			goto fail;
	}
	xs->chk = chk;
	if ((rc = xfer_start(h, xs)) != TA_OK)
		goto fail;
	chk->pending = 1;
	if (xp) {
		xp->chk = chk;
		if ((rc = xfer_start(h, xp)) != TA_OK) {
			ta_http_xfer_free(xp);
			xfer_cancel(xs); /* the last transfer of chk: frees it */
			return rc;
		}
		chk->pending++;
	}
	return TA_OK;
fail: /* nothing was started */
	ta_http_xfer_free(xs);
	ta_http_xfer_free(xp);
	free(chk);
	return rc;
}

int
ta_http_fetch(struct ta_http *h, const struct ta_http_fetch_req *req, ta_http_fetch_cb cb,
              void *arg)
{
	unsigned timeout = req->timeout_ms ? req->timeout_ms : TA_HTTP_DEFAULT_TIMEOUT_MS;
	struct xfer *x;
	int rc;

	if (h == NULL || h->free_pending || cb == NULL || !valid_host(req->host) ||
	    !valid_path(req->path) || (req->ip != NULL && ip_family(req->ip) == 0))
		return TA_EINVAL;
	x = xfer_new(h, X_FETCH, true, req->host, req->ip, req->port ? req->port : 443, req->path,
	             timeout, true, req->ca_file, &rc);
	if (x == NULL)
		return rc;
	x->cb = cb;
	x->arg = arg;
	rc = xfer_start(h, x);
	if (rc != TA_OK)
		ta_http_xfer_free(x);
	return rc;
}
