/*
 * Internal engine: targets, hello exchanges and probe jobs on one loop.
 *
 * An exchange is one TCP connection that sends one hello and reads the
 * server's answer up to what the probe wants.  A job is a probe strategy
 * (elimination over suites, groups, schemes ...) that issues exchanges one
 * after another; several jobs of a target run side by side, and the target
 * caps how many of its connections are open at once.
 */
#ifndef TA_PROBE_ENGINE_H
#define TA_PROBE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "model/result.h"
#include "net/conn.h"
#include "net/loop.h"
#include "probe/scan_internal.h"
#include "tlsaudit.h"
#include "wire/registry.h"
#include "wire/tls.h"

enum ta_outcome {
	TA_OUT_HELLO,      /* a ServerHello */
	TA_OUT_HRR,        /* a HelloRetryRequest */
	TA_OUT_ALERT,      /* an alert before any ServerHello */
	TA_OUT_CLOSED,     /* closed or reset before any answer */
	TA_OUT_TIMEOUT,    /* no answer in time */
	TA_OUT_CONNECT,    /* TCP connect failed */
	TA_OUT_GARBAGE,    /* bytes that are not a valid answer */
	TA_OUT_SSL2,       /* an SSLv2 SERVER-HELLO */
	TA_OUT_SSL2_ERROR, /* an SSLv2 ERROR message */
	TA_OUT_STARTTLS,   /* the STARTTLS dialogue failed (not offered, refused) */
	TA_OUT_INTERNAL,   /* we could not even try (memory, sockets) */
};

/* What the probe wants read after the ServerHello. */
#define TA_WANT_SKE    0x01u /* read on to the ServerKeyExchange */
#define TA_WANT_CERT   0x02u /* keep the Certificate chain (TLS 1.2 and below) */
#define TA_WANT_STATUS 0x04u /* keep a CertificateStatus (stapled OCSP) */

#define TA_RESP_MAX_CERTS 16

struct ta_response {
	int outcome; /* enum ta_outcome */
	struct ta_alert alert;
	bool has_alert;
	struct ta_server_hello sh; /* views inside sh are not valid */
	bool has_ske;
	uint8_t ske_kind;
	uint16_t curve;
	bool has_sigalg;
	uint16_t sigalg;
	uint8_t dh_p[TA_DH_MAX_BYTES];
	size_t dh_p_len;
	uint8_t cookie[256];
	size_t cookie_len;
	uint32_t ssl2_kinds[TA_SSL2_MAX_KINDS];
	size_t nssl2_kinds;
	unsigned cert_count;
	const char *detail; /* static text for garbage / protocol errors */
	/* kept when wanted; owned by the exchange: a callback that wants them
	 * past its return takes them (sets the pointer to NULL) */
	uint8_t *chain; /* the certificates, back to back */
	size_t cert_off[TA_RESP_MAX_CERTS], cert_len[TA_RESP_MAX_CERTS];
	size_t ncerts;
	uint8_t *ocsp; /* stapled OCSP response (DER) */
	size_t ocsp_len;
	bool status_message; /* a CertificateStatus came */
	char alpn[64];       /* the server's ALPN choice, "" when none */
	char npn[160];       /* NPN protocols the server listed, comma-separated */
	/* full handshakes through OpenSSL (ta_xchg_submit_ossl) */
	bool ossl;
	bool ossl_ok;            /* the handshake completed */
	uint16_t ossl_sigscheme; /* server's CertificateVerify / SKE scheme, 0 unknown */
	uint16_t ossl_version;
	uint16_t ossl_suite;
	bool ossl_reused;      /* the session offered was resumed */
	void *ossl_session;    /* SSL_SESSION * (owned; take it to keep it) */
	unsigned ossl_tickets; /* NewSessionTickets seen */
	/* TLS 1.3 with TA_OSSL_TICKETS: how long it waited for tickets after
	 * its Finished (0: they came with the server's Finished, or no wait),
	 * and when the first came, ms after that Finished (with tickets) */
	unsigned ossl_ticket_wait_ms, ossl_ticket_ms;
	uint32_t ossl_max_early_data;
	int ossl_reneg; /* enum ta_tri: client renegotiation worked */
	bool ossl_ems;  /* extended master secret negotiated */
	uint32_t tag;   /* the job's tag when the exchange was submitted */
	/* a second flight after the server's ServerHelloDone
	 * (ta_xchg_submit_follow) and what the server did next */
	struct {
		bool sent;
		int end; /* enum ta_follow_end */
		struct ta_alert alert;
		uint8_t type;       /* TA_FOLLOW_RECORD: the record's type */
		size_t bytes;       /* ... and its length */
		uint8_t hb_type;    /* a heartbeat record: its message type */
		uint16_t hb_length; /* ... and the payload length it declares */
		unsigned ms;        /* how long after the second flight */
	} follow;
	/* heartbeats after an OpenSSL handshake (TA_OSSL_HEARTBEAT, hbpost.h) */
	struct {
		bool negotiated;     /* the server's hello echoed the heartbeat extension */
		uint8_t mode;        /* its mode: 1 peer_allowed_to_send, 2 not allowed */
		bool unprotected;    /* a suite whose records tlsaudit does not protect */
		char protection[64]; /* the record protection used, or that suite */
		bool sent;           /* the overlong request and the well-formed one went out */
		int end;             /* enum ta_follow_end (RECORD: the echo came) */
		struct ta_alert alert;
		bool bad_record;    /* a record of the server's did not authenticate */
		bool echoed;        /* the well-formed request came back intact */
		bool over_answered; /* the overlong request got a heartbeat response */
		uint16_t over_declared;
		size_t over_bytes; /* ... of that many bytes (counted, not kept) */
		unsigned others;   /* other records and heartbeat messages */
		unsigned ms;       /* how long after the requests */
	} hb;
};

enum ta_follow_end {
	TA_FOLLOW_NONE,    /* not sent (no ServerHelloDone, or TLS 1.3) */
	TA_FOLLOW_ALERT,   /* an alert */
	TA_FOLLOW_RECORD,  /* a record of another type */
	TA_FOLLOW_CLOSED,  /* closed (FIN) */
	TA_FOLLOW_RESET,   /* reset */
	TA_FOLLOW_TIMEOUT, /* nothing within the wait */
};

struct ta_job;

/* The second flight of an exchange: bytes to send once the server's flight
 * has ended with its ServerHelloDone, written into out (cap bytes; *len 0:
 * none), from what the answer holds so far. */
typedef void (*ta_follow_fn)(struct ta_job *job, const struct ta_response *resp, uint8_t *out,
                             size_t cap, size_t *len);

/* What a full OpenSSL handshake offers. */
struct ta_ossl_req {
	uint16_t min_version, max_version;
	const char *sigalgs;      /* OpenSSL sigalgs list, or NULL */
	const char *groups;       /* OpenSSL groups list, or NULL */
	const char *ciphers;      /* TLS 1.2 cipher string, or NULL */
	const char *ciphersuites; /* TLS 1.3 suites, or NULL */
	const char *alpn;         /* comma-separated ALPN list, or NULL */
	unsigned flags;           /* TA_OSSL_* */
	void *resume;             /* SSL_SESSION * to offer (the caller keeps it) */
};

#define TA_OSSL_STATUS    0x01u /* ask for a stapled OCSP response */
#define TA_OSSL_RENEG     0x02u /* after the handshake, renegotiate (TLS 1.2) */
#define TA_OSSL_TICKETS   0x04u /* after the handshake, wait briefly for tickets */
#define TA_OSSL_NO_TICKET 0x08u /* do not offer session tickets */
#define TA_OSSL_CHAIN     0x10u /* keep the peer's chain and stapled OCSP */
/* with TA_OSSL_TICKETS: the longest wait (asked again when the adaptive
 * one saw none), not one scaled to the round trip */
#define TA_OSSL_TICKETS_LONG 0x20u
/* offer the heartbeat extension (TLS 1.0 to 1.2, suites recprot.h
 * protects); when the server echoes it, send heartbeats after the
 * handshake and read what comes back (the response's hb) */
#define TA_OSSL_HEARTBEAT 0x40u

struct ta_scan;
struct ta_target;
struct ta_job;

typedef void (*ta_xchg_cb)(struct ta_job *job, const struct ta_response *resp);

struct ta_job_ops {
	const char *name;
	void (*start)(struct ta_job *job);
	void (*free)(struct ta_job *job);
};

struct ta_job {
	const struct ta_job_ops *ops;
	struct ta_target *t;
	struct ta_job *next; /* in the target's list */
	bool done;
	char label[48]; /* for traces: "suites TLSv1.2" */
	uint32_t tag;   /* copied into the response of the next submitted exchange */
};

struct ta_xchg;

struct ta_st_ops;

/* An address the run connects to, whatever the targets on it: --max-conns
 * counts its connections. */
struct ta_host {
	char ip[64];
	unsigned inflight;
};

struct ta_target {
	struct ta_scan *scan;
	struct ta_host *host;           /* its address (set when the run starts) */
	const struct ta_st_ops *st_ops; /* STARTTLS dialogue before every hello, or NULL */
	/* rate limiting: after a busy answer (421, reset in the dialogue) no
	 * new connection before hold_until_ms, and at most conn_cap at once */
	uint64_t hold_until_ms;
	uint64_t hold_since_ms; /* when the last hold began */
	struct ta_timer hold_timer;
	unsigned conn_cap; /* 0: the configured cap */
	unsigned busy_streak;

	char st_msg[200];  /* detail text of the last failed dialogue */
	bool st_banner_ok; /* the banner kept is from a dialogue that went through */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char sni[256];
	struct ta_result res;
	bool started, finished;
	bool resolve_failed; /* nothing to scan: res.error says why */
	char proto[16];      /* the target's own "/proto" */
	uint64_t start_ms;
	struct ta_xchg *qhead, *qtail; /* waiting for a connection slot */
	struct ta_xchg *live;          /* every exchange not completed: freed with the
	                                * target when a scan stops in the middle */
	unsigned inflight;
	struct ta_job *jobs;
	unsigned jobs_live;
	struct ta_target *ready_next; /* in the scan's list of waiting targets */
	bool in_ready;
	bool http_started; /* its HTTP checks were started */
	/* the end: the target is handed on once nothing of it runs any more */
	size_t index;                /* its place in the scan's order */
	unsigned parts;              /* running: the probes, the HTTP checks, the CAA lookup */
	bool emitted;                /* handed to the consumer (and freed, when there is one) */
	struct ta_target *done_next; /* in the scan's list of targets to hand on */
	struct ta_target *caa_next;  /* more targets of the same name waiting for its CAA */
	/* no /PROTO given and the server greeted first: the dialogue to
	 * start again with, once every job has ended, and what it said */
	const struct ta_st_ops *restart_ops;
	bool restarted;
	char greeting[96];
	/* planning facts, from here to dead_streak (cleared on a restart) */
	bool v_done[TA_NVER];
	bool g13_started, g13_done, legacy_started, g12_started;
	uint16_t g13[TA_MAX_ACCEPT], g12[TA_MAX_ACCEPT], gff[TA_MAX_ACCEPT];
	size_t ng13, ng12, ngff;
	int g13_order, g12_order, gff_order;
	bool ffdhe_started;
	/* groups still unknown while TLS 1.3 suites are eliminated, and the
	 * choices the suite hellos revealed on the way (seeds for groups13) */
	uint16_t g13_rem[TA_MAX_ACCEPT];
	size_t ng13_rem, ng13_all;
	uint16_t g13_seed[64];
	uint16_t *g13_seed_win[64];
	size_t g13_seed_nwin[64];
	size_t ng13_seed;
	bool lower_started;
	bool dhe_needs_ffdhe;   /* TLS 1.2 DHE only with FFDHE groups offered */
	bool closes_on_refusal; /* refuses hellos by closing, not with an alert */
	bool sig13_started, sig13_done;
	bool features_started;
	unsigned outcomes[TA_OUT_INTERNAL + 1]; /* answers seen, by kind */
	const char *last_detail;
	bool abort; /* unreachable: stop issuing work */
	const char *abort_reason;
	char abort_buf[320];
	const char *violation; /* the first protocol violation seen, for the report */
	bool alive;            /* it has answered like a TLS server */
	unsigned dead_streak;  /* timeouts / garbage in a row before any real answer */
};

struct ta_dns;
struct ta_http;
struct ta_spec;
struct ta_seen;
struct ta_caa_lookup;

struct ta_scan {
	struct ta_config cfg;
	const struct ta_planner *planner;
	char resolver[256]; /* --resolver, "" for the system's */
	struct ta_dns *dns; /* while running */
	struct ta_http *http;
	char dns_err[200];            /* why no resolver could be set up */
	struct ta_mail_result *mails; /* tlsaudit mail: one per domain */
	size_t nmails;
	char ca_file[4096]; /* --ca-file, for MTA-STS policy fetches */
	char starttls[16];  /* --starttls, "" when not given */
	char sni[256];
	bool has_sni;
	struct ta_loop loop;
	/* the targets as listed (scan_int.h): a spec each, and the target
	 * itself from its start until it is handed on (NULL otherwise) */
	struct ta_spec *specs;
	size_t nspecs, capspecs;
	struct ta_seen *seen;       /* the specs by (host, address, port) */
	struct ta_target **targets; /* by spec, from the run's start */
	size_t ntargets;
	struct ta_caa_lookup **caas; /* one per name, while needed */
	size_t ncaas;
	size_t next_start; /* next target to start */
	bool oom;          /* a target could not be made */
	unsigned inflight; /* connections open across targets */
	unsigned targets_live;
	struct ta_target *ready_head, *ready_tail;
	size_t nready;
	struct ta_host **hosts; /* by address, an open-addressing table */
	size_t hosts_cap;
	struct ta_timer tick; /* starts waiting targets */
	/* finished targets go to the consumer from a timer of their own, never
	 * from inside the callbacks that finished them */
	struct ta_scan_consumer consumer;
	struct ta_target *done_head;
	struct ta_timer done_timer;
	size_t nerrors;     /* targets handed on with status error */
	void *report_state; /* profiles and verdicts (src/report/profiles.c) */
	void (*report_state_free)(void *);
	char focus_profile[64];
	bool trace;                  /* TLSAUDIT_TRACE: one stderr line per exchange */
	struct ta_cert_ctx *certctx; /* trust store for chain analysis */
	char ca_err[200];            /* why the trust store could not be loaded */
	/* pace.c: --rate and the progress reports */
	double rate_tokens;
	uint64_t rate_last_ms;
	struct ta_timer rate_timer, progress_timer;
	void (*progress)(void *arg, const struct ta_progress *p);
	void *progress_arg;
	uint64_t run_start_ms;
	size_t ndone;              /* targets handed on */
	unsigned long long nconns; /* connections started */
};

/* Queue one hello exchange for job; cb runs exactly once. */
int ta_xchg_submit(struct ta_job *job, const uint8_t *hello, size_t len, unsigned want,
                   ta_xchg_cb cb);

/* The same, and after the ServerHelloDone the second flight follow
 * writes, waiting wait_ms at most for what the server does next
 * (resp.follow). */
int ta_xchg_submit_follow(struct ta_job *job, const uint8_t *hello, size_t len, unsigned want,
                          ta_follow_fn follow, unsigned wait_ms, ta_xchg_cb cb);

/* Queue one full handshake through OpenSSL (for what TLS 1.3 encrypts). */
int ta_xchg_submit_ossl(struct ta_job *job, const struct ta_ossl_req *req, ta_xchg_cb cb);

/* Something of t has ended (its probes, its HTTP checks, its CAA lookup);
 * when nothing is left, t goes to the scan's consumer (scan.c). */
void ta_target_part_done(struct ta_target *t);
/* t's probes have ended: a server that turned out to speak HTTP (ALPN)
 * gets its HTTP checks now, then the probes' part is done (scan.c). */
void ta_target_probes_done(struct ta_target *t);

/* Free every exchange of t not completed, closing its connection without
 * callbacks (a scan stopped in the middle; target.c). */
void ta_target_drop_exchanges(struct ta_target *t);

/* Add a job to the target and start it. */
void ta_target_add_job(struct ta_target *t, struct ta_job *job);
/* Called by a job when it has finished. */
void ta_job_finish(struct ta_job *job);

static inline bool
ta_u16_contains(const uint16_t *v, size_t n, uint16_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Append x to v[0..*n) unless it is there or v is full (cap). */
static inline void
ta_u16_push(uint16_t *v, size_t *n, size_t cap, uint16_t x)
{
	if (*n < cap && !ta_u16_contains(v, *n, x))
		v[(*n)++] = x;
}

/* Lists the plan offers (src/probe/offer.c). */
size_t ta_list_ec_groups(uint16_t *out, size_t cap);
/* The groups a TLS 1.0-1.2 hello offers: the EC ones, then the FFDHE ones
 * for a server that does DHE only with an offered FFDHE group
 * (t->dhe_needs_ffdhe), or its DHE suites would be refused. */
struct ta_target;
size_t ta_target_groups12(const struct ta_target *t, uint16_t *out, size_t cap);
size_t ta_list_tls13_groups(uint16_t *out, size_t cap);
size_t ta_list_sigalgs(uint16_t *out, size_t cap, bool tls13);

/* Certificates and handshake features (src/probe/features.c). */
void ta_features_start(struct ta_target *t);
/* The active vulnerability probes (src/probe/vulns.c). */
void ta_vulns_start(struct ta_target *t);

/* The planner as the scheduler (target.c) sees it: the jobs a target
 * starts with, what follows a finished job, and the result at the end.
 * The scheduler calls it through the scan, never by name. */
struct ta_planner {
	void (*start)(struct ta_target *t);
	void (*after)(struct ta_target *t, struct ta_job *job);
	void (*finish)(struct ta_target *t);
};
extern const struct ta_planner ta_probe_plan; /* plan.c */

/* Key shares (OpenSSL): a valid client share for group into buf. */
int ta_keyshare_make(uint16_t group, uint8_t *buf, size_t cap, size_t *len);

/* Classify a DH prime: fills bits and a group name. */
void ta_dh_classify(const uint8_t *p, size_t len, struct ta_dh_seen *out);

/* Add a target by host name, resolved when the scan runs (src/probe/scan.c). */
int ta_scan_add_named(struct ta_scan *s, const char *host, uint16_t port, const char *proto);

/* Mail domains (src/probe/mail.c): lookups before the scan, MX targets,
 * DANE matching after it. */
void ta_mail_discover(struct ta_scan *s);
/* add: how a host becomes a target (the scan's ta_scan_add_named). */
int ta_mail_add_targets(struct ta_scan *s, int (*add)(struct ta_scan *s, const char *host,
                                                      uint16_t port, const char *proto));
void ta_mail_finish(struct ta_scan *s);
/* A finished target: match its chains against the TLSA records of the MX
 * it is (before it is freed). */
void ta_mail_target_done(struct ta_scan *s, const struct ta_result *r);

/* Random bytes (OpenSSL RAND_bytes; never fails silently). */
void ta_random(void *buf, size_t n);

#endif
