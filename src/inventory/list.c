/*
 * A plain target list as an inventory: exactly what `tlsaudit scan -i`
 * reads (docs/cli.md), one HOST[:PORT][/PROTO] per line, blank lines and
 * '#' comments skipped, split by the scanner's own ta_target_line() and
 * ta_parse_target() so that both take and refuse the same lines with the
 * same words.  Each target becomes a row with only host, port and protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_int.h"
#include "probe/scan_internal.h"
#include "wire/starttls.h"

/* One target (a line's text) as a row; as ta_scan_add_target() splits it. */
static void
add_target(struct inv_ctx *c, const char *spec, unsigned lineno)
{
	char base[TA_TARGET_LINE_MAX + 1], proto[16] = "", host[256], err[200], portstr[8];
	char q[INV_QUOTE_CAP];
	const char *slash = strrchr(spec, '/');
	uint16_t port, dport = 443;
	struct inv_cells cells = {0};

	if (slash) {
		size_t pl = strlen(slash + 1);

		if (pl >= sizeof proto || !ta_st_known(slash + 1)) {
			inv_quote(q, spec, strlen(spec));
			inv_bad(c, lineno, "target '%s': unknown protocol after '/' (known: %s)", q,
			        ta_st_names());
			return;
		}
		memcpy(proto, slash + 1, pl + 1);
		memcpy(base, spec, (size_t)(slash - spec));
		base[slash - spec] = '\0';
	} else {
		snprintf(base, sizeof base, "%s", spec);
	}
	if (proto[0] && ta_st_find(proto))
		dport = ta_st_find(proto)->default_port;
	if (ta_parse_target(base, dport, host, sizeof host, &port, err, sizeof err) != TA_OK) {
		inv_bad(c, lineno, "%s", err);
		return;
	}
	snprintf(portstr, sizeof portstr, "%u", port);
	cells.v[C_HOST] = host;
	cells.len[C_HOST] = strlen(host);
	cells.v[C_PORT] = portstr;
	cells.len[C_PORT] = strlen(portstr);
	cells.v[C_PROTOCOL] = proto;
	cells.len[C_PROTOCOL] = strlen(proto);
	inv_add(c, &cells, lineno);
}

void
inv_parse_list(struct inv_ctx *c, const char *buf, size_t len)
{
	char line[TA_TARGET_LINE_MAX + 1];
	unsigned lineno = 0;

	for (size_t i = 0; i < len && !c->fatal && !c->stop;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) + 1 : len - i; /* with the '\n' */
		char err[160], *spec;

		lineno++;
		if (n > TA_TARGET_LINE_MAX) { /* ta_target_line()'s own words */
			inv_bad(c, lineno, "line longer than %d bytes", TA_TARGET_LINE_MAX);
			i += n;
			continue;
		}
		memcpy(line, buf + i, n);
		line[n] = '\0';
		i += n;
		if (ta_target_line(line, n, &spec, err, sizeof err) != TA_OK) {
			inv_bad(c, lineno, "%s", err);
			continue;
		}
		if (spec)
			add_target(c, spec, lineno);
	}
}
