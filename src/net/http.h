/*
 * HTTP checks and fetches through libcurl's multi interface, driven by the
 * project's event loop: curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION -> ta_watch) and when to call it back
 * (CURLMOPT_TIMERFUNCTION -> ta_timer), and we hand every event to
 * curl_multi_socket_action().  No blocking calls, no threads of ours, no
 * curl_easy_perform().
 *
 * ta_http_check() looks at an HTTPS endpoint the way a browser meets it:
 * GET / over TLS for Strict-Transport-Security (RFC 6797), Content-Security-
 * Policy and Content-Encoding (BREACH exposure), and GET / over plain HTTP
 * for a redirect to https:// on the same host.  ta_http_fetch() is a
 * verified GET for an MTA-STS policy (RFC 8461 3.3).  Response heads are
 * parsed by src/wire/httptext.c; this module owns only the transfers.
 *
 * libcurl is initialised (curl_global_init) the first time ta_http_new()
 * runs, and never cleaned up: curl_global_init is not thread-safe in
 * libcurl 7.88, so the first ta_http_new() must not race another thread
 * initialising libcurl (tlsaudit runs one thread).
 */
#ifndef TA_NET_HTTP_H
#define TA_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"
#include "tlsaudit.h"

#define TA_HTTP_BODY_MAX           (64 * 1024) /* a fetched body, at most */
#define TA_HTTP_CHECK_BODY_MAX     (16 * 1024) /* read of a checked page, then dropped */
#define TA_HTTP_DEFAULT_TIMEOUT_MS 10000

struct ta_http;

/* A client on loop; NULL when out of memory or libcurl fails to start.
 * Free it before the loop (ta_loop_free). */
/* HTTP checks on an HTTPS endpoint (filled by ta_http_check). */
struct ta_hsts {
	bool valid; /* the header parsed strictly (RFC 6797 6.1) */
	int64_t max_age;
	bool include_subdomains;
	bool preload;
	char error[120]; /* why a present header is invalid */
};

struct ta_http_result {
	bool tested;
	char error[200];  /* why the HTTPS request failed ("" when it worked) */
	int https_status; /* status of GET / over TLS, 0 when none */
	/* plain HTTP on http_port: a redirect to https:// on the same host? */
	uint16_t http_port;
	int redirect_to_https;       /* enum ta_tri; unknown when no HTTP answer */
	int http_status;             /* 0 when none */
	char redirect_location[256]; /* printable ASCII only */
	char http_error[200];        /* why the plain-HTTP check had no answer */
	bool hsts_present;
	struct ta_hsts hsts;
	int csp; /* enum ta_tri: Content-Security-Policy on the HTTPS answer */
	bool csp_report_only;
	char csp_value[256]; /* printable ASCII only, cut */
	int compression;     /* enum ta_tri: the answer was compressed when asked */
	char content_encoding[32];
	/* signs that the answer is personalised, so may carry secrets (BREACH) */
	unsigned set_cookies;   /* Set-Cookie fields in the HTTPS answer */
	char cache_control[64]; /* its Cache-Control, printable ASCII, cut */
};

/* capath: the system's hashed trust directory for verified fetches
 * (copied; NULL: libcurl's default bundle). */
struct ta_http *ta_http_new(struct ta_loop *loop, const char *capath);

/* Cancel every pending request without calling its callback, and free h.
 * Accepts NULL; may be called from inside a callback of h. */
void ta_http_free(struct ta_http *h);

struct ta_http_check_req {
	const char *host;    /* name for the URL, Host header and SNI (or an IP literal) */
	const char *ip;      /* address to connect to; host is never resolved */
	uint16_t https_port; /* the TLS port being audited */
	uint16_t http_port;  /* plain HTTP port for the redirect check; 0 = skip */
	unsigned timeout_ms; /* per request; 0: TA_HTTP_DEFAULT_TIMEOUT_MS */
};

/*
 * Start both checks; fill *out (which must stay valid until done runs) and
 * call done(arg) once, when both are over.  Returns TA_OK, or TA_EINVAL
 * (host not a host name or IP literal, ip not an address, https_port 0),
 * TA_ENOMEM, TA_EINTERNAL (libcurl refused the setup); then done is never
 * called.  The strings in *req are copied.
 */
int TA_MUST_CHECK ta_http_check(struct ta_http *h, const struct ta_http_check_req *req,
                                struct ta_http_result *out, void (*done)(void *arg), void *arg);

struct ta_http_fetch_req {
	const char *host;    /* name in the URL, Host header, SNI and the certificate check */
	const char *path;    /* absolute path, e.g. "/.well-known/mta-sts.txt" */
	const char *ip;      /* address to connect to; NULL: resolve host (libcurl) */
	uint16_t port;       /* 0: 443 */
	const char *ca_file; /* trust anchors (PEM); NULL: the system store */
	unsigned timeout_ms; /* 0: TA_HTTP_DEFAULT_TIMEOUT_MS */
};

struct ta_http_fetch_res {
	int status;               /* HTTP status, 0 when no response */
	const char *content_type; /* printable ASCII, "" when none */
	const uint8_t *body;      /* the body as received (no decoding), body_len bytes */
	size_t body_len;
	const char *error; /* one printable line; "" when a response arrived */
};

/* res and everything it points to live only during the call. */
typedef void (*ta_http_fetch_cb)(void *arg, const struct ta_http_fetch_res *res);

/*
 * GET https://host[:port]/path with certificate verification on (against
 * ca_file, or the system store), no redirects followed (RFC 8461 3.3: a 3xx
 * is reported as such), no content decoding, the body capped at
 * TA_HTTP_BODY_MAX (more is an error), a total timeout.  cb runs exactly
 * once unless the call fails (TA_EINVAL, TA_ENOMEM, TA_EINTERNAL) or h is
 * freed first.
 */
int TA_MUST_CHECK ta_http_fetch(struct ta_http *h, const struct ta_http_fetch_req *req,
                                ta_http_fetch_cb cb, void *arg);

#endif
