/*
 * The client simulation (assess/clients.h, docs/clients.md): one client's
 * hello against the facts of one target document, as a server would
 * answer it.  Version: the highest both support (RFC 8446 4.2.1, RFC
 * 5246 E.1).  Suite: the server's first in its order when it enforces one,
 * else the client's first the server accepts (RFC 5246 7.4.1.2), skipping
 * ECDHE suites without a common group (RFC 8422 5.1) and TLS 1.2 suites
 * without a common signature scheme for the certificate (RFC 5246
 * 7.4.1.4.1).  TLS 1.3 group: the first key share the server supports,
 * else a HelloRetryRequest for a group both support (RFC 8446 4.1.1).
 * Then the client's own limits: DH group and certificate key sizes.
 * A fact the document lacks is named under "missing"; when it decides the
 * outcome the result is "unknown".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/clients.h"
#include "wire/registry.h"
#include "wire/tls.h"

#define MAXL 512

struct list {
	uint16_t v[MAXL];
	size_t n;
	int order; /* server order: 1 yes, 0 no, -1 unknown */
	bool known;
};

/* The server side, from the document. */
struct server {
	struct list suites[6]; /* by enum: SSLv3 .. TLSv1.3 at [1..5] */
	int offered[6];        /* 1, 0, -1 unknown */
	struct list groups12, groups13, schemes12, schemes13;
	struct list ec12, ff12; /* groups12's curves, and its RFC 7919 groups */
	int hrr;                /* TLS 1.3 HelloRetryRequest seen: 1, 0, -1 */
	long dh_bits;           /* 0: none known */
	bool dh_ffdhe_only;     /* DHE only with an RFC 7919 group the client offers */
	bool cert_rsa, cert_ec, cert_dsa, certs_known;
	long rsa_bits, ec_bits;
};

static const struct {
	const char *name;
	uint16_t id;
} vers[6] = {{"SSLv2", TA_SSL2},    {"SSLv3", TA_SSL3},    {"TLSv1.0", TA_TLS10},
             {"TLSv1.1", TA_TLS11}, {"TLSv1.2", TA_TLS12}, {"TLSv1.3", TA_TLS13}};

static int
vidx(uint16_t id)
{
	for (int i = 0; i < 6; i++)
		if (vers[i].id == id)
			return i;
	return -1;
}

static int
tri(const json_t *v)
{
	return json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
}

static bool
in(const uint16_t *v, size_t n, uint16_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static void
names_to(struct list *l, const json_t *a, int kind)
{
	size_t i;
	json_t *s;

	l->n = 0;
	l->known = json_is_array(a);
	json_array_foreach (a, i, s) {
		const char *name = json_string_value(s);
		uint16_t id = 0;

		if (!name)
			continue;
		if (kind == 0) {
			const struct ta_group *g = ta_group_by_name(name);
			id = g ? g->id : 0;
		} else {
			for (size_t k = 0; k < ta_sigschemes_count && !id; k++)
				if (strcmp(ta_sigschemes[k].iana, name) == 0)
					id = ta_sigschemes[k].id;
		}
		if (id && l->n < MAXL)
			l->v[l->n++] = id;
	}
}

static void
read_server(const json_t *t, struct server *s)
{
	const json_t *protos = json_object_get(t, "protocols");
	const json_t *gbv = json_object_get(t, "groups_by_version");
	const json_t *sbv = json_object_get(t, "signature_schemes_by_version");
	size_t i;
	json_t *c;

	memset(s, 0, sizeof *s);
	for (int v = 1; v < 6; v++) {
		const json_t *p = json_object_get(protos, vers[v].name);
		json_t *d;

		s->offered[v] = p ? tri(json_object_get(p, "offered")) : -1;
		s->suites[v].order = tri(json_object_get(p, "server_order"));
		s->suites[v].known = json_is_array(json_object_get(p, "cipher_suite_details"));
		json_array_foreach (json_object_get(p, "cipher_suite_details"), i, d) {
			const char *id = json_string_value(json_object_get(d, "id"));
			unsigned long x = id ? strtoul(id, NULL, 16) : 0;

			if (x && x <= 0xffff && s->suites[v].n < MAXL)
				s->suites[v].v[s->suites[v].n++] = (uint16_t)x;
		}
	}
	names_to(&s->groups13, json_object_get(json_object_get(gbv, "TLSv1.3"), "groups"), 0);
	s->groups13.order = tri(json_object_get(json_object_get(gbv, "TLSv1.3"), "server_order"));
	names_to(&s->groups12, json_object_get(json_object_get(gbv, "TLSv1.2"), "groups"), 0);
	s->groups12.order = tri(json_object_get(json_object_get(gbv, "TLSv1.2"), "server_order"));
	if (!s->groups12.known && json_is_array(json_object_get(t, "groups"))) {
		/* older documents: one list for every version */
		names_to(&s->groups12, json_object_get(t, "groups"), 0);
		s->groups12.order = tri(json_object_get(t, "groups_server_order"));
	}
	s->ec12.order = s->ff12.order = s->groups12.order;
	s->ec12.known = s->ff12.known = s->groups12.known;
	for (i = 0; i < s->groups12.n; i++) {
		const struct ta_group *g = ta_group_find(s->groups12.v[i]);
		struct list *l = g && g->kind == TA_GROUP_FFDHE ? &s->ff12 : &s->ec12;

		l->v[l->n++] = s->groups12.v[i];
	}
	names_to(&s->schemes12, json_object_get(sbv, "TLSv1.2"), 1);
	names_to(&s->schemes13, json_object_get(sbv, "TLSv1.3"), 1);
	s->hrr = tri(json_object_get(t, "tls13_hello_retry_request"));
	s->dh_bits = (long)json_integer_value(json_object_get(json_object_get(t, "dh"), "bits"));
	s->dh_ffdhe_only =
	        json_is_true(json_object_get(json_object_get(t, "dh"), "only_with_ffdhe"));
	s->certs_known = json_is_array(json_object_get(t, "certificates"));
	json_array_foreach (json_object_get(t, "certificates"), i, c) {
		const char *kt = json_string_value(json_object_get(c, "key_type"));
		long bits = (long)json_integer_value(json_object_get(c, "key_bits"));

		if (!kt)
			continue;
		if (strcmp(kt, "RSA") == 0 || strcmp(kt, "RSA-PSS") == 0) {
			s->cert_rsa = true;
			if (!s->rsa_bits || bits < s->rsa_bits)
				s->rsa_bits = bits;
		} else if (strcmp(kt, "EC") == 0) {
			s->cert_ec = true;
			if (!s->ec_bits || bits < s->ec_bits)
				s->ec_bits = bits;
		} else if (strcmp(kt, "DSA") == 0) {
			s->cert_dsa = true;
		}
	}
}

/* The outcome being built. */
struct sim {
	const char *result; /* "connects", "fails", "unknown" */
	char reason[384];
	uint16_t version, suite, group;
	long dh_bits;
	bool hrr;
	json_t *missing;
};

static void
miss(struct sim *m, const char *what)
{
	size_t i;
	json_t *v;

	json_array_foreach (m->missing, i, v)
		if (strcmp(json_string_value(v), what) == 0)
			return;
	json_array_append_new(m->missing, json_string(what));
}

static void
fail(struct sim *m, const char *result, const char *fmt, const char *a, const char *b)
{
	m->result = result;
	snprintf(m->reason, sizeof m->reason, fmt, a ? a : "", b ? b : "");
}

/* The signature schemes that sign with a key of the suite's kind. */
static bool
scheme_fits(uint16_t id, uint8_t auth)
{
	uint8_t sig = (uint8_t)(id & 0xff), hash = (uint8_t)(id >> 8);

	if (id >= 0x0804 && id <= 0x0806) /* rsa_pss_rsae_* */
		return auth == TA_AUTH_RSA;
	if (id >= 0x0809 && id <= 0x080b) /* rsa_pss_pss_* */
		return auth == TA_AUTH_RSA;
	if (id == 0x0807 || id == 0x0808) /* ed25519, ed448 */
		return auth == TA_AUTH_ECDSA;
	if (hash >= 1 && hash <= 6)
		return (sig == 1 && auth == TA_AUTH_RSA) || (sig == 2 && auth == TA_AUTH_DSS) ||
		       (sig == 3 && auth == TA_AUTH_ECDSA);
	return false;
}

/* A common group between the client's list and the server's, in the
 * order that decides (server's when it enforces one). */
static uint16_t
pick_group(const uint16_t *cv, size_t cn, const struct list *sl, struct sim *m)
{
	if (sl->order == 1) {
		for (size_t i = 0; i < sl->n; i++)
			if (in(cv, cn, sl->v[i]))
				return sl->v[i];
		return 0;
	}
	if (sl->order < 0) {
		size_t common = 0;

		for (size_t i = 0; i < cn; i++)
			common += in(sl->v, sl->n, cv[i]);
		if (common > 1)
			miss(m, "the server's group order (the client's order assumed)");
	}
	for (size_t i = 0; i < cn; i++)
		if (in(sl->v, sl->n, cv[i]))
			return cv[i];
	return 0;
}

static bool
suite_usable(const struct ta_client *c, const struct server *s, uint16_t v,
             const struct ta_suite *su, struct sim *m, unsigned *why)
{
	if (su->kx == TA_KX_ECDHE || su->kx == TA_KX_ECDH_ANON) {
		if (!s->groups12.known) {
			miss(m, "the server's groups for TLS 1.2 and below");
		} else if (!pick_group(c->groups, c->ngroups, &s->ec12, m) && c->ngroups > 0) {
			*why |= 1;
			return false;
		}
	}
	if ((su->kx == TA_KX_DHE || su->kx == TA_KX_DH_ANON) && s->dh_ffdhe_only &&
	    !pick_group(c->groups, c->ngroups, &s->ff12, m)) {
		*why |= 4;
		return false;
	}
	if (v == TA_TLS12 && c->nsigalgs > 0 &&
	    (su->auth == TA_AUTH_RSA || su->auth == TA_AUTH_ECDSA || su->auth == TA_AUTH_DSS) &&
	    su->kx != TA_KX_RSA) {
		bool ok = false;

		if (!s->schemes12.known) {
			miss(m, "the server's signature schemes for TLS 1.2");
			return true;
		}
		for (size_t i = 0; i < c->nsigalgs && !ok; i++)
			ok = scheme_fits(c->sigalgs[i], su->auth) &&
			     in(s->schemes12.v, s->schemes12.n, c->sigalgs[i]);
		if (!ok) {
			*why |= 2;
			return false;
		}
	}
	return true;
}

static bool
suite_at(const struct ta_suite *su, uint16_t v)
{
	if (!su)
		return false;
	if (v == TA_TLS13)
		return (su->flags & TA_SUITE_TLS13) != 0;
	if (su->flags & TA_SUITE_TLS13)
		return false;
	return v == TA_TLS12 || !(su->flags & TA_SUITE_TLS12);
}

/* The suite the server picks at version v, or 0 with the reason. */
static uint16_t
pick_suite(const struct ta_client *c, const struct server *s, uint16_t v, struct sim *m)
{
	const struct list *sl = &s->suites[vidx(v)];
	size_t common = 0;
	unsigned why = 0;

	for (size_t i = 0; i < c->nsuites; i++)
		common +=
		        in(sl->v, sl->n, c->suites[i]) && suite_at(ta_suite_find(c->suites[i]), v);
	if (common > 1 && sl->order < 0)
		miss(m, "the server's cipher suite order (the client's order assumed)");
	for (size_t k = 0; k < (sl->order == 1 ? sl->n : c->nsuites); k++) {
		uint16_t id = sl->order == 1 ? sl->v[k] : c->suites[k];
		const struct ta_suite *su = ta_suite_find(id);

		if (!in(c->suites, c->nsuites, id) || !in(sl->v, sl->n, id) || !suite_at(su, v))
			continue;
		if (suite_usable(c, s, v, su, m, &why))
			return id;
	}
	if (common == 0)
		fail(m, "fails", "no common cipher suite at %s%s", vers[vidx(v)].name, NULL);
	else if (why & 1)
		fail(m, "fails", "no common group for the ECDHE suites both support at %s%s",
		     vers[vidx(v)].name, NULL);
	else if (why & 4)
		fail(m, "fails",
		     "no RFC 7919 group offered for the DHE suites both support at %s (the server "
		     "has no DH prime of its own)%s",
		     vers[vidx(v)].name, NULL);
	else
		fail(m, "fails",
		     "no common signature scheme for the certificate at %s (the client "
		     "offers none the server signs with)%s",
		     vers[vidx(v)].name, NULL);
	return 0;
}

static void
tls13(const struct ta_client *c, const struct server *s, struct sim *m)
{
	bool ok = false;

	m->suite = pick_suite(c, s, TA_TLS13, m);
	if (!m->suite)
		return;
	if (!s->schemes13.known) {
		miss(m, "the server's signature schemes for TLS 1.3");
	} else {
		for (size_t i = 0; i < c->nsigalgs && !ok; i++)
			ok = in(s->schemes13.v, s->schemes13.n, c->sigalgs[i]);
		if (!ok) {
			fail(m, "fails", "no common signature scheme at TLSv1.3%s%s", NULL, NULL);
			return;
		}
	}
	if (!s->groups13.known) {
		miss(m, "the server's groups for TLS 1.3");
		return;
	}
	for (size_t i = 0; i < c->nshares && !m->group; i++)
		if (in(s->groups13.v, s->groups13.n, c->shares[i]))
			m->group = c->shares[i];
	if (!m->group) {
		m->group = pick_group(c->groups, c->ngroups, &s->groups13, m);
		m->hrr = m->group != 0;
		if (m->hrr && s->hrr == 0)
			miss(m, "a HelloRetryRequest from the server (none was seen)");
	}
	if (!m->group)
		fail(m, "fails", "no common group at TLSv1.3%s%s", NULL, NULL);
}

static void
tls12_and_below(const struct ta_client *c, const struct server *s, struct sim *m)
{
	const struct ta_suite *su;

	m->suite = pick_suite(c, s, m->version, m);
	if (!m->suite)
		return;
	su = ta_suite_find(m->suite);
	if (su->kx == TA_KX_ECDHE || su->kx == TA_KX_ECDH_ANON) {
		if (c->ngroups == 0) {
			miss(m, "the curve a server picks for a client without supported_groups");
		} else {
			m->group = pick_group(c->groups, c->ngroups, &s->ec12, m);
		}
	}
	if ((su->kx == TA_KX_DHE || su->kx == TA_KX_DH_ANON) && s->dh_ffdhe_only) {
		const struct ta_group *g;

		m->group = pick_group(c->groups, c->ngroups, &s->ff12, m);
		g = ta_group_find(m->group);
		m->dh_bits = g ? g->bits : 0;
	} else if (su->kx == TA_KX_DHE || su->kx == TA_KX_DH_ANON) {
		m->dh_bits = s->dh_bits;
		if (!s->dh_bits)
			miss(m, "the server's DH group size");
	}
}

static void
limits(const struct ta_client *c, const struct server *s, struct sim *m)
{
	const struct ta_suite *su = ta_suite_find(m->suite);
	char a[64], b[64];

	if (!c->limits_source[0]) {
		miss(m, "the client's smallest accepted DH group and certificate key (unknown)");
		return;
	}
	if (m->dh_bits && c->dh_min_bits && m->dh_bits < c->dh_min_bits) {
		snprintf(a, sizeof a, "%ld", m->dh_bits);
		snprintf(b, sizeof b, "%d", c->dh_min_bits);
		fail(m, "fails",
		     "the server's %s-bit DH group is below the client's minimum of %s bits", a, b);
		return;
	}
	bool rsa = (su && su->auth == TA_AUTH_RSA) ||
	           (m->version == TA_TLS13 && s->cert_rsa && !s->cert_ec);
	if (rsa && s->rsa_bits && c->rsa_min_bits && s->rsa_bits < c->rsa_min_bits) {
		snprintf(a, sizeof a, "%ld", s->rsa_bits);
		snprintf(b, sizeof b, "%d", c->rsa_min_bits);
		fail(m, "fails",
		     "the %s-bit RSA certificate key is below the client's minimum of %s bits", a,
		     b);
	}
}

static void
simulate(const struct ta_client *c, const struct server *s, struct sim *m)
{
	char cv[96] = "", sv[96] = "";

	m->result = "connects";
	for (size_t i = 0; i < c->nversions && !m->version; i++) {
		int v = vidx(c->versions[i]);

		if (v > 0 && s->offered[v] == 1)
			m->version = c->versions[i];
		else if (v > 0 && s->offered[v] < 0)
			miss(m, "whether the server offers each version");
	}
	if (c->versions_assumed)
		miss(m,
		     "the client's lowest version (no supported_versions: every version below its "
		     "legacy_version assumed)");
	if (!m->version) {
		for (size_t i = 0; i < c->nversions; i++)
			snprintf(cv + strlen(cv), sizeof cv - strlen(cv), "%s%s", i ? ", " : "",
			         vers[vidx(c->versions[i])].name);
		for (int v = 5; v >= 1; v--)
			if (s->offered[v] == 1)
				snprintf(sv + strlen(sv), sizeof sv - strlen(sv), "%s%s",
				         sv[0] ? ", " : "", vers[v].name);
		fail(m, "fails", "no common protocol version (client: %s; server: %s)", cv,
		     sv[0] ? sv : "none");
		return;
	}
	if (!c->suites_known) {
		fail(m, "unknown", "the client's cipher suites are not documented%s%s", NULL, NULL);
		miss(m, "the client's cipher suites");
		return;
	}
	if (m->version == TA_TLS13)
		tls13(c, s, m);
	else
		tls12_and_below(c, s, m);
	if (strcmp(m->result, "connects") == 0)
		limits(c, s, m);
}

static json_t *
name_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
ta_client_simulate(const struct ta_client *c, const json_t *target)
{
	struct server *s = malloc(sizeof *s);
	struct sim m;
	json_t *o = NULL;

	if (!s)
		return NULL;
	memset(&m, 0, sizeof m);
	m.missing = json_array();
	if (!m.missing)
		goto out;
	read_server(target, s);
	simulate(c, s, &m);
	const struct ta_suite *su = m.suite ? ta_suite_find(m.suite) : NULL;
	const struct ta_group *g = m.group ? ta_group_find(m.group) : NULL;
	bool ok = strcmp(m.result, "connects") == 0;

	o = json_pack("{s:s, s:s, s:s, s:s}", "client", c->name, "client_version", c->version,
	              "source", c->captured ? "captured" : "documented", "result", m.result);
	if (!o)
		goto out;
	json_object_set_new(o, "protocol",
	                    ok || m.version
	                            ? name_or_null(m.version ? vers[vidx(m.version)].name : NULL)
	                            : json_null());
	json_object_set_new(o, "cipher_suite", name_or_null(su ? su->iana : NULL));
	json_object_set_new(o, "group", name_or_null(g ? g->iana : NULL));
	json_object_set_new(o, "dh_bits", m.dh_bits ? json_integer(m.dh_bits) : json_null());
	json_object_set_new(o, "hello_retry_request", json_boolean(m.hrr));
	json_object_set_new(o, "reason", m.reason[0] ? json_string(m.reason) : json_null());
	json_object_set_new(o, "missing", m.missing);
	m.missing = NULL;
out:
	json_decref(m.missing);
	free(s);
	return o;
}

json_t *
ta_clients_simulate(const struct ta_clients *cl, const json_t *target)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < cl->n; i++) {
		json_t *o = ta_client_simulate(&cl->v[i], target);

		if (!o || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
