/*
 * Discovery (docs/discovery.md): which of the addresses and ports the user
 * named answer with TLS, directly or after a STARTTLS dialogue.  One event
 * loop drives every connection, at a bounded rate (a token bucket of
 * connections a second), with a cap on the connections open to one address
 * and in all, a deadline on every connect and every wait, and a capped
 * input buffer.  It connects only to the addresses it was given: addresses,
 * CIDR blocks (expanded up to a cap) and the addresses of names (resolved
 * as the scanner resolves them: /etc/hosts, then DNS through c-ares).
 *
 * What a port is comes from the scanner's tables: a port with a STARTTLS
 * dialogue (wire/starttls.h: 25, 587, 143, 110 ...) runs it and sends a
 * ClientHello once the server agrees; any other port gets a ClientHello at
 * once.  A ServerHello (or HelloRetryRequest) or a TLS alert is TLS.  A
 * server that greets instead of answering the hello is tried again with
 * the dialogue its greeting names; a STARTTLS port that stays silent or
 * does not speak its protocol is tried again with a hello.  So a port costs
 * one connection, two at most.  The server's bytes are read only through
 * the wire parsers (records, alerts, ServerHello, the dialogues).
 *
 * This is the probe layer's part; the inventory comparison and the reports
 * are the api layer's (src/api/discover.c).
 */
#ifndef TA_PROBE_DISCOVER_H
#define TA_PROBE_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsaudit.h"

#define TA_DISC_HOSTS_DEFAULT 65536u   /* addresses a run may expand to (a /16) */
#define TA_DISC_HOSTS_LIMIT   1048576u /* the most max_hosts may allow */
#define TA_DISC_PORTS_MAX     1024u    /* ports in one run */
#define TA_DISC_INPUTS_MAX    4096u    /* names and blocks given, lookups included */
#define TA_DISC_NAME_ADDRS    16u      /* a name with more addresses is refused */
#define TA_DISC_SPEC_MAX      256u     /* bytes of one name or block */
#define TA_DISC_ADDR_TEXT     46u      /* INET6_ADDRSTRLEN */

struct ta_disc_cfg {
	unsigned rate;               /* new connections a second, >= 1 */
	unsigned max_hosts;          /* 0: TA_DISC_HOSTS_DEFAULT */
	unsigned connect_timeout_ms; /* 0: 2000 */
	unsigned read_timeout_ms;    /* 0: 3000 */
	unsigned per_host;           /* connections open to one address; 0: 4 */
	unsigned total;              /* connections open in all; 0: 256 */
	int family;                  /* enum ta_family, for names */
	const char *resolver;        /* DNS servers (net/dns.h), NULL: the system's */
};

/* What one address and port turned out to be. */
enum ta_disc_status {
	TA_DISC_CLOSED,      /* refused or unreachable */
	TA_DISC_NOANSWER,    /* the connect timed out (filtered, or nobody there) */
	TA_DISC_TLS,         /* a ServerHello or a TLS alert to our hello */
	TA_DISC_STARTTLS,    /* the dialogue's STARTTLS accepted */
	TA_DISC_NO_STARTTLS, /* speaks the dialogue's protocol, STARTTLS not offered or refused */
	TA_DISC_NOT_TLS,     /* open, but neither */
	TA_DISC_ERROR,       /* we could not try (sockets, memory) */
};

struct ta_disc_result {
	const char *addr; /* the address, as inet_ntop writes it */
	const char *host; /* the name it was probed as (SNI), or NULL */
	uint16_t port;
	int status;        /* enum ta_disc_status */
	const char *proto; /* "tls", a dialogue's name ("smtp" ...), or NULL */
	uint16_t version;  /* the ServerHello's version (after STARTTLS too), 0 none */
	bool hrr;          /* the answer was a HelloRetryRequest */
	bool has_alert;    /* the answer was an alert */
	uint8_t alert;     /* its description */
	bool tls_answer;   /* STARTTLS: our hello after it got a TLS answer */
	char banner[160];  /* the greeting or first bytes, printable ASCII */
	char detail[200];  /* why not TLS, or what the dialogue said; printable ASCII */
	unsigned conns;    /* connections it took */
};

/* One name or block as given (or an inventory name only looked up). */
struct ta_disc_input {
	char spec[TA_DISC_SPEC_MAX];
	bool is_name;
	bool lookup_only; /* resolved for the caller, never connected to */
	char error[200];  /* why it was not used, "" when it was */
	uint64_t naddrs;  /* addresses it stands for */
	size_t nlisted;   /* of them in addrs (names only) */
	char addrs[TA_DISC_NAME_ADDRS][TA_DISC_ADDR_TEXT];
};

struct ta_disc_stats {
	uint64_t addresses; /* after expansion, duplicates dropped */
	size_t ports;
	uint64_t probes;      /* addresses x ports */
	uint64_t done;        /* probes finished */
	uint64_t connections; /* opened, second tries included */
	uint64_t closed, noanswer, open;
	uint64_t errors; /* probes we could not make (sockets, memory) */
	double elapsed_s;
	bool interrupted; /* stopped by SIGINT or SIGTERM */
};

struct ta_disc;

/* A new run with a copy of *cfg; TA_ENOMEM. */
int ta_disc_new(const struct ta_disc_cfg *cfg, struct ta_disc **out) TA_MUST_CHECK;
void ta_disc_free(struct ta_disc *d);

/*
 * Add what to probe: an IPv4 or IPv6 address, a CIDR block ("10.1.2.0/24",
 * "2001:db8::/120"; the bits after the prefix must be zero), or a host
 * name.  TA_EINVAL with a one-line reason in err for anything else, a
 * block larger than max_hosts, or more than TA_DISC_INPUTS_MAX inputs.
 */
int ta_disc_add(struct ta_disc *d, const char *spec, char *err, size_t errlen) TA_MUST_CHECK;
/* A name to resolve with the others but never connect to (an inventory's
 * host); its addresses are in its input after the run.  *index: its input. */
int ta_disc_add_lookup(struct ta_disc *d, const char *name, size_t *index) TA_MUST_CHECK;

/* The ports, in the order given (duplicates dropped); n 0: the defaults.
 * TA_EINVAL for a port 0 or more than TA_DISC_PORTS_MAX. */
int ta_disc_set_ports(struct ta_disc *d, const uint16_t *ports, size_t n) TA_MUST_CHECK;
/* The default ports (docs/discovery.md) into out; returns how many. */
size_t ta_disc_default_ports(uint16_t *out, size_t cap);
const uint16_t *ta_disc_ports(const struct ta_disc *d, size_t *n);

/* SIGINT and SIGTERM stop the run from now on (what finished is kept). */
int ta_disc_catch_signals(struct ta_disc *d) TA_MUST_CHECK;

/*
 * Resolve the names, expand the blocks (TA_EINVAL with the reason in err
 * when the addresses come to more than max_hosts; nothing is connected to
 * then), and probe every address on every port, addresses interleaved
 * (every address's first port, then every address's second ...).  Each
 * finished probe is handed to on_result (the result lives during the call
 * only); progress, when set, is called twice a second and at the end.
 * TA_OK when the run ended (interrupted too: see the stats), TA_ENOMEM /
 * TA_ESYS when it could not go on.
 */
int ta_disc_run(struct ta_disc *d, void (*on_result)(void *arg, const struct ta_disc_result *r),
                void (*progress)(void *arg, const struct ta_disc_stats *s, int final), void *arg,
                char *err, size_t errlen) TA_MUST_CHECK;

const struct ta_disc_stats *ta_disc_stats(const struct ta_disc *d);
size_t ta_disc_ninputs(const struct ta_disc *d);
const struct ta_disc_input *ta_disc_input(const struct ta_disc *d, size_t i);
/* Was the address (text) one of those probed (after the run)? */
bool ta_disc_probed(const struct ta_disc *d, const char *addr);
/* Is port one of the run's ports? */
bool ta_disc_has_port(const struct ta_disc *d, uint16_t port);

#endif
