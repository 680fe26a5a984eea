/*
 * tlsaudit clients: the built-in client database (captured ClientHellos
 * and documented older clients), or who connects to a server configured
 * exactly to a profile, before it is applied (docs/clients.md).  A scan's
 * document carries the same simulation for each scanned endpoint.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define MAX_FILES 16

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: tlsaudit clients [--profile ID] [--profile-file FILE]... [-f text|json]\n"
	        "\n"
	        "Without --profile, lists the clients the simulation knows: the\n"
	        "ClientHellos captured from the clients of a Debian 12 machine and the\n"
	        "documented older clients, each with its source.  With --profile ID,\n"
	        "simulates every client against a server configured exactly to profile\n"
	        "ID (every version, suite, group and scheme it lets pass) and prints who\n"
	        "connects, with which version, suite and group, and who fails and why.\n"
	        "\n"
	        "options:\n"
	        "  -f, --format FMT          text (default) or json\n"
	        "      --profile ID          the profile to simulate (see tlsaudit profiles)\n"
	        "      --profile-file FILE   add a profile of your own (repeatable)\n"
	        "  -h, --help\n");
}

int
cli_clients(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"format", required_argument, NULL, 'f'},
	        {"profile", required_argument, NULL, 'p'},
	        {"profile-file", required_argument, NULL, 'P'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *files[MAX_FILES], *profile = NULL;
	enum ta_format fmt = TA_FORMAT_TEXT;
	size_t nfiles = 0;
	char err[512];
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format(optarg, &fmt) != 0)
				return EXIT_USAGE;
			break;
		case 'p':
			profile = optarg;
			break;
		case 'P':
			if (nfiles < MAX_FILES)
				files[nfiles++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SCANNED;
		default:
			return cli_bad_option("clients", c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlsaudit: clients: unexpected '%.64s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (fmt != TA_FORMAT_TEXT && fmt != TA_FORMAT_JSON) {
		fprintf(stderr, "tlsaudit: clients: the format is text or json\n");
		return EXIT_USAGE;
	}
	rc = ta_clients_print(stdout, profile, files, nfiles, fmt, err, sizeof err);
	if (rc == TA_EINVAL) {
		fprintf(stderr, "tlsaudit: %s\n", err);
		return EXIT_USAGE;
	}
	if (rc != TA_OK) {
		fprintf(stderr, "tlsaudit: clients: %s\n", rc == TA_ESYS ? "write error" : err);
		return cli_exit(rc);
	}
	return EXIT_SCANNED;
}
