/*
 * Inside the features job (ta_features_start, probe/engine.h): features.c
 * runs the job and the feature hellos and handshakes; certs.c the
 * certificate hellos and the served chains they bring.
 */
#ifndef TA_PROBE_FEATURES_INT_H
#define TA_PROBE_FEATURES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/engine.h"
#include "probe/ossl.h"

/* What an exchange of the job was (its tag's low byte). */
enum {
	T_CERT12 = 1, /* | cert kind << 8 | ask << 16 */
	T_NOSNI,
	T_CERT13, /* | family << 8 */
	T_NOSNI13,
	T_RESUME13,
	T_FALLBACK,
	T_SID1,
	T_SID2,
	T_TIX1,
	T_TIX2,
	T_ALPN,
	T_ETM,
};

/*
 * The rank of a way a chain came: the order in which the plan asks
 * (feat_start), which is the documented order of `certificates` and of
 * each one's `served` (docs/probing.md): TLS <= 1.2 by kind of key (enum
 * ta_cert_kind: RSA, ECDSA, DSS, DH, GOST), TLS <= 1.2 without SNI, TLS
 * 1.3 by the signature family the server signed with (ta_feat_families),
 * TLS 1.3 without SNI.
 */
enum {
	RANK_CERT12 = 0x100, /* + enum ta_cert_kind */
	RANK_NOSNI = 0x200,
	RANK_CERT13 = 0x300, /* + family index */
	RANK_NOSNI13 = 0x400,
};

/* How many ALPN protocol names are tried (alpn_candidates, features.c). */
#define NALPN 7

/* How much a TLS <= 1.2 hello asks for: servers that close on a feature
 * extension (wolfSSL on status_request) still show their certificate to
 * a hello without it. */
enum { ASK_ALL, ASK_NO_STATUS, ASK_BARE };

struct feat_job {
	struct ta_job job;
	unsigned pending;
	int vbest; /* highest version <= TLS 1.2 offered, or -1 */
	bool tls13;
	bool features_taken;  /* a TLS 1.2 hello's extension answers are recorded */
	unsigned cert12_left; /* certificate hellos not answered yet */
	bool alpn_left[NALPN];
	bool alpn_on_sid1; /* the first ALPN offer rides on the T_SID1 handshake */
	bool ossl12_failed;
	unsigned ticket_wait_ms; /* the first TLS 1.3 ticket wait, when it saw none */
	void *sessions[4];       /* SSL_SESSION * kept for resumption (owned) */
	size_t nsessions;
};

/* TLS 1.3 certificate handshakes: T_CERT13 | arg << 8, arg a family index
 * and these bits. */
#define C13_TICKETS   0x100u /* and wait for tickets (the first one) */
#define C13_ANY       0x200u /* any signature: the schemes are not known */
#define C13_NO_STATUS 0x400u /* without status_request (asked again) */
#define C13_RIDERS    0x800u /* the schemes chains are signed with listed too */
/* the tickets handshake again, the same hello, with the longest wait and
 * no chain: the first saw no ticket within its adaptive wait */
#define C13_TICKETS_AGAIN 0x1000u

/* TLS 1.3 signature families: the schemes one certificate can sign with. */
struct feat_family {
	const char *name;
	const char *sigalgs;
	uint16_t scheme; /* any of its schemes, to see whether the server uses it */
	uint16_t scheme2, scheme3;
};
extern const struct feat_family ta_feat_families[];
extern const size_t ta_feat_nfamilies;

/* features.c */

int ta_feat_send_hello_ask(struct feat_job *f, uint32_t tag, uint16_t version,
                           const uint16_t *suites, size_t nsuites, bool sni, bool scsv_fallback,
                           const char *const *alpn, size_t nalpn, int ask);
int ta_feat_send_ossl(struct feat_job *f, uint32_t tag, const struct ta_ossl_req *req);
/* Record the feature extensions a TLS <= 1.2 ServerHello answered (the
 * first such answer counts). */
void ta_feat_take_features(struct feat_job *f, const struct ta_response *r, bool asked_status);
bool ta_feat_cbc_suite(const struct ta_suite *s);

/* certs.c */

/* Keep a served chain, merging one already seen (same certificates);
 * rank (RANK_*) places it and this way of getting it. */
void ta_feat_add_chain(struct ta_target *t, const struct ta_response *r, unsigned rank, bool sni,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The certificate hello for one kind of certificate key, and its answer
 * (false: asked again); a TLS 1.3 certificate handshake (arg: a family
 * index and C13_ bits). */
int ta_feat_send_cert12(struct feat_job *f, uint8_t certk, int ask);
bool ta_feat_on_cert12(struct feat_job *f, const struct ta_response *r, uint8_t certk, int ask);
int ta_feat_send_cert13(struct feat_job *f, unsigned arg);
/* The family whose schemes include scheme, or -1. */
int ta_feat_family_of(uint16_t scheme);
/* Why an answer brought no certificate, in words. */
const char *ta_feat_outcome_text(const struct ta_response *r);

#endif
