/*
 * Inside discovery (probe/discover.h is the interface): the run's state,
 * shared by discover.c (probes and their scheduling) and discover_addr.c
 * (names, blocks, their resolution and expansion, the ports).  Not for
 * other modules.
 */
#ifndef TA_PROBE_DISCOVER_INT_H
#define TA_PROBE_DISCOVER_INT_H

#include <netinet/in.h>
#include <string.h>

#include "net/loop.h"
#include "probe/discover.h"

struct probe;

/* A block of addresses: a CIDR block, one address, or one of a name's. */
struct range {
	int family; /* AF_INET, AF_INET6 */
	uint8_t base[16];
	uint64_t count;
	uint64_t first; /* index of its first address in the run */
	size_t input;
	bool named; /* probed as the input's name (SNI) */
};

enum again { AGAIN_NONE, AGAIN_HELLO, AGAIN_DIALOGUE };

struct ta_disc {
	struct ta_disc_cfg cfg;
	struct ta_loop loop;
	bool loop_ok;
	struct ta_disc_input *inputs;
	size_t ninputs, capinputs;
	struct range *ranges;
	size_t nranges, capranges;
	uint16_t ports[TA_DISC_PORTS_MAX];
	size_t nports;
	uint8_t *inflight; /* connections open, by address index */
	uint64_t next;     /* next probe index */
	struct probe *live;
	size_t nlive;
	struct probe *qhead, *qtail;
	double tokens;
	uint64_t tokens_ms;
	struct ta_timer rate_timer, progress_timer;
	uint64_t start_ms;
	struct ta_disc_stats st;
	bool pumping;
	int fatal;
	void (*on_result)(void *arg, const struct ta_disc_result *r);
	void (*progress)(void *arg, const struct ta_disc_stats *s, int final);
	void *arg;
};

static inline unsigned
ta_disc_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* out = base + off, big-endian over len bytes. */
static inline void
ta_disc_addr_add(uint8_t *out, const uint8_t *base, unsigned len, uint64_t off)
{
	unsigned carry = 0;

	if (len > 16)
		len = 16; /* an address is 4 or 16 bytes */
	memcpy(out, base, len);
	for (unsigned i = len; i > 0 && (off || carry); i--) {
		unsigned v = out[i - 1] + (unsigned)(off & 0xff) + carry;

		out[i - 1] = (uint8_t)v;
		carry = v >> 8;
		off >>= 8;
	}
}

/* discover_addr.c: resolve every name on d->loop (a name that fails keeps
 * its error), then drop the ranges of failed names and lookups and every
 * range inside another, and number the addresses (TA_EINVAL with the
 * reason in err beyond max_hosts). */
int ta_disc_resolve(struct ta_disc *d) TA_MUST_CHECK;
int ta_disc_expand(struct ta_disc *d, char *err, size_t errlen) TA_MUST_CHECK;

#endif
