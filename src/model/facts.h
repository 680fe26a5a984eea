/*
 * The handshake features a target's result holds, declared once: the key
 * under "features" in the document (docs/schema/scan.schema.json), the
 * label the text and HTML reports show, which answer is the good one, and
 * where the value lives in struct ta_features.  The JSON builder, the
 * writers and the profile evaluator all take the features from here, so
 * they cannot disagree on which there are.
 */
#ifndef TA_MODEL_FACTS_H
#define TA_MODEL_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "model/result.h"

enum ta_fact_type {
	TA_FACT_TRI,   /* yes / no / not tested (enum ta_tri in an int) */
	TA_FACT_COUNT, /* an integer; JSON null when not tested */
	TA_FACT_SIZE,  /* record_size_limit: the value, false when none, null when not tested */
	TA_FACT_LIST,  /* a list of protocol names (ALPN, NPN) */
};

struct ta_fact {
	const char *key;   /* JSON key under "features" */
	const char *label; /* text and HTML label */
	uint8_t type;      /* enum ta_fact_type */
	int8_t good;       /* enum ta_tri: the answer a server should give (TA_UNKNOWN: no
	                    * answer is better than the other) */
	size_t off;        /* offset of the int in struct ta_features (TRI, COUNT, SIZE) */
};

extern const struct ta_fact ta_feature_facts[];
extern const size_t ta_feature_facts_count;

/* The fact with this key, or NULL. */
const struct ta_fact *ta_fact_find(const char *key);

/* The int a TRI, COUNT or SIZE fact reads from f. */
int ta_fact_int(const struct ta_fact *fact, const struct ta_features *f);

#endif
