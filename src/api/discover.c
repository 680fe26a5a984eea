/*
 * tlsaudit discover (include/tlsaudit.h, docs/discovery.md): the probe
 * layer's discovery run (probe/discover.h), and the comparison of what
 * answered with the inventory of a store.  An inventory row is compared
 * when its port was probed and its host is one of the addresses probed,
 * or a name that resolves to one (names are resolved with the run, never
 * connected to unless given); then it is listed (a TLS answer of its
 * protocol there), changed (a TLS answer of another protocol) or gone (no
 * TLS answer, with what the port did instead).  A TLS answer no row of its
 * address and port explains is new.  The reports are discover_out.c's.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/discover_int.h"
#include "cert/cert.h"
#include "inventory/inventory.h"
#include "probe/discover.h"
#include "store/store.h"
#include "wire/rd.h"

#define DEFAULT_RATE 200u

void
ta_discover_defaults(struct ta_discover_opts *o)
{
	*o = (struct ta_discover_opts){
	        .rate = DEFAULT_RATE,
	        .max_hosts = TA_DISC_HOSTS_DEFAULT,
	        .connect_timeout_ms = 2000,
	        .read_timeout_ms = 3000,
	        .max_conns_per_host = 4,
	        .max_conns_total = 256,
	};
}

/* ---- --ports ---- */

static bool
push_port(uint16_t *ports, size_t cap, size_t *n, unsigned long p, char *err, size_t errlen)
{
	for (size_t i = 0; i < *n; i++)
		if (ports[i] == p)
			return true;
	if (*n >= cap) {
		snprintf(err, errlen, "--ports: more than %zu ports", cap);
		return false;
	}
	ports[(*n)++] = (uint16_t)p;
	return true;
}

static bool
port_number(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return v >= 1 && v <= 65535;
}

int
ta_discover_parse_ports(const char *list, uint16_t *ports, size_t cap, size_t *n, char *err,
                        size_t errlen)
{
	const char *p = list;

	*n = 0;
	if (cap > TA_DISCOVER_PORTS_MAX)
		cap = TA_DISCOVER_PORTS_MAX;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *dash = memchr(p, '-', len);
		unsigned long lo, hi;

		if (len == 7 && strncmp(p, "default", 7) == 0) {
			uint16_t def[TA_DISC_PORTS_MAX];
			size_t k = ta_disc_default_ports(def, TA_DISC_PORTS_MAX);

			for (size_t i = 0; i < k; i++)
				if (!push_port(ports, cap, n, def[i], err, errlen))
					return TA_EINVAL;
		} else if (dash ? port_number(p, (size_t)(dash - p), &lo) &&
		                           port_number(dash + 1, len - (size_t)(dash - p) - 1,
		                                       &hi) &&
		                           lo <= hi
		                : port_number(p, len, &lo) && (hi = lo, true)) {
			if (hi - lo >= cap) {
				snprintf(err, errlen, "--ports: more than %zu ports", cap);
				return TA_EINVAL;
			}
			for (unsigned long v = lo; v <= hi; v++)
				if (!push_port(ports, cap, n, v, err, errlen))
					return TA_EINVAL;
		} else {
			snprintf(err, errlen,
			         "--ports: '%.*s' is not a port (1-65535), a range (LOW-HIGH) or "
			         "'default'",
			         (int)(len > 40 ? 40 : len), p);
			return TA_EINVAL;
		}
		p += len + (comma ? 1 : 0);
		if (comma && !*p)
			break;
	}
	if (*n == 0) {
		snprintf(err, errlen, "--ports: no port");
		return TA_EINVAL;
	}
	return TA_OK;
}

/* ---- the inventory ---- */

static int
load_row(void *arg, const char *key, const char *text)
{
	struct disc_ctx *x = arg;

	(void)key;
	return ta_inv_parse(text, strlen(text), "store", TA_INV_CSV, &x->inv, NULL, NULL) == 0
	               ? TA_OK
	               : TA_EINVAL;
}

static int
cmp_ep_host(const void *a, const void *b)
{
	return strcasecmp((*(struct inv_ep *const *)a)->row->host,
	                  (*(struct inv_ep *const *)b)->row->host);
}

/* The names of the endpoints, added to the run as lookups, one per name
 * (sorted, so that a large inventory costs n log n). */
static int
lookups(struct disc_ctx *x)
{
	struct inv_ep **v = calloc(x->neps + 1, sizeof *v);
	size_t n = 0;

	if (!v)
		return TA_ENOMEM;
	for (size_t i = 0; i < x->neps; i++)
		if (!x->eps[i].addr[0])
			v[n++] = &x->eps[i];
	if (n)
		qsort(v, n, sizeof *v, cmp_ep_host);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcasecmp(v[i]->row->host, v[i - 1]->row->host) == 0) {
			v[i]->lookup = v[i - 1]->lookup;
			v[i]->unresolvable = v[i - 1]->unresolvable;
		} else if (ta_disc_add_lookup(x->disc, v[i]->row->host, &v[i]->lookup) != TA_OK) {
			v[i]->unresolvable = true; /* past TA_DISC_INPUTS_MAX names */
		}
	}
	free(v);
	return TA_OK;
}

/* Read the inventory; each row whose port is probed becomes an endpoint,
 * its name added to the run as a lookup. */
static int
load_inventory(struct disc_ctx *x, const char *db, char *err, size_t errlen)
{
	struct ta_store *st;
	int rc;

	ta_inv_init(&x->inv);
	x->have_inv = true;
	TA_TRY(ta_store_open(db, TA_STORE_READ, &st, err, errlen));
	rc = ta_store_inventory_each(st, load_row, x);
	if (rc != TA_OK)
		snprintf(err, errlen, "%s",
		         ta_store_error(st)[0] ? ta_store_error(st)
		                               : "a stored inventory row does not read");
	ta_store_close(st);
	TA_TRY(rc);
	if (x->inv.n == 0) {
		snprintf(err, errlen, "the store has no inventory (tlsaudit inventory import)");
		return TA_EINVAL;
	}
	if (!(x->eps = calloc(x->inv.n, sizeof *x->eps)))
		return TA_ENOMEM;
	for (size_t i = 0; i < x->inv.n; i++) {
		const struct ta_inv_row *r = &x->inv.rows[i];
		struct inv_ep *e = &x->eps[x->neps];
		uint8_t a[16];
		int fam = inet_pton(AF_INET, r->host, a) == 1    ? AF_INET
		          : inet_pton(AF_INET6, r->host, a) == 1 ? AF_INET6
		                                                 : 0;

		if (!ta_disc_has_port(x->disc, r->port))
			continue;
		e->row = r;
		e->proto = strcmp(r->protocol, "https") == 0 ? "tls" : r->protocol;
		e->lookup = SIZE_MAX;
		if (fam)
			inet_ntop(fam, a, e->addr, sizeof e->addr);
		x->neps++;
	}
	return lookups(x);
}

/* The addresses of an endpoint that the run probed (text). */
static size_t
ep_addresses(const struct disc_ctx *x, const struct inv_ep *e, const char **out, size_t cap)
{
	const struct ta_disc_input *in;
	size_t n = 0;

	if (e->lookup == SIZE_MAX) {
		if (!e->unresolvable && ta_disc_probed(x->disc, e->addr) && cap)
			out[n++] = e->addr;
		return n;
	}
	in = ta_disc_input(x->disc, e->lookup);
	for (size_t i = 0; in && !in->error[0] && i < in->nlisted && n < cap; i++)
		if (ta_disc_probed(x->disc, in->addrs[i]))
			out[n++] = in->addrs[i];
	return n;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
key_of(char *buf, size_t cap, const char *addr, unsigned port)
{
	snprintf(buf, cap, "%s|%u", addr, port);
}

/* The endpoints' "address|port" keys, sorted, once the names resolved. */
static int
build_keys(struct disc_ctx *x)
{
	size_t cap = 0;

	x->keys_built = true;
	for (size_t i = 0; i < x->neps; i++)
		cap += TA_DISC_NAME_ADDRS;
	if (!cap || !(x->keys = calloc(cap, sizeof *x->keys)))
		return cap ? TA_ENOMEM : TA_OK;
	for (size_t i = 0; i < x->neps; i++) {
		const char *addrs[TA_DISC_NAME_ADDRS];
		size_t n = ep_addresses(x, &x->eps[i], addrs, TA_DISC_NAME_ADDRS);

		for (size_t k = 0; k < n; k++) {
			char key[TA_DISC_ADDR_TEXT + 8];

			key_of(key, sizeof key, addrs[k], x->eps[i].row->port);
			if (!(x->keys[x->nkeys] = strdup(key)))
				return TA_ENOMEM;
			x->nkeys++;
		}
	}
	if (x->nkeys)
		qsort(x->keys, x->nkeys, sizeof *x->keys, cmp_key);
	return TA_OK;
}

static bool
is_open(int status)
{
	return status == TA_DISC_TLS || status == TA_DISC_STARTTLS ||
	       status == TA_DISC_NO_STARTTLS || status == TA_DISC_NOT_TLS;
}

bool
ta_dsvc_is_tls(const struct svc *s)
{
	return s->status == TA_DISC_TLS || s->status == TA_DISC_STARTTLS;
}

static void
on_result(void *arg, const struct ta_disc_result *r)
{
	struct disc_ctx *x = arg;
	char key[TA_DISC_ADDR_TEXT + 8];
	const char *kp = key;

	if (x->rc != TA_OK)
		return;
	if (x->have_inv && !x->keys_built && (x->rc = build_keys(x)) != TA_OK)
		return;
	if (!is_open(r->status)) {
		/* what an inventory endpoint did instead (for "gone") */
		key_of(key, sizeof key, r->addr, r->port);
		if (!x->nkeys || !bsearch(&kp, x->keys, x->nkeys, sizeof *x->keys, cmp_key))
			return;
		if (x->nmiss == x->capmiss) {
			size_t cap = x->capmiss ? x->capmiss * 2 : 16;
			struct miss *v = realloc(x->miss, cap * sizeof *v);

			if (!v) {
				x->rc = TA_ENOMEM;
				return;
			}
			x->miss = v;
			x->capmiss = cap;
		}
		snprintf(x->miss[x->nmiss].key, sizeof x->miss[x->nmiss].key, "%s", key);
		snprintf(x->miss[x->nmiss].detail, sizeof x->miss[x->nmiss].detail, "%s",
		         r->detail);
		x->nmiss++;
		return;
	}
	if (x->nsvc == x->capsvc) {
		size_t cap = x->capsvc ? x->capsvc * 2 : 16;
		struct svc *v = realloc(x->svc, cap * sizeof *v);

		if (!v) {
			x->rc = TA_ENOMEM;
			return;
		}
		x->svc = v;
		x->capsvc = cap;
	}
	struct svc *s = &x->svc[x->nsvc];

	memset(s, 0, sizeof *s);
	s->family = inet_pton(AF_INET, r->addr, s->a) == 1 ? AF_INET : AF_INET6;
	if (s->family == AF_INET6)
		(void)inet_pton(AF_INET6, r->addr, s->a);
	snprintf(s->addr, sizeof s->addr, "%s", r->addr);
	if (r->host && !(s->host = strdup(r->host))) {
		x->rc = TA_ENOMEM;
		return;
	}
	s->port = r->port;
	s->status = r->status;
	s->proto = r->proto; /* static: "tls" or a dialogue's name */
	s->version = r->version;
	s->hrr = r->hrr;
	s->has_alert = r->has_alert;
	s->alert = r->alert;
	s->tls_answer = r->tls_answer;
	s->conns = r->conns;
	memcpy(s->banner, r->banner, sizeof s->banner);
	memcpy(s->detail, r->detail, sizeof s->detail);
	x->nsvc++;
}

static int
cmp_svc(const void *a, const void *b)
{
	const struct svc *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	if ((c = memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16)) != 0)
		return c;
	return (int)x->port - (int)y->port;
}

static struct svc *
find_svc(struct disc_ctx *x, const char *addr, uint16_t port)
{
	struct svc k = {.port = port};

	k.family = inet_pton(AF_INET, addr, k.a) == 1 ? AF_INET : AF_INET6;
	if (k.family == AF_INET6 && inet_pton(AF_INET6, addr, k.a) != 1)
		return NULL;
	return x->nsvc ? bsearch(&k, x->svc, x->nsvc, sizeof *x->svc, cmp_svc) : NULL;
}

static int
cmp_miss(const void *a, const void *b)
{
	return strcmp(((const struct miss *)a)->key, ((const struct miss *)b)->key);
}

/* Why an endpoint is gone: what its first probed address did. */
static void
gone_reason(struct disc_ctx *x, const char *addr, uint16_t port, char *buf, size_t cap)
{
	struct svc *s = find_svc(x, addr, port);
	struct miss k, *m;

	if (s) {
		snprintf(buf, cap, "%s: %.190s", ta_dsvc_status_name(s->status), s->detail);
		return;
	}
	key_of(k.key, sizeof k.key, addr, port);
	m = x->nmiss ? bsearch(&k, x->miss, x->nmiss, sizeof *x->miss, cmp_miss) : NULL;
	snprintf(buf, cap, "%.190s", m ? m->detail : "not probed (the run was interrupted)");
}

static int
push_change(struct disc_ctx *x, struct change **v, size_t *n, const struct inv_ep *e,
            const struct svc *s, const char *const *addrs, size_t naddrs)
{
	struct change *c = realloc(*v, (*n + 1) * sizeof **v);

	if (!c)
		return TA_ENOMEM;
	*v = c;
	c = &c[(*n)++];
	memset(c, 0, sizeof *c);
	c->ep = e;
	c->svc = s;
	for (size_t i = 0; i < naddrs && i < TA_DISC_NAME_ADDRS; i++)
		snprintf(c->addrs[c->naddrs++], TA_DISC_ADDR_TEXT, "%s", addrs[i]);
	if (!s && naddrs)
		gone_reason(x, addrs[0], e->row->port, c->reason, sizeof c->reason);
	return TA_OK;
}

/* Listed, changed, gone for each endpoint in scope; then new. */
static int
compare(struct disc_ctx *x)
{
	if (x->nmiss)
		qsort(x->miss, x->nmiss, sizeof *x->miss, cmp_miss);
	for (size_t i = 0; i < x->neps; i++) {
		struct inv_ep *e = &x->eps[i];
		const char *addrs[TA_DISC_NAME_ADDRS];
		size_t n = ep_addresses(x, e, addrs, TA_DISC_NAME_ADDRS);
		struct svc *found = NULL, *other = NULL;

		if (e->unresolvable ||
		    (e->lookup != SIZE_MAX && ta_disc_input(x->disc, e->lookup)->error[0]))
			x->unresolved_rows++;
		if (n == 0)
			continue;
		x->in_scope++;
		for (size_t k = 0; k < n && !found; k++) {
			struct svc *s = find_svc(x, addrs[k], e->row->port);

			if (s && ta_dsvc_is_tls(s)) {
				if (strcmp(s->proto, e->proto) == 0)
					found = s;
				else if (!other)
					other = s;
			}
		}
		if (found) {
			found->inv = "listed";
			x->listed++;
		} else if (other) {
			if (!other->inv)
				other->inv = "changed";
			TA_TRY(push_change(x, &x->changed, &x->nchanged, e, other, addrs, n));
		} else {
			TA_TRY(push_change(x, &x->gone, &x->ngone, e, NULL, addrs, n));
		}
	}
	for (size_t i = 0; i < x->nsvc; i++)
		if (ta_dsvc_is_tls(&x->svc[i]) && !x->svc[i].inv) {
			x->svc[i].inv = "new";
			x->nnew++;
		}
	return TA_OK;
}

/* ---- the run ---- */

static void
on_progress(void *arg, const struct ta_disc_stats *s, int final)
{
	struct disc_ctx *x = arg;
	struct ta_discover_progress p = {s->probes, s->done,      s->connections,
	                                 s->open,   s->elapsed_s, final};

	x->opts->progress(x->opts->progress_arg, &p);
}

static void
ctx_free(struct disc_ctx *x)
{
	for (size_t i = 0; i < x->nsvc; i++)
		free(x->svc[i].host);
	free(x->svc);
	for (size_t i = 0; i < x->nkeys; i++)
		free(x->keys[i]);
	free(x->keys);
	free(x->miss);
	free(x->eps);
	free(x->changed);
	free(x->gone);
	if (x->have_inv)
		ta_inv_free(&x->inv);
	ta_disc_free(x->disc);
}

int
ta_discover(const char *const *specs, size_t nspecs, const struct ta_discover_opts *o,
            enum ta_format fmt, FILE *out, struct ta_discover_summary *sum, char *err,
            size_t errlen)
{
	struct ta_disc_cfg cfg = {
	        .rate = o->rate,
	        .max_hosts = o->max_hosts,
	        .connect_timeout_ms = o->connect_timeout_ms,
	        .read_timeout_ms = o->read_timeout_ms,
	        .per_host = o->max_conns_per_host,
	        .total = o->max_conns_total,
	        .family = o->family,
	        .resolver = o->resolver,
	};
	struct disc_ctx x = {.opts = o, .db = o->db};
	const struct ta_disc_stats *st;
	int rc;

	memset(sum, 0, sizeof *sum);
	if (fmt != TA_FORMAT_TEXT && fmt != TA_FORMAT_JSON && fmt != TA_FORMAT_CSV) {
		snprintf(err, errlen, "the format is text, json or csv");
		return TA_EINVAL;
	}
	if (nspecs == 0) {
		snprintf(err, errlen, "name the addresses, blocks or names to probe");
		return TA_EINVAL;
	}
	TA_TRY(ta_disc_new(&cfg, &x.disc));
	for (size_t i = 0; i < nspecs; i++)
		if ((rc = ta_disc_add(x.disc, specs[i], err, errlen)) != TA_OK)
			goto out;
	if (o->ports && (rc = ta_disc_set_ports(x.disc, o->ports, o->nports)) != TA_OK) {
		snprintf(err, errlen, "--ports: a port 0, or more than %u ports",
		         TA_DISC_PORTS_MAX);
		goto out;
	}
	if (o->db && (rc = load_inventory(&x, o->db, err, errlen)) != TA_OK)
		goto out;
	if (o->catch_signals && (rc = ta_disc_catch_signals(x.disc)) != TA_OK) {
		snprintf(err, errlen, "cannot catch SIGINT and SIGTERM");
		goto out;
	}
	x.now = ta_now();
	rc = ta_disc_run(x.disc, on_result, o->progress ? on_progress : NULL, &x, err, errlen);
	if (rc == TA_OK && x.rc != TA_OK) {
		rc = x.rc;
		snprintf(err, errlen, "%s", ta_strerror(rc));
	}
	if (rc != TA_OK)
		goto out;
	if (x.nsvc)
		qsort(x.svc, x.nsvc, sizeof *x.svc, cmp_svc);
	if (x.have_inv && (rc = compare(&x)) != TA_OK) {
		snprintf(err, errlen, "%s", ta_strerror(rc));
		goto out;
	}
	st = ta_disc_stats(x.disc);
	sum->addresses = st->addresses;
	sum->probes = st->probes;
	sum->connections = st->connections;
	sum->interrupted = st->interrupted;
	sum->errors = st->errors;
	sum->elapsed_s = st->elapsed_s;
	for (size_t i = 0; i < x.nsvc; i++) {
		sum->tls += x.svc[i].status == TA_DISC_TLS;
		sum->starttls += x.svc[i].status == TA_DISC_STARTTLS;
		sum->other += !ta_dsvc_is_tls(&x.svc[i]);
	}
	for (size_t i = 0; i < ta_disc_ninputs(x.disc); i++) {
		const struct ta_disc_input *in = ta_disc_input(x.disc, i);

		sum->unresolved += !in->lookup_only && in->error[0];
	}
	sum->nnew = x.nnew;
	sum->ngone = x.ngone;
	sum->nchanged = x.nchanged;
	rc = ta_dout_write(&x, fmt, out);
	if (rc != TA_OK)
		snprintf(err, errlen, "cannot write the report");
out:
	ctx_free(&x);
	return rc;
}
