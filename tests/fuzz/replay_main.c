/*
 * Replay driver: without libFuzzer (gcc builds), each fuzz target is linked
 * with this main(), which feeds every file named on the command line, and
 * every regular file in every directory named there, to
 * LLVMFuzzerTestOneInput() once.  Each input is copied into a buffer of
 * exactly its size, so ASan catches reads past the end.  ctest runs each
 * target over its seed corpus this way.  Exit status: 0 when at least one
 * input ran, 1 when none did (a missing or empty corpus is a failure).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	n = (size_t)st.st_size;
	buf = malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, f) != n) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
regular(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
main(int argc, char **argv)
{
	size_t ran = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent **names;
		struct stat st;
		int n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			failed++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) == 0)
				ran++;
			else
				failed++;
			continue;
		}
		n = scandir(argv[i], &names, regular, alphasort);
		if (n < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			failed++;
			continue;
		}
		for (int j = 0; j < n; j++) {
			char path[4096];

			snprintf(path, sizeof path, "%s/%s", argv[i], names[j]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (run_file(path) == 0)
					ran++;
				else
					failed++;
			}
			free(names[j]);
		}
		free(names);
	}
	printf("replayed %zu inputs, %zu unreadable\n", ran, failed);
	return ran > 0 && failed == 0 ? 0 : 1;
}
