/*
 * tlsaudit plan: the upgrade plan of a run (docs/plan.md).  Exit codes:
 * 0 the plan was written, 2 usage error or input that is not a store or a
 * report, 3 internal or write error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_INVENTORY 64

static const char plan_usage[] =
        "usage: tlsaudit plan --db FILE [--run ID] [--inventory FILE]... [-f FMT] [-o FILE]\n"
        "       tlsaudit plan [--db FILE] [--inventory FILE]... [--previous OLD.json] "
        "REPORT.json\n";

static const char plan_help[] =
        "\n"
        "The upgrade plan of a run: for every endpoint its target profile (the\n"
        "inventory's, else a default by service), its gaps with a severity, a priority\n"
        "(P1 now, P2 next, P3 planned, accepted: an exception in force, P4 verify only),\n"
        "the fix, the contingency when it cannot be upgraded, and what changed since\n"
        "the previous run; the progress over the store's runs. See docs/plan.md.\n"
        "\n"
        "options:\n"
        "      --db FILE             the store (an SQLite file or postgresql:// URI): its\n"
        "                            last run (or --run) and its inventory\n"
        "      --run ID              plan this run of the store instead of the last\n"
        "      --inventory FILE      also read this inventory file (CSV, target list, nmap\n"
        "                            XML); repeatable\n"
        "      --previous FILE       with REPORT.json: the earlier report to compare with\n"
        "      --history N           runs shown in the progress (default 12)\n"
        "  -f, --format FMT          text (default), json or csv (one row per gap: a work\n"
        "                            list for a ticket system)\n"
        "  -o, --output FILE         write the plan to FILE (whole or not at all)\n"
        "  -h, --help\n"
        "\n"
        "exit status: 0 the plan was written, 2 usage error or input that is not a store\n"
        "or a report, 3 internal or write error\n";

static void
warn_line(void *arg, const char *line)
{
	char safe[600];

	(void)arg;
	ta_text_for_terminal(safe, sizeof safe, line);
	fprintf(stderr, "tlsaudit: plan: %s (row left out)\n", safe);
}

int
cli_plan(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"format", required_argument, NULL, 'f'},
	        {"output", required_argument, NULL, 'o'},
	        {"db", required_argument, NULL, 'd'},
	        {"run", required_argument, NULL, 'r'},
	        {"inventory", required_argument, NULL, 'i'},
	        {"previous", required_argument, NULL, 'p'},
	        {"history", required_argument, NULL, 'H'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *inventory[MAX_INVENTORY], *output = NULL;
	struct ta_plan_opts o = {.inventory = inventory, .warn = warn_line};
	enum ta_format fmt = TA_FORMAT_TEXT;
	struct cli_out out;
	char err[512], shown[128];
	unsigned v;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format(optarg, &fmt) != 0 ||
			    (fmt != TA_FORMAT_TEXT && fmt != TA_FORMAT_JSON &&
			     fmt != TA_FORMAT_CSV)) {
				ta_text_for_terminal(shown, sizeof shown, optarg);
				fprintf(stderr,
				        "tlsaudit: plan: --format: '%s' is not text, json or csv\n",
				        shown);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'r':
			if (cli_parse_uint("plan: --run", optarg, 1, 2000000000, &v) != 0)
				return EXIT_USAGE;
			o.run = v;
			break;
		case 'i':
			if (o.ninventory == MAX_INVENTORY) {
				fprintf(stderr, "tlsaudit: plan: at most %d --inventory files\n",
				        MAX_INVENTORY);
				return EXIT_USAGE;
			}
			inventory[o.ninventory++] = optarg;
			break;
		case 'p':
			o.previous = optarg;
			break;
		case 'H':
			if (cli_parse_uint("plan: --history", optarg, 1, 1000, &v) != 0)
				return EXIT_USAGE;
			o.history = v;
			break;
		case 'h':
			fputs(plan_usage, stdout);
			fputs(plan_help, stdout);
			return EXIT_SCANNED;
		default:
			return cli_bad_option("plan", c, argv);
		}
	}
	if (argc - optind > 1 || (!o.db && argc - optind != 1)) {
		fprintf(stderr, "tlsaudit: plan: give --db FILE, or one JSON report (%.*s)\n",
		        (int)strlen(plan_usage) - 1, plan_usage);
		return EXIT_USAGE;
	}
	if (argc - optind == 1)
		o.report = argv[optind];
	if (o.previous && !o.report) {
		fprintf(stderr, "tlsaudit: plan: --previous goes with a JSON report; a store "
		                "compares with its previous run\n");
		return EXIT_USAGE;
	}
	if (o.run && o.report) {
		fprintf(stderr, "tlsaudit: plan: --run goes with --db, not with a JSON report\n");
		return EXIT_USAGE;
	}
	if ((c = cli_out_open(&out, output)) != 0)
		return c;
	rc = ta_plan(&o, fmt, out.f, err, sizeof err);
	if (rc != TA_OK) {
		char safe[1024];

		ta_text_for_terminal(safe, sizeof safe, err);
		fprintf(stderr, "tlsaudit: plan: %s\n", safe);
	}
	rc = cli_out_close(&out, rc);
	return rc != TA_OK ? cli_exit(rc) : EXIT_SCANNED;
}
