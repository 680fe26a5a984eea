/*
 * Inside the vulnerability probes job (ta_vulns_start, probe/engine.h):
 * vulns.c runs the job, Heartbleed, CCS injection, downgrade and
 * intolerance; vulns_robot.c ROBOT and Ticketbleed.
 */
#ifndef TA_PROBE_VULNS_INT_H
#define TA_PROBE_VULNS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/engine.h"

#define WAIT_MS 3000 /* for what the server does after a second flight */
#define ROBOT_WAIT_MS                                                                              \
	1500 /* ... after a ROBOT flight (a server that waits for more
                            * waits the same for all five: 10 to 20 a target) */

/* What an exchange of the job was: its tag's low byte; ROBOT's carry the
 * variant << 8 and the round << 12. */
enum {
	T_BASE = 1,
	T_HB,
	T_CCS,
	T_DOWN12,
	T_DOWN11,
	T_INTOL_VERSION,
	T_INTOL_EXT,
	T_INTOL_GREASE,
	T_HB_POST, /* an OpenSSL handshake, then heartbeats (hbpost.h) */
	T_COUNT,
	T_ROBOT = 0x40,
	T_TICKET_OSSL = 0x50,
	T_TICKET = 0x51, /* | try << 8 */
};

#define ROBOT_VARIANTS   5
#define ROBOT_MAX_SUITES 16 /* RSA key exchange suites probed, one after another */
#define ROBOT_ROUNDS     4  /* with CCS + Finished, then without; each confirmed once */
#define TICKET_TRIES     2

struct vuln_job {
	struct ta_job job;
	unsigned pending;
	int vbest;        /* highest version <= TLS 1.2 offered (TLS 1.0 at least), or -1 */
	uint16_t version; /* its code */
	uint16_t suites[TA_MAX_ACCEPT];
	size_t nsuites;
	bool base_ok;
	int intol[3]; /* enum ta_tri per twist: yes tolerated, no refused */
	char intol_how[3][80];
	unsigned tries[T_COUNT];
	bool down_ok[2]; /* the sentinel for TLS 1.2, TLS 1.1 (true: not asked) */
	char down_how[160];
	/* ROBOT (vulns_robot.c): each RSA key exchange suite in turn */
	uint16_t robot_suites[ROBOT_MAX_SUITES], robot_versions[ROBOT_MAX_SUITES];
	size_t nrobot, robot_idx, robot_skipped;
	uint16_t robot_suite, robot_version; /* the one being probed */
	unsigned robot_round, robot_left;
	unsigned robot_nvuln, robot_ncnt;
	char robot_first[240];      /* the first oracle found (or noise, when none) */
	char robot_vulnerable[200]; /* the suites with an oracle */
	char robot_sig[ROBOT_ROUNDS][ROBOT_VARIANTS][64]; /* each answer, in words */
	uint8_t *robot_cert; /* the certificate whose key the blocks are encrypted to */
	size_t robot_cert_len;
	void *robot_n, *robot_e; /* its RSA modulus and exponent (BIGNUM *) */
	/* Ticketbleed */
	uint8_t *ticket;
	size_t ticket_len;
	uint16_t ticket_version;
	uint8_t ticket_sid[TICKET_TRIES];
	int ticket_echo[TICKET_TRIES]; /* 1: 32 bytes after ours, 0: not, -1: no answer */
	char ticket_how[160];
	unsigned ticket_left;
};

/* A raw TLS <= 1.2 hello of the job, and its second flight if any. */
struct vuln_hello {
	uint16_t version;
	const uint16_t *suites;
	size_t nsuites;
	const uint16_t *unknown_exts;
	size_t nunknown;
	bool grease_groups, versions_twist, heartbeat;
	const uint8_t *ticket; /* with a session id of sid_len bytes */
	size_t ticket_len;
	const uint8_t *sid;
	size_t sid_len;
	ta_follow_fn follow;
	unsigned wait_ms; /* for what follows the second flight; 0: WAIT_MS */
};

int ta_vuln_send(struct vuln_job *v, uint32_t tag, const struct vuln_hello *vh) TA_MUST_CHECK;
void ta_vuln_set(struct ta_target *t, enum ta_vprobe p, int status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* The second line of a probe's evidence, and its status when given (>= 0). */
void ta_vuln_more(struct ta_target *t, enum ta_vprobe p, int status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void ta_vuln_answer_text(const struct ta_response *r, char *buf, size_t cap);
void ta_vuln_follow_text(const struct ta_response *r, char *buf, size_t cap);
/* Append one record to out (nothing when it does not fit). */
void ta_vuln_record(uint8_t *out, size_t cap, size_t *len, uint8_t type, uint16_t version,
                    const uint8_t *body, size_t n);
/* The job's callback (every exchange comes back through it). */
void ta_vuln_on_answer(struct ta_job *job, const struct ta_response *r);

/* vulns_robot.c: start, and take each answer of the job's ROBOT and
 * Ticketbleed exchanges (the verdict is set with the last one). */
void ta_robot_start(struct vuln_job *v);
void ta_robot_key_free(struct vuln_job *v);
void ta_robot_answer(struct vuln_job *v, const struct ta_response *r);
void ta_ticket_start(struct vuln_job *v);
void ta_ticket_answer(struct vuln_job *v, const struct ta_response *r);

#endif
