/*
 * STARTTLS dialogues: the plaintext exchange that comes before a TLS
 * ClientHello on SMTP, LMTP, IMAP, POP3, FTP, XMPP, LDAP, PostgreSQL,
 * MySQL, NNTP and ManageSieve.  Each protocol is a table entry with a feed
 * function; the engine hands it the bytes the server sent and sends the
 * bytes it leaves in st->out.  No I/O and no allocation here, so the
 * dialogues are fuzzed on their own.
 */
#ifndef TA_WIRE_STARTTLS_H
#define TA_WIRE_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TA_ST_OUT_MAX  600
#define TA_ST_LINE_MAX 4096 /* longest line or message we wait for */

enum ta_st_verdict {
	TA_ST_MORE,  /* send st->out (if any) and wait for more bytes */
	TA_ST_READY, /* the server agreed: send the ClientHello */
	TA_ST_FAIL,  /* see st->fail and st->detail */
};

enum ta_st_fail {
	TA_STF_NONE,
	TA_STF_NOT_OFFERED, /* the capabilities do not include STARTTLS */
	TA_STF_REFUSED,     /* the STARTTLS command itself was refused */
	TA_STF_BUSY,        /* a temporary refusal (421, 4xx, "too many connections") */
	TA_STF_PROTOCOL,    /* the server does not speak the protocol */
};

struct ta_st;

struct ta_st_ops {
	const char *name;      /* "smtp", "imap" ... */
	const char *label;     /* "SMTP" for messages */
	uint16_t default_port; /* the usual STARTTLS port */
	/* Bytes to send on connect (the client speaks first), into st->out. */
	void (*begin)(struct ta_st *st);
	/* Consume whole messages from p[0..n) (*used), answer into st->out. */
	int (*feed)(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);
};

struct ta_st {
	const struct ta_st_ops *ops;
	int step;
	char host[256];   /* the server's name (XMPP's to=) */
	bool offered;     /* the capability list named STARTTLS */
	int fail;         /* enum ta_st_fail */
	unsigned code;    /* last reply code (SMTP, FTP, NNTP ...) */
	char banner[160]; /* the greeting, printable ASCII */
	char detail[200]; /* why it failed, printable ASCII */
	uint8_t out[TA_ST_OUT_MAX];
	size_t outlen;
};

/* The dialogue named name ("smtp" ...); NULL when unknown.  "tls" and
 * "none" are not dialogues: ta_st_known() says whether a name is valid. */
const struct ta_st_ops *ta_st_find(const char *name);
bool ta_st_known(const char *name);
/* The dialogue normally spoken on port, or NULL. */
const struct ta_st_ops *ta_st_for_port(uint16_t port);
/* The service name of an implicit-TLS port ("https", "smtps" ...), or NULL. */
const char *ta_st_implicit_service(uint16_t port);
/*
 * The dialogue whose server greeting p[0..n) begins, or NULL: what a
 * server that speaks first said to a TLS hello on a port named without
 * /PROTO.  Recognised: SMTP, LMTP and FTP 220 greetings (by the words in
 * them; a bare 220 is SMTP), IMAP "* OK", POP3 "+OK", NNTP 200/201,
 * ManageSieve capabilities, the MySQL handshake packet (protocol 10) and
 * a PostgreSQL ErrorResponse.  Needs at least 5 bytes; pure.
 */
const struct ta_st_ops *ta_st_recognise(const uint8_t *p, size_t n);

/* Comma-separated list of the dialogue names, for messages. */
const char *ta_st_names(void);

void ta_st_init(struct ta_st *st, const struct ta_st_ops *ops, const char *host);
/* Start: fills st->out with what the client says first (may be nothing). */
void ta_st_begin(struct ta_st *st);
/* Feed server bytes; returns enum ta_st_verdict.  st->out holds what to
 * send next (cleared on entry). */
int ta_st_feed(struct ta_st *st, const uint8_t *p, size_t n, size_t *used);

#endif
