/*
 * The commands of the tlsaudit command line, each in its file (scan.c:
 * scan and mail; report.c: report and profiles), and what they share.
 * Built only on the public header.
 */
#ifndef TA_CLI_CLI_H
#define TA_CLI_CLI_H

#include <stdio.h>

#include "tlsaudit.h"

#define MAX_PROFILE_FILES 16
#define MAX_OUTPUTS       4

/* Exit codes (docs/cli.md) */
enum {
	EXIT_SCANNED = 0,
	EXIT_TARGET_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INTERNAL = 3,
	EXIT_NONCOMPLIANT = 4,
	EXIT_INTERRUPTED = 5
};

/* A growing text (util.c); oom set when it could not grow. */
struct cli_buf {
	char *p;
	size_t n, cap;
	int oom;
};
void cli_buf_add(struct cli_buf *b, const char *s);
/* s as a JSON string, quotes included */
void cli_buf_json(struct cli_buf *b, const char *s);
void cli_buf_free(struct cli_buf *b);

void cli_usage(FILE *out);

/* util.c */
/* s as a number from min to max into *out; -1 after a one-line error naming opt. */
int cli_parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out);
/* A --format value; -1 after a one-line error. */
int cli_parse_format(const char *s, enum ta_format *fmt);
/* The format a report file's name asks for, else fallback. */
enum ta_format cli_format_of(const char *path, enum ta_format fallback);
/* One --require: id (a profile id's syntax) added to ids[*n] unless there
 * already; -1 after a one-line error (bad id, more than TA_REQUIRE_MAX). */
int cli_add_require(const char **ids, size_t *n, const char *id);
/* Close the report files (NULL entries skipped); nonzero when one fails. */
int cli_close_outputs(FILE **outs, size_t n);

/* A report file that appears whole or not at all: written beside its name
 * and renamed over it when everything went well (path NULL: stdout). */
struct cli_out {
	FILE *f;
	const char *path;
	char partial[4096];
};
/* 0, or EXIT_USAGE after a one-line error */
int cli_out_open(struct cli_out *o, const char *path);
/* Close; rc (a TA_* code) TA_OK: keep the file, else drop it.  The new rc. */
int cli_out_close(struct cli_out *o, int rc);
/* getopt's ':' (a value missing) or '?' (an unknown option) for the
 * option argv[optind - 1] of command cmd (NULL: scan), as one line;
 * returns EXIT_USAGE. */
int cli_bad_option(const char *cmd, int c, char *const *argv);
/* The TA_* code of a command as its exit code. */
int cli_exit(int rc);

/* Each command gets argv from its name on (argv[0] is "scan", "mail" ...). */
int cli_scan(int argc, char **argv); /* scan.c: scan and mail */
int cli_profiles(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_runs(int argc, char **argv); /* store.c: runs, export, history, certs */
int cli_export(int argc, char **argv);
int cli_history(int argc, char **argv);
int cli_certs(int argc, char **argv);
int cli_inventory(int argc, char **argv); /* inventory.c */
int cli_diff(int argc, char **argv);      /* diff.c */
int cli_discover(int argc, char **argv);  /* discover.c */
int cli_config(int argc, char **argv);    /* config.c */
int cli_plan(int argc, char **argv);      /* plan.c */
int cli_clients(int argc, char **argv);   /* clients.c */

#endif
