/*
 * tlsaudit public API.
 *
 * A scan holds targets (host, port, address); ta_scan_run() probes them all
 * from one event loop and keeps a plain result per target, which the report
 * writers turn into text or JSON.  The library never prints on its own and
 * never exits; every fallible call returns 0 or a TA_E* code.
 */
#ifndef TLSAUDIT_H
#define TLSAUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TA_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define TA_MUST_CHECK __attribute__((warn_unused_result))
#else
#define TA_MUST_CHECK
#endif

enum ta_err {
	TA_OK = 0,
	TA_EDECODE, /* malformed bytes from a peer */
	TA_ENOSPC,  /* a capped buffer is full */
	TA_EINVAL,  /* bad argument from the caller or user */
	TA_ENOMEM,
	TA_ETIMEOUT,
	TA_ECONNECT, /* TCP connection refused or unreachable */
	TA_ECLOSED,  /* peer closed or reset the connection */
	TA_ERESOLVE, /* name resolution failed */
	TA_EPROTO,   /* peer violated the protocol */
	TA_ESYS,     /* an OS call failed */
	TA_EINTERNAL,
	TA_EINTR, /* stopped by SIGINT or SIGTERM (ta_scan_catch_signals) */
};

/* Tri-state for facts that can be unknown. */
enum ta_tri { TA_UNKNOWN = -1, TA_NO = 0, TA_YES = 1 };

/* Human-readable text for a TA_E* code; never NULL. */
const char *ta_strerror(int err);

enum ta_family { TA_FAMILY_ANY = 0, TA_FAMILY_V4 = 4, TA_FAMILY_V6 = 6 };

struct ta_config {
	unsigned connect_timeout_ms; /* per TCP connect; default 5000 */
	unsigned read_timeout_ms;    /* per wait for server bytes; default 5000 */
	unsigned retries;            /* retries of a failed connection; default 1 */
	unsigned max_conns_per_host; /* default 4 */
	unsigned max_conns_total;    /* default 256 */
	int family;                  /* enum ta_family */
	const char *sni;             /* override; NULL: the host name when not an IP */
	int no_features;             /* skip certificates and handshake features */
	const char *ca_file;         /* trust anchors (PEM); NULL: the system store */
	const char *profile;         /* profile detailed in text output (default
					 * "hkcert-intermediate") */
	int exhaustive;              /* try every suite even for versions the server
					 * evidently refuses (see docs/probing.md) */
	const char *resolver;        /* DNS servers "IP[:PORT],..." (c-ares); NULL:
					 * /etc/hosts, then /etc/resolv.conf */
	unsigned http_port;          /* plain-HTTP port for the redirect check (0: 80) */
	int no_http;                 /* skip the HTTP checks of HTTPS targets */
	int no_dns;                  /* skip the CAA lookups */
	int no_vuln;                 /* skip the active vulnerability probes */
	unsigned rate;               /* new connections per second across the scan
					 * (--rate); 0: no limit */
	const char *starttls;        /* STARTTLS dialogue for every target without
					 * its own "/proto": "smtp", "imap" ... or "tls"
					 * for implicit TLS; NULL: by well-known port */
	unsigned shard, nshards;     /* --shard K/N: only the targets of shard K
					 * (0 <= K < N, ta_shard_of); N 0: all */
};

/* The shard (0..n-1) of an endpoint: the first 8 bytes of the SHA-256 of
 * "host|port|proto" (host in lower case, proto "" when none), big-endian,
 * modulo n; its place in a list plays no part (docs/shards.md). */
unsigned ta_shard_of(const char *host, unsigned port, const char *proto, unsigned n);

/* Is name a STARTTLS protocol (or "tls") that targets and --starttls take? */
int ta_starttls_known(const char *name);
/* The accepted names, comma-separated, for messages. */
const char *ta_starttls_names(void);

/* s escaped for a terminal into dst (cap bytes, always terminated): control
 * bytes, bidi controls and invalid UTF-8 as escapes, non-ASCII too unless
 * the locale is UTF-8 (docs/cli.md "Escaping of server text"). */
void ta_text_for_terminal(char *dst, size_t cap, const char *s);

/* Fill *cfg with the defaults above. */
void ta_config_default(struct ta_config *cfg);

struct ta_scan;

/* New scan with a copy of *cfg (NULL: defaults). NULL on allocation failure. */
struct ta_scan *ta_scan_new(const struct ta_config *cfg);

/* NULL when the trust store loaded; else why not (certificates are then
 * analysed without a trust verdict). */
const char *ta_scan_trust_error(const struct ta_scan *scan);
void ta_scan_free(struct ta_scan *scan);

/*
 * Add "HOST", "HOST:PORT", "[V6ADDR]:PORT" or "V6ADDR", each optionally
 * followed by "/PROTO" (a STARTTLS protocol, or "tls"; without a port, a
 * STARTTLS protocol's usual port is used).  Returns TA_EINVAL,
 * with a one-line reason in err, when the text is not a valid target.  A name
 * that does not resolve is still added, as a target whose status is error, so
 * that one bad name costs nothing else.  A name with several addresses becomes
 * one target per address.
 */
int ta_scan_add_target(struct ta_scan *scan, const char *spec, uint16_t default_port, char *err,
                       size_t errlen) TA_MUST_CHECK;

/*
 * Add a mail domain (tlsaudit mail): its MX hosts are looked up when the
 * scan runs and scanned on port 25 with STARTTLS on every address; MTA-STS,
 * TLS-RPT and DANE are checked.  TA_EINVAL with a one-line reason in err
 * when domain is not a domain name.
 */
int ta_scan_add_mail_domain(struct ta_scan *scan, const char *domain, char *err,
                            size_t errlen) TA_MUST_CHECK;

/* One line of a target file, len bytes that may hold NULs (as getline()
 * read it, newline included).  On TA_OK, *spec points into line at the
 * target text (blanks around it and a '#' comment cut off; line is
 * modified), or is NULL for a blank or comment line.  TA_EINVAL with a
 * one-line reason in err for a line with a NUL byte or over
 * TA_TARGET_LINE_MAX bytes. */
#define TA_TARGET_LINE_MAX 1024
int ta_target_line(char *line, size_t len, char **spec, char *err, size_t errlen) TA_MUST_CHECK;

/* Check a --resolver value; TA_EINVAL with a one-line reason in err. */
int ta_resolver_check(const char *spec, char *err, size_t errlen) TA_MUST_CHECK;

/*
 * Keep the scan in a store (an SQLite file at path, created when missing;
 * docs/store.md): the run is recorded now, each target's document is
 * committed as it finishes.  label: --run-label ("" none); options: the
 * command line, as JSON text (kept with the run); identity: the
 * targets and the options that change results, which a resumed run must
 * match.  resume: take up the last unfinished run of the store instead of
 * starting one; its targets already stored are not scanned again, and
 * the reports (set after this call) hold the whole run, with its report
 * time.  TA_EINVAL with a one-line reason in err (not a store, no run to
 * resume, another identity).  A store that fails later does not stop the
 * scan: ta_scan_store_error says why at the end.
 */
int ta_scan_store(struct ta_scan *scan, const char *path, const char *label, const char *options,
                  const char *identity, int resume, char *err, size_t errlen) TA_MUST_CHECK;
/* The run the scan is kept in, 0 when none. */
long long ta_scan_run_id(const struct ta_scan *scan);
/* The first failure of the store during the run, or NULL. */
const char *ta_scan_store_error(const struct ta_scan *scan);

/* Where a scan is: reported twice a second while it runs and once at its
 * end (final 1).  targets counts the targets after names were resolved. */
struct ta_progress {
	size_t targets, done, failed;
	unsigned long long connections;
	double elapsed_s;
	int final;
};
void ta_scan_on_progress(struct ta_scan *scan, void (*fn)(void *arg, const struct ta_progress *p),
                         void *arg);

/*
 * The inventory (docs/inventory.md).  Import: read each file (our CSV,
 * a target list or nmap XML, found from the content) into endpoint rows,
 * writing one "FILE:LINE: problem" line per bad row to msgs (the other
 * rows still count), and, with a store (db), keep them there: each row
 * replaces the row of its endpoint, and with replace every other row goes.
 * *rows: rows read; *bad: rows refused.  db NULL only checks the files.
 * Export: the store's inventory as our CSV (a UTF-8 BOM for spreadsheets
 * with bom), each row followed by what the last scan of its endpoint saw.
 */
int ta_inventory_import(const char *db, const char *const *files, size_t nfiles, int replace,
                        FILE *msgs, size_t *rows, size_t *bad, char *err,
                        size_t errlen) TA_MUST_CHECK;
/* Each endpoint of the store's inventory as a target ("HOST:PORT/PROTO"),
 * in the order imported; TA_EINVAL when the store has none. */
int ta_inventory_targets(const char *db, void (*fn)(void *arg, const char *spec), void *arg,
                         char *err, size_t errlen) TA_MUST_CHECK;
int ta_inventory_export(const char *db, FILE *out, int bom, char *err, size_t errlen) TA_MUST_CHECK;

/* From now on, SIGINT and SIGTERM stop the scan cleanly: the targets that
 * finished are reported (and stored), those in flight are not, and
 * ta_scan_run returns TA_EINTR.  TA_ESYS when the handlers cannot be set. */
int ta_scan_catch_signals(struct ta_scan *scan) TA_MUST_CHECK;
/* Was the scan stopped by a signal? */
int ta_scan_interrupted(const struct ta_scan *scan);

/* Resolve names (one event loop, c-ares), then probe every target, with
 * the CAA lookup of each host name and the HTTP checks of each HTTPS
 * target alongside.  Returns 0 when the loop ran; per-target failures are
 * recorded in the results, not returned. */
int ta_scan_run(struct ta_scan *scan) TA_MUST_CHECK;

size_t ta_scan_target_count(const struct ta_scan *scan);
/* Number of targets whose status is error. */
size_t ta_scan_error_count(const struct ta_scan *scan);

/*
 * Profiles: every built-in profile (HKCERT, NCSC, Mozilla, NCSC-NL, BSI,
 * NIST) is evaluated for every target in the reports.  Add a user profile
 * file (one-line error in err naming the file and problem).
 */
int ta_scan_add_profile_file(struct ta_scan *scan, const char *path, char *err,
                             size_t errlen) TA_MUST_CHECK;

/* Is there a profile with this id? */
int ta_scan_has_profile(const struct ta_scan *scan, const char *id);

/* Number of targets that do not comply with profile id (errors count as not
 * complying); -1 when there is no such profile. */
long ta_scan_noncompliant(const struct ta_scan *scan, const char *id);

/* --require: profile id becomes a test case of every target in the JUnit
 * reports (TA_FORMAT_JUNIT) of the scan; call before ta_scan_output, once
 * per profile.  Without any, each target's test case is its target profile
 * (its document's "target_profile", else the --profile of ta_config).
 * TA_EINVAL for an id ta_scan_has_profile does not know or more than
 * TA_REQUIRE_MAX ids. */
#define TA_REQUIRE_MAX 32
int ta_scan_require(struct ta_scan *scan, const char *id) TA_MUST_CHECK;

/* `tlsaudit profiles`: one line per profile; `profiles show ID`: the rules.
 * Return TA_EINVAL for an unknown id. */
int ta_profiles_list(FILE *out, const char *const *files, size_t nfiles, char *err,
                     size_t errlen) TA_MUST_CHECK;
int ta_profiles_show(FILE *out, const char *id, const char *const *files, size_t nfiles, char *err,
                     size_t errlen) TA_MUST_CHECK;

/* JUNIT: JUnit XML for CI systems, a test case per target and required
 * profile (docs/cli.md "JUnit"). */
/*
 * `tlsaudit config`: the configuration that makes a server software comply
 * with a profile, generated from the profile's rules (docs/config.md).
 * Without out_dir, the directives to merge into the software's TLS
 * context are written to out; with cert, key, listen ("ADDR:PORT") and
 * out_dir (all four or none), a standalone configuration serving that
 * certificate on that address is written in out_dir (created when
 * missing), and out gets a summary (comments) and, as its last line, the
 * command that starts the server in the foreground.  Every rule the
 * configuration does not meet by itself is written to notes as
 * "note: rule ID: why" (and other notes as "note: ..."), one line each.
 * version: the software's version (NULL: Debian 12's); tls_library:
 * "openssl:3.0" or "gnutls:3.7.9" (NULL: the software's usual one).
 * Returns 0, or TA_EINVAL (unknown software, profile, a bad option: a
 * one-line message in err) or another TA_E* code.
 */
struct ta_servconf {
	const char *software;
	const char *version;
	const char *tls_library;
	const char *profile;
	const char *const *profile_files;
	size_t nprofile_files;
	const char *cert, *key, *listen, *out_dir;
};
int ta_servconf_generate(const struct ta_servconf *req, FILE *out, FILE *notes, char *err,
                         size_t errlen) TA_MUST_CHECK;
/* The software names --software takes, comma-separated. */
const char *ta_servconf_software_names(void);
/* The name `config` knows the software called name[0..len) by, in any case
 * and by its aliases too (apache2 and httpd are apache, exim4 is exim,
 * postgres postgresql, mysql mariadb, stunnel4 stunnel); NULL when unknown. */
const char *ta_servconf_software_find(const char *name, size_t len);

enum ta_format { TA_FORMAT_TEXT, TA_FORMAT_JSON, TA_FORMAT_CSV, TA_FORMAT_HTML, TA_FORMAT_JUNIT };

/* Write the report while the scan runs (call before ta_scan_run): each
 * target is written once it and the targets before it are done, and then
 * freed, so memory follows the targets in flight (docs/cli.md describes
 * each format).  color: use ANSI colours (text only).  Called again, it
 * writes the same report to one more stream too (--save: the JSON beside
 * a text report), up to four. */
int ta_scan_output(struct ta_scan *scan, enum ta_format fmt, FILE *out, int color) TA_MUST_CHECK;

/* `tlsaudit clients`: the built-in client database (profile NULL), or the
 * simulation of every client against a server configured exactly to
 * profile (docs/clients.md); files: more profiles.  fmt: text or json.
 * TA_EINVAL with a reason in err for an unknown profile or format. */
int ta_clients_print(FILE *out, const char *profile, const char *const *files, size_t nfiles,
                     enum ta_format fmt, char *err, size_t errlen) TA_MUST_CHECK;
/* The first error writing that report (TA_OK when none). */
int ta_scan_output_error(const struct ta_scan *scan);

/* `tlsaudit report`: render the JSON report in the file at path (what
 * `--format json` wrote) again in fmt, without scanning; certificate dates
 * are judged against now (TLSAUDIT_NOW when set).  require, nrequire: the
 * profiles a JUnit report makes test cases of (as ta_scan_require; ids a
 * target's document lacks are test cases in error); none: each target's
 * target profile, else focus_profile.  TA_EINVAL with a one-line reason
 * ("FILE: line N: problem") in err when the file is not such a report;
 * TA_ESYS when writing fails. */
int ta_report_file(const char *path, enum ta_format fmt, FILE *out, int color,
                   const char *focus_profile, const char *const *require, size_t nrequire,
                   char *err, size_t errlen) TA_MUST_CHECK;

/*
 * What a store (an SQLite file that tlsaudit scan --db wrote) holds, read
 * back; each TA_EINVAL with a one-line reason in err (no such file, not a
 * store, no such run).  run 0 is the last run.
 *   runs:    every run (id, status, times, targets, errors, label); text or json.
 *   export:  a run rendered exactly as its scan rendered it (its own report
 *            time); any format; require, nrequire as for ta_report_file.
 *   history: one endpoint (host, or the key host|port|proto|ip) in every
 *            run that has it, oldest first; text or json (whole documents).
 *   certs:   the certificates of a run expiring within days (days < 0: all),
 *            soonest first; text, json or csv.
 */
int ta_db_print_runs(const char *path, enum ta_format fmt, FILE *out, char *err,
                     size_t errlen) TA_MUST_CHECK;
int ta_db_export(const char *path, long long run, enum ta_format fmt, FILE *out, int color,
                 const char *focus, const char *const *require, size_t nrequire, char *err,
                 size_t errlen) TA_MUST_CHECK;
/* `tlsaudit report --db`: export's rendering, and an HTML page gets the
 * run's upgrade plan (ta_plan, docs/plan.md) as its Plan section. */
int ta_db_report(const char *path, long long run, enum ta_format fmt, FILE *out, int color,
                 const char *focus, const char *const *require, size_t nrequire, char *err,
                 size_t errlen) TA_MUST_CHECK;
int ta_db_print_history(const char *path, const char *match, enum ta_format fmt, FILE *out,
                        char *err, size_t errlen) TA_MUST_CHECK;
int ta_db_print_certs(const char *path, long long run, int days, enum ta_format fmt, FILE *out,
                      char *err, size_t errlen) TA_MUST_CHECK;

/* `tlsaudit diff A.json B.json`: what changed on each endpoint between two
 * JSON reports (docs/diff.md), written as text (TA_FORMAT_TEXT) or JSON
 * (TA_FORMAT_JSON, docs/schema/diff.schema.json).  *changed (may be NULL)
 * gets the number of endpoints that changed.  TA_EINVAL with a one-line
 * reason in err ("FILE: line N: problem"; "diff: text or json" for another
 * format); TA_ENOMEM; TA_ESYS when writing fails. */
int ta_diff_files(const char *path_a, const char *path_b, enum ta_format fmt, FILE *out, int color,
                  size_t *changed, char *err, size_t errlen) TA_MUST_CHECK;
/*
 * `tlsaudit plan` (docs/plan.md): the upgrade plan of a run: for every
 * endpoint its target profile, its gaps, a priority, the fix, the
 * contingency when it cannot be upgraded, and what changed since the
 * previous run.  From a store (db; run 0: its last, compared with the run
 * before) or a JSON report (report, compared with previous when given; db
 * then only lends its inventory), with the store's inventory and the
 * inventory files given.  Bad inventory rows are passed to warn, one line
 * each, and left out.  Text, JSON or CSV.
 */
struct ta_plan_opts {
	const char *db;
	long long run;
	const char *report, *previous;
	const char *const *inventory;
	size_t ninventory;
	unsigned history; /* runs in the progress, newest last (0: 12) */
	void (*warn)(void *arg, const char *line);
	void *warn_arg;
};
int ta_plan(const struct ta_plan_opts *o, enum ta_format fmt, FILE *out, char *err,
            size_t errlen) TA_MUST_CHECK;

/* The same between two runs of a store: nruns 0, its last two runs; 1,
 * run_a and the last run; 2, run_a and run_b. */
int ta_db_diff(const char *path, long long run_a, long long run_b, int nruns, enum ta_format fmt,
               FILE *out, int color, size_t *changed, char *err, size_t errlen) TA_MUST_CHECK;

/*
 * Discovery (tlsaudit discover, docs/discovery.md): which of the addresses
 * and ports named answer in TLS, at once or after STARTTLS.  Only the
 * addresses given are connected to: IPv4 and IPv6 addresses, CIDR blocks
 * (expanded; more than max_hosts addresses in all is refused before any
 * connection) and the addresses of host names (resolved as a scan
 * resolves them; a name with more than 16 addresses is refused).  New
 * connections keep to rate a second across the run, at most
 * max_conns_per_host open to one address and max_conns_total in all; every
 * connect and every wait has a deadline.
 */
#define TA_DISCOVER_PORTS_MAX 1024 /* ports in one run */

struct ta_discover_progress {
	unsigned long long probes;      /* addresses x ports */
	unsigned long long done;        /* probes finished */
	unsigned long long connections; /* opened so far */
	unsigned long long open;        /* ports that answered */
	double elapsed_s;
	int final;
};

struct ta_discover_opts {
	unsigned rate;               /* new connections a second; default 200 */
	unsigned max_hosts;          /* addresses the run may come to; default
	                              * 65536 (a /16), at most 1048576 */
	unsigned connect_timeout_ms; /* default 2000 */
	unsigned read_timeout_ms;    /* per wait for the server; default 3000 */
	unsigned max_conns_per_host; /* default 4 */
	unsigned max_conns_total;    /* default 256 */
	int family;                  /* enum ta_family: which addresses of names */
	const char *resolver;        /* as in struct ta_config; NULL: the system's */
	const uint16_t *ports;       /* the ports (NULL: the default ports) */
	size_t nports;
	const char *db;    /* a store whose inventory to compare with what
	                              * answers: new, gone, changed; NULL: none */
	int catch_signals; /* SIGINT and SIGTERM end the run; what finished
	                              * is reported (summary.interrupted) */
	/* called twice a second while the run goes on, and once at its end */
	void (*progress)(void *arg, const struct ta_discover_progress *p);
	void *progress_arg;
};

struct ta_discover_summary {
	unsigned long long addresses, probes, connections;
	size_t tls;                   /* ports that answered in TLS at once */
	size_t starttls;              /* ports whose STARTTLS was accepted */
	size_t other;                 /* open ports that are neither */
	size_t unresolved;            /* names that gave no address to probe */
	unsigned long long errors;    /* probes that could not be made (sockets, memory) */
	size_t nnew, ngone, nchanged; /* against the inventory (db) */
	int interrupted;
	double elapsed_s;
};

/* Fill *o with the defaults above. */
void ta_discover_defaults(struct ta_discover_opts *o);

/*
 * A --ports value: ports and ranges, comma-separated ("443,8443,8000-8010"),
 * where "default" stands for the default ports.  Duplicates are dropped,
 * the order kept.  TA_EINVAL with a one-line reason in err for anything
 * else, a port 0, or more than cap (<= TA_DISCOVER_PORTS_MAX) ports.
 */
int ta_discover_parse_ports(const char *list, uint16_t *ports, size_t cap, size_t *n, char *err,
                            size_t errlen) TA_MUST_CHECK;

/*
 * Probe every address of specs (each an address, an ADDRESS/PREFIX block
 * or a host name) on every port, and write what answered to out as fmt
 * (text, json or csv; docs/discovery.md), then fill *summary.  TA_EINVAL
 * with a one-line reason in err, before anything is connected to, for a
 * spec that is none of those, more addresses than max_hosts, another
 * format, or a store (db) that cannot be read or has no inventory; TA_ESYS
 * when writing fails; TA_ENOMEM.  A name that does not resolve is reported
 * in the output and counted in summary->unresolved, not an error.
 */
int ta_discover(const char *const *specs, size_t nspecs, const struct ta_discover_opts *o,
                enum ta_format fmt, FILE *out, struct ta_discover_summary *summary, char *err,
                size_t errlen) TA_MUST_CHECK;

#endif
