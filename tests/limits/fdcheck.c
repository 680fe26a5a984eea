/*
 * Scans the targets given on the command line twice through the public API
 * and compares the process's open file descriptors before, between and
 * after: a leak of sockets (or of anything else) shows as a difference.
 * Prints the counts; exit 0 only when they are equal.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "tlsaudit.h"

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory stream itself */
}

static int
scan_once(int argc, char **argv)
{
	struct ta_config cfg;
	struct ta_scan *s;
	char err[256];
	int rc;

	ta_config_default(&cfg);
	cfg.read_timeout_ms = 2000;
	cfg.connect_timeout_ms = 2000;
	s = ta_scan_new(&cfg);
	if (!s)
		return -1;
	for (int i = 1; i < argc; i++)
		if (ta_scan_add_target(s, argv[i], 443, err, sizeof err) != TA_OK)
			fprintf(stderr, "fdcheck: %s\n", err);
	rc = ta_scan_run(s);
	printf("scanned %zu targets, %zu with errors\n", ta_scan_target_count(s),
	       ta_scan_error_count(s));
	ta_scan_free(s);
	return rc;
}

int
main(int argc, char **argv)
{
	int before = count_fds(), middle, after;

	if (scan_once(argc, argv) != TA_OK)
		return 2;
	middle = count_fds();
	if (scan_once(argc, argv) != TA_OK)
		return 2;
	after = count_fds();
	printf("open descriptors: before %d, after one scan %d, after two %d\n", before, middle,
	       after);
	return before == middle && middle == after ? 0 : 1;
}
