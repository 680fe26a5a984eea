/*
 * Resolution of the scan's names when it runs: /etc/hosts (unless
 * --resolver), then DNS through c-ares, all at once on the loop; a name
 * with several addresses becomes one spec per address, in the order given,
 * duplicates of (host, port, address) dropped.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "net/dns.h"
#include "probe/engine.h"
#include "scan_int.h"

/* One address of a name: the spec's own first, each further one kept in
 * sp->extra until the expansion. */
static int
add_address(struct ta_spec *sp, bool first, const struct sockaddr *sa, socklen_t len,
            const char *text)
{
	struct ta_addr *a, *v;

	if (first) {
		a = &sp->addr;
	} else {
		v = realloc(sp->extra, (sp->nextra + 1) * sizeof *v);
		if (!v)
			return TA_ENOMEM;
		sp->extra = v;
		a = &v[sp->nextra++];
	}
	memset(a, 0, sizeof *a);
	memcpy(&a->sa, sa, len);
	a->len = len;
	snprintf(a->ip, sizeof a->ip, "%s", text);
	return TA_OK;
}

static bool
hosts_lookup(struct ta_scan *s, ares_channel ch, struct ta_spec *sp)
{
	static const int fams[] = {AF_INET, AF_INET6};
	bool found = false;

	for (size_t f = 0; f < 2; f++) {
		struct hostent *he = NULL;

		if ((fams[f] == AF_INET && s->cfg.family == TA_FAMILY_V6) ||
		    (fams[f] == AF_INET6 && s->cfg.family == TA_FAMILY_V4))
			continue;
		if (ares_gethostbyname_file(ch, sp->host, fams[f], &he) != ARES_SUCCESS || !he)
			continue;
		for (char **a = he->h_addr_list; *a; a++) {
			struct ta_dns_addr da = {.family = fams[f]};

			if (fams[f] == AF_INET) {
				struct sockaddr_in *sin = (struct sockaddr_in *)&da.sa;

				sin->sin_family = AF_INET;
				sin->sin_port = htons(sp->port);
				memcpy(&sin->sin_addr, *a, 4);
				da.salen = sizeof *sin;
				inet_ntop(AF_INET, *a, da.text, sizeof da.text);
			} else {
				struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&da.sa;

				sin6->sin6_family = AF_INET6;
				sin6->sin6_port = htons(sp->port);
				memcpy(&sin6->sin6_addr, *a, 16);
				da.salen = sizeof *sin6;
				inet_ntop(AF_INET6, *a, da.text, sizeof da.text);
			}
			if (add_address(sp, !found, (struct sockaddr *)&da.sa, da.salen, da.text) !=
			    TA_OK)
				break;
			found = true;
		}
		ares_free_hostent(he);
	}
	return found;
}

/* A lookup in flight: the spec is found again by its index, since the
 * list may move while names are added. */
struct pending {
	struct ta_scan *s;
	size_t idx;
};

static void
on_resolved(void *arg, const struct ta_dns_addrs *a)
{
	struct pending *p = arg;
	struct ta_spec *sp = &p->s->specs[p->idx];

	if (a->status != TA_DNS_OK || a->n == 0) {
		ta_spec_fail(sp, "cannot resolve '%.120s': %.100s", sp->host,
		             a->error && a->error[0] ? a->error : "no address");
	} else {
		for (size_t i = 0; i < a->n; i++)
			if (add_address(sp, i == 0, (const struct sockaddr *)&a->addr[i].sa,
			                a->addr[i].salen, a->addr[i].text) != TA_OK)
				break;
	}
	free(p);
}

/* Resolve every name, then put each name's further addresses right after
 * it, dropping duplicates of (host, port, address). */
int
ta_scan_resolve_names(struct ta_scan *s)
{
	ares_channel hosts = NULL;
	struct ares_options opts = {.lookups = (char *)"f"};
	struct ta_seen seen = {0};
	struct ta_spec *v;
	size_t n = 0, total = 0;
	bool any = false;
	int rc = TA_OK;

	for (size_t i = 0; i < s->nspecs; i++)
		any |= s->specs[i].needs_resolve;
	if (!any)
		return TA_OK;
	if (!s->resolver[0] && ares_init_options(&hosts, &opts, ARES_OPT_LOOKUPS) != ARES_SUCCESS)
		hosts = NULL;
	for (size_t i = 0; i < s->nspecs; i++) {
		struct ta_spec *sp = &s->specs[i];
		int fam = s->cfg.family == TA_FAMILY_V4 ? 4 : s->cfg.family == TA_FAMILY_V6 ? 6 : 0;
		struct pending *p;

		if (!sp->needs_resolve || (hosts && hosts_lookup(s, hosts, sp)))
			continue;
		if (!s->dns) {
			ta_spec_fail(sp, "cannot resolve '%.120s': %.100s", sp->host, s->dns_err);
			continue;
		}
		p = malloc(sizeof *p);
		if (p)
			*p = (struct pending){s, i};
		if (!p ||
		    ta_dns_resolve(s->dns, sp->host, fam, sp->port, on_resolved, p) != TA_OK) {
			free(p);
			ta_spec_fail(sp, "cannot resolve '%.120s'", sp->host);
		}
	}
	if (hosts)
		ares_destroy(hosts);
	TA_TRY(ta_loop_run(&s->loop));
	for (size_t i = 0; i < s->nspecs; i++)
		total += 1 + s->specs[i].nextra;
	v = calloc(total, sizeof *v);
	if (!v)
		return TA_ENOMEM;
	for (size_t i = 0; i < s->nspecs; i++) {
		struct ta_spec *sp = &s->specs[i];

		for (size_t k = 0; k <= sp->nextra && rc == TA_OK; k++) {
			struct ta_spec *x = &v[n];
			bool dup = false;

			*x = *sp;
			x->seq = sp->seq + k;
			x->extra = NULL;
			x->nextra = 0;
			x->needs_resolve = false;
			if (k > 0) {
				x->addr = sp->extra[k - 1];
				x->error = NULL; /* a name with addresses resolved */
			}
			if (x->addr.len)
				rc = ta_seen_add(&seen, v, n, &dup);
			if (dup)
				continue;
			if (k == 0)
				sp->error = NULL; /* now x's */
			n++;
		}
		ta_spec_release(sp);
	}
	ta_seen_free(&seen);
	free(s->specs);
	s->specs = v;
	s->nspecs = n;
	s->capspecs = total;
	return rc;
}
