/*
 * tlsaudit scan TARGET... and tlsaudit mail DOMAIN...: the scan, its
 * reports written while it runs, and the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int mail_mode; /* tlsaudit mail: the arguments are mail domains */
/* what a resumed run must find again: the options that change results and
 * every target as given (docs/store.md) */
static struct cli_buf identity;
static struct cli_buf idopts; /* its options, a line each, sorted when used */

static void
add_one(struct ta_scan *scan, const char *spec, const char *where, size_t *valid, size_t *invalid)
{
	char err[256];
	int rc;

	cli_buf_add(&identity, "target=");
	cli_buf_add(&identity, spec);
	cli_buf_add(&identity, "\n");
	rc = mail_mode ? ta_scan_add_mail_domain(scan, spec, err, sizeof err)
	               : ta_scan_add_target(scan, spec, 443, err, sizeof err);

	if (rc == TA_OK) {
		(*valid)++;
		return;
	}
	(*invalid)++;
	if (rc == TA_EINVAL)
		fprintf(stderr, "tlsaudit: %s%s\n", where, err);
	else
		fprintf(stderr, "tlsaudit: %s%s\n", where, ta_strerror(rc));
}

static int
read_targets(struct ta_scan *scan, const char *path, size_t *valid, size_t *invalid)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL, shown[128];
	size_t lineno = 0, cap = 0;
	ssize_t len;
	int rc = 0;

	ta_text_for_terminal(shown, sizeof shown, path);
	if (!f) {
		fprintf(stderr, "tlsaudit: cannot read target file '%s': %s\n", shown,
		        strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char where[300], err[128], *p;

		lineno++;
		if (ta_target_line(line, (size_t)len, &p, err, sizeof err) != TA_OK) {
			fprintf(stderr, "tlsaudit: %s:%zu: %s\n", shown, lineno, err);
			(*invalid)++;
			continue;
		}
		if (!p)
			continue;
		snprintf(where, sizeof where, "%s:%zu: ", shown, lineno);
		add_one(scan, p, where, valid, invalid);
	}
	if (ferror(f)) {
		/* A directory opens but does not read: say so, keep what was read. */
		fprintf(stderr, "tlsaudit: cannot read target file '%s': %s\n", shown,
		        strerror(errno));
		rc = -1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* An option that changes what the scan finds goes into the identity;
 * those that only say where and how the reports are written do not. */
static void
note_option(const struct option *opts, int c, const char *arg)
{
	static const char not_results[] = "fio";
	char text[64];

	if (c == ':' || c == '?' || c == 'h' || (c < 256 && strchr(not_results, c)))
		return;
	snprintf(text, sizeof text, "-%c", c);
	for (const struct option *o = opts; o->name; o++)
		if (o->val == c) {
			if (!strcmp(o->name, "color") || !strcmp(o->name, "no-color") ||
			    !strcmp(o->name, "db") || !strcmp(o->name, "resume") ||
			    !strcmp(o->name, "run-label") || !strcmp(o->name, "rate") ||
			    !strcmp(o->name, "shard") || !strcmp(o->name, "progress") ||
			    !strcmp(o->name, "no-progress"))
				return;
			snprintf(text, sizeof text, "--%s", o->name);
		}
	cli_buf_add(&idopts, text);
	if (arg) {
		cli_buf_add(&idopts, "=");
		cli_buf_add(&idopts, arg);
	}
	cli_buf_add(&idopts, "\n");
}

/* The progress line on stderr (a terminal): rewritten in place while the
 * scan runs, replaced by a summary at the end. */
static void
on_progress(void *arg, const struct ta_progress *p)
{
	double rate = p->elapsed_s > 0 ? (double)p->connections / p->elapsed_s : 0;

	(void)arg;
	if (p->final) {
		fprintf(stderr,
		        "\r\033[Ktlsaudit: %zu target%s in %.1f s: %zu ok, %zu failed; %llu "
		        "connections (%.0f/s)\n",
		        p->done, p->done == 1 ? "" : "s", p->elapsed_s, p->done - p->failed,
		        p->failed, p->connections, rate);
		return;
	}
	fprintf(stderr, "\r\033[Ktlsaudit: %zu/%zu targets, %zu failed, %llu connections (%.0f/s)",
	        p->done, p->targets, p->failed, p->connections, rate);
	if (p->done > 0 && p->done < p->targets) {
		double left = p->elapsed_s / (double)p->done * (double)(p->targets - p->done);

		fprintf(stderr, ", %.0fm%02.0fs left",
		        left / 60 > 0 ? (double)(long)(left / 60) : 0,
		        left - 60 * (double)(long)(left / 60));
	}
	fflush(stderr);
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of b in byte order (b->oom when that cannot be done). */
static void
sort_lines(struct cli_buf *b)
{
	struct cli_buf out = {0};
	size_t n = 0;
	char **line, *p, *save = NULL;

	if (!b->p || b->oom)
		return;
	for (p = b->p; *p; p++)
		n += *p == '\n';
	if (!(line = calloc(n + 1, sizeof *line))) {
		b->oom = 1;
		return;
	}
	n = 0;
	for (p = strtok_r(b->p, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
		line[n++] = p;
	qsort(line, n, sizeof *line, cmp_line);
	for (size_t i = 0; i < n; i++) {
		cli_buf_add(&out, line[i]);
		cli_buf_add(&out, "\n");
	}
	free(line);
	cli_buf_free(b);
	*b = out;
}

/* --shard K/N: 0 <= K < N; nonzero (said) when it is not. */
static int
parse_shard(const char *arg, unsigned *k, unsigned *n)
{
	char *end, shown[80];
	unsigned long a, b;

	errno = 0;
	a = strtoul(arg, &end, 10);
	if (end != arg && *end == '/' && arg[0] >= '0' && arg[0] <= '9') {
		const char *rest = end + 1;

		b = strtoul(rest, &end, 10);
		if (errno == 0 && end != rest && !*end && rest[0] >= '0' && rest[0] <= '9' &&
		    b >= 1 && b <= 65536 && a < b) {
			*k = (unsigned)a;
			*n = (unsigned)b;
			return 0;
		}
	}
	ta_text_for_terminal(shown, sizeof shown, arg);
	fprintf(stderr,
	        "tlsaudit: --shard '%s': K/N with 0 <= K < N <= 65536 (shards are numbered 0 to "
	        "N-1)\n",
	        shown);
	return 1;
}

/* Keep the scan in the store db; EXIT_* on failure, -1 when done. */
static int
set_store(struct ta_scan *scan, const char *db, const char *label, int resume, int argc,
          char **argv)
{
	struct cli_buf options = {0};
	char err[400];
	int rc;

	if (mail_mode) {
		fprintf(stderr, "tlsaudit: mail: --db is not supported yet (the store keeps the "
		                "targets of tlsaudit scan)\n");
		return EXIT_USAGE;
	}
	cli_buf_add(&options, "[\"tlsaudit\"");
	for (int i = 0; i < argc; i++) {
		cli_buf_add(&options, ",");
		cli_buf_json(&options, argv[i]);
	}
	cli_buf_add(&options, "]");
	sort_lines(&idopts); /* the order options were given in changes nothing */
	if (idopts.p)
		cli_buf_add(&identity, idopts.p);
	if (options.oom || identity.oom || idopts.oom) {
		cli_buf_free(&options);
		fprintf(stderr, "tlsaudit: out of memory\n");
		return EXIT_INTERNAL;
	}
	rc = ta_scan_store(scan, db, label, options.p, identity.p, resume, err, sizeof err);
	cli_buf_free(&options);
	if (rc != TA_OK) {
		fprintf(stderr, "tlsaudit: --db: %s\n", err);
		return rc == TA_EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
	}
	return -1;
}

struct added {
	struct ta_scan *scan;
	size_t *valid, *invalid;
};

static void
add_spec(void *arg, const char *spec)
{
	struct added *a = arg;

	add_one(a->scan, spec, "inventory: ", a->valid, a->invalid);
}

/* --inventory: the endpoints of the store's inventory; -1 after an error. */
static int
add_inventory(struct ta_scan *scan, const char *db, size_t *valid, size_t *invalid)
{
	struct added a = {scan, valid, invalid};
	char err[400], safe[500];

	if (!db || mail_mode) {
		fprintf(stderr, "tlsaudit: --inventory: %s\n",
		        mail_mode ? "not for mail domains" : "name the store with --db FILE");
		return -1;
	}
	if (ta_inventory_targets(db, add_spec, &a, err, sizeof err) != TA_OK) {
		ta_text_for_terminal(safe, sizeof safe, err);
		fprintf(stderr, "tlsaudit: --inventory: %s\n", safe);
		return -1;
	}
	return 0;
}

int
cli_scan(int argc, char **argv)
{
	enum {
		O_TIMEOUT = 256,
		O_CTIMEOUT,
		O_RETRIES,
		O_MAXCONN,
		O_MAXTOTAL,
		O_SNI,
		O_COLOR,
		O_NOCOLOR,
		O_VERSION,
		O_EXHAUSTIVE,
		O_CAFILE,
		O_NOFEATURES,
		O_NOVULN,
		O_PROFILE,
		O_PROFILEFILE,
		O_REQUIRE,
		O_STARTTLS,
		O_RESOLVER,
		O_HTTPPORT,
		O_NOHTTP,
		O_NODNS,
		O_DB,
		O_RESUME,
		O_RUNLABEL,
		O_RATE,
		O_SHARD,
		O_PROGRESS,
		O_NOPROGRESS,
		O_INVENTORY
	};
	static const struct option opts[] = {
	        {"format", required_argument, NULL, 'f'},
	        {"input", required_argument, NULL, 'i'},
	        {"output", required_argument, NULL, 'o'},
	        {"timeout", required_argument, NULL, O_TIMEOUT},
	        {"connect-timeout", required_argument, NULL, O_CTIMEOUT},
	        {"retries", required_argument, NULL, O_RETRIES},
	        {"max-conns", required_argument, NULL, O_MAXCONN},
	        {"max-total", required_argument, NULL, O_MAXTOTAL},
	        {"sni", required_argument, NULL, O_SNI},
	        {"color", no_argument, NULL, O_COLOR},
	        {"no-color", no_argument, NULL, O_NOCOLOR},
	        {"version", no_argument, NULL, O_VERSION},
	        {"exhaustive", no_argument, NULL, O_EXHAUSTIVE},
	        {"ca-file", required_argument, NULL, O_CAFILE},
	        {"no-features", no_argument, NULL, O_NOFEATURES},
	        {"no-vuln", no_argument, NULL, O_NOVULN},
	        {"profile", required_argument, NULL, O_PROFILE},
	        {"profile-file", required_argument, NULL, O_PROFILEFILE},
	        {"require", required_argument, NULL, O_REQUIRE},
	        {"starttls", required_argument, NULL, O_STARTTLS},
	        {"resolver", required_argument, NULL, O_RESOLVER},
	        {"http-port", required_argument, NULL, O_HTTPPORT},
	        {"no-http", no_argument, NULL, O_NOHTTP},
	        {"no-dns", no_argument, NULL, O_NODNS},
	        {"db", required_argument, NULL, O_DB},
	        {"resume", no_argument, NULL, O_RESUME},
	        {"run-label", required_argument, NULL, O_RUNLABEL},
	        {"rate", required_argument, NULL, O_RATE},
	        {"shard", required_argument, NULL, O_SHARD},
	        {"progress", no_argument, NULL, O_PROGRESS},
	        {"no-progress", no_argument, NULL, O_NOPROGRESS},
	        {"inventory", no_argument, NULL, O_INVENTORY},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct ta_config cfg;
	enum ta_format fmt = TA_FORMAT_TEXT;
	const char *input = NULL, *outputs[MAX_OUTPUTS];
	size_t noutputs = 0;
	FILE *outs[MAX_OUTPUTS];
	int color = -1, c, rc;
	size_t valid = 0, invalid = 0;
	struct ta_scan *scan;
	const char *profile_files[MAX_PROFILE_FILES];
	size_t nprofile_files = 0;
	const char *require[TA_REQUIRE_MAX], *db = NULL, *label = "";
	size_t nrequire = 0;
	int resume = 0, progress = -1, inventory = 0;
	char err[256];

	ta_config_default(&cfg);
	mail_mode = strcmp(argv[0], "mail") == 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:i:o:46h", opts, NULL)) != -1) {
		note_option(opts, c, optarg);
		switch (c) {
		case 'f':
			if (cli_parse_format(optarg, &fmt) != 0)
				return EXIT_USAGE;
			break;
		case 'i':
			input = optarg;
			break;
		case 'o':
			if (noutputs == MAX_OUTPUTS) {
				fprintf(stderr, "tlsaudit: --output: at most %d reports\n",
				        MAX_OUTPUTS);
				return EXIT_USAGE;
			}
			outputs[noutputs++] = optarg;
			break;
		case '4':
			cfg.family = TA_FAMILY_V4;
			break;
		case '6':
			cfg.family = TA_FAMILY_V6;
			break;
		case O_TIMEOUT:
			if (cli_parse_uint("--timeout", optarg, 1, 600000, &cfg.read_timeout_ms))
				return EXIT_USAGE;
			break;
		case O_CTIMEOUT:
			if (cli_parse_uint("--connect-timeout", optarg, 1, 600000,
			                   &cfg.connect_timeout_ms))
				return EXIT_USAGE;
			break;
		case O_RETRIES:
			if (cli_parse_uint("--retries", optarg, 0, 10, &cfg.retries))
				return EXIT_USAGE;
			break;
		case O_MAXCONN:
			if (cli_parse_uint("--max-conns", optarg, 1, 64, &cfg.max_conns_per_host))
				return EXIT_USAGE;
			break;
		case O_MAXTOTAL:
			if (cli_parse_uint("--max-total", optarg, 1, 65536, &cfg.max_conns_total))
				return EXIT_USAGE;
			break;
		case O_SNI:
			if (!*optarg || strlen(optarg) > 253) {
				fprintf(stderr, "tlsaudit: --sni: name must be 1-253 characters\n");
				return EXIT_USAGE;
			}
			cfg.sni = optarg;
			break;
		case O_CAFILE:
			cfg.ca_file = optarg;
			break;
		case O_NOFEATURES:
			cfg.no_features = 1;
			break;
		case O_NOVULN:
			cfg.no_vuln = 1;
			break;
		case O_PROFILE:
			cfg.profile = optarg;
			break;
		case O_PROFILEFILE:
			if (nprofile_files < MAX_PROFILE_FILES)
				profile_files[nprofile_files++] = optarg;
			break;
		case O_REQUIRE:
			if (cli_add_require(require, &nrequire, optarg) != 0)
				return EXIT_USAGE;
			break;

		case O_EXHAUSTIVE:
			cfg.exhaustive = 1;
			break;
		case O_STARTTLS:
			if (!ta_starttls_known(optarg)) {
				fprintf(stderr, "tlsaudit: --starttls: '%.32s' is not one of %s\n",
				        optarg, ta_starttls_names());
				return EXIT_USAGE;
			}
			cfg.starttls = optarg;
			break;
		case O_RESOLVER:
			if (ta_resolver_check(optarg, err, sizeof err) != TA_OK) {
				fprintf(stderr, "tlsaudit: --resolver: %s\n", err);
				return EXIT_USAGE;
			}
			cfg.resolver = optarg;
			break;
		case O_HTTPPORT:
			if (cli_parse_uint("--http-port", optarg, 1, 65535, &cfg.http_port))
				return EXIT_USAGE;
			break;
		case O_NOHTTP:
			cfg.no_http = 1;
			break;
		case O_NODNS:
			cfg.no_dns = 1;
			break;
		case O_DB:
			db = optarg;
			break;
		case O_RATE:
			if (cli_parse_uint("--rate", optarg, 1, 1000000, &cfg.rate))
				return EXIT_USAGE;
			break;
		case O_SHARD:
			if (parse_shard(optarg, &cfg.shard, &cfg.nshards))
				return EXIT_USAGE;
			break;
		case O_INVENTORY:
			inventory = 1;
			break;
		case O_PROGRESS:
		case O_NOPROGRESS:
			progress = c == O_PROGRESS;
			break;
		case O_RESUME:
			resume = 1;
			break;
		case O_RUNLABEL:
			if (strlen(optarg) > 120) {
				fprintf(stderr, "tlsaudit: --run-label: at most 120 characters\n");
				return EXIT_USAGE;
			}
			label = optarg;
			break;
		case O_COLOR:
			color = 1;
			break;
		case O_NOCOLOR:
			color = 0;
			break;
		case 'h':
			cli_usage(stdout);
			return EXIT_SCANNED;
		default:
			return cli_bad_option(NULL, c, argv);
		}
	}
	scan = ta_scan_new(&cfg);
	if (!scan) {
		fprintf(stderr, "tlsaudit: cannot start: out of memory or no epoll\n");
		return EXIT_INTERNAL;
	}
	for (size_t i = 0; i < nprofile_files; i++)
		if (ta_scan_add_profile_file(scan, profile_files[i], err, sizeof err) != TA_OK) {
			fprintf(stderr, "tlsaudit: %s\n", err);
			ta_scan_free(scan);
			return EXIT_USAGE;
		}
	for (size_t k = 0; k <= nrequire; k++) {
		const char *id = k == 0 ? cfg.profile : require[k - 1];

		if (id && (!ta_scan_has_profile(scan, id) ||
		           (k > 0 && ta_scan_require(scan, id) != TA_OK))) {
			fprintf(stderr,
			        "tlsaudit: %s: no profile '%.64s' (see tlsaudit profiles)\n",
			        k == 0 ? "--profile" : "--require", id);
			ta_scan_free(scan);
			return EXIT_USAGE;
		}
	}
	if (ta_scan_trust_error(scan)) {
		fprintf(stderr, "tlsaudit: --ca-file: %s\n", ta_scan_trust_error(scan));
		ta_scan_free(scan);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		add_one(scan, argv[i], "", &valid, &invalid);
	if (inventory && add_inventory(scan, db, &valid, &invalid) < 0) {
		ta_scan_free(scan);
		return EXIT_USAGE;
	}
	if (input && read_targets(scan, input, &valid, &invalid) < 0) {
		ta_scan_free(scan);
		return EXIT_USAGE;
	}
	if (valid == 0) {
		if (invalid == 0)
			fprintf(stderr, "tlsaudit: no %s given (see tlsaudit --help)\n",
			        mail_mode ? "mail domain" : "target");
		ta_scan_free(scan);
		return EXIT_USAGE;
	}
	if (cfg.nshards && mail_mode) {
		fprintf(stderr, "tlsaudit: mail: --shard is for the targets of tlsaudit scan\n");
		ta_scan_free(scan);
		return EXIT_USAGE;
	}
	if (resume && !db) {
		fprintf(stderr, "tlsaudit: --resume needs --db FILE\n");
		ta_scan_free(scan);
		return EXIT_USAGE;
	}
	if (db && (c = set_store(scan, db, label, resume, argc, argv)) >= 0) {
		ta_scan_free(scan);
		return c;
	}
	if (progress < 0)
		progress = isatty(STDERR_FILENO);
	if (progress)
		ta_scan_on_progress(scan, on_progress, NULL);
	if (ta_scan_catch_signals(scan) != TA_OK)
		fprintf(stderr, "tlsaudit: cannot catch SIGINT and SIGTERM: %s\n", strerror(errno));
	for (size_t i = 0; i < noutputs; i++)
		outs[i] = NULL;
	for (size_t i = 0; i < noutputs; i++)
		if (!(outs[i] = fopen(outputs[i], "w"))) {
			ta_text_for_terminal(err, sizeof err, outputs[i]);
			fprintf(stderr, "tlsaudit: cannot write '%s': %s\n", err, strerror(errno));
			cli_close_outputs(outs, noutputs);
			ta_scan_free(scan);
			return EXIT_USAGE;
		}
	if (color < 0)
		color = !noutputs && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	/* the reports are written while the scan runs: each target as soon as
	 * it and those before it are done */
	rc = noutputs ? TA_OK : ta_scan_output(scan, fmt, stdout, color);
	for (size_t i = 0; i < noutputs && rc == TA_OK; i++)
		rc = ta_scan_output(scan, cli_format_of(outputs[i], fmt), outs[i], i ? 0 : color);
	if (rc != TA_OK) {
		fprintf(stderr, "tlsaudit: cannot start the report: %s\n", ta_strerror(rc));
		cli_close_outputs(outs, noutputs);
		ta_scan_free(scan);
		return EXIT_INTERNAL;
	}
	rc = ta_scan_run(scan);
	if (rc == TA_EINTR)
		fprintf(stderr, "tlsaudit: interrupted: the report%s the targets done%s\n",
		        db ? " and the store have" : " has",
		        db ? "; the same command with --resume continues the run" : "");
	else if (rc != TA_OK)
		fprintf(stderr, "tlsaudit: scan stopped: %s (the report has the targets done)\n",
		        ta_strerror(rc));
	if (ta_scan_store_error(scan)) {
		fprintf(stderr,
		        "tlsaudit: --db: %s (run %lld is left unfinished: --resume "
		        "completes it)\n",
		        ta_scan_store_error(scan), ta_scan_run_id(scan));
		if (rc == TA_OK)
			rc = TA_ESYS;
	}
	if (ta_scan_output_error(scan) != TA_OK) {
		fprintf(stderr, "tlsaudit: cannot write the report: %s\n",
		        ta_scan_output_error(scan) == TA_ENOMEM ? "out of memory"
		                                                : strerror(errno));
		rc = TA_ESYS;
	}
	if (cli_close_outputs(outs, noutputs) != 0) {
		fprintf(stderr, "tlsaudit: cannot write the report: %s\n", strerror(errno));
		rc = TA_ESYS;
	}
	c = rc == TA_EINTR                                   ? EXIT_INTERRUPTED
	    : rc != TA_OK                                    ? EXIT_INTERNAL
	    : (ta_scan_error_count(scan) > 0 || invalid > 0) ? EXIT_TARGET_FAILED
	                                                     : EXIT_SCANNED;
	/* every --require named, then exit 4 (JUnit changes nothing here) */
	if (c == EXIT_SCANNED) {
		bool any = false;

		for (size_t k = 0; k < nrequire; k++)
			if (ta_scan_noncompliant(scan, require[k]) != 0) {
				fprintf(stderr, "tlsaudit: %ld target(s) do not comply with %s\n",
				        ta_scan_noncompliant(scan, require[k]), require[k]);
				any = true;
			}
		if (any)
			c = EXIT_NONCOMPLIANT;
	}
	ta_scan_free(scan);
	cli_buf_free(&identity);
	cli_buf_free(&idopts);
	return c;
}
