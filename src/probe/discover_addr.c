/*
 * What discovery probes (probe/discover.h): addresses, CIDR blocks and
 * names as given, the names resolved as the scanner resolves them
 * (/etc/hosts unless a resolver is named, then DNS through c-ares on the
 * run's loop), blocks expanded up to a cap with duplicates dropped, and
 * the ports.  Only the user's text is parsed here, never a server's.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "net/dns.h"
#include "probe/discover_int.h"
#include "probe/engine.h"
#include "wire/starttls.h"

/* The well-known TLS, implicit-TLS and STARTTLS ports; the ports the
 * STARTTLS and implicit-TLS tables know are added after them. */
static const uint16_t base_ports[] = {443, 465, 563,  585,  636,  853,  989, 990,  992, 993,
                                      994, 995, 5061, 5223, 6697, 8443, 25,  587,  110, 143,
                                      21,  389, 5432, 3306, 119,  4190, 24,  5222, 5269};

/* ------------------------------------------------------------------ */
/* addresses */

static int
range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if ((c = memcmp(x->base, y->base, ta_disc_addr_len(x->family))) != 0)
		return c;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1; /* the larger block first */
	return x->input < y->input ? -1 : x->input > y->input;
}

static int
push_range(struct ta_disc *d, int family, const uint8_t *base, uint64_t count, size_t input,
           bool named)
{
	if (d->nranges == d->capranges) {
		size_t cap = d->capranges ? d->capranges * 2 : 16;
		struct range *v = realloc(d->ranges, cap * sizeof *v);

		if (!v)
			return TA_ENOMEM;
		d->ranges = v;
		d->capranges = cap;
	}
	d->ranges[d->nranges++] =
	        (struct range){.family = family, .count = count, .input = input, .named = named};
	memcpy(d->ranges[d->nranges - 1].base, base, ta_disc_addr_len(family));
	return TA_OK;
}

/* A DNS host name (RFC 1123 2.1, '_' allowed as resolvers do), whose last
 * label is not all digits: "10.1.2" is a mistyped address, not a name. */
static bool
is_host_name(const char *s)
{
	size_t n = strlen(s), label = 0;
	bool digits = true;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			digits = true;
			continue;
		}
		digits &= c >= '0' && c <= '9';
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_') ||
		    ++label > 63)
			return false;
	}
	return !digits;
}

static struct ta_disc_input *
new_input(struct ta_disc *d, const char *spec)
{
	struct ta_disc_input *in;

	if (d->ninputs >= TA_DISC_INPUTS_MAX)
		return NULL;
	if (d->ninputs == d->capinputs) {
		size_t cap = d->capinputs ? d->capinputs * 2 : 8;
		struct ta_disc_input *v = realloc(d->inputs, cap * sizeof *v);

		if (!v)
			return NULL;
		d->inputs = v;
		d->capinputs = cap;
	}
	in = &d->inputs[d->ninputs++];
	memset(in, 0, sizeof *in);
	snprintf(in->spec, sizeof in->spec, "%s", spec);
	return in;
}

/* "ADDR/PREFIX" into a range; TA_EINVAL with the reason. */
static int
parse_block(struct ta_disc *d, const char *spec, const char *slash, char *err, size_t errlen)
{
	char ip[64];
	uint8_t a[16];
	size_t n = (size_t)(slash - spec);
	unsigned long prefix;
	unsigned bits, host;
	int family;
	char *end;

	if (n == 0 || n >= sizeof ip || !slash[1] || slash[1] < '0' || slash[1] > '9') {
		snprintf(err, errlen, "'%.80s' is not an address block (ADDRESS/PREFIX)", spec);
		return TA_EINVAL;
	}
	memcpy(ip, spec, n);
	ip[n] = 0;
	family = inet_pton(AF_INET, ip, a) == 1    ? AF_INET
	         : inet_pton(AF_INET6, ip, a) == 1 ? AF_INET6
	                                           : 0;
	prefix = strtoul(slash + 1, &end, 10);
	bits = family == AF_INET ? 32 : 128;
	if (!family || *end || prefix > bits) {
		snprintf(err, errlen, "'%.80s' is not an address block (ADDRESS/PREFIX)", spec);
		return TA_EINVAL;
	}
	host = bits - (unsigned)prefix;
	for (unsigned i = (unsigned)prefix; i < bits; i++)
		if (a[i / 8] & (0x80u >> (i % 8))) {
			snprintf(err, errlen,
			         "'%.80s': the bits after the /%lu prefix are not zero", spec,
			         prefix);
			return TA_EINVAL;
		}
	if (host > 20 || (1ull << host) > d->cfg.max_hosts) {
		snprintf(err, errlen,
		         "'%.80s' is more than %u addresses (--max-hosts): name a smaller block",
		         spec, d->cfg.max_hosts);
		return TA_EINVAL;
	}
	if (!new_input(d, spec)) {
		snprintf(err, errlen, "more than %u names and blocks, or out of memory",
		         TA_DISC_INPUTS_MAX);
		return TA_EINVAL;
	}
	d->inputs[d->ninputs - 1].naddrs = 1ull << host;
	return push_range(d, family, a, 1ull << host, d->ninputs - 1, false);
}

int
ta_disc_add(struct ta_disc *d, const char *spec, char *err, size_t errlen)
{
	const char *slash = strchr(spec, '/');
	char ip[64];
	uint8_t a[16];
	size_t n = strlen(spec);
	struct ta_disc_input *in;
	int family;

	if (n >= TA_DISC_SPEC_MAX) {
		snprintf(err, errlen, "'%.60s...' is too long for a name or block", spec);
		return TA_EINVAL;
	}
	if (slash)
		return parse_block(d, spec, slash, err, errlen);
	if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']' && n - 2 < sizeof ip) {
		memcpy(ip, spec + 1, n - 2);
		ip[n - 2] = 0;
	} else {
		snprintf(ip, sizeof ip, "%.63s", spec);
	}
	family = inet_pton(AF_INET, ip, a) == 1    ? AF_INET
	         : inet_pton(AF_INET6, ip, a) == 1 ? AF_INET6
	                                           : 0;
	if (family) {
		if (!(in = new_input(d, spec)))
			goto full;
		in->naddrs = 1;
		return push_range(d, family, a, 1, d->ninputs - 1, false);
	}
	if (!is_host_name(spec)) {
		snprintf(err, errlen,
		         "'%.80s' is not an address, a block (ADDRESS/PREFIX) or a name", spec);
		return TA_EINVAL;
	}
	if (!(in = new_input(d, spec)))
		goto full;
	in->is_name = true;
	return TA_OK;
full:
	snprintf(err, errlen, "more than %u names and blocks, or out of memory",
	         TA_DISC_INPUTS_MAX);
	return TA_EINVAL;
}

int
ta_disc_add_lookup(struct ta_disc *d, const char *name, size_t *index)
{
	struct ta_disc_input *in;

	if (!is_host_name(name) || strlen(name) >= TA_DISC_SPEC_MAX)
		return TA_EINVAL;
	if (!(in = new_input(d, name)))
		return TA_ENOSPC;
	in->is_name = true;
	in->lookup_only = true;
	*index = d->ninputs - 1;
	return TA_OK;
}

/* A name's address, unless it has too many or is of the other family. */
static void
name_address(struct ta_disc *d, size_t idx, int family, const void *addr)
{
	struct ta_disc_input *in = &d->inputs[idx];
	uint8_t a[16];

	if ((family == AF_INET && d->cfg.family == TA_FAMILY_V6) ||
	    (family == AF_INET6 && d->cfg.family == TA_FAMILY_V4))
		return;
	memcpy(a, addr, ta_disc_addr_len(family));
	/* the same address twice in one answer (a name's ranges are the last) */
	for (size_t i = d->nranges; i-- > 0 && d->ranges[i].input == idx;)
		if (d->ranges[i].family == family &&
		    memcmp(d->ranges[i].base, a, ta_disc_addr_len(family)) == 0)
			return;
	if (in->naddrs < TA_DISC_NAME_ADDRS)
		inet_ntop(family, a, in->addrs[in->nlisted++], TA_DISC_ADDR_TEXT);
	in->naddrs++;
	if (push_range(d, family, a, 1, idx, !in->lookup_only) != TA_OK)
		d->fatal = TA_ENOMEM;
}

static bool
hosts_file(struct ta_disc *d, ares_channel ch, size_t idx)
{
	static const int fams[] = {AF_INET, AF_INET6};
	bool found = false;

	for (size_t f = 0; f < 2; f++) {
		struct hostent *he = NULL;

		if (ares_gethostbyname_file(ch, d->inputs[idx].spec, fams[f], &he) !=
		            ARES_SUCCESS ||
		    !he)
			continue;
		for (char **a = he->h_addr_list; *a; a++) {
			name_address(d, idx, fams[f], *a);
			found = true;
		}
		ares_free_hostent(he);
	}
	return found && d->inputs[idx].naddrs > 0;
}

struct lookup {
	struct ta_disc *d;
	size_t idx;
};

static void
on_resolved(void *arg, const struct ta_dns_addrs *a)
{
	struct lookup *l = arg;
	struct ta_disc_input *in = &l->d->inputs[l->idx];

	if (a->status != TA_DNS_OK || a->n == 0) {
		snprintf(in->error, sizeof in->error, "cannot resolve: %.150s",
		         a->error && a->error[0] ? a->error : "no address");
	} else {
		for (size_t i = 0; i < a->n; i++) {
			const struct sockaddr *sa = (const struct sockaddr *)&a->addr[i].sa;

			name_address(
			        l->d, l->idx, a->addr[i].family,
			        sa->sa_family == AF_INET
			                ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
			                : (const void *)&((const struct sockaddr_in6 *)sa)
			                          ->sin6_addr);
		}
		if (a->truncated)
			in->naddrs = TA_DISC_NAME_ADDRS + 1;
	}
	free(l);
}

int
ta_disc_resolve(struct ta_disc *d)
{
	struct ares_options opts = {.lookups = (char *)"f"};
	ares_channel hosts = NULL;
	struct ta_dns *dns = NULL;
	char dns_err[200] = "";
	bool any = false;
	int rc;

	for (size_t i = 0; i < d->ninputs; i++)
		any |= d->inputs[i].is_name;
	if (!any)
		return TA_OK;
	if (ta_dns_new(&d->loop, d->cfg.resolver, 0, 0, &dns, dns_err, sizeof dns_err) != TA_OK)
		dns = NULL;
	if (!d->cfg.resolver && ares_init_options(&hosts, &opts, ARES_OPT_LOOKUPS) != ARES_SUCCESS)
		hosts = NULL;
	for (size_t i = 0; i < d->ninputs; i++) {
		int fam = d->cfg.family == TA_FAMILY_V4 ? 4 : d->cfg.family == TA_FAMILY_V6 ? 6 : 0;
		struct lookup *l;

		if (!d->inputs[i].is_name || (hosts && hosts_file(d, hosts, i)))
			continue;
		if (!dns) {
			snprintf(d->inputs[i].error, sizeof d->inputs[i].error,
			         "cannot resolve: %.150s", dns_err);
			continue;
		}
		if (!(l = malloc(sizeof *l)))
			return TA_ENOMEM;
		*l = (struct lookup){d, i};
		if (ta_dns_resolve(dns, d->inputs[i].spec, fam, 0, on_resolved, l) != TA_OK) {
			free(l);
			snprintf(d->inputs[i].error, sizeof d->inputs[i].error, "cannot resolve");
		}
	}
	if (hosts)
		ares_destroy(hosts);
	rc = dns ? ta_loop_run(&d->loop) : TA_OK;
	ta_dns_free(dns);
	TA_TRY(rc);
	TA_TRY(d->fatal);
	for (size_t i = 0; i < d->ninputs; i++) {
		struct ta_disc_input *in = &d->inputs[i];

		if (!in->is_name || in->error[0])
			continue;
		if (in->naddrs > TA_DISC_NAME_ADDRS)
			snprintf(
			        in->error, sizeof in->error,
			        "resolves to more than %u addresses: name the addresses or a block",
			        TA_DISC_NAME_ADDRS);
		else if (in->naddrs == 0)
			snprintf(in->error, sizeof in->error, "no address of the family asked for");
	}
	return TA_OK;
}

/* Drop the ranges of failed names and lookups, then every range inside an
 * earlier one (blocks are nested or apart), and number the addresses. */
int
ta_disc_expand(struct ta_disc *d, char *err, size_t errlen)
{
	size_t k = 0;
	uint8_t last[16];
	int last_family = 0;
	uint64_t total = 0;

	for (size_t i = 0; i < d->nranges; i++) {
		const struct ta_disc_input *in = &d->inputs[d->ranges[i].input];

		if (!in->lookup_only && !in->error[0])
			d->ranges[k++] = d->ranges[i];
	}
	d->nranges = k;
	if (d->nranges)
		qsort(d->ranges, d->nranges, sizeof *d->ranges, range_cmp);
	k = 0;
	for (size_t i = 0; i < d->nranges; i++) {
		struct range *r = &d->ranges[i];
		unsigned len = ta_disc_addr_len(r->family);

		if (last_family == r->family && memcmp(r->base, last, len) <= 0)
			continue; /* inside the block before */
		ta_disc_addr_add(last, r->base, len, r->count - 1);
		last_family = r->family;
		r->first = total;
		total += r->count;
		d->ranges[k++] = *r;
	}
	d->nranges = k;
	if (total > d->cfg.max_hosts) {
		snprintf(err, errlen,
		         "the names and blocks come to %llu addresses, more than %u (--max-hosts)",
		         (unsigned long long)total, d->cfg.max_hosts);
		return TA_EINVAL;
	}
	d->st.addresses = total;
	d->st.probes = total * d->nports;
	if (total && !(d->inflight = calloc(total, 1)))
		return TA_ENOMEM;
	return TA_OK;
}

bool
ta_disc_probed(const struct ta_disc *d, const char *addr)
{
	uint8_t a[16], last[16];
	int family = inet_pton(AF_INET, addr, a) == 1 ? AF_INET : 0;
	size_t lo = 0, hi = d->nranges;

	if (!family && inet_pton(AF_INET6, addr, a) == 1)
		family = AF_INET6;
	if (!family)
		return false;
	while (lo < hi) { /* the first range after a */
		size_t mid = (lo + hi) / 2;
		const struct range *r = &d->ranges[mid];
		int c = r->family != family ? (r->family < family ? -1 : 1)
		                            : memcmp(r->base, a, ta_disc_addr_len(family));

		if (c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || d->ranges[lo - 1].family != family)
		return false;
	ta_disc_addr_add(last, d->ranges[lo - 1].base, ta_disc_addr_len(family),
	                 d->ranges[lo - 1].count - 1);
	return memcmp(a, last, ta_disc_addr_len(family)) <= 0;
}

/* ------------------------------------------------------------------ */
/* the run's settings */

size_t
ta_disc_default_ports(uint16_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof base_ports / sizeof base_ports[0]; i++)
		ta_u16_push(out, &n, cap, base_ports[i]);
	for (unsigned p = 1; p <= 65535; p++)
		if (ta_st_for_port((uint16_t)p) || ta_st_implicit_service((uint16_t)p))
			ta_u16_push(out, &n, cap, (uint16_t)p);
	return n;
}

int
ta_disc_set_ports(struct ta_disc *d, const uint16_t *ports, size_t n)
{
	if (n == 0) {
		d->nports = ta_disc_default_ports(d->ports, TA_DISC_PORTS_MAX);
		return TA_OK;
	}
	d->nports = 0;
	for (size_t i = 0; i < n; i++) {
		if (ports[i] == 0 || (d->nports == TA_DISC_PORTS_MAX &&
		                      !ta_u16_contains(d->ports, d->nports, ports[i])))
			return TA_EINVAL;
		ta_u16_push(d->ports, &d->nports, TA_DISC_PORTS_MAX, ports[i]);
	}
	return TA_OK;
}

const uint16_t *
ta_disc_ports(const struct ta_disc *d, size_t *n)
{
	*n = d->nports;
	return d->ports;
}

bool
ta_disc_has_port(const struct ta_disc *d, uint16_t port)
{
	return ta_u16_contains(d->ports, d->nports, port);
}
