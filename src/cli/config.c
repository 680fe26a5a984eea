/*
 * tlsaudit config (docs/config.md): the configuration that makes a server
 * software comply with a profile.
 *
 *   tlsaudit config --software S [--version V] [--tls-library L:V] --profile ID
 *                   [--cert FILE --key FILE --listen ADDR:PORT --out-dir DIR]
 *
 * Exit codes: 0 written; 2 usage error (unknown software, profile, option);
 * 3 the directory or a file could not be written.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void
config_usage(FILE *out)
{
	fprintf(out,
	        "usage: tlsaudit config --software S --profile ID [options]\n"
	        "\n"
	        "Prints the TLS directives that make software S comply with profile ID,\n"
	        "generated from the profile's rules, to merge into its TLS context; with\n"
	        "--cert, --key, --listen and --out-dir, writes a standalone configuration\n"
	        "in DIR and prints, as its last line, the command that starts the server in\n"
	        "the foreground.  Rules a configuration cannot meet (the certificate's, DNS,\n"
	        "what the software cannot express) are named on stderr as 'note: rule ID: ...'.\n"
	        "\n"
	        "S is one of: %s.\n"
	        "\n"
	        "options:\n"
	        "      --software S          the server software, or openssl / gnutls for the\n"
	        "                            library's strings alone\n"
	        "      --profile ID          the profile (see tlsaudit profiles)\n"
	        "      --profile-file FILE   add a profile of your own (repeatable)\n"
	        "      --version V           the software's version (default: Debian 12's)\n"
	        "      --tls-library L:V     the TLS library it is built with, openssl:VERSION or\n"
	        "                            gnutls:VERSION (default: its usual one, Debian 12's)\n"
	        "      --cert FILE           certificate chain (PEM) to serve\n"
	        "      --key FILE            its private key (PEM)\n"
	        "      --listen ADDR:PORT    address to listen on ([IPV6]:PORT)\n"
	        "      --out-dir DIR         directory for the standalone configuration\n"
	        "  -h, --help\n",
	        ta_servconf_software_names());
}

int
cli_config(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"software", required_argument, NULL, 's'},
	        {"version", required_argument, NULL, 'V'},
	        {"tls-library", required_argument, NULL, 'l'},
	        {"profile", required_argument, NULL, 'p'},
	        {"profile-file", required_argument, NULL, 'P'},
	        {"cert", required_argument, NULL, 'c'},
	        {"key", required_argument, NULL, 'k'},
	        {"listen", required_argument, NULL, 'L'},
	        {"out-dir", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *files[MAX_PROFILE_FILES];
	struct ta_servconf req;
	char err[600], safe[700];
	int c, rc;

	memset(&req, 0, sizeof req);
	req.profile_files = files;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			req.software = optarg;
			break;
		case 'V':
			req.version = optarg;
			break;
		case 'l':
			req.tls_library = optarg;
			break;
		case 'p':
			req.profile = optarg;
			break;
		case 'P':
			if (req.nprofile_files == MAX_PROFILE_FILES) {
				fprintf(stderr, "tlsaudit: config: at most %d --profile-file\n",
				        MAX_PROFILE_FILES);
				return EXIT_USAGE;
			}
			files[req.nprofile_files++] = optarg;
			break;
		case 'c':
			req.cert = optarg;
			break;
		case 'k':
			req.key = optarg;
			break;
		case 'L':
			req.listen = optarg;
			break;
		case 'd':
			req.out_dir = optarg;
			break;
		case 'h':
			config_usage(stdout);
			return EXIT_SCANNED;
		default:
			return cli_bad_option("config", c, argv);
		}
	}
	if (optind != argc || !req.software || !req.profile) {
		fprintf(stderr, "tlsaudit: config: name --software and --profile (tlsaudit config "
		                "--help)\n");
		return EXIT_USAGE;
	}
	rc = ta_servconf_generate(&req, stdout, stderr, err, sizeof err);
	if (fflush(stdout) != 0 && rc == TA_OK)
		rc = TA_ESYS;
	if (rc != TA_OK) {
		ta_text_for_terminal(safe, sizeof safe,
		                     rc == TA_ESYS && !err[0] ? ta_strerror(rc) : err);
		fprintf(stderr, "tlsaudit: config: %s\n", safe);
		return rc == TA_EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
	}
	return EXIT_SCANNED;
}
