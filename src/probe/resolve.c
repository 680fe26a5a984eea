/*
 * Resolution of the scan's names when it runs: /etc/hosts (unless
 * --resolver), then DNS through c-ares, all at once on the loop; a name
 * with several addresses becomes one target per address, in the order
 * given, duplicates of (host, port, address) dropped.
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

/* One address of a name: the name's own target gets the first, each
 * further one a target of its own, kept in t->extra until the expansion. */
static int
add_address(struct ta_scan *s, struct ta_target *t, bool first, const struct sockaddr *sa,
            socklen_t len, const char *text)
{
	struct ta_target *x, **v;

	if (first) {
		ta_target_set_address(t, sa, len, text);
		return TA_OK;
	}
	x = ta_target_alloc(s, t->res.host, t->res.port);
	v = x ? realloc(t->extra, (t->nextra + 1) * sizeof *v) : NULL;
	if (!v) {
		free(x);
		return TA_ENOMEM;
	}
	t->extra = v;
	ta_target_set_address(x, sa, len, text);
	t->extra[t->nextra++] = x;
	return TA_OK;
}

static bool
hosts_lookup(struct ta_scan *s, ares_channel ch, struct ta_target *t)
{
	static const int fams[] = {AF_INET, AF_INET6};
	bool found = false;

	for (size_t f = 0; f < 2; f++) {
		struct hostent *he = NULL;

		if ((fams[f] == AF_INET && s->cfg.family == TA_FAMILY_V6) ||
		    (fams[f] == AF_INET6 && s->cfg.family == TA_FAMILY_V4))
			continue;
		if (ares_gethostbyname_file(ch, t->res.host, fams[f], &he) != ARES_SUCCESS || !he)
			continue;
		for (char **a = he->h_addr_list; *a; a++) {
			struct ta_dns_addr da = {.family = fams[f]};

			if (fams[f] == AF_INET) {
				struct sockaddr_in *sin = (struct sockaddr_in *)&da.sa;

				sin->sin_family = AF_INET;
				sin->sin_port = htons(t->res.port);
				memcpy(&sin->sin_addr, *a, 4);
				da.salen = sizeof *sin;
				inet_ntop(AF_INET, *a, da.text, sizeof da.text);
			} else {
				struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&da.sa;

				sin6->sin6_family = AF_INET6;
				sin6->sin6_port = htons(t->res.port);
				memcpy(&sin6->sin6_addr, *a, 16);
				da.salen = sizeof *sin6;
				inet_ntop(AF_INET6, *a, da.text, sizeof da.text);
			}
			if (add_address(s, t, !found, (struct sockaddr *)&da.sa, da.salen,
			                da.text) != TA_OK)
				break;
			found = true;
		}
		ares_free_hostent(he);
	}
	return found;
}

static void
on_resolved(void *arg, const struct ta_dns_addrs *a)
{
	struct ta_target *t = arg;

	if (a->status != TA_DNS_OK || a->n == 0) {
		t->resolve_failed = true;
		snprintf(t->res.error, sizeof t->res.error, "cannot resolve '%.120s': %.100s",
		         t->res.host, a->error && a->error[0] ? a->error : "no address");
		return;
	}
	for (size_t i = 0; i < a->n; i++)
		if (add_address(t->scan, t, i == 0, (const struct sockaddr *)&a->addr[i].sa,
		                a->addr[i].salen, a->addr[i].text) != TA_OK)
			return;
}

/* Resolve every name, then put each name's extra addresses right after
 * it, dropping duplicates of (host, port, address). */
int
ta_scan_resolve_names(struct ta_scan *s)
{
	ares_channel hosts = NULL;
	struct ares_options opts = {.lookups = (char *)"f"};
	struct ta_target **v;
	size_t n = 0, total = 0;
	bool any = false;

	for (size_t i = 0; i < s->ntargets; i++)
		any |= s->targets[i]->needs_resolve;
	if (!any)
		return TA_OK;
	if (!s->resolver[0] && ares_init_options(&hosts, &opts, ARES_OPT_LOOKUPS) != ARES_SUCCESS)
		hosts = NULL;
	for (size_t i = 0; i < s->ntargets; i++) {
		struct ta_target *t = s->targets[i];
		int fam = s->cfg.family == TA_FAMILY_V4 ? 4 : s->cfg.family == TA_FAMILY_V6 ? 6 : 0;

		if (!t->needs_resolve || (hosts && hosts_lookup(s, hosts, t)))
			continue;
		if (!s->dns) {
			t->resolve_failed = true;
			snprintf(t->res.error, sizeof t->res.error,
			         "cannot resolve '%.120s': %.100s", t->res.host, s->dns_err);
			continue;
		}
		if (ta_dns_resolve(s->dns, t->res.host, fam, t->res.port, on_resolved, t) !=
		    TA_OK) {
			t->resolve_failed = true;
			snprintf(t->res.error, sizeof t->res.error, "cannot resolve '%.120s'",
			         t->res.host);
		}
	}
	if (hosts)
		ares_destroy(hosts);
	TA_TRY(ta_loop_run(&s->loop));
	for (size_t i = 0; i < s->ntargets; i++)
		total += 1 + s->targets[i]->nextra;
	v = calloc(total ? total : 1, sizeof *v);
	if (!v)
		return TA_ENOMEM;
	for (size_t i = 0; i < s->ntargets; i++) {
		struct ta_target *t = s->targets[i];
		bool drop = false;

		for (size_t k = 0; k <= t->nextra; k++) {
			struct ta_target *x = k == 0 ? t : t->extra[k - 1];
			bool dup = false;

			if (k > 0 || t->needs_resolve) {
				x->needs_resolve = false;
				if (x != t) {
					snprintf(x->proto, sizeof x->proto, "%s", t->proto);
					ta_target_set_service(s, x, t->proto);
					snprintf(x->sni, sizeof x->sni, "%s", t->sni);
				}
			}
			for (size_t j = 0; j < n && x->res.ip[0]; j++)
				dup |= v[j]->res.port == x->res.port &&
				       strcmp(v[j]->res.ip, x->res.ip) == 0 &&
				       strcmp(v[j]->res.host, x->res.host) == 0;
			if (dup) {
				if (x != t)
					ta_target_free(x);
				else
					drop = true;
				continue;
			}
			v[n++] = x;
		}
		free(t->extra);
		t->extra = NULL;
		t->nextra = 0;
		if (drop)
			ta_target_free(t);
	}
	free(s->targets);
	s->targets = v;
	s->ntargets = n;
	s->captargets = total ? total : 1;
	return TA_OK;
}
