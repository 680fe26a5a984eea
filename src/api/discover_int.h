/*
 * Inside tlsaudit discover (include/tlsaudit.h): what discover.c (the run
 * and the comparison with the inventory) hands to discover_out.c (the
 * reports).  Not for other modules.
 */
#ifndef TA_API_DISCOVER_INT_H
#define TA_API_DISCOVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "inventory/inventory.h"
#include "probe/discover.h"

/* An open port, as the run reported it. */
struct svc {
	int family; /* AF_INET, AF_INET6: a and addr */
	uint8_t a[16];
	char addr[TA_DISC_ADDR_TEXT];
	char *host; /* the name probed, or NULL */
	uint16_t port;
	int status;        /* enum ta_disc_status */
	const char *proto; /* "tls", a dialogue's name, or NULL (static text) */
	uint16_t version;
	bool hrr, has_alert, tls_answer;
	uint8_t alert;
	unsigned conns;
	const char *inv; /* "listed", "new", "changed", or NULL without an inventory */
	char banner[160];
	char detail[200];
};

/* An inventory row whose port was probed. */
struct inv_ep {
	const struct ta_inv_row *row;
	const char *proto;            /* its protocol, "https" as "tls" */
	size_t lookup;                /* the run's input of its name; SIZE_MAX for an address */
	bool unresolvable;            /* its name could not even be asked for */
	char addr[TA_DISC_ADDR_TEXT]; /* an address row's, canonical */
};

/* What a probe of an inventory endpoint found when nothing answered. */
struct miss {
	char key[TA_DISC_ADDR_TEXT + 8]; /* "address|port" */
	char detail[200];
};

/* An endpoint gone (svc NULL) or changed (svc: what answers there). */
struct change {
	const struct inv_ep *ep;
	const struct svc *svc;
	char addrs[TA_DISC_NAME_ADDRS][TA_DISC_ADDR_TEXT]; /* probed for it */
	size_t naddrs;
	char reason[220]; /* gone: what the first address did */
};

struct disc_ctx {
	const struct ta_discover_opts *opts;
	const char *db;
	struct ta_disc *disc;
	time_t now;
	int rc; /* a failure inside the run's callback */
	struct svc *svc;
	size_t nsvc, capsvc;
	/* the inventory (db) */
	bool have_inv;
	struct ta_inventory inv;
	struct inv_ep *eps;
	size_t neps;
	char **keys; /* "address|port" of the endpoints, sorted */
	size_t nkeys;
	bool keys_built;
	struct miss *miss;
	size_t nmiss, capmiss;
	struct change *changed, *gone;
	size_t nchanged, ngone, nnew, listed, in_scope, unresolved_rows;
};

/* discover.c */
bool ta_dsvc_is_tls(const struct svc *s);

/* discover_out.c */
/* "tls", "starttls", "no-starttls", "not-tls", "closed", "no-answer", "error" */
const char *ta_dsvc_status_name(int status);
/* The report of the run in fmt (text, json, csv); TA_ESYS when writing fails. */
int ta_dout_write(const struct disc_ctx *x, enum ta_format fmt, FILE *out) TA_MUST_CHECK;

#endif
