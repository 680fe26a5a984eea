/*
 * Inside src/confgen: the configuration generator of `tlsaudit config`.
 *
 * A profile (src/profile, parsed rules) becomes a policy: the versions,
 * suites, groups, signature schemes, DH group, suite order and HSTS age
 * it asks for, and for every rule how a configuration can meet it
 * (policy.c).  The policy becomes the strings of a TLS library (OpenSSL
 * cipher string, TLS 1.3 ciphersuites, groups, sigalgs; a GnuTLS priority
 * string: strings.c), then the directives of one server software, from
 * tables of what that software and library version can express (sw_*.c);
 * what cannot be expressed is said in comments and notes.  The driver
 * (confgen.c) writes a fragment to merge, or a standalone configuration
 * in a directory with everything it needs, and the command that starts it.
 *
 * This layer reads parsed profiles (profile/rule.h) and the registries
 * (wire/registry.h); it never scans.
 */
#ifndef TA_CONFGEN_CONFGEN_H
#define TA_CONFGEN_CONFGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "profile/rule.h"
#include "tlsaudit.h"
#include "wire/registry.h"

#define CG_MAX_SUITES 128
#define CG_MAX_GROUPS 32
#define CG_MAX_SIGS   32
#define CG_MAX_RULES  TA_PROFILE_MAX_RULES
#define CG_STR        4096 /* one generated string (cipher list, priority) */
#define CG_PATH       1024

/* Protocol versions as bits of enum ta_ver_idx (ta_ver_index()). */
#define CG_V(name) (1u << ta_ver_index(name))

/* What a configuration does about one rule of the profile. */
enum cg_how {
	CG_SET,     /* directives set it */
	CG_LIBRARY, /* the library's own behaviour meets it; nothing to set */
	CG_CERT,    /* only the certificate (and its CA) can satisfy it */
	CG_OUTSIDE, /* outside the TLS configuration (DNS, the application, port 80) */
	CG_CANNOT,  /* this software or library cannot express it */
	CG_NA,      /* does not apply to this kind of server */
};

/* A library and version: OpenSSL or GnuTLS. */
enum cg_lib { CG_OPENSSL, CG_GNUTLS };

struct cg_policy {
	const struct ta_profile *p;
	unsigned versions; /* CG_V bits to enable */
	/* TLS 1.2 and below; TLS 1.3: the suites to enable, in profile order */
	const struct ta_suite *s12[CG_MAX_SUITES];
	size_t n12;
	const struct ta_suite *s13[CG_MAX_SUITES];
	size_t n13;
	bool s13_set; /* a rule names the TLS 1.3 suites */
	/* the TLS 1.3 suites a rule permits, tolerated ones too: for software
	 * that cannot turn TLS 1.3 off */
	const struct ta_suite *s13x[CG_MAX_SUITES];
	size_t n13x;
	bool v13_permitted; /* the versions rule lets TLS 1.3 pass (maybe tolerated) */
	/* groups to offer (registry entries), after the library filter */
	const struct ta_group *groups[CG_MAX_GROUPS];
	size_t ngroups;
	bool groups_set;
	const struct ta_sigscheme *sigs[CG_MAX_SIGS];
	size_t nsigs;
	const char *dh; /* DH group for DHE suites ("ffdhe2048", "rfc3526-2048"), or NULL */
	int dh_bits;
	int server_order; /* -1: no rule; 0: client's order; 1: server's */
	long hsts;        /* max-age to send, or -1 */
	bool ocsp;        /* a rule asks for OCSP stapling */
	enum cg_how how[CG_MAX_RULES];
	char why[CG_MAX_RULES][256];
};

/* A capability of a software: which version (and library version) it needs. */
enum cg_cap {
	CAP_TLS13,        /* can enable TLS 1.3 */
	CAP_TLS13_SUITES, /* can choose the TLS 1.3 suites */
	CAP_GROUPS,       /* can choose the key-exchange groups */
	CAP_SIGALGS,      /* can choose the signature schemes */
	CAP_ORDER,        /* can choose server or client suite order */
	CAP_DHPARAM,      /* can load DH parameters */
	CAP_STAPLING,     /* can staple OCSP */
	CAP_MAXVER,       /* can cap the highest version (not only the lowest) */
	CAP_N,
};

struct cg_capver {
	enum cg_cap cap;
	const char *since;     /* software version */
	const char *lib_since; /* library version it needs too (OpenSSL), or NULL */
	const char *how;       /* the directive, for notes */
	unsigned only_libs;    /* 1u << enum cg_lib it exists with; 0: any */
};

struct cg_ctx;

/* One server software: names, defaults (Debian 12's), and its emitters. */
struct cg_soft {
	const char *name;
	const char *aliases[3];       /* other names accepted (packages, binaries) */
	const char *version;          /* default: Debian 12's */
	enum cg_lib lib;              /* default library */
	const char *lib_version;      /* default library version */
	unsigned libs;                /* 1u << enum cg_lib accepted */
	bool https;                   /* an HTTPS server: HSTS applies */
	bool is_lib;                  /* the library itself: --version is its version */
	const struct cg_capver *caps; /* terminated by since == NULL */
	/* directives to merge into the TLS context */
	void (*fragment)(struct cg_ctx *c);
	/* a standalone configuration in c->dir; sets c->cmd */
	int (*standalone)(struct cg_ctx *c);
};

struct cg_ctx {
	struct cg_policy pol;
	const struct cg_soft *sw;
	unsigned long sw_ver, lib_ver; /* cg_vernum() */
	const char *sw_ver_s, *lib_ver_s;
	enum cg_lib lib;
	FILE *out;   /* the fragment, or the configuration file being written */
	FILE *notes; /* stderr */
	/* standalone */
	const char *dir; /* absolute */
	const char *host;
	unsigned port;
	char cert[CG_PATH], key[CG_PATH], dhfile[CG_PATH]; /* copies inside dir */
	char cmd[8 * CG_PATH];
	int err;
	/* OpenSSL strings (strings.c) */
	char cipherlist[CG_STR], ciphersuites[CG_STR], groupslist[CG_STR], sigalgs[CG_STR];
	/* GnuTLS priority string */
	char priority[CG_STR];
	bool can[CAP_N];     /* cg_check_caps(): use the capability */
	char notev[32][400]; /* notes, each said once */
	size_t nnotes;
	FILE *saved_out; /* c->out while a configuration file is open */
};

/* "1.22.1" as a comparable number; 0 when it is not a version. */
unsigned long cg_vernum(const char *s);

/* policy.c: the policy of profile p for library lib at version lib_ver. */
void cg_policy_build(struct cg_ctx *c, const struct ta_profile *p);
/* A suite, group or scheme of the registry by IANA name, or NULL. */
const struct ta_suite *cg_suite_by_name(const char *iana);
const struct ta_sigscheme *cg_sig_by_name(const char *iana);
/* Lowest and highest version to enable, as "TLSv1.2"; NULL when none. */
const char *cg_vmin(const struct cg_policy *pol);
const char *cg_vmax(const struct cg_policy *pol);
bool cg_has(const struct cg_policy *pol, const char *version);

/* OpenSSL's name of a group (X25519, prime256v1, secp384r1 ...). */
const char *cg_ossl_group(const struct ta_group *g);
/* strings.c: c->cipherlist, ciphersuites, groupslist, sigalgs, priority. */
void cg_strings_build(struct cg_ctx *c);

/* confgen.c: output helpers for the emitters */
/* Can this software and library version do cap?  When not, and why is
 * non-NULL, say so once (a comment in the output and a note). */
bool cg_can(struct cg_ctx *c, enum cg_cap cap);
/* A comment line ("# ..."), control characters made safe. */
void cg_comment(struct cg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A note: a comment in the output and "note: ..." on the notes stream. */
void cg_note(struct cg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Mark the rules of a kind (or a feature) as not expressible here; vbits:
 * only rules about these versions (CG_V bits), 0: all. */
void cg_cannot(struct cg_ctx *c, const char *kind, unsigned vbits, const char *why);
/* What the emitters share (sw_common.c): check the capabilities the policy
 * needs, marking what this software cannot express; the results in c->can. */
void cg_check_caps(struct cg_ctx *c);
/* The comment on making dhparam.pem by hand (fragments). */
void cg_dh_hint(struct cg_ctx *c);
/* Write a file inside c->dir (mode); the path in path (may be NULL). */
int cg_write_file(struct cg_ctx *c, const char *name, const char *text, unsigned mode, char *path,
                  size_t pathlen);
/* Write the files a and b one after the other as name inside c->dir
 * (path may be the same buffer as a). */
int cg_concat(struct cg_ctx *c, const char *name, const char *a, const char *b, unsigned mode,
              char *path, size_t pathlen);
/* Open a file inside c->dir for writing as c->out. */
int cg_open_conf(struct cg_ctx *c, const char *name, char *path, size_t pathlen);
int cg_close_conf(struct cg_ctx *c);
/* Make a directory inside c->dir. */
int cg_mkdir(struct cg_ctx *c, const char *name, char *path, size_t pathlen);
/* s quoted for a POSIX shell when it needs it. */
void cg_shell_quote(char *dst, size_t cap, const char *s);

/* The fragment of software number soft (0 .. all the software; TA_EINVAL
 * past the last) at its default version for profile p, with its other
 * library when other_lib and it has one: what the fuzz target of profile
 * files (tests/profile/fuzz_profile.c) runs on every profile it parses. */
int cg_fragment(const struct ta_profile *p, size_t soft, bool other_lib, FILE *out, FILE *notes);

/* The software table (sw_*.c) */
extern const struct cg_soft cg_soft_nginx, cg_soft_apache, cg_soft_haproxy, cg_soft_lighttpd;
extern const struct cg_soft cg_soft_stunnel, cg_soft_postfix, cg_soft_dovecot, cg_soft_exim;
extern const struct cg_soft cg_soft_postgresql, cg_soft_mariadb;
extern const struct cg_soft cg_soft_postgresql, cg_soft_mariadb;
extern const struct cg_soft cg_soft_openssl, cg_soft_gnutls;

#endif
