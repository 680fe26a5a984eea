/*
 * A and AAAA together (ta_dns_resolve, dns.h): both queries at once, one
 * callback with the addresses of both; an IP literal is answered from the
 * loop without a query.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns_int.h"

/* ---- A and AAAA together ---------------------------------------------- */

struct rs {
	struct job j;
	struct ta_dns *d;
	ta_dns_addr_cb cb;
	void *arg;
	uint16_t port;
	unsigned pending;
	bool asked[2]; /* 0: A, 1: AAAA */
	struct {
		enum ta_dns_status status;
		char error[200];
		bool ad;
		bool truncated;
		size_t n;
	} part[2];
	struct ta_dns_addr addr[2 * TA_DNS_MAX_RR]; /* part i from i * TA_DNS_MAX_RR */
	char name[TA_DNS_HOST_MAX + 2];
	char canon[TA_DNS_NAME_TEXT];
};

static void
rs_release(struct job *j)
{
	struct rs *r = container_of(j, struct rs, j);

	ta_dns_job_unlink(r->d, &r->j);
	free(r);
}

static void
set_addr(struct ta_dns_addr *o, int family, const void *addr, uint16_t port)
{
	memset(o, 0, sizeof *o);
	o->family = family;
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&o->sa;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, addr, 4);
		o->salen = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&o->sa;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, addr, 16);
		o->salen = sizeof *s;
	}
	inet_ntop(family, addr, o->text, sizeof o->text);
}

static void
rs_finish(struct rs *r)
{
	struct ta_dns_addrs out = {.status = TA_DNS_OK, .error = "", .ad = true, .name = r->name};
	ta_dns_addr_cb cb = r->cb;
	void *arg = r->arg;
	int nodata = 0, asked = 0;
	int first_bad = -1, nx = -1;

	if (r->part[0].n < TA_DNS_MAX_RR && r->part[1].n > 0)
		memmove(&r->addr[r->part[0].n], &r->addr[TA_DNS_MAX_RR],
		        r->part[1].n * sizeof r->addr[0]);
	out.n = r->part[0].n + r->part[1].n;
	out.addr = r->addr;
	if (r->canon[0])
		out.name = r->canon;
	for (int i = 0; i < 2; i++) {
		if (!r->asked[i])
			continue;
		asked++;
		out.ad &= r->part[i].ad;
		out.truncated |= r->part[i].truncated;
		if (r->part[i].status == TA_DNS_NXDOMAIN && nx < 0)
			nx = i;
		else if (r->part[i].status == TA_DNS_NODATA ||
		         (r->part[i].status == TA_DNS_OK && r->part[i].n == 0))
			nodata++;
		else if (r->part[i].status != TA_DNS_OK && first_bad < 0)
			first_bad = i;
	}
	if (asked == 0)
		out.ad = false;
	if (out.n == 0) {
		int i = nx >= 0 ? nx : first_bad;

		if (i >= 0) {
			out.status = r->part[i].status;
			out.error = r->part[i].error;
		} else {
			out.status = TA_DNS_NODATA;
			out.error = "no address record";
		}
	}
	cb(arg, &out);
	rs_release(&r->j);
}

static void
rs_later(struct job *j)
{
	rs_finish(container_of(j, struct rs, j));
}

static void
rs_store(struct rs *r, int i, const struct ta_dns_answer *a)
{
	struct ta_dns_addr *o = &r->addr[i * TA_DNS_MAX_RR];

	r->part[i].status = a->status;
	ta_dns_copy_text(r->part[i].error, sizeof r->part[i].error, a->error);
	r->part[i].ad = a->ad;
	r->part[i].truncated = a->truncated;
	for (size_t k = 0; a->status == TA_DNS_OK && k < a->n && k < TA_DNS_MAX_RR; k++)
		set_addr(&o[r->part[i].n++], a->rr[k].addr.family, a->rr[k].addr.addr, r->port);
	if (!r->canon[0] && (a->status == TA_DNS_OK || a->status == TA_DNS_NODATA))
		ta_dns_copy_text(r->canon, sizeof r->canon, a->name);
	if (--r->pending == 0)
		rs_finish(r);
}

static void
rs_on_a(void *arg, const struct ta_dns_answer *a)
{
	rs_store(arg, 0, a);
}

static void
rs_on_aaaa(void *arg, const struct ta_dns_answer *a)
{
	rs_store(arg, 1, a);
}

int
ta_dns_resolve(struct ta_dns *d, const char *name, int family, uint16_t port, ta_dns_addr_cb cb,
               void *arg)
{
	uint8_t bin[16], qbuf[TA_DNS_QUERY_MAX];
	size_t n, qlen;
	struct rs *r;
	int rc = TA_OK;

	if (!d || d->dying || !name || !cb || (family != 0 && family != 4 && family != 6))
		return TA_EINVAL;
	n = strlen(name);
	if (n > TA_DNS_HOST_MAX + 1)
		return TA_EINVAL;
	r = calloc(1, sizeof *r);
	if (!r)
		return TA_ENOMEM;
	r->d = d;
	r->cb = cb;
	r->arg = arg;
	r->port = port;
	memcpy(r->name, name, n + 1);
	if (n > 0 && r->name[n - 1] == '.' && n > 1)
		r->name[n - 1] = '\0';
	for (int i = 0; i < 2; i++)
		r->part[i].status = TA_DNS_OK;
	ta_dns_job_link(d, &r->j, rs_release);
	ta_dns_enter(d);
	if (inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1) {
		int fam = strchr(name, ':') ? AF_INET6 : AF_INET;
		int i = fam == AF_INET ? 0 : 1;

		if ((fam == AF_INET && family == 6) || (fam == AF_INET6 && family == 4)) {
			rc = TA_EINVAL;
		} else {
			r->asked[i] = true;
			r->part[i].n = 1;
			set_addr(&r->addr[i * TA_DNS_MAX_RR], fam, bin, port);
			ta_dns_later_push(d, &r->j, rs_later);
		}
	} else if (ta_dns_query_build(qbuf, sizeof qbuf, 0, name, TA_DNS_TYPE_A, 0, &qlen) !=
	           TA_OK) {
		rc = TA_EINVAL;
	} else {
		/* one extra count until both are asked (answers come from the
		 * loop only, but r must not look finished in between) */
		r->pending = 1;
		if (family != 6) {
			rc = ta_dns_query(d, name, TA_DNS_TYPE_A, rs_on_a, r);
			if (rc == TA_OK) {
				r->asked[0] = true;
				r->pending++;
			}
		}
		if (family != 4 && rc == TA_OK) {
			int rc6 = ta_dns_query(d, name, TA_DNS_TYPE_AAAA, rs_on_aaaa, r);

			if (rc6 == TA_OK) {
				r->asked[1] = true;
				r->pending++;
			} else if (r->asked[0]) { /* reported with the answer to A */
				r->asked[1] = true;
				r->part[1].status = TA_DNS_ERROR;
				ta_dns_say(r->part[1].error, sizeof r->part[1].error,
				           "AAAA query not sent (%s)", ta_strerror(rc6));
			} else {
				rc = rc6;
			}
		}
		r->pending--;
	}
	if (rc != TA_OK && r->pending == 0) {
		rs_release(&r->j);
		ta_dns_leave(d);
		return rc;
	}
	ta_dns_leave(d);
	return TA_OK;
}
