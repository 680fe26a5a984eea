/*
 * TLS wire constants, ClientHello construction and server message parsing.
 * Pure functions over bytes: no I/O, no allocation, no OpenSSL.  Parsed
 * messages are views into the caller's buffer.
 * RFC 5246 (TLS 1.2) 7.4, RFC 8446 (TLS 1.3) 4.1-4.4, RFC 6101 (SSLv3),
 * draft-hickman-netscape-ssl-00 (SSLv2), RFC 6066, RFC 7627, RFC 7366,
 * RFC 5746, RFC 7919, RFC 8422.
 */
#ifndef TA_WIRE_TLS_H
#define TA_WIRE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/rd.h"

enum {
	TA_SSL2 = 0x0002,
	TA_SSL3 = 0x0300,
	TA_TLS10 = 0x0301,
	TA_TLS11 = 0x0302,
	TA_TLS12 = 0x0303,
	TA_TLS13 = 0x0304,
};

enum {
	TA_CT_CCS = 20,
	TA_CT_ALERT = 21,
	TA_CT_HANDSHAKE = 22,
	TA_CT_APPDATA = 23,
	TA_CT_HEARTBEAT = 24,
};

enum {
	TA_HS_HELLO_REQUEST = 0,
	TA_HS_CLIENT_HELLO = 1,
	TA_HS_SERVER_HELLO = 2,
	TA_HS_NEW_SESSION_TICKET = 4,
	TA_HS_ENCRYPTED_EXTENSIONS = 8,
	TA_HS_CERTIFICATE = 11,
	TA_HS_SERVER_KEY_EXCHANGE = 12,
	TA_HS_CERTIFICATE_REQUEST = 13,
	TA_HS_SERVER_HELLO_DONE = 14,
	TA_HS_CERTIFICATE_STATUS = 22,
};

enum {
	TA_EXT_SERVER_NAME = 0,
	TA_EXT_STATUS_REQUEST = 5,
	TA_EXT_SUPPORTED_GROUPS = 10,
	TA_EXT_EC_POINT_FORMATS = 11,
	TA_EXT_SIGNATURE_ALGORITHMS = 13,
	TA_EXT_HEARTBEAT = 15,
	TA_EXT_ALPN = 16,
	TA_EXT_PADDING = 21,
	TA_EXT_ENCRYPT_THEN_MAC = 22,
	TA_EXT_EXTENDED_MASTER_SECRET = 23,
	TA_EXT_RECORD_SIZE_LIMIT = 28,
	TA_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
	TA_EXT_SESSION_TICKET = 35,
	TA_EXT_EARLY_DATA = 42,
	TA_EXT_SUPPORTED_VERSIONS = 43,
	TA_EXT_COOKIE = 44,
	TA_EXT_PSK_KEY_EXCHANGE_MODES = 45,
	TA_EXT_KEY_SHARE = 51,
	TA_EXT_NPN = 13172,
	TA_EXT_RENEGOTIATION_INFO = 0xff01,
};

enum {
	TA_ALERT_CLOSE_NOTIFY = 0,
	TA_ALERT_UNEXPECTED_MESSAGE = 10,
	TA_ALERT_BAD_RECORD_MAC = 20,
	TA_ALERT_DECRYPTION_FAILED = 21,
	TA_ALERT_HANDSHAKE_FAILURE = 40,
	TA_ALERT_ILLEGAL_PARAMETER = 47,
	TA_ALERT_DECODE_ERROR = 50,
	TA_ALERT_DECRYPT_ERROR = 51,
	TA_ALERT_PROTOCOL_VERSION = 70,
	TA_ALERT_INSUFFICIENT_SECURITY = 71,
	TA_ALERT_INTERNAL_ERROR = 80,
	TA_ALERT_INAPPROPRIATE_FALLBACK = 86,
	TA_ALERT_MISSING_EXTENSION = 109,
	TA_ALERT_UNRECOGNIZED_NAME = 112,
};

#define TA_SUITE_SCSV_RENEG    0x00ff
#define TA_SUITE_SCSV_FALLBACK 0x5600

#define TA_RECORD_MAX       (16384 + 2048) /* largest record body we accept */
#define TA_HELLO_MAX_SUITES 512
#define TA_HELLO_MAX_SHARES 4
#define TA_HELLO_MAX_BYTES  16384 /* one record */

struct ta_key_share {
	uint16_t group;
	const uint8_t *data;
	size_t len;
};

/* Everything a ClientHello can say.  Zero-initialise, then set fields. */
struct ta_hello {
	uint16_t record_version; /* 0: 0x0301 (0x0300 for SSLv3 hellos) */
	uint16_t version;        /* legacy client_version */
	uint8_t random[32];
	uint8_t session_id[32];
	size_t session_id_len;
	const uint16_t *suites;
	size_t nsuites;
	bool scsv_reneg;        /* append TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
	bool scsv_fallback;     /* append TLS_FALLBACK_SCSV */
	bool deflate;           /* offer DEFLATE compression */
	bool no_extensions;     /* SSLv3-style hello without extensions */
	const char *sni;        /* host name, or NULL */
	const uint16_t *groups; /* supported_groups; omitted when ngroups 0 */
	size_t ngroups;
	bool groups_empty_ext; /* send supported_groups even when empty */
	bool ec_point_formats;
	const uint16_t *sigalgs; /* signature_algorithms; omitted when 0 */
	size_t nsigalgs;
	/* signature_algorithms_cert (RFC 8446 4.2.3, also for TLS 1.2): the
	 * schemes certificates may be signed with; omitted when 0 */
	const uint16_t *sigalgs_cert;
	size_t nsigalgs_cert;
	const uint16_t *versions; /* supported_versions; omitted when 0 */
	size_t nversions;
	bool key_share_ext; /* send key_share, even with no shares */
	struct ta_key_share shares[TA_HELLO_MAX_SHARES];
	size_t nshares;
	bool psk_modes;  /* psk_key_exchange_modes (psk_dhe_ke) */
	bool reneg_info; /* empty renegotiation_info extension */
	bool ems;
	bool etm;
	bool session_ticket;
	bool status_request;
	bool heartbeat;
	bool npn;
	bool early_data;
	uint16_t record_size_limit; /* 0: omitted */
	const char *const *alpn;
	size_t nalpn;
	const uint8_t *cookie; /* echoed HRR cookie, or NULL */
	size_t cookie_len;
	size_t pad_to;                /* padding extension up to this hello size */
	const uint16_t *unknown_exts; /* more extension types, each with an empty body */
	size_t nunknown_exts;
	const uint8_t *ticket; /* with session_ticket: the ticket offered (NULL: empty) */
	size_t ticket_len;
};

/* Write a ClientHello record (header included) into w. */
int ta_hello_write(const struct ta_hello *h, struct ta_wr *w) TA_MUST_CHECK;

/*
 * Write an SSLv2-format CLIENT-HELLO offering 24-bit cipher kinds: version
 * 0x0002 for a true SSLv2 hello, or a TLS version for an SSLv2-compatible
 * hello, whose TLS suites are written as 0x00XXXX kinds.
 */
int ta_hello_write_ssl2(uint16_t version, const uint32_t *kinds, size_t n,
                        const uint8_t challenge[16], struct ta_wr *w) TA_MUST_CHECK;

struct ta_record {
	uint8_t type;
	uint16_t version;
	struct ta_rd body;
};

/*
 * Parse one record header and body from the front of r.  TA_ENOSPC means the
 * bytes so far are a valid prefix that needs more data; TA_EDECODE means the
 * header is not a TLS record (or its length exceeds TA_RECORD_MAX).
 */
int ta_record_parse(struct ta_rd *r, struct ta_record *rec) TA_MUST_CHECK;

struct ta_alert {
	uint8_t level;
	uint8_t desc;
};

int ta_alert_parse(struct ta_rd body, struct ta_alert *a) TA_MUST_CHECK;
/* An alert description's name (RFC 8446 6, RFC 5246 7.2), NULL when it
 * has none. */
const char *ta_alert_name(uint8_t desc);

/* Handshake message header: type and body view. TA_ENOSPC: incomplete. */
int ta_handshake_parse(struct ta_rd *r, uint8_t *type, struct ta_rd *body) TA_MUST_CHECK;

#define TA_SH_MAX_EXTS 32

struct ta_server_hello {
	bool hrr; /* HelloRetryRequest (RFC 8446 4.1.3) */
	uint16_t legacy_version;
	uint16_t version; /* negotiated: supported_versions if present */
	uint8_t random[32];
	uint8_t session_id_len;
	uint8_t session_id[32];
	uint16_t suite;
	uint8_t compression;
	bool has_supported_versions;
	bool has_key_share;
	uint16_t key_share_group; /* ServerHello share or HRR selected_group */
	bool has_reneg_info;
	bool reneg_info_empty;
	bool ems;
	bool etm;
	bool session_ticket;
	bool status_request;
	bool heartbeat;
	bool has_alpn;
	struct ta_rd alpn; /* chosen protocol bytes */
	bool has_cookie;
	struct ta_rd cookie;
	bool has_record_size_limit;
	uint16_t record_size_limit;
	bool has_npn;
	struct ta_rd npn;   /* NPN protocol list: 1-byte length-prefixed names */
	bool dup_extension; /* an extension type appeared twice */
	uint16_t ext_types[TA_SH_MAX_EXTS];
	size_t next_types;
	/* downgrade sentinel in random (RFC 8446 4.1.3): 0, 11 or 12 */
	uint8_t downgrade;
};

int ta_server_hello_parse(struct ta_rd body, struct ta_server_hello *sh) TA_MUST_CHECK;

/* ServerKeyExchange, for the kinds the probes look at. */
enum ta_ske_kind { TA_SKE_DH, TA_SKE_ECDH, TA_SKE_RSA };

#define TA_DH_MAX_BYTES 2048 /* 16384-bit primes */

struct ta_ske {
	uint8_t kind;          /* enum ta_ske_kind */
	struct ta_rd p, g, ys; /* DH */
	uint8_t curve_type;    /* ECDH: 3 named_curve */
	uint16_t curve;
	struct ta_rd point;
	struct ta_rd rsa_mod; /* RSA_EXPORT temporary key */
	bool has_sig;
	bool has_sigalg; /* TLS 1.2 carries the scheme */
	uint16_t sigalg;
	struct ta_rd sig;
};

/*
 * Parse a ServerKeyExchange for a suite with key exchange kx (enum ta_kx) at
 * version.  Anonymous and PSK kinds carry no signature.
 */
int ta_ske_parse(struct ta_rd body, unsigned kx, unsigned auth, uint16_t version,
                 struct ta_ske *ske) TA_MUST_CHECK;

#define TA_CERT_MAX_CHAIN 16

struct ta_cert_list {
	size_t n;
	struct ta_rd der[TA_CERT_MAX_CHAIN];
	bool truncated; /* more certificates than TA_CERT_MAX_CHAIN */
};

/* Certificate message; tls13 selects the RFC 8446 4.4.2 layout. */
int ta_certificate_parse(struct ta_rd body, bool tls13, struct ta_cert_list *cl) TA_MUST_CHECK;

#define TA_SSL2_MAX_KINDS 64

struct ta_ssl2_server_hello {
	bool session_id_hit;
	uint8_t cert_type;
	uint16_t version;
	struct ta_rd cert;
	uint32_t kinds[TA_SSL2_MAX_KINDS];
	size_t nkinds;
	struct ta_rd connection_id;
};

/*
 * Parse an SSLv2 record from the front of r (2- or 3-byte header) holding a
 * SERVER-HELLO.  TA_ENOSPC: incomplete.
 */
int ta_ssl2_server_hello_parse(struct ta_rd *r, struct ta_ssl2_server_hello *sh) TA_MUST_CHECK;

/* Does buf start like an SSLv2 server record rather than a TLS record? */
bool ta_looks_ssl2(const uint8_t *buf, size_t len);

#endif
