/*
 * Test driver for src/net/dns.c: runs lookups through the module on one
 * event loop, all at once, and prints what came back as one JSON document
 * (tests/dns/test_dns_live.py reads it).  Only loopback resolvers are
 * accepted: this tool never sends a packet anywhere else.
 *
 *   dns_probe [--timeout MS] [--tries N] [--free-early | --free-in-callback]
 *             --resolver SPEC OP...
 *   dns_probe parse-resolver SPEC...
 *
 * OP: query NAME TYPE | resolve NAME FAMILY(0|4|6) PORT | caa HOST
 *
 * --free-early: ta_dns_free() right after starting everything, before the
 * loop runs; --free-in-callback: from within the first callback.  Either
 * way no other callback may run (checked: the tool exits 3 if one does).
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/dns.h"
#include "net/loop.h"

enum op_kind { OP_QUERY, OP_RESOLVE, OP_CAA };

struct op {
	enum op_kind kind;
	const char *name;
	uint16_t type;
	int family;
	uint16_t port;
	struct ta_dns_result caa;
	uint64_t started_ms;
	json_t *out; /* NULL until done */
};

static struct ta_loop loop;
static struct ta_dns *dns;
static bool free_in_callback, freed, running;
static int late_callbacks;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The first callback frees the channel when asked to; any later one is a bug. */
static bool
callback_entry(void)
{
	if (!running) /* called back from within the call that started it */
		abort();
	if (freed) {
		late_callbacks++;
		return false;
	}
	if (free_in_callback) {
		ta_dns_free(dns);
		freed = true;
	}
	return true;
}

static json_t *
hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	json_t *j;

	if (!s)
		abort();
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static json_t *
record(const struct ta_dns_rr *rr)
{
	json_t *j = json_object();

	json_object_set_new(j, "ttl", json_integer(rr->ttl));
	switch (rr->type) {
	case TA_DNS_TYPE_A:
	case TA_DNS_TYPE_AAAA:
		json_object_set_new(j, "addr", json_string(rr->addr.text));
		json_object_set_new(j, "family", json_integer(rr->addr.family == AF_INET ? 4 : 6));
		break;
	case TA_DNS_TYPE_CNAME:
	case TA_DNS_TYPE_NS:
	case TA_DNS_TYPE_PTR:
		json_object_set_new(j, "target", json_string(rr->target.name));
		json_object_set_new(j, "host", json_boolean(rr->target.host));
		break;
	case TA_DNS_TYPE_MX:
		json_object_set_new(j, "preference", json_integer(rr->mx.preference));
		json_object_set_new(j, "exchange", json_string(rr->mx.exchange));
		json_object_set_new(j, "host", json_boolean(rr->mx.host));
		break;
	case TA_DNS_TYPE_TXT:
		json_object_set_new(j, "text", json_string(rr->txt.text));
		json_object_set_new(j, "nstrings", json_integer((json_int_t)rr->txt.nstrings));
		json_object_set_new(j, "rawlen", json_integer((json_int_t)rr->txt.rawlen));
		json_object_set_new(j, "clean", json_boolean(rr->txt.clean));
		json_object_set_new(j, "cut", json_boolean(rr->txt.cut));
		break;
	case TA_DNS_TYPE_CAA:
		json_object_set_new(j, "flags", json_integer(rr->caa.flags));
		json_object_set_new(j, "critical", json_boolean(rr->caa.critical));
		json_object_set_new(j, "tag", json_string(rr->caa.tag));
		json_object_set_new(j, "value", json_string(rr->caa.value));
		json_object_set_new(j, "clean", json_boolean(rr->caa.clean));
		json_object_set_new(j, "cut", json_boolean(rr->caa.cut));
		break;
	case TA_DNS_TYPE_TLSA:
		json_object_set_new(j, "usage", json_integer(rr->tlsa.usage));
		json_object_set_new(j, "selector", json_integer(rr->tlsa.selector));
		json_object_set_new(j, "mtype", json_integer(rr->tlsa.mtype));
		json_object_set_new(j, "data", hex(rr->tlsa.data, rr->tlsa.len));
		json_object_set_new(j, "len", json_integer((json_int_t)rr->tlsa.len));
		json_object_set_new(j, "rawlen", json_integer((json_int_t)rr->tlsa.rawlen));
		json_object_set_new(j, "cut", json_boolean(rr->tlsa.cut));
		break;
	default:
		break;
	}
	return j;
}

static json_t *
op_head(struct op *o, const char *kind)
{
	json_t *j = json_object();

	json_object_set_new(j, "op", json_string(kind));
	json_object_set_new(j, "name", json_string(o->name));
	json_object_set_new(j, "elapsed_ms", json_integer((json_int_t)(now_ms() - o->started_ms)));
	return j;
}

static void
on_query(void *arg, const struct ta_dns_answer *a)
{
	struct op *o = arg;
	json_t *j, *rrs;

	if (!callback_entry())
		return;
	j = op_head(o, "query");
	rrs = json_array();
	json_object_set_new(j, "type", json_string(ta_dns_type_name(a->qtype)));
	json_object_set_new(j, "qname", json_string(a->qname));
	json_object_set_new(j, "status", json_string(ta_dns_status_name(a->status)));
	json_object_set_new(j, "error", json_string(a->error));
	json_object_set_new(j, "ad", json_boolean(a->ad));
	json_object_set_new(j, "aa", json_boolean(a->aa));
	json_object_set_new(j, "tc", json_boolean(a->tc));
	json_object_set_new(j, "rcode", json_integer(a->rcode));
	json_object_set_new(j, "canon", json_string(a->name));
	json_object_set_new(j, "cnames", json_integer(a->cnames));
	json_object_set_new(j, "truncated", json_boolean(a->truncated));
	for (size_t i = 0; i < a->n; i++) {
		if (a->rr[i].type != a->qtype)
			abort();
		json_array_append_new(rrs, record(&a->rr[i]));
	}
	json_object_set_new(j, "records", rrs);
	o->out = j;
}

static void
on_resolve(void *arg, const struct ta_dns_addrs *a)
{
	struct op *o = arg;
	json_t *j, *addrs;

	if (!callback_entry())
		return;
	j = op_head(o, "resolve");
	addrs = json_array();
	json_object_set_new(j, "family", json_integer(o->family));
	json_object_set_new(j, "status", json_string(ta_dns_status_name(a->status)));
	json_object_set_new(j, "error", json_string(a->error));
	json_object_set_new(j, "ad", json_boolean(a->ad));
	json_object_set_new(j, "canon", json_string(a->name));
	json_object_set_new(j, "truncated", json_boolean(a->truncated));
	for (size_t i = 0; i < a->n; i++) {
		const struct ta_dns_addr *x = &a->addr[i];
		char back[INET6_ADDRSTRLEN];
		json_t *e = json_object();
		uint16_t port;

		/* the sockaddr must say what the text says */
		if (x->family == AF_INET) {
			const struct sockaddr_in *s = (const struct sockaddr_in *)&x->sa;

			inet_ntop(AF_INET, &s->sin_addr, back, sizeof back);
			port = ntohs(s->sin_port);
			if (s->sin_family != AF_INET || x->salen != sizeof *s)
				abort();
		} else {
			const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&x->sa;

			inet_ntop(AF_INET6, &s->sin6_addr, back, sizeof back);
			port = ntohs(s->sin6_port);
			if (s->sin6_family != AF_INET6 || x->salen != sizeof *s)
				abort();
		}
		json_object_set_new(e, "family", json_integer(x->family == AF_INET ? 4 : 6));
		json_object_set_new(e, "addr", json_string(x->text));
		json_object_set_new(e, "sockaddr", json_string(back));
		json_object_set_new(e, "port", json_integer(port));
		json_array_append_new(addrs, e);
	}
	json_object_set_new(j, "addrs", addrs);
	o->out = j;
}

static void
on_caa(void *arg)
{
	struct op *o = arg;
	json_t *j, *caa;

	if (!callback_entry())
		return;
	j = op_head(o, "caa");
	caa = json_array();
	json_object_set_new(j, "tested", json_boolean(o->caa.tested));
	json_object_set_new(j, "error", json_string(o->caa.error));
	json_object_set_new(j, "caa_domain", json_string(o->caa.caa_domain));
	json_object_set_new(j, "truncated", json_boolean(o->caa.caa_truncated));
	for (size_t i = 0; i < o->caa.ncaa; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "flags", json_integer(o->caa.caa[i].flags));
		json_object_set_new(e, "tag", json_string(o->caa.caa[i].tag));
		json_object_set_new(e, "value", json_string(o->caa.caa[i].value));
		json_array_append_new(caa, e);
	}
	json_object_set_new(j, "caa", caa);
	o->out = j;
}

/* Every address of the list must be on loopback. */
static bool
loopback_only(const char *spec)
{
	char buf[512], *s, *next;

	if (strlen(spec) >= sizeof buf)
		return false;
	memcpy(buf, spec, strlen(spec) + 1);
	for (s = buf; s; s = next) {
		struct in6_addr a6;
		struct in_addr a4;
		char *h = s, *end;

		next = strchr(s, ',');
		if (next)
			*next++ = '\0';

		if (*h == '[') {
			h++;
			end = strchr(h, ']');
			if (!end)
				return false;
			*end = '\0';
		} else if (strchr(h, ':') == strrchr(h, ':') && strchr(h, ':')) {
			*strchr(h, ':') = '\0';
		}
		if (inet_pton(AF_INET, h, &a4) == 1) {
			if ((ntohl(a4.s_addr) >> 24) != 127)
				return false;
		} else if (inet_pton(AF_INET6, h, &a6) == 1) {
			if (!IN6_IS_ADDR_LOOPBACK(&a6))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static int
usage(void)
{
	fprintf(stderr,
	        "usage: dns_probe [--timeout MS] [--tries N] [--free-early|--free-in-callback]"
	        " --resolver SPEC OP...\n"
	        "       OP: query NAME TYPE | resolve NAME FAMILY PORT | caa HOST\n"
	        "       dns_probe parse-resolver SPEC...\n");
	return 2;
}

static int
parse_resolvers(int argc, char **argv)
{
	json_t *all = json_array();

	for (int i = 2; i < argc; i++) {
		char err[200] = "";
		int rc = ta_dns_parse_resolver(argv[i], err, sizeof err);
		json_t *e = json_object();

		json_object_set_new(e, "spec", json_string(argv[i]));
		json_object_set_new(e, "ok", json_boolean(rc == TA_OK));
		json_object_set_new(e, "error", json_string(err));
		json_array_append_new(all, e);
	}
	json_dumpf(all, stdout, JSON_INDENT(1));
	printf("\n");
	json_decref(all);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *resolver = NULL;
	unsigned timeout = 0, tries = 0;
	bool free_early = false;
	struct op *ops;
	size_t nops = 0;
	char err[200];
	json_t *doc, *arr;
	int i, rc;

	if (argc >= 2 && strcmp(argv[1], "parse-resolver") == 0)
		return parse_resolvers(argc, argv);
	ops = calloc((size_t)argc, sizeof *ops);
	if (!ops)
		return 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--resolver") == 0 && i + 1 < argc) {
			resolver = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			timeout = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--tries") == 0 && i + 1 < argc) {
			tries = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--free-early") == 0) {
			free_early = true;
		} else if (strcmp(argv[i], "--free-in-callback") == 0) {
			free_in_callback = true;
		} else if (strcmp(argv[i], "query") == 0 && i + 2 < argc) {
			ops[nops].kind = OP_QUERY;
			ops[nops].name = argv[i + 1];
			ops[nops].type = ta_dns_type_parse(argv[i + 2]);
			if (!ops[nops].type) {
				fprintf(stderr, "dns_probe: unknown type %s\n", argv[i + 2]);
				free(ops);
				return 2;
			}
			nops++;
			i += 2;
		} else if (strcmp(argv[i], "resolve") == 0 && i + 3 < argc) {
			ops[nops].kind = OP_RESOLVE;
			ops[nops].name = argv[i + 1];
			ops[nops].family = (int)strtol(argv[i + 2], NULL, 10);
			ops[nops].port = (uint16_t)strtoul(argv[i + 3], NULL, 10);
			nops++;
			i += 3;
		} else if (strcmp(argv[i], "caa") == 0 && i + 1 < argc) {
			ops[nops].kind = OP_CAA;
			ops[nops].name = argv[++i];
			nops++;
		} else {
			free(ops);
			return usage();
		}
	}
	if (!resolver || nops == 0) {
		free(ops);
		return usage();
	}
	if (!loopback_only(resolver)) {
		fprintf(stderr, "dns_probe: only loopback resolvers (127.0.0.0/8, ::1): %s\n",
		        resolver);
		free(ops);
		return 2;
	}
	if (ta_loop_init(&loop) != TA_OK) {
		free(ops);
		return 1;
	}
	rc = ta_dns_new(&loop, resolver, timeout, tries, &dns, err, sizeof err);
	if (rc != TA_OK) {
		doc = json_pack("{s:s}", "new_error", err);
		json_dumpf(doc, stdout, 0);
		printf("\n");
		json_decref(doc);
		ta_loop_free(&loop);
		free(ops);
		return 1;
	}
	doc = json_object();
	arr = json_array();
	for (size_t k = 0; k < nops; k++) {
		struct op *o = &ops[k];

		o->started_ms = now_ms();
		if (o->kind == OP_QUERY)
			rc = ta_dns_query(dns, o->name, o->type, on_query, o);
		else if (o->kind == OP_RESOLVE)
			rc = ta_dns_resolve(dns, o->name, o->family, o->port, on_resolve, o);
		else
			rc = ta_dns_caa(dns, o->name, &o->caa, on_caa, o);
		if (rc != TA_OK) {
			o->out = op_head(o, "start");
			json_object_set_new(o->out, "start_error", json_string(ta_strerror(rc)));
		}
	}
	if (free_early) {
		ta_dns_free(dns);
		freed = true;
	}
	running = true;
	if (ta_loop_run(&loop) != TA_OK)
		return 1;
	if (!freed)
		ta_dns_free(dns);
	ta_loop_free(&loop);
	for (size_t k = 0; k < nops; k++) {
		json_t *o = ops[k].out;

		if (!o) {
			o = op_head(&ops[k], "none");
			json_object_set_new(o, "no_callback", json_true());
		}
		json_array_append_new(arr, o);
	}
	json_object_set_new(doc, "ops", arr);
	json_object_set_new(doc, "late_callbacks", json_integer(late_callbacks));
	json_dumpf(doc, stdout, JSON_INDENT(1));
	printf("\n");
	json_decref(doc);
	free(ops);
	return late_callbacks ? 3 : 0;
}
