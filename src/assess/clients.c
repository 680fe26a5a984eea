/*
 * The client database (assess/clients.h): captured ClientHellos parsed by
 * wire/chello.c, the limits a hello does not show, and documented older
 * clients, all from tests/data/clients (built in by cmake/embed.cmake).
 * What a source does not say stays unknown, never guessed.
 */
#include "assess/clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/clients_db.h"
#include "wire/chello.h"
#include "wire/registry.h"
#include "wire/tls.h"

static const struct {
	const char *name;
	uint16_t id;
} version_names[] = {
        {"TLSv1.3", TA_TLS13}, {"TLSv1.2", TA_TLS12}, {"TLSv1.1", TA_TLS11},
        {"TLSv1.0", TA_TLS10}, {"SSLv3", TA_SSL3},
};

static uint16_t
version_id(const char *name)
{
	for (size_t i = 0; name && i < sizeof version_names / sizeof version_names[0]; i++)
		if (strcmp(version_names[i].name, name) == 0)
			return version_names[i].id;
	return 0;
}

static const char *
version_name(uint16_t id)
{
	for (size_t i = 0; i < sizeof version_names / sizeof version_names[0]; i++)
		if (version_names[i].id == id)
			return version_names[i].name;
	return NULL;
}

static int
hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap)
		return TA_EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char ch = hex[2 * i + (size_t)k];

			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v |= (unsigned)(ch - 'a' + 10);
			else if (ch >= 'A' && ch <= 'F')
				v |= (unsigned)(ch - 'A' + 10);
			else
				return TA_EINVAL;
		}
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return TA_OK;
}

static size_t
copy_list(uint16_t *dst, size_t cap, const uint16_t *src, size_t n)
{
	if (n > cap)
		n = cap;
	memcpy(dst, src, n * sizeof *src);
	return n;
}

static void
set_str(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

/* Versions a hello offers, highest first: supported_versions, or the
 * legacy version and every TLS version below it (RFC 8446 4.2.1, RFC
 * 5246 E.1: a client without the extension accepts any lower version it
 * implements; which ones is not in the hello: assumed). */
static void
hello_versions(const struct ta_client_hello *ch, struct ta_client *c)
{
	static const uint16_t order[] = {TA_TLS13, TA_TLS12, TA_TLS11, TA_TLS10, TA_SSL3};

	c->nversions = 0;
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		bool in = false;

		if (ch->versions.present) {
			for (size_t i = 0; i < ch->versions.n; i++)
				in = in || ch->versions.v[i] == order[k];
		} else {
			in = order[k] <= ch->legacy_version && order[k] >= TA_TLS10;
		}
		if (in && c->nversions < sizeof c->versions / sizeof c->versions[0])
			c->versions[c->nversions++] = order[k];
	}
	c->versions_assumed = !ch->versions.present;
}

int
ta_client_from_capture(const json_t *doc, struct ta_client *c)
{
	static uint8_t raw[TA_CH_MAX_RECORDS], scratch[TA_CH_MAX_RECORDS];
	const char *name = json_string_value(json_object_get(doc, "name"));
	const char *hex = json_string_value(json_object_get(doc, "client_hello"));
	const char *date = json_string_value(json_object_get(doc, "captured"));
	struct ta_client_hello ch;
	size_t len;

	if (!name || !hex)
		return TA_EINVAL;
	memset(c, 0, sizeof *c);
	TA_TRY(hex_decode(hex, raw, sizeof raw, &len));
	TA_TRY(ta_client_hello_from_records(raw, len, scratch, sizeof scratch, &ch));
	set_str(c->name, sizeof c->name, name);
	set_str(c->version, sizeof c->version, json_string_value(json_object_get(doc, "version")));
	snprintf(c->source, sizeof c->source, "captured %s on %s", date ? date : "(undated)",
	         json_string_value(json_object_get(doc, "platform"))
	                 ? json_string_value(json_object_get(doc, "platform"))
	                 : "(unknown platform)");
	c->captured = true;
	hello_versions(&ch, c);
	c->nsuites = copy_list(c->suites, TA_CLIENT_MAX_LIST, ch.suites, ch.nsuites);
	c->suites_known = true;
	c->ngroups = copy_list(c->groups, 64, ch.groups.v, ch.groups.n);
	c->groups_known = true; /* absent extension: no groups (RFC 8422 4) */
	c->nshares = copy_list(c->shares, 16, ch.key_shares.v, ch.key_shares.n);
	c->nsigalgs = copy_list(c->sigalgs, 64, ch.sigalgs.v, ch.sigalgs.n);
	c->sigalgs_known = true;
	return TA_OK;
}

static uint16_t
sigscheme_id(const char *name)
{
	for (size_t i = 0; name && i < ta_sigschemes_count; i++)
		if (strcmp(ta_sigschemes[i].iana, name) == 0)
			return ta_sigschemes[i].id;
	return 0;
}

static uint16_t
suite_id(const char *iana)
{
	for (size_t i = 0; iana && i < ta_suites_count; i++)
		if (strcmp(ta_suites[i].iana, iana) == 0)
			return (uint16_t)ta_suites[i].id;
	return 0;
}

/* A documented list of names into ids; false when a name is unknown. */
static bool
names_list(const json_t *a, uint16_t *dst, size_t cap, size_t *n, uint16_t (*lookup)(const char *))
{
	size_t i;
	json_t *v;

	*n = 0;
	json_array_foreach (a, i, v) {
		uint16_t id = lookup(json_string_value(v));

		if (!id)
			return false;
		if (*n < cap)
			dst[(*n)++] = id;
	}
	return true;
}

static uint16_t
group_id(const char *name)
{
	const struct ta_group *g = name ? ta_group_by_name(name) : NULL;

	return g ? g->id : 0;
}

static int
documented_client(const json_t *d, struct ta_client *c)
{
	const json_t *sources = json_object_get(d, "sources");
	size_t i, off = 0;
	json_t *s;

	memset(c, 0, sizeof *c);
	if (!json_string_value(json_object_get(d, "name")) || !json_is_array(sources) ||
	    !names_list(json_object_get(d, "versions"), c->versions, 8, &c->nversions,
	                version_id) ||
	    c->nversions == 0)
		return TA_EINVAL;
	set_str(c->name, sizeof c->name, json_string_value(json_object_get(d, "name")));
	set_str(c->version, sizeof c->version, json_string_value(json_object_get(d, "version")));
	json_array_foreach (sources, i, s) {
		int w = snprintf(c->source + off, sizeof c->source - off, "%s%s", i ? "; " : "",
		                 json_string_value(s) ? json_string_value(s) : "");

		if (w < 0 || (size_t)w >= sizeof c->source - off)
			break;
		off += (size_t)w;
	}
	if (json_object_get(d, "suites")) {
		if (!names_list(json_object_get(d, "suites"), c->suites, TA_CLIENT_MAX_LIST,
		                &c->nsuites, suite_id))
			return TA_EINVAL;
		c->suites_known = true;
	}
	if (json_object_get(d, "groups")) {
		if (!names_list(json_object_get(d, "groups"), c->groups, 64, &c->ngroups, group_id))
			return TA_EINVAL;
		c->groups_known = true;
	}
	if (json_object_get(d, "signature_schemes")) {
		if (!names_list(json_object_get(d, "signature_schemes"), c->sigalgs, 64,
		                &c->nsigalgs, sigscheme_id))
			return TA_EINVAL;
		c->sigalgs_known = true;
	}
	return TA_OK;
}

static void
apply_limits(struct ta_clients *cl, const json_t *limits)
{
	for (size_t i = 0; i < cl->n; i++) {
		const json_t *l = json_object_get(limits, cl->v[i].name);

		if (!l)
			continue;
		cl->v[i].rsa_min_bits = (int)json_integer_value(json_object_get(l, "rsa_min_bits"));
		cl->v[i].dh_min_bits = (int)json_integer_value(json_object_get(l, "dh_min_bits"));
		cl->v[i].ec_min_bits = (int)json_integer_value(json_object_get(l, "ec_min_bits"));
		set_str(cl->v[i].limits_source, sizeof cl->v[i].limits_source,
		        json_string_value(json_object_get(l, "source")));
	}
}

static int
push(struct ta_clients *cl, size_t *cap)
{
	if (cl->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct ta_client *v = realloc(cl->v, ncap * sizeof *v);

		if (!v)
			return TA_ENOMEM;
		cl->v = v;
		*cap = ncap;
	}
	return TA_OK;
}

int
ta_clients_builtin(struct ta_clients *out, char *err, size_t errlen)
{
	json_t *limits = NULL, *docs[2] = {NULL, NULL};
	size_t cap = 0;
	int rc = TA_OK;

	memset(out, 0, sizeof *out);
	docs[0] = json_array();
	if (!docs[0])
		return TA_ENOMEM;
	for (const struct ta_embedded_client *e = ta_embedded_clients; e->name; e++) {
		json_error_t je;
		json_t *d = json_loadb((const char *)e->data, e->len, 0, &je);

		if (!d) {
			snprintf(err, errlen, "%s: %s", e->name, je.text);
			rc = TA_EINVAL;
			goto out;
		}
		if (json_object_get(d, "client_hello")) {
			if ((rc = push(out, &cap)) != TA_OK) {
				json_decref(d);
				goto out;
			}
			rc = ta_client_from_capture(d, &out->v[out->n]);
			if (rc != TA_OK) {
				snprintf(err, errlen, "%s: the ClientHello does not parse",
				         e->name);
				json_decref(d);
				goto out;
			}
			out->n++;
			json_decref(d);
		} else if (json_object_get(d, "limits")) {
			json_decref(limits);
			limits = json_incref(json_object_get(d, "limits"));
			json_decref(d);
		} else if (json_is_array(json_object_get(d, "clients"))) {
			json_array_extend(docs[0], json_object_get(d, "clients"));
			json_decref(d);
		} else {
			json_decref(d);
		}
	}
	size_t i;
	json_t *d;

	json_array_foreach (docs[0], i, d) {
		if ((rc = push(out, &cap)) != TA_OK)
			goto out;
		if ((rc = documented_client(d, &out->v[out->n])) != TA_OK) {
			snprintf(err, errlen, "older-clients.json: entry %zu is incomplete", i);
			goto out;
		}
		out->n++;
	}
	apply_limits(out, limits);
out:
	json_decref(limits);
	json_decref(docs[0]);
	if (rc != TA_OK)
		ta_clients_free(out);
	return rc;
}

void
ta_clients_free(struct ta_clients *c)
{
	if (!c)
		return;
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static json_t *
ids_json(const uint16_t *v, size_t n, const char *(*name)(uint16_t))
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const char *s = name(v[i]);
		char unk[24];

		snprintf(unk, sizeof unk, "UNKNOWN_0x%04X", v[i]);
		json_array_append_new(a, json_string(s ? s : unk));
	}
	return a;
}

static const char *
suite_name(uint16_t id)
{
	const struct ta_suite *s = ta_suite_find(id);

	return s ? s->iana : NULL;
}

static const char *
group_name(uint16_t id)
{
	const struct ta_group *g = ta_group_find(id);

	return g ? g->iana : NULL;
}

static const char *
scheme_name(uint16_t id)
{
	const struct ta_sigscheme *s = ta_sigscheme_find(id);

	return s ? s->iana : NULL;
}

json_t *
ta_client_json(const struct ta_client *c)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:b}", "name", c->name, "version",
	                      c->version, "source", c->source, "captured", c->captured, "versions",
	                      ids_json(c->versions, c->nversions, version_name), "versions_assumed",
	                      c->versions_assumed);

	if (!o)
		return NULL;
	json_object_set_new(o, "cipher_suites",
	                    c->suites_known ? ids_json(c->suites, c->nsuites, suite_name)
	                                    : json_null());
	json_object_set_new(o, "groups",
	                    c->groups_known ? ids_json(c->groups, c->ngroups, group_name)
	                                    : json_null());
	json_object_set_new(o, "key_shares", ids_json(c->shares, c->nshares, group_name));
	json_object_set_new(o, "signature_schemes",
	                    c->sigalgs_known ? ids_json(c->sigalgs, c->nsigalgs, scheme_name)
	                                     : json_null());
	json_object_set_new(o, "limits",
	                    c->limits_source[0]
	                            ? json_pack("{s:i, s:i, s:i, s:s}", "rsa_min_bits",
	                                        c->rsa_min_bits, "dh_min_bits", c->dh_min_bits,
	                                        "ec_min_bits", c->ec_min_bits, "source",
	                                        c->limits_source)
	                            : json_null());
	return o;
}
