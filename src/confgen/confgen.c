/*
 * `tlsaudit config`: the driver (ta_servconf_generate, include/tlsaudit.h).
 * It loads the profile, builds the policy and the library strings, lets
 * the software's emitter write the directives (or a standalone
 * configuration in a directory), and says for every rule of the profile
 * how the configuration meets it: set by a directive, met by the library,
 * or left to the certificate, DNS, the application, or not expressible.
 * The rules not met by the configuration are also written to the notes
 * stream as "note: rule ID: why", one line each, which is what a user (and
 * tests/integration/test_config.py) can expect to fail in a scan.
 *
 * Text from a profile file (its title, rule ids) goes into comments with
 * control characters replaced, so it cannot end a comment line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "confgen/confgen.h"

#define CG_MAX_FILE (1u << 20) /* a certificate or key file copied */

static const struct cg_soft *const softs[] = {
        &cg_soft_nginx,      &cg_soft_apache,  &cg_soft_haproxy, &cg_soft_lighttpd,
        &cg_soft_stunnel,    &cg_soft_postfix, &cg_soft_dovecot, &cg_soft_exim,
        &cg_soft_postgresql, &cg_soft_mariadb, &cg_soft_openssl, &cg_soft_gnutls,
};

static const char *const lib_names[] = {[CG_OPENSSL] = "openssl", [CG_GNUTLS] = "gnutls"};
static const char *const lib_titles[] = {[CG_OPENSSL] = "OpenSSL", [CG_GNUTLS] = "GnuTLS"};

const char *
ta_servconf_software_names(void)
{
	static char names[512];

	if (!names[0])
		for (size_t i = 0; i < sizeof softs / sizeof softs[0]; i++) {
			if (i)
				strncat(names, ", ", sizeof names - strlen(names) - 1);
			strncat(names, softs[i]->name, sizeof names - strlen(names) - 1);
		}
	return names;
}

static void
safe_line(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
	for (char *q = dst; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
}

void
cg_comment(struct cg_ctx *c, const char *fmt, ...)
{
	char buf[1024], safe[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	safe_line(safe, sizeof safe, buf);
	fprintf(c->out, "# %s\n", safe);
}

void
cg_note(struct cg_ctx *c, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	/* said once on the notes stream, kept for the summaries */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (char *q = buf; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	for (size_t i = 0; i < c->nnotes; i++)
		if (strcmp(c->notev[i], buf) == 0)
			return;
	if (c->nnotes < sizeof c->notev / sizeof c->notev[0])
		memcpy(c->notev[c->nnotes++], buf, sizeof buf);
	if (c->notes)
		fprintf(c->notes, "note: %s\n", buf);
}

void
cg_cannot(struct cg_ctx *c, const char *kind, unsigned vbits, const char *why)
{
	const struct ta_profile *p = c->pol.p;

	for (size_t i = 0; i < p->nrules && i < CG_MAX_RULES; i++) {
		const struct ta_rule *ru = &p->rules[i];
		bool match = strcmp(ru->kind->name, kind) == 0 ||
		             (ru->feature && strcmp(ru->feature->name, kind) == 0);

		if (vbits && ru->vmask && !(ru->vmask & vbits))
			match = false;
		if (match && (c->pol.how[i] == CG_SET || c->pol.how[i] == CG_LIBRARY)) {
			c->pol.how[i] = CG_CANNOT;
			snprintf(c->pol.why[i], sizeof c->pol.why[i], "%s", why);
		}
	}
}

bool
cg_can(struct cg_ctx *c, enum cg_cap cap)
{
	for (const struct cg_capver *v = c->sw->caps; v && v->since; v++) {
		if (v->cap != cap)
			continue;
		if (c->sw_ver < cg_vernum(v->since))
			return false;
		if (v->only_libs && !(v->only_libs & (1u << c->lib)))
			return false;
		if (v->lib_since) {
			const char *colon = strchr(v->lib_since, ':');
			size_t ln = colon ? (size_t)(colon - v->lib_since) : 0;

			if (colon && strncmp(v->lib_since, lib_names[c->lib], ln) == 0 &&
			    lib_names[c->lib][ln] == '\0' && c->lib_ver < cg_vernum(colon + 1))
				return false;
		}
		return true;
	}
	return false;
}

/* The software's own capability rows, as a note when one is missing. */
static const char *
cap_how(const struct cg_ctx *c, enum cg_cap cap)
{
	for (const struct cg_capver *v = c->sw->caps; v && v->since; v++)
		if (v->cap == cap)
			return v->how;
	return NULL;
}

void
cg_shell_quote(char *dst, size_t cap, const char *s)
{
	bool plain = *s != '\0';
	size_t n = 0;

	for (const char *q = s; *q; q++)
		plain = plain && (strchr("/._-+:=,@%", *q) || (*q >= '0' && *q <= '9') ||
		                  (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'));
	if (plain) {
		snprintf(dst, cap, "%s", s);
		return;
	}
	if (cap < 3) {
		if (cap)
			dst[0] = '\0';
		return;
	}
	dst[n++] = '\'';
	for (const char *q = s; *q && n + 5 < cap; q++) {
		if (*q == '\'') {
			memcpy(dst + n, "'\\''", 4);
			n += 4;
		} else {
			dst[n++] = *q;
		}
	}
	dst[n++] = '\'';
	dst[n] = '\0';
}

static int
path_in(struct cg_ctx *c, const char *name, char *path, size_t len)
{
	if ((size_t)snprintf(path, len, "%s/%s", c->dir, name) >= len)
		return TA_ENOSPC;
	return TA_OK;
}

/* A new file of this mode (never wider while it is written: keys). */
static FILE *
create_file(const char *path, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fchmod(fd, (mode_t)mode) != 0 || !(f = fdopen(fd, "w"))) {
		close(fd);
		return NULL;
	}
	return f;
}

int
cg_concat(struct cg_ctx *c, const char *name, const char *a, const char *b, unsigned mode,
          char *path, size_t pathlen)
{
	char p[CG_PATH], src[2][CG_PATH];
	FILE *out;
	int rc = TA_OK;

	TA_TRY(path_in(c, name, p, sizeof p));
	snprintf(src[0], sizeof src[0], "%s", a);
	snprintf(src[1], sizeof src[1], "%s", b);
	out = create_file(p, mode);
	if (!out)
		return TA_ESYS;
	for (int i = 0; i < 2 && rc == TA_OK; i++) {
		char buf[4096];
		size_t n;
		FILE *in = fopen(src[i], "rb");

		if (!in) {
			rc = TA_ESYS;
			break;
		}
		while ((n = fread(buf, 1, sizeof buf, in)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				rc = TA_ESYS;
		fclose(in);
	}
	if (fclose(out) != 0)
		rc = TA_ESYS;
	if (rc == TA_OK && path)
		snprintf(path, pathlen, "%s", p);
	return rc;
}

int
cg_mkdir(struct cg_ctx *c, const char *name, char *path, size_t pathlen)
{
	char p[CG_PATH];

	TA_TRY(path_in(c, name, p, sizeof p));
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return TA_ESYS;
	if (path)
		snprintf(path, pathlen, "%s", p);
	return TA_OK;
}

int
cg_write_file(struct cg_ctx *c, const char *name, const char *text, unsigned mode, char *path,
              size_t pathlen)
{
	char p[CG_PATH];
	FILE *f;
	int rc = TA_OK;

	TA_TRY(path_in(c, name, p, sizeof p));
	f = create_file(p, mode);
	if (!f)
		return TA_ESYS;
	if (fputs(text, f) == EOF)
		rc = TA_ESYS;
	if (fclose(f) != 0)
		rc = TA_ESYS;
	if (path)
		snprintf(path, pathlen, "%s", p);
	return rc;
}

int
cg_open_conf(struct cg_ctx *c, const char *name, char *path, size_t pathlen)
{
	char p[CG_PATH];
	FILE *f;

	TA_TRY(path_in(c, name, p, sizeof p));
	f = fopen(p, "w");
	if (!f)
		return TA_ESYS;
	c->saved_out = c->out;
	c->out = f;
	if (path)
		snprintf(path, pathlen, "%s", p);
	return TA_OK;
}

static void summary(struct cg_ctx *c);

int
cg_close_conf(struct cg_ctx *c)
{
	int rc;

	summary(c);
	rc = ferror(c->out) ? TA_ESYS : TA_OK;
	if (fclose(c->out) != 0)
		rc = TA_ESYS;
	c->out = c->saved_out;
	return rc;
}

/* Copy a user's file into the directory (certificate, key). */
static int
copy_in(struct cg_ctx *c, const char *from, const char *name, unsigned mode, char *path,
        size_t pathlen, char *err, size_t errlen)
{
	FILE *f = fopen(from, "rb");
	char *buf;
	size_t n;
	int rc;

	if (!f) {
		snprintf(err, errlen, "cannot read %.200s: %s", from, strerror(errno));
		return TA_EINVAL;
	}
	buf = malloc(CG_MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return TA_ENOMEM;
	}
	n = fread(buf, 1, CG_MAX_FILE + 1, f);
	fclose(f);
	if (n > CG_MAX_FILE || memchr(buf, '\0', n)) {
		snprintf(err, errlen, "%.200s: not a PEM file of at most 1 MiB", from);
		free(buf);
		return TA_EINVAL;
	}
	buf[n] = '\0';
	rc = cg_write_file(c, name, buf, mode, path, pathlen);
	free(buf);
	if (rc != TA_OK)
		snprintf(err, errlen, "cannot write %s in %.200s", name, c->dir);
	return rc;
}

/* DH parameters of a standard group, written by OpenSSL as PKCS#3 PEM. */
static int
write_dh(struct cg_ctx *c, char *err, size_t errlen)
{
	char group[32];
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	OSSL_PARAM params[2];
	int rc = TA_EINTERNAL;

	if (strncmp(c->pol.dh, "rfc3526-", 8) == 0)
		snprintf(group, sizeof group, "modp_%s", c->pol.dh + 8);
	else
		snprintf(group, sizeof group, "%s", c->pol.dh);
	TA_TRY(path_in(c, "dhparam.pem", c->dhfile, sizeof c->dhfile));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_end();
	pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	if (!pc || EVP_PKEY_paramgen_init(pc) <= 0 || EVP_PKEY_CTX_set_params(pc, params) <= 0 ||
	    EVP_PKEY_paramgen(pc, &pk) <= 0)
		goto out;
	b = BIO_new_file(c->dhfile, "w");
	if (!b || PEM_write_bio_Parameters(b, pk) <= 0)
		goto out;
	rc = TA_OK;
out:
	if (rc != TA_OK)
		snprintf(err, errlen, "cannot write the %s DH parameters to %.200s", group,
		         c->dhfile);
	BIO_free(b);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(pc);
	return rc;
}

static const char *const how_words[] = {
        [CG_SET] = "set here",           [CG_LIBRARY] = "met by the TLS library",
        [CG_CERT] = "the certificate",   [CG_OUTSIDE] = "outside this configuration",
        [CG_CANNOT] = "not expressible", [CG_NA] = "not applicable",
};

static void
header(struct cg_ctx *c)
{
	const struct ta_profile *p = c->pol.p;

	cg_comment(c, "tlsaudit %s config: profile %s (%s)", TA_VERSION_STRING, p->id, p->title);
	if (!c->sw->is_lib)
		cg_comment(c, "for %s %s with %s %s; generated from the profile's rules",
		           c->sw->name, c->sw_ver_s, lib_titles[c->lib], c->lib_ver_s);
	else
		cg_comment(c, "for %s %s; generated from the profile's rules", lib_titles[c->lib],
		           c->lib_ver_s);
}

static void
summary(struct cg_ctx *c)
{
	const struct ta_profile *p = c->pol.p;

	cg_comment(c, "rules of %s:", p->id);
	for (size_t i = 0; i < p->nrules && i < CG_MAX_RULES; i++) {
		enum cg_how h = c->pol.how[i];

		if (h == CG_SET || h == CG_LIBRARY || h == CG_NA)
			cg_comment(c, "  %s: %s", p->rules[i].id, how_words[h]);
		else
			cg_comment(c, "  %s: %s: %s", p->rules[i].id, how_words[h], c->pol.why[i]);
	}
	for (size_t i = 0; i < c->nnotes; i++)
		cg_comment(c, "note: %s", c->notev[i]);
}

/* The rules the configuration does not meet by itself, one line each. */
static void
rule_notes(struct cg_ctx *c)
{
	const struct ta_profile *p = c->pol.p;
	char id[128];

	for (size_t i = 0; c->notes && i < p->nrules && i < CG_MAX_RULES; i++) {
		enum cg_how h = c->pol.how[i];

		if (h == CG_SET || h == CG_LIBRARY || h == CG_NA)
			continue;
		safe_line(id, sizeof id, p->rules[i].id);
		fprintf(c->notes, "note: rule %s: %s: %s\n", id, how_words[h], c->pol.why[i]);
	}
}

static bool
name_is(const char *known, const char *name, size_t len)
{
	return known && strlen(known) == len && strncasecmp(known, name, len) == 0;
}

/* The software called name[0..len) or one of its aliases, any case. */
static const struct cg_soft *
find_soft_n(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof softs / sizeof softs[0]; i++) {
		if (name_is(softs[i]->name, name, len))
			return softs[i];
		for (size_t a = 0; a < sizeof softs[i]->aliases / sizeof softs[i]->aliases[0]; a++)
			if (name_is(softs[i]->aliases[a], name, len))
				return softs[i];
	}
	return NULL;
}

static const struct cg_soft *
find_soft(const char *name)
{
	return find_soft_n(name, strlen(name));
}

const char *
ta_servconf_software_find(const char *name, size_t len)
{
	const struct cg_soft *sw = find_soft_n(name, len);

	return sw ? sw->name : NULL;
}

static int
parse_listen(struct cg_ctx *c, const char *listen, char *host, size_t hostlen)
{
	const char *colon = strrchr(listen, ':');
	unsigned long port;
	char *end;
	size_t n;

	if (!colon || colon == listen)
		return TA_EINVAL;
	n = (size_t)(colon - listen);
	if (listen[0] == '[' && colon[-1] == ']') {
		listen++;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return TA_EINVAL;
	memcpy(host, listen, n);
	host[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF.:", host[i]) &&
		    !(host[i] >= 'a' && host[i] <= 'z') && !(host[i] >= 'A' && host[i] <= 'Z') &&
		    host[i] != '-')
			return TA_EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || port == 0 || port > 65535)
		return TA_EINVAL;
	c->port = (unsigned)port;
	return TA_OK;
}

/* TLS 1.3 needs OpenSSL 1.1.1 or GnuTLS 3.6.5, and a software that can
 * enable it: otherwise it is left out, and a profile requiring it fails. */
static void
tls13_possible(struct cg_ctx *c)
{
	const struct ta_profile *p = c->pol.p;
	bool lib_ok = c->lib_ver >= cg_vernum(c->lib == CG_OPENSSL ? "1.1.1" : "3.6.5");
	const char *how = cap_how(c, CAP_TLS13);

	if (!cg_has(&c->pol, "TLSv1.3") || (lib_ok && cg_can(c, CAP_TLS13)))
		return;
	c->pol.versions &= ~CG_V("TLSv1.3");
	c->pol.n13 = 0;
	cg_note(c, "TLS 1.3 left out: %s",
	        !lib_ok ? "the TLS library is too old for it"
	        : how   ? how
	                : "this software cannot enable it");
	for (size_t i = 0; i < p->nrules && i < CG_MAX_RULES; i++) {
		const struct ta_rule *ru = &p->rules[i];
		bool needs = c->pol.versions == 0;

		if (strcmp(ru->kind->name, "versions") != 0)
			continue;
		for (size_t k = 0; k < ru->required.n; k++)
			needs = needs || strcmp(ru->required.v[k], "TLSv1.3") == 0;
		if (needs) {
			c->pol.how[i] = CG_CANNOT;
			snprintf(c->pol.why[i], sizeof c->pol.why[i],
			         "the profile needs TLS 1.3, which %s %s with %s %s cannot offer",
			         c->sw->name, c->sw_ver_s, lib_titles[c->lib], c->lib_ver_s);
		}
	}
}

int
cg_fragment(const struct ta_profile *p, size_t soft, bool other_lib, FILE *out, FILE *notes)
{
	struct cg_ctx *c;
	int rc;

	if (soft >= sizeof softs / sizeof softs[0])
		return TA_EINVAL;
	c = calloc(1, sizeof *c);
	if (!c)
		return TA_ENOMEM;
	c->sw = softs[soft];
	c->sw_ver_s = c->sw->version;
	c->sw_ver = cg_vernum(c->sw_ver_s);
	c->lib = c->sw->lib;
	if (other_lib && (c->sw->libs & (1u << (c->lib == CG_OPENSSL ? CG_GNUTLS : CG_OPENSSL))))
		c->lib = c->lib == CG_OPENSSL ? CG_GNUTLS : CG_OPENSSL;
	c->lib_ver_s = c->lib == c->sw->lib   ? c->sw->lib_version
	               : c->lib == CG_OPENSSL ? "3.0.19"
	                                      : "3.7.9";
	c->lib_ver = cg_vernum(c->lib_ver_s);
	c->out = out;
	c->notes = notes;
	cg_policy_build(c, p);
	tls13_possible(c);
	cg_check_caps(c);
	cg_strings_build(c);
	header(c);
	c->sw->fragment(c);
	summary(c);
	rule_notes(c);
	rc = ferror(out) ? TA_ESYS : TA_OK;
	free(c);
	return rc;
}

int
ta_servconf_generate(const struct ta_servconf *req, FILE *out, FILE *notes, char *err,
                     size_t errlen)
{
	struct ta_profile_set *set = NULL;
	const struct ta_profile *p;
	struct cg_ctx *c;
	char host[256], dir[PATH_MAX];
	int rc;

	c = calloc(1, sizeof *c);
	if (!c)
		return TA_ENOMEM;
	rc = TA_EINVAL;
	c->sw = req->software ? find_soft(req->software) : NULL;
	if (!c->sw) {
		snprintf(err, errlen, "unknown software '%.64s' (one of: %s)",
		         req->software ? req->software : "", ta_servconf_software_names());
		goto out;
	}
	c->sw_ver_s = req->version ? req->version : c->sw->version;
	c->sw_ver = cg_vernum(c->sw_ver_s);
	if (!c->sw_ver) {
		snprintf(err, errlen, "--version: '%.64s' is not a version (like 1.22.1)",
		         c->sw_ver_s);
		goto out;
	}
	c->lib = c->sw->lib;
	c->lib_ver_s = c->sw->is_lib ? c->sw_ver_s : c->sw->lib_version;
	if (req->tls_library) {
		const char *colon = strchr(req->tls_library, ':');
		size_t ln = colon ? (size_t)(colon - req->tls_library) : strlen(req->tls_library);
		bool found = false;

		for (int l = CG_OPENSSL; l <= CG_GNUTLS; l++)
			if (strlen(lib_names[l]) == ln &&
			    strncmp(lib_names[l], req->tls_library, ln) == 0) {
				c->lib = (enum cg_lib)l;
				found = true;
			}
		if (!found || !(c->sw->libs & (1u << c->lib)) || !colon || !cg_vernum(colon + 1)) {
			snprintf(err, errlen,
			         "--tls-library: '%.64s' is not a library %s is built with, as "
			         "LIBRARY:VERSION (like %s:%s)",
			         req->tls_library, c->sw->name, lib_names[c->sw->lib],
			         c->sw->lib_version);
			goto out;
		}
		c->lib_ver_s = colon + 1;
	}
	c->lib_ver = cg_vernum(c->lib_ver_s);
	if (!!req->cert + !!req->key + !!req->listen + !!req->out_dir != 0 &&
	    !(req->cert && req->key && req->listen && req->out_dir)) {
		snprintf(err, errlen, "--cert, --key, --listen and --out-dir go together");
		goto out;
	}
	if (req->out_dir && !c->sw->standalone) {
		snprintf(err, errlen, "%s is a string, not a server: no standalone configuration",
		         c->sw->name);
		goto out;
	}
	if (req->listen && parse_listen(c, req->listen, host, sizeof host) != TA_OK) {
		snprintf(err, errlen, "--listen: '%.64s' is not ADDR:PORT", req->listen);
		goto out;
	}
	rc = ta_profiles_builtin(&set, err, errlen);
	for (size_t i = 0; rc == TA_OK && i < req->nprofile_files; i++)
		rc = ta_profiles_add_file(set, req->profile_files[i], err, errlen);
	if (rc != TA_OK)
		goto out;
	p = req->profile ? ta_profiles_find(set, req->profile) : NULL;
	if (!p) {
		snprintf(err, errlen, "no profile '%.64s' (see tlsaudit profiles)",
		         req->profile ? req->profile : "");
		rc = TA_EINVAL;
		goto out;
	}
	c->out = out;
	c->notes = notes;
	cg_policy_build(c, p);
	tls13_possible(c);
	if (c->pol.versions == 0)
		cg_note(c, "no protocol version of the profile can be enabled here");
	cg_check_caps(c);
	cg_strings_build(c);
	if (!req->out_dir) {
		header(c);
		c->sw->fragment(c);
		summary(c);
		rule_notes(c);
		rc = ferror(out) ? TA_ESYS : TA_OK;
		goto out;
	}
	/* standalone: everything inside the directory, whose paths go into
	 * configurations and scripts between quotes */
	if (strpbrk(req->out_dir, "'\"\\$`\n\r\t ")) {
		snprintf(err, errlen, "--out-dir: a directory name without quotes, spaces or $");
		rc = TA_EINVAL;
		goto out;
	}
	if (mkdir(req->out_dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %.200s: %s", req->out_dir, strerror(errno));
		rc = TA_EINVAL;
		goto out;
	}
	if (!realpath(req->out_dir, dir)) {
		snprintf(err, errlen, "%.200s: %s", req->out_dir, strerror(errno));
		rc = TA_EINVAL;
		goto out;
	}
	if (strpbrk(dir, "'\"\\$`\n\r\t ")) {
		snprintf(err, errlen, "%.200s: a directory name without quotes, spaces or $", dir);
		rc = TA_EINVAL;
		goto out;
	}
	c->dir = dir;
	c->host = host;
	chmod(dir, 0755);
	rc = copy_in(c, req->cert, "cert.pem", 0644, c->cert, sizeof c->cert, err, errlen);
	if (rc == TA_OK)
		rc = copy_in(c, req->key, "key.pem", 0600, c->key, sizeof c->key, err, errlen);
	if (rc == TA_OK && c->pol.dh)
		rc = write_dh(c, err, errlen);
	if (rc != TA_OK)
		goto out;
	rc = c->sw->standalone(c);
	if (rc != TA_OK) {
		snprintf(err, errlen, "cannot write the configuration in %.200s", dir);
		goto out;
	}
	header(c);
	summary(c);
	rule_notes(c);
	fprintf(out, "%s\n", c->cmd);
	rc = ferror(out) ? TA_ESYS : TA_OK;
out:
	ta_profiles_free(set);
	free(c);
	return rc;
}
