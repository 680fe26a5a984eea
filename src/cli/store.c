/*
 * The commands that read a store (docs/store.md):
 *
 *   tlsaudit runs    [--db FILE] [-f text|json]
 *   tlsaudit export  [--db FILE] [--run ID] [-f FMT] [-o FILE] [--profile ID] [--require ID]...
 *                    [--color]
 *   tlsaudit history [--db FILE] [-f text|json] HOST|KEY
 *   tlsaudit certs   [--db FILE] [--run ID] [--expiring DAYS] [-f text|json|csv] [-o FILE]
 *
 * The store is --db, else $TLSAUDIT_DB.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { CMD_RUNS, CMD_EXPORT, CMD_HISTORY, CMD_CERTS };

struct store_args {
	const char *db, *output, *profile;
	const char *require[TA_REQUIRE_MAX];
	size_t nrequire;
	enum ta_format fmt;
	long long run;
	int days; /* -1: every certificate */
	int color;
	const char *target;
};

static const char *const usage_of[] = {
        "tlsaudit runs [--db FILE] [-f text|json]",
        "tlsaudit export [--db FILE] [--run ID] [-f FMT] [-o FILE] [--profile ID]"
        " [--require ID]... [--color]",
        "tlsaudit history [--db FILE] [-f text|json] HOST|KEY",
        "tlsaudit certs [--db FILE] [--run ID] [--expiring DAYS] [-f text|json|csv] [-o FILE]",
};

/* EXIT_* after an error, -1 when the arguments are good. */
static int
parse_args(int cmd, int argc, char **argv, struct store_args *a)
{
	static const struct option opts[] = {
	        {"db", required_argument, NULL, 'd'},
	        {"format", required_argument, NULL, 'f'},
	        {"output", required_argument, NULL, 'o'},
	        {"run", required_argument, NULL, 'r'},
	        {"expiring", required_argument, NULL, 'e'},
	        {"profile", required_argument, NULL, 'p'},
	        {"require", required_argument, NULL, 'q'},
	        {"color", no_argument, NULL, 'C'},
	        {"no-color", no_argument, NULL, 'N'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	unsigned v;
	int c;

	memset(a, 0, sizeof *a);
	a->fmt = TA_FORMAT_TEXT;
	a->days = -1;
	a->color = -1;
	a->profile = "hkcert-intermediate";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 'f':
			if (cli_parse_format(optarg, &a->fmt) != 0)
				return EXIT_USAGE;
			break;
		case 'o':
			if (cmd != CMD_EXPORT && cmd != CMD_CERTS)
				goto unknown;
			a->output = optarg;
			break;
		case 'r':
			if (cmd != CMD_EXPORT && cmd != CMD_CERTS)
				goto unknown;
			if (cli_parse_uint("--run", optarg, 1, 2000000000, &v) != 0)
				return EXIT_USAGE;
			a->run = v;
			break;
		case 'e':
			if (cmd != CMD_CERTS)
				goto unknown;
			if (cli_parse_uint("--expiring", optarg, 0, 36500, &v) != 0)
				return EXIT_USAGE;
			a->days = (int)v;
			break;
		case 'p':
			if (cmd != CMD_EXPORT)
				goto unknown;
			a->profile = optarg;
			break;
		case 'q':
			if (cmd != CMD_EXPORT)
				goto unknown;
			if (cli_add_require(a->require, &a->nrequire, optarg) != 0)
				return EXIT_USAGE;
			break;
		case 'C':
		case 'N':
			if (cmd != CMD_EXPORT)
				goto unknown;
			a->color = c == 'C';
			break;
		case 'h':
			printf("usage: %s\n", usage_of[cmd]);
			return EXIT_SCANNED;
		case ':':
			fprintf(stderr, "tlsaudit: %s: option '%.64s' needs a value\n", argv[0],
			        argv[optind - 1]);
			return EXIT_USAGE;
		default:
		unknown:
			fprintf(stderr, "tlsaudit: %s: unknown option '%.64s' (usage: %s)\n",
			        argv[0], argv[optind - 1], usage_of[cmd]);
			return EXIT_USAGE;
		}
	}
	if (!a->db)
		a->db = getenv("TLSAUDIT_DB");
	if (!a->db || !*a->db) {
		fprintf(stderr, "tlsaudit: %s: name the store with --db FILE (or TLSAUDIT_DB)\n",
		        argv[0]);
		return EXIT_USAGE;
	}
	if (cmd == CMD_HISTORY && optind == argc - 1) {
		a->target = argv[optind];
	} else if (optind != argc) {
		fprintf(stderr, "tlsaudit: %s: unexpected '%.64s' (usage: %s)\n", argv[0],
		        optind < argc ? argv[optind] : "", usage_of[cmd]);
		return EXIT_USAGE;
	} else if (cmd == CMD_HISTORY) {
		fprintf(stderr, "tlsaudit: history: name one endpoint (usage: %s)\n",
		        usage_of[cmd]);
		return EXIT_USAGE;
	}
	if (a->output)
		a->fmt = cli_format_of(a->output, a->fmt);
	if (a->nrequire && a->fmt != TA_FORMAT_JUNIT) {
		fprintf(stderr,
		        "tlsaudit: %s: --require chooses the test cases of --format junit\n",
		        argv[0]);
		return EXIT_USAGE;
	}
	return -1;
}

static int
run_command(int cmd, int argc, char **argv)
{
	struct store_args a;
	struct cli_out out;
	char err[600], safe[700];
	int c, rc;

	if ((c = parse_args(cmd, argc, argv, &a)) >= 0)
		return c;
	if ((c = cli_out_open(&out, a.output)) != 0)
		return c;
	if (a.color < 0)
		a.color = !a.output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	switch (cmd) {
	case CMD_RUNS:
		rc = ta_db_print_runs(a.db, a.fmt, out.f, err, sizeof err);
		break;
	case CMD_EXPORT:
		rc = ta_db_export(a.db, a.run, a.fmt, out.f, a.color, a.profile, a.require,
		                  a.nrequire, err, sizeof err);
		break;
	case CMD_HISTORY:
		rc = ta_db_print_history(a.db, a.target, a.fmt, out.f, err, sizeof err);
		break;
	default:
		rc = ta_db_print_certs(a.db, a.run, a.days, a.fmt, out.f, err, sizeof err);
		break;
	}
	if (rc != TA_OK) {
		ta_text_for_terminal(safe, sizeof safe, err);
		fprintf(stderr, "tlsaudit: %s: %s\n", argv[0], safe);
	}
	return cli_exit(cli_out_close(&out, rc));
}

int
cli_runs(int argc, char **argv)
{
	return run_command(CMD_RUNS, argc, argv);
}

int
cli_export(int argc, char **argv)
{
	return run_command(CMD_EXPORT, argc, argv);
}

int
cli_history(int argc, char **argv)
{
	return run_command(CMD_HISTORY, argc, argv);
}

int
cli_certs(int argc, char **argv)
{
	return run_command(CMD_CERTS, argc, argv);
}
