/*
 * The built-in profiles: profiles/NN-*.json as byte arrays, in file name
 * order, generated at build time by cmake/embed.cmake.  The last entry is
 * a sentinel with name NULL.
 */
#ifndef TA_PROFILE_EMBEDDED_H
#define TA_PROFILE_EMBEDDED_H

#include <stddef.h>

struct ta_embedded_profile {
	const char *name; /* file name, e.g. "06-mozilla-5.7-intermediate.json" */
	const unsigned char *data;
	size_t len;
};

extern const struct ta_embedded_profile ta_embedded_profiles[];

#endif
