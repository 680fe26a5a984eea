/*
 * Parsers for what a server sends before encryption starts: records,
 * alerts, handshake headers, ServerHello / HelloRetryRequest, Certificate,
 * ServerKeyExchange and the SSLv2 SERVER-HELLO.  Every parser reads through
 * a bounded reader and returns views into the caller's bytes.
 */
#include <string.h>

#include "wire/registry.h"
#include "wire/tls.h"

static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
        0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
        0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static const uint8_t downgrade_prefix[7] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44};

int
ta_record_parse(struct ta_rd *r, struct ta_record *rec)
{
	struct ta_rd t = *r;
	uint16_t len;

	if (ta_rd_left(&t) < 5)
		return TA_ENOSPC;
	TA_TRY(ta_rd_u8(&t, &rec->type));
	TA_TRY(ta_rd_u16(&t, &rec->version));
	TA_TRY(ta_rd_u16(&t, &len));
	if ((rec->version >> 8) != 3 || len > TA_RECORD_MAX)
		return TA_EDECODE;
	if (ta_rd_left(&t) < len)
		return TA_ENOSPC;
	TA_TRY(ta_rd_view(&t, len, &rec->body));
	*r = t;
	return TA_OK;
}

/* RFC 8446 6 and RFC 5246 7.2, by description. */
static const struct {
	uint8_t desc;
	const char *name;
} alerts[] = {
        {0, "close_notify"},
        {10, "unexpected_message"},
        {20, "bad_record_mac"},
        {21, "decryption_failed"},
        {22, "record_overflow"},
        {30, "decompression_failure"},
        {40, "handshake_failure"},
        {41, "no_certificate"},
        {42, "bad_certificate"},
        {43, "unsupported_certificate"},
        {44, "certificate_revoked"},
        {45, "certificate_expired"},
        {46, "certificate_unknown"},
        {47, "illegal_parameter"},
        {48, "unknown_ca"},
        {49, "access_denied"},
        {50, "decode_error"},
        {51, "decrypt_error"},
        {60, "export_restriction"},
        {70, "protocol_version"},
        {71, "insufficient_security"},
        {80, "internal_error"},
        {86, "inappropriate_fallback"},
        {90, "user_canceled"},
        {100, "no_renegotiation"},
        {109, "missing_extension"},
        {110, "unsupported_extension"},
        {112, "unrecognized_name"},
        {113, "bad_certificate_status_response"},
        {115, "unknown_psk_identity"},
        {116, "certificate_required"},
        {120, "no_application_protocol"},
};

const char *
ta_alert_name(uint8_t desc)
{
	for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
		if (alerts[i].desc == desc)
			return alerts[i].name;
	return NULL;
}

int
ta_alert_parse(struct ta_rd body, struct ta_alert *a)
{
	TA_TRY(ta_rd_u8(&body, &a->level));
	TA_TRY(ta_rd_u8(&body, &a->desc));
	return ta_rd_end(&body);
}

int
ta_handshake_parse(struct ta_rd *r, uint8_t *type, struct ta_rd *body)
{
	struct ta_rd t = *r;
	uint32_t len;

	if (ta_rd_left(&t) < 4)
		return TA_ENOSPC;
	TA_TRY(ta_rd_u8(&t, type));
	TA_TRY(ta_rd_uint(&t, 3, &len));
	if (ta_rd_left(&t) < len)
		return TA_ENOSPC;
	TA_TRY(ta_rd_view(&t, len, body));
	*r = t;
	return TA_OK;
}

static int
note_ext_type(struct ta_server_hello *sh, uint16_t type)
{
	for (size_t i = 0; i < sh->next_types; i++)
		if (sh->ext_types[i] == type) {
			sh->dup_extension = true;
			return TA_OK;
		}
	if (sh->next_types < TA_SH_MAX_EXTS)
		sh->ext_types[sh->next_types++] = type;
	return TA_OK;
}

static int
parse_sh_extension(struct ta_server_hello *sh, uint16_t type, struct ta_rd *b)
{
	struct ta_rd v;
	uint8_t u8;

	TA_TRY(note_ext_type(sh, type));
	switch (type) {
	case TA_EXT_SUPPORTED_VERSIONS:
		TA_TRY(ta_rd_u16(b, &sh->version));
		sh->has_supported_versions = true;
		break;
	case TA_EXT_KEY_SHARE:
		TA_TRY(ta_rd_u16(b, &sh->key_share_group));
		if (!sh->hrr)
			TA_TRY(ta_rd_vec(b, 2, &v));
		sh->has_key_share = true;
		break;
	case TA_EXT_RENEGOTIATION_INFO:
		TA_TRY(ta_rd_vec(b, 1, &v));
		sh->has_reneg_info = true;
		sh->reneg_info_empty = ta_rd_left(&v) == 0;
		break;
	case TA_EXT_EXTENDED_MASTER_SECRET:
		sh->ems = true;
		break;
	case TA_EXT_ENCRYPT_THEN_MAC:
		sh->etm = true;
		break;
	case TA_EXT_SESSION_TICKET:
		sh->session_ticket = true;
		return TA_OK; /* body ignored */
	case TA_EXT_STATUS_REQUEST:
		sh->status_request = true;
		break;
	case TA_EXT_HEARTBEAT:
		TA_TRY(ta_rd_u8(b, &u8));
		sh->heartbeat = true;
		break;
	case TA_EXT_ALPN:
		TA_TRY(ta_rd_vec(b, 2, &v));
		TA_TRY(ta_rd_vec(&v, 1, &sh->alpn));
		TA_TRY(ta_rd_end(&v));
		sh->has_alpn = true;
		break;
	case TA_EXT_COOKIE:
		TA_TRY(ta_rd_vec(b, 2, &sh->cookie));
		sh->has_cookie = true;
		break;
	case TA_EXT_NPN:
		sh->npn = *b;
		sh->has_npn = true;
		b->p = b->end;
		break;
	case TA_EXT_RECORD_SIZE_LIMIT:
		TA_TRY(ta_rd_u16(b, &sh->record_size_limit));
		sh->has_record_size_limit = true;
		break;
	default:
		return TA_OK; /* unknown: skipped, recorded in ext_types */
	}
	return ta_rd_end(b);
}

int
ta_server_hello_parse(struct ta_rd body, struct ta_server_hello *sh)
{
	struct ta_rd sid, exts;

	memset(sh, 0, sizeof *sh);
	TA_TRY(ta_rd_u16(&body, &sh->legacy_version));
	sh->version = sh->legacy_version;
	TA_TRY(ta_rd_bytes(&body, sh->random, sizeof sh->random));
	sh->hrr = memcmp(sh->random, hrr_random, sizeof hrr_random) == 0;
	if (memcmp(sh->random + 24, downgrade_prefix, 7) == 0) {
		if (sh->random[31] == 1)
			sh->downgrade = 12;
		else if (sh->random[31] == 0)
			sh->downgrade = 11;
	}
	TA_TRY(ta_rd_vec(&body, 1, &sid));
	if (ta_rd_left(&sid) > 32)
		return TA_EDECODE;
	sh->session_id_len = (uint8_t)ta_rd_left(&sid);
	memcpy(sh->session_id, sid.p, sh->session_id_len);
	TA_TRY(ta_rd_u16(&body, &sh->suite));
	TA_TRY(ta_rd_u8(&body, &sh->compression));
	if (ta_rd_left(&body) == 0)
		return TA_OK; /* no extensions (SSLv3 / early TLS) */
	TA_TRY(ta_rd_vec(&body, 2, &exts));
	while (ta_rd_left(&exts) > 0) {
		uint16_t type;
		struct ta_rd b;

		TA_TRY(ta_rd_u16(&exts, &type));
		TA_TRY(ta_rd_vec(&exts, 2, &b));
		TA_TRY(parse_sh_extension(sh, type, &b));
	}
	return ta_rd_end(&body);
}

int
ta_ske_parse(struct ta_rd body, unsigned kx, unsigned auth, uint16_t version, struct ta_ske *ske)
{
	struct ta_rd hint, skip;

	memset(ske, 0, sizeof *ske);
	if (kx == TA_KX_DHE_PSK || kx == TA_KX_ECDHE_PSK || kx == TA_KX_PSK || kx == TA_KX_RSA_PSK)
		TA_TRY(ta_rd_vec(&body, 2, &hint));
	switch (kx) {
	case TA_KX_DHE:
	case TA_KX_DH_ANON:
	case TA_KX_DHE_PSK:
		ske->kind = TA_SKE_DH;
		TA_TRY(ta_rd_vec(&body, 2, &ske->p));
		TA_TRY(ta_rd_vec(&body, 2, &ske->g));
		TA_TRY(ta_rd_vec(&body, 2, &ske->ys));
		break;
	case TA_KX_ECDHE:
	case TA_KX_ECDH_ANON:
	case TA_KX_ECDHE_PSK:
		ske->kind = TA_SKE_ECDH;
		TA_TRY(ta_rd_u8(&body, &ske->curve_type));
		if (ske->curve_type != 3)
			return TA_OK; /* explicit curves: not parsed further */
		TA_TRY(ta_rd_u16(&body, &ske->curve));
		TA_TRY(ta_rd_vec(&body, 1, &ske->point));
		break;
	case TA_KX_RSA_EXPORT:
	case TA_KX_RSA:
		ske->kind = TA_SKE_RSA;
		TA_TRY(ta_rd_vec(&body, 2, &ske->rsa_mod));
		TA_TRY(ta_rd_vec(&body, 2, &skip));
		break;
	case TA_KX_SRP:
		TA_TRY(ta_rd_vec(&body, 2, &skip));
		TA_TRY(ta_rd_vec(&body, 2, &skip));
		TA_TRY(ta_rd_vec(&body, 1, &skip));
		TA_TRY(ta_rd_vec(&body, 2, &skip));
		break;
	case TA_KX_PSK:
	case TA_KX_RSA_PSK:
		return ta_rd_end(&body);
	default:
		return TA_OK; /* kinds we do not inspect */
	}
	if (auth != TA_AUTH_RSA && auth != TA_AUTH_DSS && auth != TA_AUTH_ECDSA)
		return ta_rd_end(&body);
	ske->has_sig = true;
	if (version >= TA_TLS12) {
		TA_TRY(ta_rd_u16(&body, &ske->sigalg));
		ske->has_sigalg = true;
	}
	TA_TRY(ta_rd_vec(&body, 2, &ske->sig));
	return ta_rd_end(&body);
}

int
ta_certificate_parse(struct ta_rd body, bool tls13, struct ta_cert_list *cl)
{
	struct ta_rd ctx, list;

	memset(cl, 0, sizeof *cl);
	if (tls13)
		TA_TRY(ta_rd_vec(&body, 1, &ctx));
	TA_TRY(ta_rd_vec(&body, 3, &list));
	while (ta_rd_left(&list) > 0) {
		struct ta_rd der, exts;

		TA_TRY(ta_rd_vec(&list, 3, &der));
		if (tls13)
			TA_TRY(ta_rd_vec(&list, 2, &exts));
		if (cl->n < TA_CERT_MAX_CHAIN)
			cl->der[cl->n++] = der;
		else
			cl->truncated = true;
	}
	return ta_rd_end(&body);
}

bool
ta_looks_ssl2(const uint8_t *buf, size_t len)
{
	/* 2-byte header with the high bit set, then SERVER-HELLO (4) or ERROR (0) */
	return len >= 3 && (buf[0] & 0x80) && (buf[2] == 4 || buf[2] == 0);
}

int
ta_ssl2_server_hello_parse(struct ta_rd *r, struct ta_ssl2_server_hello *sh)
{
	struct ta_rd t = *r, msg, specs;
	uint8_t h0, h1, type;
	uint16_t cert_len, specs_len, cid_len;
	size_t len;

	memset(sh, 0, sizeof *sh);
	if (ta_rd_left(&t) < 2)
		return TA_ENOSPC;
	TA_TRY(ta_rd_u8(&t, &h0));
	TA_TRY(ta_rd_u8(&t, &h1));
	if (!(h0 & 0x80))
		return TA_EDECODE; /* 3-byte headers carry padding: not a hello */
	len = ((size_t)(h0 & 0x7f) << 8) | h1;
	if (ta_rd_left(&t) < len)
		return TA_ENOSPC;
	TA_TRY(ta_rd_view(&t, len, &msg));
	*r = t;
	TA_TRY(ta_rd_u8(&msg, &type));
	if (type != 4)
		return TA_EPROTO; /* ERROR or something else */
	TA_TRY(ta_rd_u8(&msg, &type));
	sh->session_id_hit = type != 0;
	TA_TRY(ta_rd_u8(&msg, &sh->cert_type));
	TA_TRY(ta_rd_u16(&msg, &sh->version));
	TA_TRY(ta_rd_u16(&msg, &cert_len));
	TA_TRY(ta_rd_u16(&msg, &specs_len));
	TA_TRY(ta_rd_u16(&msg, &cid_len));
	if (specs_len % 3)
		return TA_EDECODE;
	TA_TRY(ta_rd_view(&msg, cert_len, &sh->cert));
	TA_TRY(ta_rd_view(&msg, specs_len, &specs));
	TA_TRY(ta_rd_view(&msg, cid_len, &sh->connection_id));
	while (ta_rd_left(&specs) > 0) {
		uint32_t k;

		TA_TRY(ta_rd_uint(&specs, 3, &k));
		if (sh->nkinds < TA_SSL2_MAX_KINDS)
			sh->kinds[sh->nkinds++] = k;
	}
	return ta_rd_end(&msg);
}
