/*
 * tlsaudit diff A.json B.json: what changed on each endpoint between two
 * scans (docs/diff.md).  Exit codes as diff(1) has them, with the
 * command line's own for trouble: 0 no difference, 1 differences, 2 usage
 * error or a file that is not a report, 3 internal or write error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { DIFF_SAME = 0, DIFF_CHANGED = 1 };

static const char diff_usage[] =
        "usage: tlsaudit diff [-f text|json] [-o FILE] [--color|--no-color] A.json B.json\n"
        "       tlsaudit diff --db FILE [-f text|json] [-o FILE] [RUN_A [RUN_B]]\n";

static const char diff_help[] =
        "\n"
        "What changed on each endpoint from report A (the older) to report B, both\n"
        "written by tlsaudit scan --format json: versions, suites and their order,\n"
        "groups, DH, signature schemes, certificates, features, HTTP, DNS, profile\n"
        "verdicts, and endpoints that appeared, vanished, started failing or recovered.\n"
        "\n"
        "options:\n"
        "  -f, --format FMT          text (default) or json\n"
        "  -o, --output FILE         write the diff to FILE (whole or not at all)\n"
        "      --db FILE             compare two runs of a store (default: its last two;\n"
        "                            RUN_A alone: with the last run)\n"
        "      --color / --no-color  force colour on or off (default: on a terminal)\n"
        "  -h, --help\n"
        "\n"
        "exit status: 0 no difference, 1 differences, 2 usage error or a file that\n"
        "is not a report, 3 internal or write error\n";

int
cli_diff(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"format", required_argument, NULL, 'f'},
	        {"output", required_argument, NULL, 'o'},
	        {"color", no_argument, NULL, 'C'},
	        {"no-color", no_argument, NULL, 'N'},
	        {"db", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	enum ta_format fmt = TA_FORMAT_TEXT;
	const char *output = NULL, *db = NULL;
	int color = -1, c, rc, nargs;
	long long run[2] = {0, 0};
	size_t changed = 0;
	struct cli_out out;
	char err[512], shown[128];

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				fmt = TA_FORMAT_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				fmt = TA_FORMAT_JSON;
			} else {
				ta_text_for_terminal(shown, sizeof shown, optarg);
				fprintf(stderr,
				        "tlsaudit: diff: --format: '%s' is not text or json\n",
				        shown);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'C':
			color = 1;
			break;
		case 'N':
			color = 0;
			break;
		case 'h':
			fputs(diff_usage, stdout);
			fputs(diff_help, stdout);
			return EXIT_SCANNED;
		default:
			return cli_bad_option("diff", c, argv);
		}
	}
	nargs = argc - optind;
	if (!db && nargs != 2) {
		fprintf(stderr,
		        "tlsaudit: diff: name two JSON reports, the older first, or --db FILE "
		        "(%.*s)\n",
		        (int)strlen(diff_usage) - 1, diff_usage);
		return EXIT_USAGE;
	}
	if (db && nargs > 2) {
		fprintf(stderr, "tlsaudit: diff: --db takes at most two run ids\n");
		return EXIT_USAGE;
	}
	for (int i = 0; db && i < nargs; i++) {
		unsigned v;

		if (cli_parse_uint("diff: RUN", argv[optind + i], 1, 2000000000, &v) != 0)
			return EXIT_USAGE;
		run[i] = v;
	}
	if ((c = cli_out_open(&out, output)) != 0)
		return c;
	if (color < 0)
		color = !output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if (db)
		rc = ta_db_diff(db, run[0], run[1], nargs, fmt, out.f, color, &changed, err,
		                sizeof err);
	else
		rc = ta_diff_files(argv[optind], argv[optind + 1], fmt, out.f, color, &changed, err,
		                   sizeof err);
	if (rc != TA_OK) {
		char safe[1024];

		ta_text_for_terminal(safe, sizeof safe, err); /* it quotes a file name */
		fprintf(stderr, "tlsaudit: diff: %s\n", safe);
	}
	rc = cli_out_close(&out, rc);
	if (rc != TA_OK)
		return cli_exit(rc);
	return changed ? DIFF_CHANGED : DIFF_SAME;
}
