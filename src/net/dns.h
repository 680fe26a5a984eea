/*
 * Asynchronous DNS on the project's event loop.  c-ares 1.18 does the
 * transport only (UDP, TCP when an answer is truncated, retries, timeouts,
 * several resolvers); its sockets are watched with ta_watch and its
 * timeouts kept with a ta_timer, so nothing blocks and no thread is used.
 * We build the queries ourselves (RD and AD set, EDNS0 with a 1232-byte
 * payload) and parse every answer with src/wire/dnsrr.c, which gives us the
 * AD bit and one parser to fuzz.
 *
 * What is asked: A, AAAA, CNAME, NS, PTR, MX, TXT, CAA and TLSA.  CNAMEs in
 * an answer are followed (up to TA_DNS_MAX_CNAME).  The CAA lookup climbs
 * from a name to its parents as RFC 8659 section 3 says.
 *
 * We do not validate DNSSEC: ad says what the resolver said (RFC 4035
 * 3.2.3, RFC 6840 5.7), which means something only when the resolver is
 * trusted and the path to it is too.  See docs/dns.md.
 *
 * Callbacks are called from the loop, never from within the call that
 * started the lookup, exactly once each, unless ta_dns_free() comes first.
 * All text in answers is printable ASCII.
 */
#ifndef TA_NET_DNS_H
#define TA_NET_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/loop.h"
#include "wire/dnsrr.h"

#define TA_DNS_MAX_RR 64 /* records of the asked type kept per answer */
/* DNS facts about the host (filled by ta_dns_caa). */
#define TA_MAX_CAA 16
struct ta_caa {
	uint8_t flags;
	char tag[16];
	char value[256]; /* printable ASCII only */
};

struct ta_dns_result {
	bool tested;
	char error[200];      /* why the lookups failed ("" when they worked) */
	char caa_domain[256]; /* the name whose CAA set applies; "" when none */
	struct ta_caa caa[TA_MAX_CAA];
	size_t ncaa;
	bool caa_truncated; /* more than TA_MAX_CAA records */
};

#define TA_DNS_TXT_MAX         4096 /* escaped text kept of one TXT record, NUL included */
#define TA_DNS_TLSA_MAX        2048 /* certificate association data bytes kept */
#define TA_DNS_CAA_TAG_MAX     64   /* escaped CAA tag, NUL included */
#define TA_DNS_CAA_VALUE_MAX   1024 /* escaped CAA value, NUL included */
#define TA_DNS_MAX_RESOLVERS   4
#define TA_DNS_EDNS_SIZE       1232 /* UDP payload we announce (DNS flag day 2020) */
#define TA_DNS_TIMEOUT_DEFAULT 2000
#define TA_DNS_TRIES_DEFAULT   2

struct ta_dns; /* a c-ares channel bound to a ta_loop */

/*
 * New resolver context on loop.  resolver: NULL for the servers of
 * /etc/resolv.conf, else a comma-separated list of up to
 * TA_DNS_MAX_RESOLVERS addresses, each "IP", "IP:PORT", "[IPv6]:PORT" or a
 * bare IPv6 address (port 53).  timeout_ms: the first try's timeout (0:
 * TA_DNS_TIMEOUT_DEFAULT, at most 60000); c-ares doubles it on each round
 * through the resolvers.  tries: attempts per resolver (0:
 * TA_DNS_TRIES_DEFAULT, at most 10).  So with one resolver, 1000 ms and 2
 * tries, a query gives up after 1000 + 2000 ms.
 * TA_EINVAL with a one-line reason in err for a bad argument; TA_ENOMEM;
 * TA_ERESOLVE when c-ares cannot be set up (reason in err).
 */
int ta_dns_new(struct ta_loop *loop, const char *resolver, unsigned timeout_ms, unsigned tries,
               struct ta_dns **out, char *err, size_t errlen) TA_MUST_CHECK;

/*
 * Cancel everything and free d (NULL is fine).  Pending callbacks are never
 * called: the owner is going away.  May be called from within any callback
 * of d; the work is then finished when that callback returns.  Call it
 * before ta_loop_free() (closed watchers are freed through the loop).
 */
void ta_dns_free(struct ta_dns *d);

/* Check a resolver value as ta_dns_new() would, creating nothing (for the
 * CLI's early error).  TA_EINVAL with a one-line reason in err. */
int ta_dns_parse_resolver(const char *spec, char *err, size_t errlen) TA_MUST_CHECK;

enum ta_dns_status {
	TA_DNS_OK,        /* n records (n may be 0 only for other statuses) */
	TA_DNS_NXDOMAIN,  /* the name (or the end of its CNAME chain) does not exist */
	TA_DNS_NODATA,    /* the name exists, with no record of the type */
	TA_DNS_SERVFAIL,  /* the resolver could not answer (a DNSSEC failure is one) */
	TA_DNS_REFUSED,   /* the resolver will not answer us */
	TA_DNS_TIMEOUT,   /* no answer after every try */
	TA_DNS_BADRESP,   /* an answer we cannot accept: malformed, wrong question, CNAME loop */
	TA_DNS_ERROR,     /* anything else: connection refused, other RCODEs, no memory */
	TA_DNS_CANCELLED, /* reserved: callbacks are not called on ta_dns_free() */
};

/* "ok", "nxdomain", "nodata", "servfail", "refused", "timeout", "badresp",
 * "error", "cancelled". */
const char *ta_dns_status_name(enum ta_dns_status s);

/* One record of the asked type.  Names are presentation text (dnsrr.h);
 * host tells whether one is a valid host name (ta_dns_name_is_host()). */
struct ta_dns_rr {
	uint16_t type;
	uint32_t ttl;
	union {
		struct {            /* A, AAAA */
			int family; /* AF_INET, AF_INET6 */
			uint8_t addr[16];
			char text[46];
		} addr;
		struct { /* CNAME, NS, PTR */
			char name[TA_DNS_NAME_TEXT];
			bool host;
		} target;
		struct {
			uint16_t preference;
			char exchange[TA_DNS_NAME_TEXT]; /* "." for a null MX (RFC 7505) */
			bool host;
		} mx;
		struct {
			char text[TA_DNS_TXT_MAX]; /* strings concatenated, escaped */
			size_t nstrings;
			size_t rawlen; /* bytes before escaping */
			bool clean;    /* text is exactly the bytes */
			bool cut;      /* text was cut to TA_DNS_TXT_MAX - 1 */
		} txt;
		struct {
			uint8_t flags;
			bool critical; /* flags bit 128 */
			char tag[TA_DNS_CAA_TAG_MAX];
			char value[TA_DNS_CAA_VALUE_MAX];
			bool clean; /* tag and value are exactly the bytes */
			bool cut;
		} caa;
		struct {
			uint8_t usage, selector, mtype;
			size_t len; /* bytes in data */
			size_t rawlen;
			bool cut; /* rawlen > TA_DNS_TLSA_MAX */
			uint8_t data[TA_DNS_TLSA_MAX];
		} tlsa;
	};
};

struct ta_dns_answer {
	enum ta_dns_status status;
	const char *error; /* one line; "" when status is OK */
	bool ad;           /* the resolver set AD: it says it validated the answer */
	bool aa;           /* authoritative answer */
	bool tc;           /* still truncated (after c-ares retried over TCP) */
	int rcode;         /* -1 when no answer came */
	const char *qname; /* as asked, without a final dot */
	uint16_t qtype;
	const char *name; /* the name the records belong to, after CNAMEs */
	unsigned cnames;  /* CNAMEs followed */
	size_t n;
	bool truncated; /* more than TA_DNS_MAX_RR records: the rest were dropped */
	const struct ta_dns_rr *rr;
};

/* The answer and everything it points to live only during the call. */
typedef void (*ta_dns_cb)(void *arg, const struct ta_dns_answer *a);

/*
 * Ask for records of type about name (see ta_dns_query_build() for what a
 * name may be).  TA_EINVAL for a bad name or a type we do not parse,
 * TA_ENOMEM, TA_EINTERNAL when no random query id could be had.
 */
int ta_dns_query(struct ta_dns *d, const char *name, uint16_t type, ta_dns_cb cb,
                 void *arg) TA_MUST_CHECK;

/* The type's name ("A", "MX"...) or NULL; its number or 0. */
const char *ta_dns_type_name(uint16_t type);
uint16_t ta_dns_type_parse(const char *name);

struct ta_dns_addr {
	int family; /* AF_INET, AF_INET6 */
	char text[46];
	struct sockaddr_storage sa; /* with the port given to ta_dns_resolve() */
	socklen_t salen;
};

struct ta_dns_addrs {
	enum ta_dns_status status; /* OK when at least one address came */
	const char *error;         /* one line, "" when OK */
	bool ad;                   /* every answer used had AD set */
	const char *name;          /* after CNAMEs */
	size_t n;
	bool truncated;
	const struct ta_dns_addr *addr; /* IPv4 first, then IPv6, each in answer order */
};

typedef void (*ta_dns_addr_cb)(void *arg, const struct ta_dns_addrs *a);

/*
 * A and AAAA records of name, asked together: family 0 (both), 4 or 6.  An
 * IP address literal is returned as it is (asking nobody).  TA_EINVAL for a
 * bad name or family, or a literal of the other family.
 */
int ta_dns_resolve(struct ta_dns *d, const char *name, int family, uint16_t port, ta_dns_addr_cb cb,
                   void *arg) TA_MUST_CHECK;

/*
 * The CAA RRset relevant to host (RFC 8659 section 3): CAA at host, then
 * at each parent in turn, stopping at the first non-empty set; the root is
 * not asked.  CNAMEs are followed within each lookup.  An empty set, a
 * NODATA or an NXDOMAIN goes one level up; any other failure stops the
 * climb with out->error set (RFC 8659 says a CA must not issue then).
 * Clears and fills *out (tested, error, caa_domain: the name whose set
 * applies, "" when none; caa[], ncaa, caa_truncated), then calls
 * done(arg).  out must stay valid until then.  TA_EINVAL when host is not
 * a DNS name (an address has no CAA).
 */
int ta_dns_caa(struct ta_dns *d, const char *host, struct ta_dns_result *out,
               void (*done)(void *arg), void *arg) TA_MUST_CHECK;

#endif
