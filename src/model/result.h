/*
 * The plain result of scanning one target: the model between the probes,
 * which fill it, and the layers above (profiles, the assessment, reports),
 * which only read it.  Nothing here refers to sockets or OpenSSL objects.
 */
#ifndef TA_PROBE_RESULT_H
#define TA_PROBE_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dns.h"
#include "net/http.h"

enum ta_ver_idx { TA_V_SSL2, TA_V_SSL3, TA_V_TLS10, TA_V_TLS11, TA_V_TLS12, TA_V_TLS13, TA_NVER };

#define TA_MAX_ACCEPT 512 /* suites accepted per version, groups, schemes */
#define TA_MAX_NOTES  24
#define TA_NOTE_LEN   256

struct ta_ver_result {
	bool tested; /* a probe ran to completion for this version */
	bool offered;
	bool incomplete;                /* probing stopped early (errors, limits) */
	uint32_t suites[TA_MAX_ACCEPT]; /* server order when server_order is yes */
	size_t nsuites;
	int server_order;    /* enum ta_tri; unknown with fewer than 2 suites */
	int chacha_priority; /* enum ta_tri */
};

/* The groups one version negotiates, in the server's order when it has
 * one (else in the order of the client's list). */
struct ta_version_groups {
	int vidx; /* enum ta_ver_idx of the version probed, -1: not probed */
	uint16_t groups[TA_MAX_ACCEPT];
	size_t n;
	int server_order; /* enum ta_tri; unknown with fewer than 2 */
};

struct ta_dh_seen {
	uint16_t bits;  /* 0: no DHE handshake seen */
	char group[24]; /* "ffdhe2048", "rfc3526-2048", "custom" ... */
	/* the server has no prime of its own: DHE only with an RFC 7919 group
	 * the client offers, and this is the smallest it accepts */
	bool ffdhe_only;
};

#define TA_MAX_CHAINS      8
#define TA_CHAIN_MAX_CERTS 16

/* One chain as a server sent it, and how we got it.  The chains of a
 * result, and the ways of each, are in a fixed order (docs/probing.md):
 * by rank, the place in the plan of the hello that brought it. */
struct ta_served_chain {
	char how[4][96];  /* up to four ways it was obtained, e.g. "TLSv1.2 RSA suites, SNI" */
	unsigned rank[4]; /* of each way, ascending */
	bool how_sni[4];  /* each way sent SNI */
	size_t nhow;
	bool sni;     /* the first way sent SNI */
	uint8_t *der; /* certificates back to back (owned) */
	size_t off[TA_CHAIN_MAX_CERTS], len[TA_CHAIN_MAX_CERTS];
	size_t n;
	uint8_t *ocsp; /* stapled OCSP response with it (owned), or NULL */
	size_t ocsp_len;
	void *analysis; /* struct ta_chain * (src/cert), filled at the end */
};

struct ta_features {
	bool tested;
	int ocsp_stapling; /* enum ta_tri */
	int secure_renegotiation;
	int client_renegotiation;
	int fallback_scsv; /* yes: protected; null: fewer than two versions */
	int compression;   /* TLS compression accepted */
	int session_id_resumption;
	int session_ticket;   /* TLS 1.2 tickets issued and resumed */
	int ticket_extension; /* the ServerHello answered the session_ticket extension */
	int tls13_tickets;    /* TLS 1.3 NewSessionTicket sent */
	int tls13_resumption;
	int extended_master_secret;
	int encrypt_then_mac;
	int heartbeat;
	int early_data; /* TLS 1.3 tickets allow 0-RTT */
	uint32_t max_early_data;
	int record_size_limit; /* value the server sent, -1 none, -2 not tested */
	char alpn[8][32];      /* ALPN protocols the server accepts, its order first */
	size_t nalpn;
	bool alpn_tested;
	char npn[160]; /* NPN protocols the server advertised, comma-separated */
	bool npn_tested;
};

/* A mail domain (tlsaudit mail): its MX hosts, MTA-STS, TLS-RPT, DANE. */
#define TA_MAIL_MAX_MX    16
#define TA_MAIL_MAX_TLSA  8
#define TA_MAIL_TLSA_DATA 64 /* association data kept (SHA-512 size); longer is cut */

struct ta_tlsa {
	uint8_t usage, selector, mtype;
	uint8_t data[TA_MAIL_TLSA_DATA];
	size_t len;    /* bytes kept */
	size_t rawlen; /* bytes published */
};

struct ta_mail_mx {
	char host[256];
	uint16_t preference;
	int sts_match; /* enum ta_tri: the MTA-STS policy names it; unknown without a policy */
	/* DANE (RFC 7672): TLSA at _25._tcp.<host> */
	bool tlsa_tested;
	char tlsa_error[160];
	bool tlsa_ad; /* the resolver said it validated the answer (AD) */
	struct ta_tlsa tlsa[TA_MAIL_MAX_TLSA];
	size_t ntlsa;
	int dane_match;        /* enum ta_tri: a served chain matches a usable record */
	bool dane_any_chain;   /* a chain of this MX was matched (so far) */
	bool dane_usable;      /* a record of a usable kind was tried (so far) */
	char dane_detail[200]; /* which record matched, or why none did */
};

struct ta_mail_result {
	char domain[256];
	char error[200];  /* why the MX lookup failed */
	bool null_mx;     /* "MX 0 ." (RFC 7505): accepts no mail */
	bool implicit_mx; /* no MX: the domain itself (RFC 5321 5.1) */
	struct ta_mail_mx mx[TA_MAIL_MAX_MX];
	size_t nmx;
	/* MTA-STS (RFC 8461) */
	bool sts_record; /* a v=STSv1 TXT record at _mta-sts */
	char sts_id[40];
	char sts_error[200]; /* record, fetch or policy problem */
	bool sts_policy;     /* the policy was fetched and parsed */
	int sts_http_status;
	char sts_mode[12]; /* "enforce", "testing", "none" */
	uint32_t sts_max_age;
	char sts_mx[16][256];
	size_t nsts_mx;
	/* TLS-RPT (RFC 8460) */
	bool rpt_record;
	char rpt_error[160];
	char rpt_rua[8][256];
	size_t nrpt_rua;
};

/* The plaintext dialogue before TLS on a STARTTLS service. */
struct ta_starttls_result {
	char proto[16];   /* "smtp", "imap" ...; "" for implicit TLS */
	int offered;      /* enum ta_tri */
	char banner[160]; /* the greeting, printable ASCII */
	char error[200];  /* why the dialogue failed, "" when it worked */
	unsigned busy;    /* temporary refusals (421 ...), resets and closes retried */
};

/* The active vulnerability probes (probe/vulns.c, docs/vulnerabilities.md):
 * a status and the evidence each rests on, one line. */
enum ta_vprobe {
	TA_VP_HEARTBLEED,
	TA_VP_CCS_INJECTION,
	TA_VP_TICKETBLEED,
	TA_VP_ROBOT,
	TA_VP_DOWNGRADE,
	TA_VP_INTOLERANCE,
	TA_VP_COUNT
};
enum ta_vstatus {
	TA_VS_NOT_TESTED, /* --no-vuln, or the probe does not exist yet */
	TA_VS_VULNERABLE,
	TA_VS_NOT_VULNERABLE,
	TA_VS_NOT_APPLICABLE,
	TA_VS_COULD_NOT_TEST,
};
struct ta_vuln_probe {
	int status; /* enum ta_vstatus */
	char evidence[240];
	char more[320]; /* a second line (Heartbleed: after the handshake), "" when none */
};

struct ta_result {
	char host[256];
	char ip[64];
	uint16_t port;
	bool ok; /* status "ok" */
	char error[256];
	char service[16]; /* "https", "smtp", "imaps" ... "tls" when unknown */
	struct ta_starttls_result starttls;
	bool incomplete; /* probing stopped early: some facts are missing */
	char incomplete_reason[200];
	unsigned connections;
	unsigned failed_connections;
	uint64_t duration_ms;
	struct ta_ver_result ver[TA_NVER];
	uint16_t groups[TA_MAX_ACCEPT]; /* every version's, TLS 1.3 first */
	size_t ngroups;
	int groups_server_order; /* enum ta_tri: the same answer for every version, else unknown */
	bool groups_tested;
	/* TLS 1.3 (HelloRetryRequest choices) and the highest version below
	 * it (ECDHE curves, then RFC 7919 groups) */
	struct ta_version_groups groups13, groups12;
	/* weakest DH with no FFDHE group offered; for a server that does DHE
	 * only with an offered FFDHE group, the smallest it accepts */
	struct ta_dh_seen dh;
	uint16_t sigschemes[TA_MAX_ACCEPT];
	size_t nsigschemes;
	uint16_t sig12[64], sig13[64]; /* the same, by version */
	size_t nsig12, nsig13;
	bool sig12_tested, sig13_tested;
	int hrr_seen; /* enum ta_tri: HelloRetryRequest when asked */
	struct ta_served_chain chains[TA_MAX_CHAINS];
	size_t nchains;
	struct ta_features features;
	struct ta_vuln_probe vulns[TA_VP_COUNT];
	bool vulns_tested;
	struct ta_http_result http;
	struct ta_dns_result dns;
	char notes[TA_MAX_NOTES][TA_NOTE_LEN];
	size_t nnotes;
};

/* Version code point for an index, and its display name. */
uint16_t ta_ver_code(int idx);
const char *ta_ver_name(int idx);

/* Free what the result owns (chains and their analyses); *r stays valid
 * with no chains. */
void ta_result_release(struct ta_result *r);

/* Append a note (formatted) to r->notes; silently drops when full. */
void ta_result_note(struct ta_result *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif
