/*
 * tlsaudit command line.  Built only on the public header.
 *
 *   tlsaudit scan [options] TARGET...
 *
 * Exit codes (docs/cli.md): 0 all targets scanned; 1 some target failed
 * or was invalid; 2 usage error or no valid target; 3 internal error.
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

#include "tlsaudit.h"

#define MAX_PROFILE_FILES 16
#define MAX_OUTPUTS       4

enum {
	EXIT_SCANNED = 0,
	EXIT_TARGET_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INTERNAL = 3,
	EXIT_NONCOMPLIANT = 4
};

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: tlsaudit scan [options] TARGET...\n"
	        "       tlsaudit mail [options] DOMAIN...\n"
	        "       tlsaudit profiles [--profile-file FILE]...\n"
	        "       tlsaudit profiles show ID [--profile-file FILE]...\n"
	        "       tlsaudit report [-f FMT] [-o FILE] [--profile ID] [--color] REPORT.json\n"
	        "       tlsaudit --version\n"
	        "\n"
	        "TARGET is HOST, HOST:PORT, [IPV6]:PORT or IPV6 (port 443 by default), with an\n"
	        "optional /PROTO: a STARTTLS protocol (smtp, imap, pop3, ftp, xmpp, ldap,\n"
	        "postgres, mysql, nntp, sieve, lmtp, xmpp-server) or tls (implicit TLS).\n"
	        "Well-known STARTTLS ports (25, 587, 143, 110, 21, 389 ...) need no /PROTO.\n"
	        "\n"
	        "tlsaudit mail scans every MX host of each DOMAIN on port 25 (STARTTLS, every\n"
	        "address) and checks the domain's MTA-STS, TLS-RPT and DANE records.\n"
	        "\n"
	        "tlsaudit report renders a report that --format json wrote again, in any\n"
	        "format, without scanning (certificate expiry judged against today).\n"
	        "\n"
	        "options:\n"
	        "  -f, --format FMT          text (default), json, csv or html\n"
	        "  -i, --input FILE          read targets from FILE, one per line ('#' comments)\n"
	        "  -o, --output FILE         write the report to FILE instead of stdout; again\n"
	        "                            for more reports of the same scan (up to 4), each\n"
	        "                            in the format its name ends in (.json .csv .html\n"
	        "                            .txt), else --format\n"
	        "      --timeout MS          read timeout per connection (default 5000)\n"
	        "      --connect-timeout MS  connect timeout (default 5000)\n"
	        "      --retries N           retries of a failed connection (default 1)\n"
	        "      --max-conns N         connections at once per address (default 4)\n"
	        "      --max-total N         concurrent connections overall (default 256)\n"
	        "      --sni NAME            server name to send (default: the host name)\n"
	        "      --starttls PROTO      STARTTLS dialogue for targets without /PROTO\n"
	        "      --resolver ADDR[:PORT] DNS server(s) to ask, comma-separated (default:\n"
	        "                            /etc/hosts, then the servers of /etc/resolv.conf)\n"
	        "      --http-port PORT      plain-HTTP port for the redirect check (default 80)\n"
	        "      --no-http             no HTTP checks (redirect, HSTS, CSP, compression)\n"
	        "      --no-dns              no CAA lookups\n"
	        "      --ca-file FILE        trust anchors for certificate checks (PEM; default:\n"
	        "                            the system store)\n"
	        "      --no-features         only versions, suites, groups and schemes: no\n"
	        "                            certificates or handshake features\n"
	        "      --profile ID          profile whose failing rules the text report details\n"
	        "                            (default hkcert-intermediate; see tlsaudit profiles)\n"
	        "      --profile-file FILE   add a profile of your own (repeatable)\n"
	        "      --require ID          exit 4 when a target does not comply with profile ID\n"
	        "      --exhaustive          below TLS 1.2, try every suite, also when the server\n"
	        "                            refuses the ones it accepts in TLS 1.2, and those\n"
	        "                            defined for TLS 1.2 only\n"
	        "  -4 / -6                   use only IPv4 / IPv6 addresses\n"
	        "      --color / --no-color  force colour on or off (default: on a terminal)\n"
	        "  -h, --help\n");
}

static int
parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max || s[0] == '-') {
		fprintf(stderr, "tlsaudit: %s: '%s' is not a number from %u to %u\n", opt, s, min,
		        max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int mail_mode; /* tlsaudit mail: the arguments are mail domains */

static void
add_one(struct ta_scan *scan, const char *spec, const char *where, size_t *valid, size_t *invalid)
{
	char err[256];
	int rc = mail_mode ? ta_scan_add_mail_domain(scan, spec, err, sizeof err)
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

/* tlsaudit profiles [show ID] [--profile-file FILE]... */
static int
profiles_command(int argc, char **argv)
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

static int
parse_format(const char *s, enum ta_format *fmt)
{
	static const struct {
		const char *name;
		enum ta_format fmt;
	} f[] = {{"text", TA_FORMAT_TEXT},
	         {"json", TA_FORMAT_JSON},
	         {"csv", TA_FORMAT_CSV},
	         {"html", TA_FORMAT_HTML}};

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (strcmp(s, f[i].name) == 0) {
			*fmt = f[i].fmt;
			return 0;
		}
	fprintf(stderr, "tlsaudit: --format: '%.64s' is not text, json, csv or html\n", s);
	return -1;
}

/* The format a report file's name asks for, else fallback. */
static enum ta_format
format_of(const char *path, enum ta_format fallback)
{
	static const struct {
		const char *ext;
		enum ta_format fmt;
	} e[] = {{".json", TA_FORMAT_JSON},
	         {".csv", TA_FORMAT_CSV},
	         {".html", TA_FORMAT_HTML},
	         {".htm", TA_FORMAT_HTML},
	         {".txt", TA_FORMAT_TEXT}};
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		size_t k = strlen(e[i].ext);

		if (n > k && strcasecmp(path + n - k, e[i].ext) == 0)
			return e[i].fmt;
	}
	return fallback;
}

/* Close the report files (NULL entries skipped); nonzero when one fails. */
static int
close_outputs(FILE **outs, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		if (outs[i] && fclose(outs[i]) != 0)
			bad = 1;
	return bad;
}

/* tlsaudit report REPORT.json: render a stored JSON report again. */
static int
report_command(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"format", required_argument, NULL, 'f'},
	        {"output", required_argument, NULL, 'o'},
	        {"profile", required_argument, NULL, 'p'},
	        {"color", no_argument, NULL, 'C'},
	        {"no-color", no_argument, NULL, 'N'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	enum ta_format fmt = TA_FORMAT_TEXT;
	const char *output = NULL, *profile = "hkcert-intermediate";
	int color = -1, c, rc, fd = -1;
	FILE *out = stdout;
	char err[512], shown[128], partial[4096];

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_format(optarg, &fmt) != 0)
				return EXIT_USAGE;
			break;
		case 'o':
			output = optarg;
			break;
		case 'p':
			profile = optarg;
			break;
		case 'C':
			color = 1;
			break;
		case 'N':
			color = 0;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SCANNED;
		case ':':
			fprintf(stderr, "tlsaudit: report: option '%.64s' needs a value\n",
			        argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "tlsaudit: report: unknown option '%.64s'\n",
			        argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tlsaudit: report: name one JSON report (usage: tlsaudit report "
		                "[-f FMT] [-o FILE] REPORT.json)\n");
		return EXIT_USAGE;
	}
	/* a report file appears whole or not at all: written beside its
	 * name, renamed over it once everything read */
	if (output &&
	    snprintf(partial, sizeof partial, "%s.XXXXXX", output) >= (int)sizeof partial) {
		fprintf(stderr, "tlsaudit: report: the -o name is too long\n");
		return EXIT_USAGE;
	}
	if (output && ((fd = mkstemp(partial)) < 0 || !(out = fdopen(fd, "w")))) {
		ta_text_for_terminal(shown, sizeof shown, output);
		fprintf(stderr, "tlsaudit: cannot write '%s': %s\n", shown, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(partial);
		}
		return EXIT_USAGE;
	}
	if (output) {
		mode_t mask = umask(0);

		umask(mask);
		(void)fchmod(fd, 0666 & ~mask); /* as fopen() would have made it */
	}
	if (color < 0)
		color = !output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	rc = ta_report_file(argv[optind], output ? format_of(output, fmt) : fmt, out, color,
	                    profile, err, sizeof err);
	if (rc != TA_OK) {
		char safe[1024];

		ta_text_for_terminal(safe, sizeof safe, err); /* it quotes a file name */
		fprintf(stderr, "tlsaudit: %s\n", safe);
	}
	if (out != stdout && fclose(out) != 0 && rc == TA_OK) {
		fprintf(stderr, "tlsaudit: cannot write the report: %s\n", strerror(errno));
		rc = TA_ESYS;
	}
	if (output && rc == TA_OK && rename(partial, output) != 0) {
		ta_text_for_terminal(shown, sizeof shown, output);
		fprintf(stderr, "tlsaudit: cannot write '%s': %s\n", shown, strerror(errno));
		rc = TA_ESYS;
	}
	if (output && rc != TA_OK)
		unlink(partial);
	return rc == TA_OK ? EXIT_SCANNED : rc == TA_EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
}

int
main(int argc, char **argv)
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
		O_PROFILE,
		O_PROFILEFILE,
		O_REQUIRE,
		O_STARTTLS,
		O_RESOLVER,
		O_HTTPPORT,
		O_NOHTTP,
		O_NODNS
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
	        {"profile", required_argument, NULL, O_PROFILE},
	        {"profile-file", required_argument, NULL, O_PROFILEFILE},
	        {"require", required_argument, NULL, O_REQUIRE},
	        {"starttls", required_argument, NULL, O_STARTTLS},
	        {"resolver", required_argument, NULL, O_RESOLVER},
	        {"http-port", required_argument, NULL, O_HTTPPORT},
	        {"no-http", no_argument, NULL, O_NOHTTP},
	        {"no-dns", no_argument, NULL, O_NODNS},
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
	const char *require = NULL;
	char err[256];

	/* Only the character set: the text report shows UTF-8 text from
	 * certificates as such when the terminal takes UTF-8. */
	setlocale(LC_CTYPE, "");
	ta_config_default(&cfg);
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("tlsaudit %s\n", TA_VERSION_STRING);
		return EXIT_SCANNED;
	}
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return EXIT_SCANNED;
	}
	if (argc >= 2 && strcmp(argv[1], "profiles") == 0)
		return profiles_command(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report_command(argc - 1, argv + 1);
	mail_mode = argc >= 2 && strcmp(argv[1], "mail") == 0;
	if (argc < 2 || (strcmp(argv[1], "scan") != 0 && !mail_mode)) {
		if (argc >= 2)
			fprintf(stderr, "tlsaudit: unknown command '%.64s' (try 'tlsaudit scan')\n",
			        argv[1]);
		else
			usage(stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:i:o:46h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_format(optarg, &fmt) != 0)
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
			if (parse_uint("--timeout", optarg, 1, 600000, &cfg.read_timeout_ms))
				return EXIT_USAGE;
			break;
		case O_CTIMEOUT:
			if (parse_uint("--connect-timeout", optarg, 1, 600000,
			               &cfg.connect_timeout_ms))
				return EXIT_USAGE;
			break;
		case O_RETRIES:
			if (parse_uint("--retries", optarg, 0, 10, &cfg.retries))
				return EXIT_USAGE;
			break;
		case O_MAXCONN:
			if (parse_uint("--max-conns", optarg, 1, 64, &cfg.max_conns_per_host))
				return EXIT_USAGE;
			break;
		case O_MAXTOTAL:
			if (parse_uint("--max-total", optarg, 1, 65536, &cfg.max_conns_total))
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
		case O_PROFILE:
			cfg.profile = optarg;
			break;
		case O_PROFILEFILE:
			if (nprofile_files < MAX_PROFILE_FILES)
				profile_files[nprofile_files++] = optarg;
			break;
		case O_REQUIRE:
			require = optarg;
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
			if (parse_uint("--http-port", optarg, 1, 65535, &cfg.http_port))
				return EXIT_USAGE;
			break;
		case O_NOHTTP:
			cfg.no_http = 1;
			break;
		case O_NODNS:
			cfg.no_dns = 1;
			break;
		case O_COLOR:
			color = 1;
			break;
		case O_NOCOLOR:
			color = 0;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SCANNED;
		case ':':
			fprintf(stderr, "tlsaudit: option '%.64s' needs a value\n",
			        argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "tlsaudit: unknown option '%.64s'\n", argv[optind - 1]);
			return EXIT_USAGE;
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
	for (int k = 0; k < 2; k++) {
		const char *id = k == 0 ? cfg.profile : require;

		if (id && !ta_scan_has_profile(scan, id)) {
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
	for (size_t i = 0; i < noutputs; i++)
		outs[i] = NULL;
	for (size_t i = 0; i < noutputs; i++)
		if (!(outs[i] = fopen(outputs[i], "w"))) {
			ta_text_for_terminal(err, sizeof err, outputs[i]);
			fprintf(stderr, "tlsaudit: cannot write '%s': %s\n", err, strerror(errno));
			close_outputs(outs, noutputs);
			ta_scan_free(scan);
			return EXIT_USAGE;
		}
	if (color < 0)
		color = !noutputs && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	/* the reports are written while the scan runs: each target as soon as
	 * it and those before it are done */
	rc = noutputs ? TA_OK : ta_scan_output(scan, fmt, stdout, color);
	for (size_t i = 0; i < noutputs && rc == TA_OK; i++)
		rc = ta_scan_output(scan, format_of(outputs[i], fmt), outs[i], i ? 0 : color);
	if (rc != TA_OK) {
		fprintf(stderr, "tlsaudit: cannot start the report: %s\n", ta_strerror(rc));
		close_outputs(outs, noutputs);
		ta_scan_free(scan);
		return EXIT_INTERNAL;
	}
	if ((rc = ta_scan_run(scan)) != TA_OK) {
		fprintf(stderr, "tlsaudit: scan stopped: %s (the report has the targets done)\n",
		        ta_strerror(rc));
	}
	if (ta_scan_output_error(scan) != TA_OK) {
		fprintf(stderr, "tlsaudit: cannot write the report: %s\n",
		        ta_scan_output_error(scan) == TA_ENOMEM ? "out of memory"
		                                                : strerror(errno));
		rc = TA_ESYS;
	}
	if (close_outputs(outs, noutputs) != 0) {
		fprintf(stderr, "tlsaudit: cannot write the report: %s\n", strerror(errno));
		rc = TA_ESYS;
	}
	c = rc != TA_OK                                      ? EXIT_INTERNAL
	    : (ta_scan_error_count(scan) > 0 || invalid > 0) ? EXIT_TARGET_FAILED
	                                                     : EXIT_SCANNED;
	if (c == EXIT_SCANNED && require && ta_scan_noncompliant(scan, require) != 0) {
		fprintf(stderr, "tlsaudit: %ld target(s) do not comply with %s\n",
		        ta_scan_noncompliant(scan, require), require);
		c = EXIT_NONCOMPLIANT;
	}
	ta_scan_free(scan);
	return c;
}
