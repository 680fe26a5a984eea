/*
 * The certificate kinds: key type, RSA key size, EC curve, signature
 * algorithm and lifetime of the leaf of every chain the server served (a
 * server with an ECDSA and an RSA certificate must satisfy each rule with
 * both).  Each leaf judged is an item named by its SHA-256 fingerprint,
 * with the property judged as its value.
 */
#include <stdlib.h>
#include <string.h>

#include "cert/cert.h"
#include "profile/eval_int.h"

/* Each analysed leaf certificate with its chain's first "how". */
static size_t
leaves(const struct ta_result *r, const struct ta_cert **out, const char **how, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nchains && n < max; i++) {
		const struct ta_chain *ch = r->chains[i].analysis;

		if (!ch || ch->n == 0)
			continue;
		out[n] = &ch->certs[0];
		how[n] = r->chains[i].nhow ? r->chains[i].how[0] : "served chain";
		n++;
	}
	return n;
}

static bool
no_leaf(const struct ta_ectx *c, struct ta_out *o, size_t n)
{
	if (n)
		return false;
	ev_add(&o->ev, "No certificate was analysed%s.",
	       c->r->nchains ? " (chains were served but not analysed)" : "");
	worsen(o, TA_VERDICT_CNT);
	return true;
}

/* The same leaf served in two chains is one item. */
static bool
seen_before(const struct ta_cert *const *lf, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (lf[i]->sha256[0] && strcmp(lf[k]->sha256, lf[i]->sha256) == 0)
			return true;
	return false;
}

static struct ta_item *
cert_item(struct ta_out *o, const struct ta_cert *x, const char *level, enum ta_verdict v)
{
	return ev_item(o, IK_CERT, x->sha256, TA_YES, level, v);
}

static bool
is_rsa(const struct ta_cert *x)
{
	return strcmp(x->key_type, "RSA") == 0 || strcmp(x->key_type, "RSA-PSS") == 0;
}

/* cert_key_type, cert_curve, cert_signature: one classified field. */
static void
cert_field(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o, const char *what,
           const char *(*field)(const struct ta_cert *))
{
	const struct ta_cert *lf[TA_MAX_CHAINS];
	const char *how[TA_MAX_CHAINS];
	size_t n = leaves(c->r, lf, how, TA_MAX_CHAINS);
	struct items it = {0};

	if (no_leaf(c, o, n))
		return;
	for (size_t i = 0; i < n; i++) {
		const char *f = field(lf[i]);

		if (!f)
			continue;
		ev_items_add(&it, f);
		if (!seen_before(lf, i)) {
			int l = ev_level_of(ru, f);

			ev_item_str(
			        cert_item(o, lf[i], ev_level_token(ru, l), ev_level_verdict(ru, l)),
			        f);
		}
	}
	if (it.oom)
		o->ev.oom = true;
	if (it.n == 0) {
		ev_add(&o->ev, "No leaf certificate has an %s.", what);
		worsen(o, TA_VERDICT_NA);
	} else {
		char w[96];

		snprintf(w, sizeof w, "certificate %s", what);
		/* A required value no leaf has is in "requires", not an item:
		 * items here are certificates. */
		ev_classify(ru, &it, w, true, true, IK_N, o);
	}
	free(it.v);
}

static const char *
f_key_type(const struct ta_cert *x)
{
	return x->key_type;
}

static const char *
f_curve(const struct ta_cert *x)
{
	return strcmp(x->key_type, "EC") == 0 && x->curve[0] ? x->curve : NULL;
}

static const char *
f_signature(const struct ta_cert *x)
{
	return x->signature_algorithm;
}

void
ev_cert_key_type(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	cert_field(ru, c, o, "key type", f_key_type);
}

void
ev_cert_curve(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	cert_field(ru, c, o, "EC curve", f_curve);
}

void
ev_cert_signature(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	cert_field(ru, c, o, "signature algorithm", f_signature);
}

void
ev_cert_rsa_bits(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_cert *lf[TA_MAX_CHAINS];
	const char *how[TA_MAX_CHAINS];
	size_t n = leaves(c->r, lf, how, TA_MAX_CHAINS), nrsa = 0;

	if (no_leaf(c, o, n))
		return;
	for (size_t i = 0; i < n; i++) {
		const char *level = "sufficient";
		enum ta_verdict v = TA_VERDICT_PASS;

		if (!is_rsa(lf[i]))
			continue;
		nrsa++;
		ev_sep(&o->ev);
		ev_add(&o->ev, "RSA key of %d bits (%s).", lf[i]->key_bits, how[i]);
		if (lf[i]->key_bits < ru->min_bits) {
			level = "below_minimum";
			v = TA_VERDICT_FAIL;
			ev_sep(&o->fix);
			ev_add(&o->fix, "Replace the %d-bit RSA key with one of at least %ld bits.",
			       lf[i]->key_bits,
			       ru->warn_below_bits > ru->min_bits ? ru->warn_below_bits
			                                          : ru->min_bits);
		} else if (ru->warn_below_bits >= 0 && lf[i]->key_bits < ru->warn_below_bits) {
			level = "below_recommended";
			v = TA_VERDICT_WARN;
			ev_sep(&o->fix);
			ev_add(&o->fix,
			       "Plan to replace the %d-bit RSA key with one of at least %ld bits.",
			       lf[i]->key_bits, ru->warn_below_bits);
		}
		worsen(o, v);
		if (!seen_before(lf, i))
			ev_item_int(cert_item(o, lf[i], level, v), lf[i]->key_bits);
	}
	if (!nrsa) {
		ev_add(&o->ev, "No leaf certificate has an RSA key.");
		worsen(o, TA_VERDICT_NA);
	}
}

void
ev_cert_lifetime(const struct ta_rule *ru, const struct ta_ectx *c, struct ta_out *o)
{
	const struct ta_cert *lf[TA_MAX_CHAINS];
	const char *how[TA_MAX_CHAINS];
	size_t n = leaves(c->r, lf, how, TA_MAX_CHAINS);

	if (no_leaf(c, o, n))
		return;
	for (size_t i = 0; i < n; i++) {
		int d = lf[i]->lifetime_days;
		const char *level = "sufficient";
		enum ta_verdict v = TA_VERDICT_PASS;

		ev_sep(&o->ev);
		ev_add(&o->ev, "Leaf certificate valid for %d days (%s).", d, how[i]);
		if (ru->max_days >= 0 && d > ru->max_days) {
			level = "above_maximum";
			v = TA_VERDICT_FAIL;
			ev_sep(&o->fix);
			ev_add(&o->fix, "Issue certificates valid for at most %ld days.",
			       ru->max_days);
		} else if (ru->warn_days >= 0 && d > ru->warn_days) {
			level = "above_recommended";
			v = TA_VERDICT_WARN;
			ev_sep(&o->fix);
			ev_add(&o->fix,
			       "Prefer certificates valid for at most %ld days (recommended).",
			       ru->warn_days);
		}
		worsen(o, v);
		if (!seen_before(lf, i))
			ev_item_int(cert_item(o, lf[i], level, v), d);
	}
}
