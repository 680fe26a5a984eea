/*
 * Shared by the inventory readers: the parse context (messages, counts,
 * the index of endpoints already seen) and the one function every format
 * hands its rows to, inv_add(), which checks and canonicalises each cell
 * the same way whichever file the row came from.
 */
#ifndef TA_INVENTORY_INV_INT_H
#define TA_INVENTORY_INV_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "inventory/inventory.h"

/* The columns, in the writer's order (ta_inv_column()). */
enum inv_col {
	C_ASSET_ID,
	C_NAME,
	C_OWNER,
	C_SERVICE,
	C_HOST,
	C_PORT,
	C_PROTOCOL,
	C_SNI,
	C_EXPOSURE,
	C_CRITICALITY,
	C_SOFTWARE,
	C_TLS_LIBRARY,
	C_PROFILE,
	C_UPGRADABLE,
	C_CONTINGENCY,
	C_EXCEPTION_EXPIRY,
	C_TAGS,
	C_NOTES,
	NCOLS
};

/* The string member of column i in r, or NULL for port and upgradable. */
char **inv_col_str(struct ta_inv_row *r, enum inv_col i);
/* Column i of r as text (port written into num; upgradable's name). */
const char *inv_col_text(const struct ta_inv_row *r, enum inv_col i, char num[8]);

/* One row's cells as views (v[i] may be NULL: empty; len[i] bytes, which
 * may hold NULs: inv_add rejects them). */
struct inv_cells {
	const char *v[NCOLS];
	size_t len[NCOLS];
};

struct inv_ctx {
	const char *name; /* for messages */
	struct ta_inventory *inv;
	size_t start; /* inv->n when this parse began */
	void (*on_msg)(void *arg, enum ta_inv_severity sev, const char *msg);
	void *arg;
	int bad;    /* bad rows so far */
	bool fatal; /* the file is unusable (or memory ran out): return -1 */
	bool stop;  /* the row cap was reached: read no further */
	/* endpoints already in inv: open addressing, row index + 1, 0 = free */
	uint32_t *slots;
	size_t nslots;
};

/* "NAME:LINE: text" (or "NAME: text" for line 0) to on_msg. */
void inv_msg(struct inv_ctx *c, enum ta_inv_severity sev, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* A bad row: inv_msg(TA_INV_ERROR) and one more bad row. */
void inv_bad(struct inv_ctx *c, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The file is unusable: one error, then the parse returns -1. */
void inv_fatal(struct inv_ctx *c, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* s[0..len) for a message: printable ASCII (\xNN), cut at 60 bytes + "...". */
#define INV_QUOTE_CAP 72
void inv_quote(char dst[INV_QUOTE_CAP], const char *s, size_t len);

/* Check the cells, build the row and append it (see docs/inventory.md for
 * the rules).  On a bad row, one inv_bad().  May set c->fatal (out of
 * memory) or c->stop (row cap). */
void inv_add(struct inv_ctx *c, const struct inv_cells *cells, unsigned line);

/* The readers; each reports through c and returns nothing. */
void inv_parse_csv(struct inv_ctx *c, const char *buf, size_t len);
void inv_parse_list(struct inv_ctx *c, const char *buf, size_t len);
void inv_parse_nmap(struct inv_ctx *c, const char *buf, size_t len);

#endif
