/*
 * ClientHello parsing: what a client offers in its first flight, for the
 * client simulation (src/assess/clients.c, docs/clients.md).  The opposite
 * of hello.c, which writes hellos.  Pure functions over bytes through the
 * bounded reader: no I/O, no allocation; the ALPN names and the SNI name
 * are views into the caller's bytes.
 * RFC 5246 7.4.1.2 and 7.4.1.4, RFC 8446 4.1.2 and 4.2, RFC 6066 3 (SNI),
 * RFC 7301 (ALPN), RFC 8701 (GREASE).
 */
#ifndef TA_WIRE_CHELLO_H
#define TA_WIRE_CHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/rd.h"

#define TA_CH_MAX_SUITES  256
#define TA_CH_MAX_LIST    64 /* groups, key shares, schemes, versions */
#define TA_CH_MAX_EXTS    64
#define TA_CH_MAX_ALPN    16
#define TA_CH_MAX_RECORDS (4 * 16384) /* the reassembly buffer a caller gives */

/* A list of 16-bit code points, GREASE values left out, in the client's
 * order.  truncated: more than TA_CH_MAX_LIST (or _SUITES) were sent. */
struct ta_ch_list {
	uint16_t v[TA_CH_MAX_LIST];
	size_t n;
	bool present; /* the extension (or field) was sent */
	bool truncated;
};

struct ta_client_hello {
	uint16_t legacy_version; /* client_version */
	uint16_t suites[TA_CH_MAX_SUITES];
	size_t nsuites;
	bool suites_truncated;
	bool scsv_reneg;                   /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV among the suites */
	bool scsv_fallback;                /* TLS_FALLBACK_SCSV */
	bool compression;                  /* a compression method besides null */
	struct ta_ch_list versions;        /* supported_versions */
	struct ta_ch_list groups;          /* supported_groups */
	struct ta_ch_list key_shares;      /* key_share: the groups of the shares */
	struct ta_ch_list sigalgs;         /* signature_algorithms */
	struct ta_ch_list sigalgs_cert;    /* signature_algorithms_cert */
	struct ta_ch_list point_formats;   /* ec_point_formats (8-bit values) */
	bool sni;                          /* server_name with a host_name */
	struct ta_rd sni_name;             /* its first host_name */
	struct ta_rd alpn[TA_CH_MAX_ALPN]; /* protocol names, GREASE left out */
	size_t nalpn;
	bool has_alpn;
	uint16_t exts[TA_CH_MAX_EXTS]; /* extension types in order, GREASE left out */
	size_t nexts;
	bool exts_truncated;
	size_t grease; /* GREASE values seen (suites, extensions, lists) */
	bool dup_extension;
};

/* An RFC 8701 GREASE value: 0x?A?A with both bytes equal. */
static inline bool
ta_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/*
 * Parse a ClientHello body (after the 4-byte handshake header).  Every
 * vector is bounded by its length prefix and the body must be consumed
 * exactly.  TA_EDECODE on malformed bytes.
 */
int ta_client_hello_parse(struct ta_rd body, struct ta_client_hello *ch) TA_MUST_CHECK;

/*
 * Parse the first flight of a client: TLS handshake records (headers
 * included) carrying one ClientHello, possibly over several records.  The
 * handshake bytes are reassembled into scratch (cap bytes; views in *ch
 * point there).  TA_EDECODE when the bytes are not handshake records
 * holding a complete ClientHello, TA_ENOSPC when it exceeds cap.
 */
int ta_client_hello_from_records(const uint8_t *buf, size_t len, uint8_t *scratch, size_t cap,
                                 struct ta_client_hello *ch) TA_MUST_CHECK;

#endif
