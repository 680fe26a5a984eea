/*
 * Profile files: strict parsing of the JSON format in docs/profiles.md into
 * struct ta_profile, the profile set (built-in profiles embedded at build
 * time plus files the user names), and the text rendering `tlsaudit
 * profiles show` prints (and tests/profile/snapshots/ pins).
 *
 * Strict means: an unknown key, a key the rule's kind does not take, a
 * wrong type, a version/suite/group/scheme name the registry does not know,
 * or a duplicate profile or rule id is an error naming the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "profile/embedded.h"
#include "profile/rule.h"
#include "wire/registry.h"

#define TA_PROFILE_FORMAT "tlsaudit-profile-1"

struct ta_profile_set {
	struct ta_profile **p;
	size_t n;
};

/* Parsing state: the file name for messages and the error buffer. */
struct pctx {
	const char *file;
	char *err;
	size_t errlen;
	const char *rule; /* id of the rule being parsed, or NULL */
};

static int __attribute__((format(printf, 2, 3))) perr(struct pctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Keys and values come from the file: keep the message one line. */
	for (char *q = msg; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	if (c->err && c->errlen) {
		if (c->rule)
			snprintf(c->err, c->errlen, "%s: rule \"%s\": %s", c->file, c->rule, msg);
		else
			snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
	}
	return TA_EINVAL;
}

const char *const ta_level_keys[LV_N] = {"allowed",   "good",      "sufficient",
                                         "tolerated", "phase_out", "forbidden"};
const char *const ta_cond_names[COND_N] = {"always", "tls12_or_below", "tls13", "two_versions",
                                           "legacy_without_tls13"};

int
ta_ver_index(const char *name)
{
	for (int i = 0; i < TA_NVER; i++)
		if (strcmp(name, ta_ver_name(i)) == 0)
			return i;
	return -1;
}

bool
ta_rating_valid(const char *s)
{
	static const char *const names[] = {"good", "sufficient", "phase_out", "insufficient"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

void
ta_rule_source(const struct ta_rule *ru, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s, %s", ru->document, ru->version, ru->clause);
}

static const struct ta_suite *
suite_by_iana(const char *name)
{
	for (size_t i = 0; i < ta_suites_count; i++)
		if (ta_suites[i].iana && strcmp(ta_suites[i].iana, name) == 0)
			return &ta_suites[i];
	return NULL;
}

static bool
sigscheme_known(const char *name)
{
	for (size_t i = 0; i < ta_sigschemes_count; i++)
		if (strcmp(ta_sigschemes[i].iana, name) == 0)
			return true;
	return false;
}

/* A string value: non-empty, bounded, no control characters. */
static int
get_str(struct pctx *c, json_t *v, const char *key, char **out)
{
	const char *s;
	size_t n;

	if (!json_is_string(v))
		return perr(c, "\"%s\" must be a string", key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n > TA_PROFILE_MAX_STR || strlen(s) != n)
		return perr(c, "\"%s\" must be a non-empty string of at most %u bytes", key,
		            TA_PROFILE_MAX_STR);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return perr(c, "\"%s\" contains a control character", key);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : TA_ENOMEM;
}

static int
check_item(struct pctx *c, enum ta_item_type t, const char *key, const char *s)
{
	switch (t) {
	case IT_VERSION:
		if (ta_ver_index(s) < 0)
			return perr(c,
			            "\"%s\": unknown protocol version \"%s\" (use SSLv2, SSLv3, "
			            "TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3)",
			            key, s);
		break;
	case IT_SUITE:
		if (!suite_by_iana(s))
			return perr(c, "\"%s\": unknown cipher suite \"%s\" (use IANA names)", key,
			            s);
		break;
	case IT_GROUP:
		if (!ta_group_by_name(s))
			return perr(c, "\"%s\": unknown group \"%s\" (use IANA names)", key, s);
		break;
	case IT_SIGSCHEME:
		if (!sigscheme_known(s))
			return perr(c, "\"%s\": unknown signature scheme \"%s\"", key, s);
		break;
	case IT_FREE:
		break;
	}
	return 0;
}

static int
get_list(struct pctx *c, json_t *v, const char *key, enum ta_item_type t, struct strlist *out)
{
	size_t i, n;
	json_t *e;
	int rc;

	if (!json_is_array(v))
		return perr(c, "\"%s\" must be an array of strings", key);
	n = json_array_size(v);
	if (n > TA_PROFILE_MAX_LIST)
		return perr(c, "\"%s\" has more than %u items", key, TA_PROFILE_MAX_LIST);
	if (out->v)
		return perr(c, "\"%s\" given twice", key);
	out->v = calloc(n ? n : 1, sizeof *out->v);
	if (!out->v)
		return TA_ENOMEM;
	json_array_foreach (v, i, e) {
		if ((rc = get_str(c, e, key, &out->v[i])) != 0)
			return rc;
		out->n = i + 1;
		if ((rc = check_item(c, t, key, out->v[i])) != 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(out->v[j], out->v[i]) == 0)
				return perr(c, "\"%s\": \"%s\" listed twice", key, out->v[i]);
	}
	return 0;
}

static int
get_long(struct pctx *c, json_t *v, const char *key, long *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000000)
		return perr(c, "\"%s\" must be an integer from 0 to 1000000000", key);
	*out = (long)json_integer_value(v);
	return 0;
}

static int
get_verdict(struct pctx *c, json_t *v, const char *key, int *out)
{
	const char *s = json_string_value(v);

	if (s && strcmp(s, "fail") == 0)
		*out = TA_VERDICT_FAIL;
	else if (s && strcmp(s, "warning") == 0)
		*out = TA_VERDICT_WARN;
	else if (s && strcmp(s, "pass") == 0)
		*out = TA_VERDICT_PASS;
	else
		return perr(c, "\"%s\" must be \"fail\", \"warning\" or \"pass\"", key);
	return 0;
}

static int
get_rating(struct pctx *c, json_t *v, struct ta_rule *ru)
{
	const char *k;
	json_t *e;
	int rc, vd;

	if (!json_is_object(v))
		return perr(c, "\"rating\" must be an object");
	json_object_foreach (v, k, e) {
		if (strcmp(k, "pass") == 0)
			vd = TA_VERDICT_PASS;
		else if (strcmp(k, "warning") == 0)
			vd = TA_VERDICT_WARN;
		else if (strcmp(k, "fail") == 0)
			vd = TA_VERDICT_FAIL;
		else
			return perr(c, "unknown key \"%s\" in \"rating\"", k);
		if ((rc = get_str(c, e, "rating", &ru->rating[vd])) != 0)
			return rc;
		if (!ta_rating_valid(ru->rating[vd]))
			return perr(c,
			            "\"rating\": \"%s\" is not good, sufficient, phase_out or "
			            "insufficient",
			            ru->rating[vd]);
	}
	return 0;
}

static const struct ta_kind *
kind_find(const char *name)
{
	for (size_t i = 0; i < ta_kinds_count; i++)
		if (strcmp(ta_kinds[i].name, name) == 0)
			return &ta_kinds[i];
	return NULL;
}

static void
rule_free(struct ta_rule *ru)
{
	struct strlist *lists[] = {&ru->required, &ru->required_any, &ru->protocols,
	                           &ru->unless_only};

	free(ru->id);
	free(ru->title);
	free(ru->clause);
	free(ru->document);
	free(ru->version);
	free(ru->note);
	free(ru->advice);
	free(ru->tolerated_note);
	for (int l = 0; l < LV_N; l++) {
		for (size_t i = 0; i < ru->lv[l].n; i++)
			free(ru->lv[l].v[i]);
		free(ru->lv[l].v);
	}
	for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
		for (size_t i = 0; i < lists[k]->n; i++)
			free(lists[k]->v[i]);
		free(lists[k]->v);
	}
	for (int v = 0; v <= TA_VERDICT_FAIL; v++)
		free(ru->rating[v]);
}

static void
profile_free(struct ta_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	for (size_t i = 0; i < p->provenance.n; i++)
		free(p->provenance.v[i]);
	free(p->provenance.v);
	free(p->id);
	free(p->title);
	free(p->document);
	free(p->version);
	free(p->url);
	free(p);
}

/* Ids: lower-case letters, digits, '.', '-'; at most 64 bytes. */
static bool
id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '-'))
			return false;
	return true;
}

/* Keys a rule of this kind takes: flag 0 means every kind. */
static const struct {
	const char *key;
	unsigned flag;
} rule_keys[] = {
        {"id", 0},
        {"kind", 0},
        {"title", 0},
        {"clause", 0},
        {"document", 0},
        {"version", 0},
        {"trust", 0},
        {"note", 0},
        {"advice", 0},
        {"severity", 0},
        {"rating", 0},
        {"allowed", K_LISTS},
        {"good", K_LISTS},
        {"sufficient", K_LISTS},
        {"tolerated", K_LISTS},
        {"tolerated_note", K_LISTS},
        {"phase_out", K_LISTS},
        {"forbidden", K_LISTS},
        {"other", K_LISTS},
        {"required", K_LISTS},
        {"required_any", K_LISTS},
        {"protocols", K_PROTOCOLS},
        {"min_bits", K_MIN_BITS},
        {"warn_below_bits", K_WARN_BELOW},
        {"max_days", K_MAX_DAYS},
        {"warn_days", K_WARN_DAYS},
        {"feature", K_FEATURE},
        {"expect", K_EXPECT},
        {"otherwise", K_OTHERWISE},
        {"when", K_WHEN},
        {"min_age", K_MIN_AGE},
        {"unless_only", K_UNLESS_ONLY},
};

static int
parse_rule_key(struct pctx *c, struct ta_rule *ru, const char *k, json_t *v)
{
	const struct ta_kind *kd = ru->kind;
	int rc;

	for (int l = 0; l < LV_N; l++)
		if (strcmp(k, ta_level_keys[l]) == 0)
			return get_list(c, v, k, kd->items, &ru->lv[l]);
	if (strcmp(k, "id") == 0 || strcmp(k, "kind") == 0)
		return 0; /* read first */
	if (strcmp(k, "title") == 0)
		return get_str(c, v, k, &ru->title);
	if (strcmp(k, "clause") == 0)
		return get_str(c, v, k, &ru->clause);
	if (strcmp(k, "document") == 0)
		return get_str(c, v, k, &ru->document);
	if (strcmp(k, "version") == 0)
		return get_str(c, v, k, &ru->version);
	if (strcmp(k, "note") == 0)
		return get_str(c, v, k, &ru->note);
	if (strcmp(k, "advice") == 0)
		return get_str(c, v, k, &ru->advice);
	if (strcmp(k, "tolerated_note") == 0)
		return get_str(c, v, k, &ru->tolerated_note);
	if (strcmp(k, "trust") == 0) {
		const char *s = json_string_value(v);

		if (!s || strlen(s) != 1 || !strchr("RSI", s[0]))
			return perr(c, "\"trust\" must be \"R\" (read), \"S\" (secondary) or \"I\" "
			               "(inferred)");
		ru->trust = s[0];
		return 0;
	}
	if (strcmp(k, "severity") == 0) {
		int vd;

		if ((rc = get_verdict(c, v, k, &vd)) != 0)
			return rc;
		if (vd == TA_VERDICT_PASS)
			return perr(c, "\"severity\" must be \"fail\" or \"warning\"");
		ru->severity = (enum ta_verdict)vd;
		return 0;
	}
	if (strcmp(k, "rating") == 0)
		return get_rating(c, v, ru);
	if (strcmp(k, "other") == 0)
		return get_verdict(c, v, k, &ru->other);
	if (strcmp(k, "otherwise") == 0)
		return get_verdict(c, v, k, &ru->otherwise);
	if (strcmp(k, "required") == 0)
		return get_list(c, v, k, kd->items, &ru->required);
	if (strcmp(k, "required_any") == 0)
		return get_list(c, v, k, kd->items, &ru->required_any);
	if (strcmp(k, "unless_only") == 0)
		return get_list(c, v, k, IT_SUITE, &ru->unless_only);
	if (strcmp(k, "protocols") == 0) {
		if ((rc = get_list(c, v, k, IT_VERSION, &ru->protocols)) != 0)
			return rc;
		for (size_t i = 0; i < ru->protocols.n; i++)
			ru->vmask |= 1u << ta_ver_index(ru->protocols.v[i]);
		return ru->vmask ? 0 : perr(c, "\"protocols\" is empty");
	}
	if (strcmp(k, "min_bits") == 0)
		return get_long(c, v, k, &ru->min_bits);
	if (strcmp(k, "warn_below_bits") == 0)
		return get_long(c, v, k, &ru->warn_below_bits);
	if (strcmp(k, "max_days") == 0)
		return get_long(c, v, k, &ru->max_days);
	if (strcmp(k, "warn_days") == 0)
		return get_long(c, v, k, &ru->warn_days);
	if (strcmp(k, "min_age") == 0)
		return get_long(c, v, k, &ru->min_age);
	if (strcmp(k, "expect") == 0) {
		if (!json_is_boolean(v))
			return perr(c, "\"expect\" must be true or false");
		ru->expect = json_is_true(v);
		return 0;
	}
	if (strcmp(k, "feature") == 0) {
		const char *s = json_string_value(v);

		/* The yes/no facts of model/facts.h, nothing else. */
		if (!s || !(ru->feature = ta_feature_lookup(s, &ru->fact)))
			return perr(c, "\"feature\": unknown feature \"%s\"",
			            s ? s : "(not a string)");
		return 0;
	}
	if (strcmp(k, "when") == 0) {
		const char *s = json_string_value(v);

		for (int i = 0; s && i < COND_N; i++)
			if (strcmp(s, ta_cond_names[i]) == 0) {
				ru->when = i;
				return 0;
			}
		return perr(c, "\"when\": unknown condition \"%s\"", s ? s : "(not a string)");
	}
	return perr(c, "unknown key \"%s\"", k);
}

static unsigned
key_flag(const char *k, bool *known)
{
	for (size_t i = 0; i < sizeof rule_keys / sizeof rule_keys[0]; i++)
		if (strcmp(rule_keys[i].key, k) == 0) {
			*known = true;
			return rule_keys[i].flag;
		}
	*known = false;
	return 0;
}

static int
parse_rule(struct pctx *c, struct ta_profile *p, json_t *o, struct ta_rule *ru)
{
	json_t *v;
	const char *k, *kind;
	unsigned have = 0;
	int rc;

	ru->severity = TA_VERDICT_FAIL;
	ru->other = ru->otherwise = ru->expect = -1;
	ru->when = COND_DEFAULT;
	ru->min_bits = ru->warn_below_bits = ru->max_days = ru->warn_days = ru->min_age = -1;
	if (!json_is_object(o))
		return perr(c, "every entry of \"rules\" must be an object");
	if ((rc = get_str(c, json_object_get(o, "id"), "id", &ru->id)) != 0)
		return rc;
	if (!id_ok(ru->id))
		return perr(c, "rule id \"%s\" must be 1-64 of a-z 0-9 . -", ru->id);
	for (size_t i = 0; p->rules + i < ru; i++)
		if (strcmp(p->rules[i].id, ru->id) == 0)
			return perr(c, "duplicate rule id \"%s\"", ru->id);
	c->rule = ru->id;
	kind = json_string_value(json_object_get(o, "kind"));
	if (!kind)
		return perr(c, "\"kind\" must be a string");
	if (!(ru->kind = kind_find(kind)))
		return perr(c, "unknown kind \"%s\"", kind);
	json_object_foreach (o, k, v) {
		bool known;
		unsigned f = key_flag(k, &known);

		if (!known)
			return perr(c, "unknown key \"%s\"", k);
		if (f && !(ru->kind->keys & f))
			return perr(c, "key \"%s\" does not apply to kind \"%s\"", k, kind);
		if ((rc = parse_rule_key(c, ru, k, v)) != 0)
			return rc;
		have |= f;
	}
	if (!ru->clause)
		return perr(c,
		            "\"clause\" is required (where in the document the rule comes from)");
	if (!ru->trust)
		return perr(c, "\"trust\" is required");
	/* A feature rule without "expect" asks for the good answer facts.h
	 * gives the feature, when it gives one. */
	if (ru->fact && ru->expect < 0 && ru->fact->good != TA_UNKNOWN) {
		ru->expect = ru->fact->good == TA_YES;
		have |= K_EXPECT;
	}
	if (ru->fact && ru->expect < 0)
		return perr(c,
		            "\"expect\" is required: feature \"%s\" has no good answer of its own",
		            ru->feature->name);
	if ((have & ru->kind->required) != ru->kind->required)
		return perr(c, "kind \"%s\" needs more keys (see docs/profiles.md)", kind);
	if (ru->lv[LV_TOLERATED].n && !ru->tolerated_note)
		return perr(
		        c,
		        "\"tolerated\" needs \"tolerated_note\" (why the deviation is accepted)");
	if (!ru->document && (ru->document = strdup(p->document)) == NULL)
		return TA_ENOMEM;
	if (!ru->version && (ru->version = strdup(p->version)) == NULL)
		return TA_ENOMEM;
	c->rule = NULL;
	return 0;
}

static int
parse_profile(struct pctx *c, json_t *root, struct ta_profile *p)
{
	static const char *const keys[] = {"format", "id",      "title",      "document", "version",
	                                   "url",    "ratings", "provenance", "rules"};
	const char *k, *fmt;
	json_t *v, *rules;
	int rc;

	if (!json_is_object(root))
		return perr(c, "the top level must be an object");
	json_object_foreach (root, k, v) {
		size_t i;

		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (i == sizeof keys / sizeof keys[0])
			return perr(c, "unknown key \"%s\"", k);
	}
	fmt = json_string_value(json_object_get(root, "format"));
	if (!fmt || strcmp(fmt, TA_PROFILE_FORMAT) != 0)
		return perr(c, "\"format\" must be \"%s\"", TA_PROFILE_FORMAT);
	if ((rc = get_str(c, json_object_get(root, "id"), "id", &p->id)) != 0 ||
	    (rc = get_str(c, json_object_get(root, "title"), "title", &p->title)) != 0 ||
	    (rc = get_str(c, json_object_get(root, "document"), "document", &p->document)) != 0 ||
	    (rc = get_str(c, json_object_get(root, "version"), "version", &p->version)) != 0)
		return rc;
	if (!id_ok(p->id))
		return perr(c, "profile id \"%s\" must be 1-64 of a-z 0-9 . -", p->id);
	if ((v = json_object_get(root, "url")) && (rc = get_str(c, v, "url", &p->url)) != 0)
		return rc;
	if ((v = json_object_get(root, "ratings"))) {
		if (!json_is_boolean(v))
			return perr(c, "\"ratings\" must be true or false");
		p->ratings = json_is_true(v);
	}
	if ((v = json_object_get(root, "provenance")) &&
	    (rc = get_list(c, v, "provenance", IT_FREE, &p->provenance)) != 0)
		return rc;
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules) || json_array_size(rules) == 0 ||
	    json_array_size(rules) > TA_PROFILE_MAX_RULES)
		return perr(c, "\"rules\" must be an array of 1 to %u rules", TA_PROFILE_MAX_RULES);
	p->rules = calloc(json_array_size(rules), sizeof *p->rules);
	if (!p->rules)
		return TA_ENOMEM;
	for (size_t i = 0; i < json_array_size(rules); i++) {
		p->nrules = i + 1;
		if ((rc = parse_rule(c, p, json_array_get(rules, i), &p->rules[i])) != 0)
			return rc;
	}
	return 0;
}

struct ta_profile_set *
ta_profiles_new(void)
{
	return calloc(1, sizeof(struct ta_profile_set));
}

int
ta_profiles_add_buffer(struct ta_profile_set *set, const char *name, const char *buf, size_t len,
                       char *err, size_t errlen)
{
	struct pctx c = {.file = name, .err = err, .errlen = errlen};
	struct ta_profile *p = NULL, **grown;
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	if (len > TA_PROFILE_MAX_BYTES)
		return perr(&c, "larger than %u bytes", TA_PROFILE_MAX_BYTES);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return perr(&c, "line %d: %s", jerr.line, jerr.text);
	if (!(p = calloc(1, sizeof *p))) {
		rc = TA_ENOMEM;
		goto out;
	}
	if ((rc = parse_profile(&c, root, p)) != 0)
		goto out;
	if (ta_profiles_find(set, p->id)) {
		c.rule = NULL;
		rc = perr(&c, "a profile with id \"%s\" already exists", p->id);
		goto out;
	}
	grown = realloc(set->p, (set->n + 1) * sizeof *set->p);
	if (!grown) {
		rc = TA_ENOMEM;
		goto out;
	}
	set->p = grown;
	set->p[set->n++] = p;
	p = NULL;
out:
	if (rc == TA_ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", name);
	profile_free(p);
	json_decref(root);
	return rc;
}

int
ta_profiles_add_file(struct ta_profile_set *set, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return TA_EINVAL;
	}
	buf = malloc(TA_PROFILE_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return TA_ENOMEM;
	}
	len = fread(buf, 1, TA_PROFILE_MAX_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = TA_EINVAL;
	} else {
		rc = ta_profiles_add_buffer(set, path, buf, len, err, errlen);
	}
	fclose(f);
	free(buf);
	return rc;
}

int
ta_profiles_builtin(struct ta_profile_set **out, char *err, size_t errlen)
{
	struct ta_profile_set *set = ta_profiles_new();
	int rc;

	*out = NULL;
	if (!set) {
		snprintf(err, errlen, "out of memory");
		return TA_ENOMEM;
	}
	for (const struct ta_embedded_profile *e = ta_embedded_profiles; e->name; e++) {
		char name[128];

		snprintf(name, sizeof name, "built-in profiles/%s", e->name);
		rc = ta_profiles_add_buffer(set, name, (const char *)e->data, e->len, err, errlen);
		if (rc) {
			ta_profiles_free(set);
			return rc;
		}
	}
	*out = set;
	return 0;
}

void
ta_profiles_free(struct ta_profile_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		profile_free(set->p[i]);
	free(set->p);
	free(set);
}

size_t
ta_profiles_count(const struct ta_profile_set *set)
{
	return set ? set->n : 0;
}

const struct ta_profile *
ta_profiles_get(const struct ta_profile_set *set, size_t i)
{
	return set && i < set->n ? set->p[i] : NULL;
}

const struct ta_profile *
ta_profiles_find(const struct ta_profile_set *set, const char *id)
{
	for (size_t i = 0; set && i < set->n; i++)
		if (strcmp(set->p[i]->id, id) == 0)
			return set->p[i];
	return NULL;
}

const char *
ta_profile_id(const struct ta_profile *p)
{
	return p->id;
}

const char *
ta_profile_title(const struct ta_profile *p)
{
	return p->title;
}

/* ---- text rendering ---- */
