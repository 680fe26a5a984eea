/*
 * An inventory file from disk, parsed as ta_inv_parse() parses a buffer:
 * what `tlsaudit inventory import` and `tlsaudit plan --inventory` read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/inventory.h"

static int
unusable(const char *path, const char *why,
         void (*on_msg)(void *arg, enum ta_inv_severity sev, const char *msg), void *arg)
{
	char msg[600];

	snprintf(msg, sizeof msg, "%s: %s", path, why);
	if (on_msg)
		on_msg(arg, TA_INV_ERROR, msg);
	return -1;
}

int
ta_inv_parse_file(const char *path, struct ta_inventory *inv,
                  void (*on_msg)(void *arg, enum ta_inv_severity sev, const char *msg), void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map;
	int rc;

	if (fd < 0)
		return unusable(path, strerror(errno), on_msg, arg);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > TA_INV_FILE_MAX) {
		const char *why = !S_ISREG(st.st_mode) ? "not a file" : "over 512 MiB";

		close(fd);
		return unusable(path, why, on_msg, arg);
	}
	if (st.st_size == 0) {
		close(fd);
		return ta_inv_parse("", 0, path, TA_INV_AUTO, inv, on_msg, arg);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	rc = errno;
	close(fd);
	if (map == MAP_FAILED)
		return unusable(path, strerror(rc), on_msg, arg);
	rc = ta_inv_parse(map, (size_t)st.st_size, path, TA_INV_AUTO, inv, on_msg, arg);
	munmap(map, (size_t)st.st_size);
	return rc;
}
