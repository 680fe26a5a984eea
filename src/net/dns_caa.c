/*
 * The CAA lookup (ta_dns_caa, dns.h): CAA at the host, then at each parent
 * while the set is empty, as RFC 8659 section 3 says; the TLD is the last
 * name asked, never the root.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns_int.h"

/* ---- CAA, climbing ---------------------------------------------------- */

struct co {
	struct job j;
	struct ta_dns *d;
	struct ta_dns_result *out;
	void (*done)(void *arg);
	void *arg;
	size_t pos; /* the name asked now: host + pos */
	char host[TA_DNS_HOST_MAX + 2];
};

static void
co_release(struct job *j)
{
	struct co *c = container_of(j, struct co, j);

	ta_dns_job_unlink(c->d, &c->j);
	free(c);
}

static void
co_finish(struct co *c)
{
	void (*done)(void *) = c->done;
	void *arg = c->arg;

	c->out->tested = true;
	co_release(&c->j);
	done(arg);
}

static void
co_answer(void *arg, const struct ta_dns_answer *a)
{
	struct co *c = arg;
	struct ta_dns_result *out = c->out;
	const char *name = c->host + c->pos, *dot;
	int rc;

	if (a->status == TA_DNS_OK && a->n > 0) {
		ta_dns_copy_text(out->caa_domain, sizeof out->caa_domain, name);
		for (size_t i = 0; i < a->n && i < TA_MAX_CAA; i++) {
			out->caa[i].flags = a->rr[i].caa.flags;
			ta_dns_copy_text(out->caa[i].tag, sizeof out->caa[i].tag, a->rr[i].caa.tag);
			ta_dns_copy_text(out->caa[i].value, sizeof out->caa[i].value,
			                 a->rr[i].caa.value);
			out->ncaa = i + 1;
		}
		out->caa_truncated = a->n > TA_MAX_CAA || a->truncated;
		co_finish(c);
		return;
	}
	if (a->status != TA_DNS_OK && a->status != TA_DNS_NODATA && a->status != TA_DNS_NXDOMAIN) {
		ta_dns_say(out->error, sizeof out->error, "CAA lookup for %.100s: %s", name,
		           a->error);
		co_finish(c);
		return;
	}
	dot = strchr(name, '.');
	if (!dot) { /* that was a TLD: the root is not asked */
		co_finish(c);
		return;
	}
	c->pos = (size_t)(dot + 1 - c->host);
	rc = ta_dns_query(c->d, c->host + c->pos, TA_DNS_TYPE_CAA, co_answer, c);
	if (rc != TA_OK) {
		ta_dns_say(out->error, sizeof out->error, "CAA lookup for %.100s: not sent (%s)",
		           c->host + c->pos, ta_strerror(rc));
		co_finish(c);
	}
}

int
ta_dns_caa(struct ta_dns *d, const char *host, struct ta_dns_result *out, void (*done)(void *arg),
           void *arg)
{
	uint8_t bin[16], qbuf[TA_DNS_QUERY_MAX];
	size_t n, qlen;
	struct co *c;
	int rc;

	if (!d || d->dying || !host || !out || !done)
		return TA_EINVAL;
	n = strlen(host);
	if (n > TA_DNS_HOST_MAX + 1 || inet_pton(AF_INET, host, bin) == 1 ||
	    inet_pton(AF_INET6, host, bin) == 1 ||
	    ta_dns_query_build(qbuf, sizeof qbuf, 0, host, TA_DNS_TYPE_CAA, 0, &qlen) != TA_OK)
		return TA_EINVAL;
	c = calloc(1, sizeof *c);
	if (!c)
		return TA_ENOMEM;
	*out = (struct ta_dns_result){0};
	c->d = d;
	c->out = out;
	c->done = done;
	c->arg = arg;
	if (host[n - 1] == '.')
		n--;
	memcpy(c->host, host, n);
	c->host[n] = '\0';
	ta_dns_job_link(d, &c->j, co_release);
	rc = ta_dns_query(d, c->host, TA_DNS_TYPE_CAA, co_answer, c);
	if (rc != TA_OK)
		co_release(&c->j);
	return rc;
}
