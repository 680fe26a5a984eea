/*
 * Snapshot test: renders every built-in profile with ta_profile_print() and
 * compares it with DIR/<id>.txt, so that any change to a profile shows up
 * in review as a change to a snapshot.  With --write, rewrites the
 * snapshots instead (then review `git diff`).  Also fails when a snapshot
 * has no built-in profile.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "report/report.h"

static char *
render(const struct ta_profile *p, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	ta_profile_print(p, f);
	fclose(f);
	return buf;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int
main(int argc, char **argv)
{
	struct ta_profile_set *set;
	bool write = argc == 3 && strcmp(argv[1], "--write") == 0;
	const char *dir = argv[argc - 1];
	char err[512];
	int bad = 0;

	if (argc != 2 && !write) {
		fprintf(stderr, "usage: profile_snapshot [--write] DIR\n");
		return 2;
	}
	if (ta_profiles_builtin(&set, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (size_t i = 0; i < ta_profiles_count(set); i++) {
		const struct ta_profile *p = ta_profiles_get(set, i);
		char path[4096], *now, *then;
		size_t nlen = 0, tlen = 0;

		snprintf(path, sizeof path, "%s/%s.txt", dir, ta_profile_id(p));
		now = render(p, &nlen);
		if (!now)
			return 1;
		if (write) {
			FILE *f = fopen(path, "wb");

			if (!f || fwrite(now, 1, nlen, f) != nlen || fclose(f) != 0) {
				fprintf(stderr, "%s: cannot write\n", path);
				bad++;
			}
		} else if (!(then = slurp(path, &tlen))) {
			fprintf(stderr, "%s: missing snapshot for profile %s\n", path,
			        ta_profile_id(p));
			bad++;
		} else {
			if (tlen != nlen || memcmp(then, now, nlen) != 0) {
				size_t k = 0;

				while (k < tlen && k < nlen && then[k] == now[k])
					k++;
				fprintf(stderr,
				        "%s: differs from the built-in profile at byte %zu; "
				        "rerun with --write and review the diff\n",
				        path, k);
				bad++;
			}
			free(then);
		}
		free(now);
	}
	if (!write) {
		/* A snapshot without a profile: a profile was removed or renamed. */
		DIR *d = opendir(dir);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			size_t n = strlen(e->d_name);
			char id[256];

			if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0 || n - 4 >= sizeof id)
				continue;
			memcpy(id, e->d_name, n - 4);
			id[n - 4] = '\0';
			if (!ta_profiles_find(set, id)) {
				fprintf(stderr, "%s/%s: no built-in profile %s\n", dir, e->d_name,
				        id);
				bad++;
			}
		}
		if (d)
			closedir(d);
	}
	printf("profile snapshots: %zu profiles, %d problem%s\n", ta_profiles_count(set), bad,
	       bad == 1 ? "" : "s");
	ta_profiles_free(set);
	return bad ? 1 : 0;
}
