/*
 * tlsaudit discover (docs/discovery.md): which of the addresses named
 * answer in TLS or offer STARTTLS, at a bounded rate, and with --db how
 * that compares with the store's inventory.
 *
 *   tlsaudit discover [options] HOST|ADDRESS|CIDR...
 *
 * Exit codes: 0 the run ended; 1 a name did not resolve, or a probe could
 * not be made (out of sockets); 2 usage error
 * (nothing was connected to); 3 internal error; 5 interrupted.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage_text[] =
        "usage: tlsaudit discover [options] HOST|ADDRESS|CIDR...\n"
        "\n"
        "Finds the ports of the addresses named that answer a TLS ClientHello (a\n"
        "ServerHello or an alert) or accept STARTTLS, connecting only to those\n"
        "addresses: CIDR blocks are expanded (at most --max-hosts addresses in all),\n"
        "names resolved (at most 16 addresses each).\n"
        "\n"
        "options:\n"
        "  -p, --ports LIST          ports and ranges, comma-separated; 'default' is the\n"
        "                            well-known TLS and STARTTLS ports (the default)\n"
        "      --rate N              at most N new connections a second (default 200)\n"
        "      --db FILE             compare with the inventory of the store FILE: new,\n"
        "                            gone and changed endpoints\n"
        "  -f, --format FMT          text (default), json or csv\n"
        "  -o, --output FILE         write to FILE (a name ending in .json or .csv sets\n"
        "                            the format)\n"
        "      --max-hosts N         addresses the names and blocks may come to\n"
        "                            (default 65536, a /16; at most 1048576)\n"
        "      --timeout MS          wait for the server's bytes (default 3000)\n"
        "      --connect-timeout MS  connect timeout (default 2000)\n"
        "      --max-conns N         connections at once per address (default 4)\n"
        "      --max-total N         connections at once in all (default 256)\n"
        "      --resolver ADDR[:PORT] DNS server(s) to ask, comma-separated\n"
        "  -4 / -6                   use only the IPv4 / IPv6 addresses of names\n"
        "      --progress, --no-progress  a progress line and a summary on stderr\n"
        "                            (default: when stderr is a terminal)\n"
        "  -h, --help\n";

enum {
	O_RATE = 256,
	O_DB,
	O_MAXHOSTS,
	O_TIMEOUT,
	O_CTIMEOUT,
	O_MAXCONNS,
	O_MAXTOTAL,
	O_RESOLVER,
	O_PROGRESS,
	O_NOPROGRESS,
};

static void
on_progress(void *arg, const struct ta_discover_progress *p)
{
	double rate = p->elapsed_s > 0 ? (double)p->connections / p->elapsed_s : 0;

	(void)arg;
	fprintf(stderr, "\r\033[K%llu/%llu probes, %llu open, %llu connections (%.0f/s), %.1f s%s",
	        p->done, p->probes, p->open, p->connections, rate, p->elapsed_s,
	        p->final ? "\n" : "");
	fflush(stderr);
}

/* One option; 0, or an exit code. */
static int
option(int c, struct ta_discover_opts *o, uint16_t *ports, enum ta_format *fmt, int *fmt_set,
       const char **output, int *progress)
{
	char err[200];
	size_t n;

	switch (c) {
	case 'p':
		if (ta_discover_parse_ports(optarg, ports, TA_DISCOVER_PORTS_MAX, &n, err,
		                            sizeof err) != TA_OK) {
			fprintf(stderr, "tlsaudit: discover: %s\n", err);
			return EXIT_USAGE;
		}
		o->ports = ports;
		o->nports = n;
		return 0;
	case O_RATE:
		return cli_parse_uint("--rate", optarg, 1, 100000, &o->rate) ? EXIT_USAGE : 0;
	case O_DB:
		o->db = optarg;
		return 0;
	case 'f':
		*fmt_set = 1;
		return cli_parse_format(optarg, fmt) ? EXIT_USAGE : 0;
	case 'o':
		*output = optarg;
		return 0;
	case O_MAXHOSTS:
		return cli_parse_uint("--max-hosts", optarg, 1, 1048576, &o->max_hosts) ? EXIT_USAGE
		                                                                        : 0;
	case O_TIMEOUT:
		return cli_parse_uint("--timeout", optarg, 1, 600000, &o->read_timeout_ms)
		               ? EXIT_USAGE
		               : 0;
	case O_CTIMEOUT:
		return cli_parse_uint("--connect-timeout", optarg, 1, 600000,
		                      &o->connect_timeout_ms)
		               ? EXIT_USAGE
		               : 0;
	case O_MAXCONNS:
		return cli_parse_uint("--max-conns", optarg, 1, 255, &o->max_conns_per_host)
		               ? EXIT_USAGE
		               : 0;
	case O_MAXTOTAL:
		return cli_parse_uint("--max-total", optarg, 1, 65536, &o->max_conns_total)
		               ? EXIT_USAGE
		               : 0;
	case O_RESOLVER:
		if (ta_resolver_check(optarg, err, sizeof err) != TA_OK) {
			fprintf(stderr, "tlsaudit: --resolver: %s\n", err);
			return EXIT_USAGE;
		}
		o->resolver = optarg;
		return 0;
	case '4':
	case '6':
		o->family = c == '4' ? TA_FAMILY_V4 : TA_FAMILY_V6;
		return 0;
	case O_PROGRESS:
	case O_NOPROGRESS:
		*progress = c == O_PROGRESS;
		return 0;
	default:
		return EXIT_USAGE;
	}
}

int
cli_discover(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"ports", required_argument, NULL, 'p'},
	        {"rate", required_argument, NULL, O_RATE},
	        {"db", required_argument, NULL, O_DB},
	        {"format", required_argument, NULL, 'f'},
	        {"output", required_argument, NULL, 'o'},
	        {"max-hosts", required_argument, NULL, O_MAXHOSTS},
	        {"timeout", required_argument, NULL, O_TIMEOUT},
	        {"connect-timeout", required_argument, NULL, O_CTIMEOUT},
	        {"max-conns", required_argument, NULL, O_MAXCONNS},
	        {"max-total", required_argument, NULL, O_MAXTOTAL},
	        {"resolver", required_argument, NULL, O_RESOLVER},
	        {"progress", no_argument, NULL, O_PROGRESS},
	        {"no-progress", no_argument, NULL, O_NOPROGRESS},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	static uint16_t ports[TA_DISCOVER_PORTS_MAX];
	struct ta_discover_opts o;
	struct ta_discover_summary sum;
	enum ta_format fmt = TA_FORMAT_TEXT;
	const char *output = NULL;
	int fmt_set = 0, progress = -1, c, rc;
	char err[600], safe[700];
	struct cli_out out;

	ta_discover_defaults(&o);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:f:o:46h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return EXIT_SCANNED;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr,
			        "tlsaudit: discover: %s '%.64s' (try tlsaudit discover --help)\n",
			        c == ':' ? "option needs a value:" : "unknown option",
			        argv[optind - 1]);
			return EXIT_USAGE;
		}
		if ((rc = option(c, &o, ports, &fmt, &fmt_set, &output, &progress)) != 0)
			return rc;
	}
	if (optind == argc) {
		fprintf(stderr, "tlsaudit: discover: name the addresses, blocks or hosts to probe "
		                "(try tlsaudit discover --help)\n");
		return EXIT_USAGE;
	}
	if (output && !fmt_set)
		fmt = cli_format_of(output, TA_FORMAT_TEXT);
	if (fmt == TA_FORMAT_HTML) {
		fprintf(stderr, "tlsaudit: discover: the format is text, json or csv\n");
		return EXIT_USAGE;
	}
	if (progress < 0)
		progress = isatty(STDERR_FILENO);
	if (progress)
		o.progress = on_progress;
	o.catch_signals = 1;
	if ((c = cli_out_open(&out, output)) != 0)
		return c;
	rc = ta_discover((const char *const *)argv + optind, (size_t)(argc - optind), &o, fmt,
	                 out.f, &sum, err, sizeof err);
	if (rc != TA_OK) {
		ta_text_for_terminal(safe, sizeof safe, err);
		fprintf(stderr, "tlsaudit: discover: %s\n", safe);
	}
	rc = cli_out_close(&out, rc);
	if (rc != TA_OK)
		return cli_exit(rc);
	if (progress)
		fprintf(stderr,
		        "tlsaudit: discover: %llu addresses, %llu probes, %llu connections in %.1f "
		        "s: "
		        "%zu TLS, %zu STARTTLS, %zu other open%s\n",
		        sum.addresses, sum.probes, sum.connections, sum.elapsed_s, sum.tls,
		        sum.starttls, sum.other, sum.interrupted ? " (interrupted)" : "");
	if (o.db && progress)
		fprintf(stderr, "tlsaudit: discover: inventory: %zu new, %zu gone, %zu changed\n",
		        sum.nnew, sum.ngone, sum.nchanged);
	return sum.interrupted                ? EXIT_INTERRUPTED
	       : sum.unresolved || sum.errors ? EXIT_TARGET_FAILED
	                                      : EXIT_SCANNED;
}
