/*
 * tlsaudit command line: the commands (cli.h) and the usage.  Built only
 * on the public header.
 *
 *   tlsaudit scan [options] TARGET...
 *
 * Exit codes (docs/cli.md): 0 all targets scanned; 1 some target failed
 * or was invalid; 2 usage error or no valid target; 3 internal error;
 * 4 a target does not comply with a --require profile.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void
cli_usage(FILE *out)
{
	fprintf(out,
	        "usage: tlsaudit scan [options] TARGET...\n"
	        "       tlsaudit mail [options] DOMAIN...\n"
	        "       tlsaudit profiles [--profile-file FILE]...\n"
	        "       tlsaudit profiles show ID [--profile-file FILE]...\n"
	        "       tlsaudit report [-f FMT] [-o FILE] [--profile ID] [--require ID]... "
	        "[--color]\n"
	        "                       REPORT.json\n"
	        "       tlsaudit report --db FILE [--run ID] [-f FMT] [-o FILE] [--profile ID]\n"
	        "       tlsaudit runs [--db FILE] [-f text|json]\n"
	        "       tlsaudit export [--db FILE] [--run ID] [-f FMT] [-o FILE] [--require "
	        "ID]...\n"
	        "       tlsaudit history [--db FILE] [-f text|json] HOST|KEY\n"
	        "       tlsaudit certs [--db FILE] [--run ID] [--expiring DAYS] [-f FMT]\n"
	        "       tlsaudit diff [-f text|json] [-o FILE] A.json B.json\n"
	        "       tlsaudit diff --db FILE [-f text|json] [-o FILE] [RUN_A [RUN_B]]\n"
	        "       tlsaudit plan --db FILE [--run ID] [--inventory FILE]... [-f FMT]\n"
	        "       tlsaudit plan [--db FILE] [--inventory FILE]... REPORT.json\n"
	        "       tlsaudit inventory import [--db FILE] [--replace] FILE...\n"
	        "       tlsaudit inventory check FILE...\n"
	        "       tlsaudit inventory export [--db FILE] [-o FILE] [--bom]\n"
	        "       tlsaudit discover [--ports LIST] [--rate N] [--db FILE] [-f FMT] "
	        "HOST|CIDR...\n"
	        "       tlsaudit config --software S --profile ID [--version V] "
	        "[--tls-library L:V]\n"
	        "       tlsaudit clients [--profile ID] [-f text|json]\n"
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
	        "tlsaudit discover finds the ports of the addresses, blocks and names given\n"
	        "that answer in TLS or accept STARTTLS (tlsaudit discover --help).\n"
	        "\n"
	        "tlsaudit config prints the configuration that makes a server software comply\n"
	        "with a profile, or writes a standalone one to try (tlsaudit config --help).\n"
	        "tlsaudit clients lists the clients the simulation knows, or with --profile\n"
	        "who would connect to a server configured to that profile (docs/clients.md).\n"
	        "\n"
	        "tlsaudit report renders a report that --format json wrote again, in any\n"
	        "format, without scanning (certificate expiry judged against today); with\n"
	        "--db FILE, a run of a store (the last, or --run ID) as export does. An HTML\n"
	        "page made with a store shows the trend over its last runs.\n"
	        "\n"
	        "With --db FILE, scan keeps the run in a store (SQLite), each target committed\n"
	        "as it finishes; runs lists the runs, export renders one as scan did, history\n"
	        "shows an endpoint over the runs, certs lists certificates by expiry; these\n"
	        "four read --db, else $TLSAUDIT_DB (docs/store.md).\n"
	        "\n"
	        "options:\n"
	        "  -f, --format FMT          text (default), json, csv, html or junit (JUnit XML\n"
	        "                            for CI: a test case per target and profile)\n"
	        "  -i, --input FILE          read targets from FILE, one per line ('#' comments)\n"
	        "  -o, --output FILE         write the report to FILE instead of stdout; again\n"
	        "                            for more reports of the same scan (up to 4), each\n"
	        "                            in the format its name ends in (.json .csv .html\n"
	        "                            .xml .txt), else --format\n"
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
	        "      --no-vuln             no active vulnerability probes (Heartbleed, CCS\n"
	        "                            injection, ROBOT, Ticketbleed, downgrade,\n"
	        "                            intolerance)\n"
	        "      --profile ID          profile whose failing rules the text report details\n"
	        "                            (default hkcert-intermediate; see tlsaudit profiles)\n"
	        "      --profile-file FILE   add a profile of your own (repeatable)\n"
	        "      --require ID          exit 4 when a target does not comply with profile "
	        "ID;\n"
	        "                            repeatable; the profiles of --format junit's test\n"
	        "                            cases (default: each target's target profile)\n"
	        "      --db FILE|URI         keep the run in the store: an SQLite FILE (created\n"
	        "                            when missing) or postgresql://... (docs/store.md)\n"
	        "      --resume              continue the store's last unfinished run (same\n"
	        "                            targets and options) without rescanning its targets\n"
	        "      --run-label LABEL     a name for the run, shown by tlsaudit runs; with\n"
	        "                            --shard, the name the shards of one run share\n"
	        "      --shard K/N           scan only shard K (0..N-1) of the targets, by a\n"
	        "                            stable hash of host, port and protocol\n"
	        "      --inventory           scan the endpoints of the --db store's inventory\n"
	        "      --rate N              at most N new connections a second, in all\n"
	        "      --progress, --no-progress  a progress line and a summary on stderr\n"
	        "                            (default: when stderr is a terminal)\n"
	        "      --exhaustive          below TLS 1.2, try every suite, also when the server\n"
	        "                            refuses the ones it accepts in TLS 1.2, and those\n"
	        "                            defined for TLS 1.2 only\n"
	        "  -4 / -6                   use only IPv4 / IPv6 addresses\n"
	        "      --color / --no-color  force colour on or off (default: on a terminal)\n"
	        "  -h, --help\n");
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmd[] = {
	        {"scan", cli_scan},           {"mail", cli_scan},
	        {"report", cli_report},       {"profiles", cli_profiles},
	        {"runs", cli_runs},           {"export", cli_export},
	        {"history", cli_history},     {"certs", cli_certs},
	        {"inventory", cli_inventory}, {"diff", cli_diff},
	        {"discover", cli_discover},   {"config", cli_config},
	        {"plan", cli_plan},           {"clients", cli_clients},
	};

	/* Only the character set: the text report shows UTF-8 text from
	 * certificates as such when the terminal takes UTF-8. */
	setlocale(LC_CTYPE, "");
	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tlsaudit %s\n", TA_VERSION_STRING);
		return EXIT_SCANNED;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_usage(stdout);
		return EXIT_SCANNED;
	}
	for (size_t i = 0; i < sizeof cmd / sizeof cmd[0]; i++)
		if (strcmp(argv[1], cmd[i].name) == 0)
			return cmd[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tlsaudit: unknown command '%.64s' (try 'tlsaudit scan')\n", argv[1]);
	return EXIT_USAGE;
}
