/*
 * tlsaudit inventory (docs/inventory.md):
 *
 *   tlsaudit inventory import [--db FILE] [--replace] FILE...
 *   tlsaudit inventory check FILE...
 *   tlsaudit inventory export [--db FILE] [-o FILE] [--bom]
 *
 * import and check exit 1 when a row was refused (the others count), 2
 * when nothing could be read.  The store is --db, else $TLSAUDIT_DB.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] = "tlsaudit inventory import [--db FILE] [--replace] FILE...\n"
                                 "       tlsaudit inventory check FILE...\n"
                                 "       tlsaudit inventory export [--db FILE] [-o FILE] [--bom]";

int
cli_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"db", required_argument, NULL, 'd'},     {"replace", no_argument, NULL, 'r'},
	        {"output", required_argument, NULL, 'o'}, {"bom", no_argument, NULL, 'b'},
	        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char *db = NULL, *output = NULL, *sub = argc > 1 ? argv[1] : "";
	int replace = 0, bom = 0, c, rc;
	size_t rows = 0, bad = 0;
	char err[600], safe[700];
	struct cli_out out;

	if (strcmp(sub, "import") != 0 && strcmp(sub, "check") != 0 && strcmp(sub, "export") != 0) {
		fprintf(stderr, "tlsaudit: inventory: import, check or export (usage: %s)\n",
		        usage_text);
		return strcmp(sub, "--help") == 0 ? EXIT_SCANNED : EXIT_USAGE;
	}
	argc--;
	argv++;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'r':
			replace = 1;
			break;
		case 'o':
			output = optarg;
			break;
		case 'b':
			bom = 1;
			break;
		case 'h':
			printf("usage: %s\n", usage_text);
			return EXIT_SCANNED;
		default:
			fprintf(stderr, "tlsaudit: inventory %s: %s '%.64s' (usage: %s)\n", sub,
			        c == ':' ? "option needs a value:" : "unknown option",
			        argv[optind - 1], usage_text);
			return EXIT_USAGE;
		}
	}
	if (!db && strcmp(sub, "check") != 0)
		db = getenv("TLSAUDIT_DB");
	if (strcmp(sub, "export") == 0) {
		if (optind != argc || replace || !db || !*db) {
			fprintf(stderr, "tlsaudit: inventory export: %s (usage: %s)\n",
			        optind != argc || replace ? "unexpected argument"
			                                  : "name the store with --db FILE",
			        usage_text);
			return EXIT_USAGE;
		}
		if ((c = cli_out_open(&out, output)) != 0)
			return c;
		rc = ta_inventory_export(db, out.f, bom, err, sizeof err);
		if (rc != TA_OK) {
			ta_text_for_terminal(safe, sizeof safe, err);
			fprintf(stderr, "tlsaudit: inventory export: %s\n", safe);
		}
		return cli_exit(cli_out_close(&out, rc));
	}
	if (optind == argc || output || bom || (strcmp(sub, "import") == 0 && (!db || !*db)) ||
	    (strcmp(sub, "check") == 0 && (db || replace))) {
		fprintf(stderr, "tlsaudit: inventory %s: %s (usage: %s)\n", sub,
		        optind == argc                      ? "name the files"
		        : !db && strcmp(sub, "import") == 0 ? "name the store with --db FILE"
		                                            : "unexpected option",
		        usage_text);
		return EXIT_USAGE;
	}
	rc = ta_inventory_import(strcmp(sub, "check") == 0 ? NULL : db,
	                         (const char *const *)argv + optind, (size_t)(argc - optind),
	                         replace, stderr, &rows, &bad, err, sizeof err);
	if (rc != TA_OK) {
		ta_text_for_terminal(safe, sizeof safe, err);
		fprintf(stderr, "tlsaudit: inventory %s: %s\n", sub, safe);
		return cli_exit(rc);
	}
	fprintf(stderr, "tlsaudit: inventory %s: %zu row%s %s, %zu refused\n", sub, rows,
	        rows == 1 ? "" : "s", strcmp(sub, "check") == 0 ? "read" : "stored", bad);
	return rows == 0 ? EXIT_USAGE : bad ? EXIT_TARGET_FAILED : EXIT_SCANNED;
}
