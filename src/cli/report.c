/*
 * tlsaudit report (a stored JSON report rendered again) and tlsaudit
 * profiles (the built-in and given profiles, and one profile's rules).
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* tlsaudit profiles [show ID] [--profile-file FILE]... */
int
cli_profiles(int argc, char **argv)
{
	const char *files[MAX_PROFILE_FILES], *show = NULL;
	size_t nfiles = 0;
	char err[256];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--profile-file") == 0 && i + 1 < argc) {
			if (nfiles < MAX_PROFILE_FILES)
				files[nfiles++] = argv[++i];
		} else if (strcmp(argv[i], "show") == 0 && i + 1 < argc && !show) {
			show = argv[++i];
		} else {
			fprintf(stderr,
			        "tlsaudit: profiles: unexpected '%.64s' (usage: tlsaudit "
			        "profiles [show ID] [--profile-file FILE]...)\n",
			        argv[i]);
			return EXIT_USAGE;
		}
	}
	rc = show ? ta_profiles_show(stdout, show, files, nfiles, err, sizeof err)
	          : ta_profiles_list(stdout, files, nfiles, err, sizeof err);
	if (rc != TA_OK) {
		fprintf(stderr, "tlsaudit: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_SCANNED;
}

/* tlsaudit report REPORT.json | --db FILE [--run ID]: render a stored JSON
 * report, or a run of a store, again. */
int
cli_report(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"format", required_argument, NULL, 'f'},
	        {"output", required_argument, NULL, 'o'},
	        {"profile", required_argument, NULL, 'p'},
	        {"require", required_argument, NULL, 'R'},
	        {"db", required_argument, NULL, 'd'},
	        {"run", required_argument, NULL, 'r'},
	        {"color", no_argument, NULL, 'C'},
	        {"no-color", no_argument, NULL, 'N'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	enum ta_format fmt = TA_FORMAT_TEXT;
	const char *output = NULL, *profile = "hkcert-intermediate", *require[TA_REQUIRE_MAX];
	const char *db = NULL;
	size_t nrequire = 0;
	unsigned run = 0;
	int color = -1, c, rc;
	struct cli_out out;
	char err[512];

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format(optarg, &fmt) != 0)
				return EXIT_USAGE;
			break;
		case 'o':
			output = optarg;
			break;
		case 'p':
			profile = optarg;
			break;
		case 'R':
			if (cli_add_require(require, &nrequire, optarg) != 0)
				return EXIT_USAGE;
			break;
		case 'd':
			db = optarg;
			break;
		case 'r':
			if (cli_parse_uint("--run", optarg, 1, 2000000000, &run) != 0)
				return EXIT_USAGE;
			break;
		case 'C':
			color = 1;
			break;
		case 'N':
			color = 0;
			break;
		case 'h':
			cli_usage(stdout);
			return EXIT_SCANNED;
		default:
			return cli_bad_option("report", c, argv);
		}
	}
	if (db ? optind != argc : optind != argc - 1) {
		fprintf(stderr,
		        "tlsaudit: report: name one JSON report or a store (usage: tlsaudit "
		        "report [-f FMT] [-o FILE] REPORT.json | --db FILE [--run ID])\n");
		return EXIT_USAGE;
	}
	if (run && !db) {
		fprintf(stderr, "tlsaudit: report: --run needs --db\n");
		return EXIT_USAGE;
	}
	if (output)
		fmt = cli_format_of(output, fmt);
	if (nrequire && fmt != TA_FORMAT_JUNIT) {
		fprintf(stderr, "tlsaudit: report: --require chooses the test cases of --format "
		                "junit (scan --require sets the exit code)\n");
		return EXIT_USAGE;
	}
	if ((c = cli_out_open(&out, output)) != 0)
		return c;
	if (color < 0)
		color = !output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	/* a store: its last run (or --run), as export renders it, with the
	 * trend of the runs in an HTML page */
	if (db)
		rc = ta_db_report(db, run, fmt, out.f, color, profile, require, nrequire, err,
		                  sizeof err);
	else
		rc = ta_report_file(argv[optind], fmt, out.f, color, profile, require, nrequire,
		                    err, sizeof err);
	if (rc != TA_OK) {
		char safe[1024];

		ta_text_for_terminal(safe, sizeof safe, err); /* it quotes a file name */
		fprintf(stderr, "tlsaudit: %s\n", safe);
	}
	return cli_exit(cli_out_close(&out, rc));
}
