/*
 * DNS messages, parsed by hand: the header (with the AD and TC bits and the
 * RCODE), the one question, the answer section with name decompression, and
 * the RDATA of the types tlsaudit asks for (A, AAAA, CNAME, NS, PTR, MX,
 * TXT, CAA, TLSA).  And the other way: a query message.  c-ares 1.18 only
 * carries the bytes (src/net/dns.c); everything a resolver sends back is
 * read here.  Pure functions over caller buffers: no I/O, no allocation.
 *
 * RFC 1035 sections 3.1, 3.3, 4.1 and 4.1.4 (names, messages, compression),
 * RFC 3596 (AAAA), RFC 6698 section 2.1 (TLSA), RFC 8659 section 4.1 (CAA),
 * RFC 6891 section 6.1.2 (the OPT record of a query), RFC 6840 section 5.7
 * (the AD bit of a query).
 *
 * Names come out in presentation form: labels joined by '.', no final dot,
 * "." for the root.  A label byte that is '.' or '\' gets a backslash in
 * front, a byte outside '!'..'~' is written \DDD (three decimal digits), so
 * a name text is printable ASCII and shorter than TA_DNS_NAME_TEXT.  Such a
 * text is not necessarily a host name: ask ta_dns_name_is_host() before
 * connecting anywhere.
 *
 * Compression pointers must point backwards, before the pointer itself, and
 * a name read through a pointer may not run into that pointer; with the
 * 255-byte limit on a name's length and a cap on jumps, no loop and no
 * quadratic blow-up is possible.
 */
#ifndef TA_WIRE_DNSRR_H
#define TA_WIRE_DNSRR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/rd.h"

#define TA_DNS_NAME_WIRE_MAX 255 /* RFC 1035 2.3.4: every length octet counted */
#define TA_DNS_LABEL_MAX     63
#define TA_DNS_NAME_TEXT     1024 /* escaped presentation form of the longest name + NUL */
#define TA_DNS_HOST_MAX      253  /* a host name's text: 255 wire bytes less two */
#define TA_DNS_MAX_JUMPS     64   /* compression pointers followed within one name */
#define TA_DNS_MAX_CNAME     8    /* CNAME hops followed within one answer */
#define TA_DNS_QUERY_MAX     300  /* bytes of a query: header, name, question, OPT */
#define TA_DNS_HEADER_LEN    12
#define TA_DNS_OPT_LEN       11 /* an OPT record with no options */

enum ta_dns_type {
	TA_DNS_TYPE_A = 1,
	TA_DNS_TYPE_NS = 2,
	TA_DNS_TYPE_CNAME = 5,
	TA_DNS_TYPE_PTR = 12,
	TA_DNS_TYPE_MX = 15,
	TA_DNS_TYPE_TXT = 16,
	TA_DNS_TYPE_AAAA = 28,
	TA_DNS_TYPE_OPT = 41,
	TA_DNS_TYPE_TLSA = 52,
	TA_DNS_TYPE_CAA = 257,
};

#define TA_DNS_CLASS_IN 1

/* RFC 1035 4.1.1 and RFC 6895 2.3 */
enum ta_dns_rcode {
	TA_DNS_RCODE_NOERROR = 0,
	TA_DNS_RCODE_FORMERR = 1,
	TA_DNS_RCODE_SERVFAIL = 2,
	TA_DNS_RCODE_NXDOMAIN = 3,
	TA_DNS_RCODE_NOTIMP = 4,
	TA_DNS_RCODE_REFUSED = 5,
};

struct ta_dnshdr {
	uint16_t id;
	bool qr, aa, tc, rd, ra, ad, cd;
	uint8_t opcode;
	uint8_t rcode; /* the header's four bits (no EDNS extension) */
	uint16_t qdcount, ancount, nscount, arcount;
};

/* A parsed message: the header, the question, where the answers start. */
struct ta_dnsmsg {
	struct ta_dnshdr h;
	char qname[TA_DNS_NAME_TEXT];
	uint16_t qtype, qclass;
	const uint8_t *msg; /* the whole message, for compression pointers */
	size_t len;
	size_t an_off; /* offset of the answer section */
};

/* One resource record of the answer section. */
struct ta_dnsrr {
	char owner[TA_DNS_NAME_TEXT];
	uint16_t type, rclass;
	uint32_t ttl;
	size_t rdata_off;   /* offset of the RDATA in the message */
	struct ta_rd rdata; /* view of the RDATA (rdlength bytes) */
};

/*
 * Parse a response message: the header, exactly one question, and every
 * record of the answer section (owner names and RDLENGTHs must hold
 * together; the RDATA itself is read by the ta_dns_rdata_*() functions).
 * The authority and additional sections are not read.  m keeps pointers
 * into msg.  TA_EDECODE when anything does not fit, including counts that
 * promise more records than there are bytes.
 */
int ta_dnsmsg_parse(const uint8_t *msg, size_t len, struct ta_dnsmsg *m) TA_MUST_CHECK;

/* Walk the answer section of a parsed message. */
struct ta_dnsrr_it {
	const struct ta_dnsmsg *m;
	size_t off;
	uint16_t left;
};

void ta_dnsrr_it_init(struct ta_dnsrr_it *it, const struct ta_dnsmsg *m);

/* Next answer record into *rr: *got is false at the end.  TA_EDECODE only
 * for a message ta_dnsmsg_parse() did not accept. */
int ta_dnsrr_next(struct ta_dnsrr_it *it, struct ta_dnsrr *rr, bool *got) TA_MUST_CHECK;

/*
 * Follow CNAME records of the answer section from the question's name:
 * canon gets the name whose records answer the question (the question name
 * when no CNAME applies, and always when the question is for CNAME), hops
 * the number of CNAMEs followed.  TA_EPROTO for a chain longer than
 * TA_DNS_MAX_CNAME (a loop is one), TA_EDECODE for a malformed CNAME,
 * TA_ENOSPC when canon is shorter than TA_DNS_NAME_TEXT and too short.
 */
int ta_dnsmsg_follow(const struct ta_dnsmsg *m, char *canon, size_t cap,
                     unsigned *hops) TA_MUST_CHECK;

/* Names in presentation form are equal (ASCII letters compared without case). */
bool ta_dns_name_eq(const char *a, const char *b);

/* The text is a host name one may connect to: labels of 1 to 63 letters,
 * digits and hyphens, no hyphen first or last, 253 characters at most, no
 * final dot.  "." (the null MX of RFC 7505) is not. */
bool ta_dns_name_is_host(const char *text);

/* Read the name at *off in msg[0..len) (compressed or not) into text, with
 * the bytes of the name's first run bounded by end (<= len); *off moves past
 * the name where it was found.  text may be NULL to only check the name. */
int ta_dns_name_read(const uint8_t *msg, size_t len, size_t *off, size_t end, char *text,
                     size_t cap) TA_MUST_CHECK;

/* RDATA of one record.  Every function checks the RDATA's exact layout
 * (TA_EDECODE otherwise), not the record's type: the caller picks. */
int ta_dns_rdata_a(const struct ta_dnsrr *rr, uint8_t addr[4]) TA_MUST_CHECK;
int ta_dns_rdata_aaaa(const struct ta_dnsrr *rr, uint8_t addr[16]) TA_MUST_CHECK;
/* CNAME, NS, PTR: one name filling the RDATA. */
int ta_dns_rdata_name(const struct ta_dnsmsg *m, const struct ta_dnsrr *rr, char *text,
                      size_t cap) TA_MUST_CHECK;
int ta_dns_rdata_mx(const struct ta_dnsmsg *m, const struct ta_dnsrr *rr, uint16_t *preference,
                    char *exchange, size_t cap) TA_MUST_CHECK;

struct ta_dns_txtinfo {
	size_t nstrings; /* character-strings in the record (at least one) */
	size_t rawlen;   /* their bytes, concatenated */
	bool clean; /* every byte was printable ASCII and no backslash: the text is the bytes */
	bool cut;   /* text is shorter than the escaped bytes */
};

/*
 * TXT: the character-strings concatenated with nothing between them (as
 * RFC 7489 3.1.1 / RFC 8461 3.1 readers do), escaped as ta_dns_escape()
 * does, cut to fit text (cap bytes with the NUL).  A cut is not an error.
 */
int ta_dns_rdata_txt(const struct ta_dnsrr *rr, char *text, size_t cap,
                     struct ta_dns_txtinfo *info) TA_MUST_CHECK;

struct ta_dns_caa_rd {
	uint8_t flags; /* bit 7 (128): issuer critical */
	struct ta_rd tag;
	struct ta_rd value;
};

/* CAA (RFC 8659 4.1): flags, a tag of at least one byte, the value. */
int ta_dns_rdata_caa(const struct ta_dnsrr *rr, struct ta_dns_caa_rd *c) TA_MUST_CHECK;

struct ta_dns_tlsa_rd {
	uint8_t usage, selector, mtype;
	struct ta_rd data; /* certificate association data, at least one byte */
};

/* TLSA (RFC 6698 2.1). */
int ta_dns_rdata_tlsa(const struct ta_dnsrr *rr, struct ta_dns_tlsa_rd *t) TA_MUST_CHECK;

/*
 * Bytes as printable ASCII: '\' becomes "\\", a byte outside ' '..'~'
 * becomes \DDD, everything else stays.  *clean (may be NULL) tells whether
 * nothing was escaped in all of src.  The output is cut at a whole escape so
 * that it fits cap (with the NUL; cap >= 1): TA_ENOSPC then, with the cut
 * text in dst.
 */
int ta_dns_escape(char *dst, size_t cap, struct ta_rd src, bool *clean);

/*
 * Build a query for name (letters, digits, '-' and '_', labels of 1 to 63
 * bytes, at most 253 characters, one final '.' allowed) with the RD and AD
 * bits set (AD asks the resolver to say whether it validated the answer,
 * RFC 6840 5.7) and, when edns_size is not 0, an OPT record announcing that
 * UDP payload size, last in the message (TA_DNS_OPT_LEN bytes).
 * TA_EINVAL for a name that cannot be asked, TA_ENOSPC for a short buffer.
 */
int ta_dns_query_build(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t type,
                       uint16_t edns_size, size_t *len) TA_MUST_CHECK;

#endif
