/*
 * Test driver for src/net/http.c: runs ta_http_check() or ta_http_fetch()
 * on the project's event loop and prints the result as JSON, for
 * test_http_live.py.
 *
 *   http_probe [-k] [-t MS] [-c MS] check HOST IP HTTPS_PORT HTTP_PORT [HOST IP HTTPS_PORT HTTP_PORT]...
 *       every check at once on one loop; prints {"results": [ta_http_result...]}.
 *       -c MS: free the client MS ms after the start (cancelling what is
 *       pending) and print {"cancelled": true, "callbacks": N}.
 *   http_probe [-k] [-t MS] fetch HOST IP|- PORT PATH CAFILE|-
 *       prints {"status", "content_type", "body", "body_len", "error"}.
 *
 * The client is freed from inside the last callback, the way a caller that
 * is done would do it; that path must be safe.  With -k it is kept until the
 * loop has ended on its own: an idle client must leave nothing armed or
 * watched, or ta_loop_run() would never return.  Exit status 0 when the
 * loop ran to its end, 2 on usage errors, 1 when a call failed.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "net/http.h"
#include "net/loop.h"
#include "wire/httptext.h"

static struct ta_http *client;
static bool keep; /* -k: do not free the client in the last callback */
static int pending;
static int callbacks;
static json_t *fetch_json;

static json_t *
tri(int v)
{
	return v == TA_UNKNOWN ? json_null() : json_boolean(v == TA_YES);
}

static json_t *
result_json(const struct ta_http_result *r)
{
	json_t *hsts = json_pack("{s:b, s:I, s:b, s:b, s:s}", "valid", r->hsts.valid, "max_age",
	                         (json_int_t)r->hsts.max_age, "include_subdomains",
	                         r->hsts.include_subdomains, "preload", r->hsts.preload, "error",
	                         r->hsts.error);

	return json_pack(
	        "{s:b, s:s, s:i, s:i, s:o, s:i, s:s, s:s, s:b, s:o, s:o, s:b, s:s, s:o, "
	        "s:s}",
	        "tested", r->tested, "error", r->error, "https_status", r->https_status,
	        "http_port", (int)r->http_port, "redirect_to_https", tri(r->redirect_to_https),
	        "http_status", r->http_status, "redirect_location", r->redirect_location,
	        "http_error", r->http_error, "hsts_present", r->hsts_present, "hsts", hsts, "csp",
	        tri(r->csp), "csp_report_only", r->csp_report_only, "csp_value", r->csp_value,
	        "compression", tri(r->compression), "content_encoding", r->content_encoding);
}

static void
check_done(void *arg)
{
	(void)arg;
	callbacks++;
	if (--pending == 0 && !keep) {
		ta_http_free(client); /* from inside the callback: must be safe */
		client = NULL;
	}
}

static void
fetch_done(void *arg, const struct ta_http_fetch_res *res)
{
	char body[4 * TA_HTTP_BODY_MAX + 1];

	(void)arg;
	callbacks++;
	ta_text_printable(body, sizeof body, res->body, res->body_len);
	fetch_json = json_pack("{s:i, s:s, s:s, s:I, s:s}", "status", res->status, "content_type",
	                       res->content_type, "body", body, "body_len",
	                       (json_int_t)res->body_len, "error", res->error);
	if (!keep) {
		ta_http_free(client);
		client = NULL;
	}
}

struct canceller {
	struct ta_timer t;
};

static void
on_cancel(struct ta_timer *t)
{
	(void)t;
	ta_http_free(client);
	client = NULL;
}

static int
usage(void)
{
	fprintf(stderr,
	        "usage: http_probe [-k] [-t MS] [-c MS] check HOST IP HTTPS_PORT HTTP_PORT...\n"
	        "       http_probe [-k] [-t MS] fetch HOST IP|- PORT PATH CAFILE|-\n");
	return 2;
}

static unsigned
num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	return (*s && !*end && v <= 0xffffffffUL) ? (unsigned)v : 0;
}

int
main(int argc, char **argv)
{
	static struct ta_http_result results[16];
	struct ta_loop loop;
	struct canceller cancel;
	unsigned timeout = 5000, cancel_ms = 0;
	int i = 1, n = 0, rc;
	json_t *doc;

	while (i + 1 < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-k") == 0) {
			keep = true;
			i++;
			continue;
		}
		if (strcmp(argv[i], "-t") == 0)
			timeout = num(argv[i + 1]);
		else if (strcmp(argv[i], "-c") == 0)
			cancel_ms = num(argv[i + 1]);
		else
			return usage();
		i += 2;
	}
	if (i >= argc)
		return usage();
	if (ta_loop_init(&loop) != TA_OK)
		return 1;
	client = ta_http_new(&loop, ta_cert_default_dir());
	if (client == NULL) {
		fprintf(stderr, "http_probe: ta_http_new failed\n");
		return 1;
	}
	if (strcmp(argv[i], "check") == 0) {
		i++;
		if ((argc - i) % 4 != 0 || argc == i || (argc - i) / 4 > 16)
			return usage();
		for (; i < argc; i += 4, n++) {
			struct ta_http_check_req req = {
			        .host = argv[i],
			        .ip = argv[i + 1],
			        .https_port = (uint16_t)num(argv[i + 2]),
			        .http_port = (uint16_t)num(argv[i + 3]),
			        .timeout_ms = timeout,
			};

			rc = ta_http_check(client, &req, &results[n], check_done, NULL);
			if (rc != TA_OK) {
				fprintf(stderr, "http_probe: ta_http_check(%s): %s\n", argv[i],
				        ta_strerror(rc));
				return 1;
			}
			pending++;
		}
	} else if (strcmp(argv[i], "fetch") == 0 && argc - i == 6) {
		struct ta_http_fetch_req req = {
		        .host = argv[i + 1],
		        .ip = strcmp(argv[i + 2], "-") ? argv[i + 2] : NULL,
		        .port = (uint16_t)num(argv[i + 3]),
		        .path = argv[i + 4],
		        .ca_file = strcmp(argv[i + 5], "-") ? argv[i + 5] : NULL,
		        .timeout_ms = timeout,
		};

		rc = ta_http_fetch(client, &req, fetch_done, NULL);
		if (rc != TA_OK) {
			fprintf(stderr, "http_probe: ta_http_fetch: %s\n", ta_strerror(rc));
			return 1;
		}
	} else {
		return usage();
	}
	if (cancel_ms) {
		ta_timer_init(&cancel.t, on_cancel);
		if (ta_timer_start(&loop, &cancel.t, cancel_ms) != TA_OK)
			return 1;
	}
	rc = ta_loop_run(&loop);
	if (cancel_ms)
		ta_timer_stop(&loop, &cancel.t);
	ta_http_free(client); /* NULL unless -k or the loop stopped early */
	ta_loop_free(&loop);
	if (rc != TA_OK) {
		fprintf(stderr, "http_probe: loop: %s\n", ta_strerror(rc));
		return 1;
	}
	if (cancel_ms) {
		doc = json_pack("{s:b, s:i}", "cancelled", 1, "callbacks", callbacks);
	} else if (fetch_json) {
		doc = fetch_json;
	} else {
		json_t *arr = json_array();

		for (int k = 0; k < n; k++)
			json_array_append_new(arr, result_json(&results[k]));
		doc = json_pack("{s:o, s:i}", "results", arr, "callbacks", callbacks);
	}
	if (doc == NULL) {
		fprintf(stderr, "http_probe: no result\n");
		return 1;
	}
	json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(doc);
	return 0;
}
