/*
 * ClientHello construction for SSLv2-compatible, SSLv3 and TLS 1.0-1.3
 * hellos with any suites and extensions (RFC 5246 7.4.1.2, RFC 8446 4.1.2,
 * RFC 6066, RFC 7685 padding).  Writes into a fixed buffer; no allocation.
 */
#include "wire/tls.h"

static void
put_u16_list(struct ta_wr *w, unsigned prefix, const uint16_t *v, size_t n)
{
	size_t list = ta_wr_open(w, prefix);

	for (size_t i = 0; i < n; i++)
		ta_wr_u16(w, v[i]);
	ta_wr_close(w, list);
}

static void
put_empty_ext(struct ta_wr *w, uint16_t type)
{
	ta_wr_u16(w, type);
	ta_wr_u16(w, 0);
}

static void
put_extensions(const struct ta_hello *h, struct ta_wr *w)
{
	size_t ext;

	if (h->sni && h->sni[0]) {
		size_t len = strlen(h->sni);

		ta_wr_u16(w, TA_EXT_SERVER_NAME);
		ext = ta_wr_open(w, 2);
		size_t list = ta_wr_open(w, 2);
		ta_wr_u8(w, 0); /* host_name */
		size_t name = ta_wr_open(w, 2);
		ta_wr_bytes(w, h->sni, len);
		ta_wr_close(w, name);
		ta_wr_close(w, list);
		ta_wr_close(w, ext);
	}
	if (h->ec_point_formats) {
		ta_wr_u16(w, TA_EXT_EC_POINT_FORMATS);
		ext = ta_wr_open(w, 2);
		ta_wr_u8(w, 1);
		ta_wr_u8(w, 0); /* uncompressed */
		ta_wr_close(w, ext);
	}
	if (h->ngroups || h->groups_empty_ext) {
		ta_wr_u16(w, TA_EXT_SUPPORTED_GROUPS);
		ext = ta_wr_open(w, 2);
		put_u16_list(w, 2, h->groups, h->ngroups);
		ta_wr_close(w, ext);
	}
	if (h->session_ticket && h->ticket_len) {
		ta_wr_u16(w, TA_EXT_SESSION_TICKET);
		ext = ta_wr_open(w, 2);
		ta_wr_bytes(w, h->ticket, h->ticket_len);
		ta_wr_close(w, ext);
	} else if (h->session_ticket) {
		put_empty_ext(w, TA_EXT_SESSION_TICKET);
	}
	if (h->nalpn) {
		ta_wr_u16(w, TA_EXT_ALPN);
		ext = ta_wr_open(w, 2);
		size_t list = ta_wr_open(w, 2);
		for (size_t i = 0; i < h->nalpn; i++) {
			size_t p = ta_wr_open(w, 1);
			ta_wr_bytes(w, h->alpn[i], strlen(h->alpn[i]));
			ta_wr_close(w, p);
		}
		ta_wr_close(w, list);
		ta_wr_close(w, ext);
	}
	if (h->etm)
		put_empty_ext(w, TA_EXT_ENCRYPT_THEN_MAC);
	if (h->ems)
		put_empty_ext(w, TA_EXT_EXTENDED_MASTER_SECRET);
	if (h->nsigalgs) {
		ta_wr_u16(w, TA_EXT_SIGNATURE_ALGORITHMS);
		ext = ta_wr_open(w, 2);
		put_u16_list(w, 2, h->sigalgs, h->nsigalgs);
		ta_wr_close(w, ext);
	}
	if (h->nsigalgs_cert) {
		ta_wr_u16(w, TA_EXT_SIGNATURE_ALGORITHMS_CERT);
		ext = ta_wr_open(w, 2);
		put_u16_list(w, 2, h->sigalgs_cert, h->nsigalgs_cert);
		ta_wr_close(w, ext);
	}
	if (h->nversions) {
		ta_wr_u16(w, TA_EXT_SUPPORTED_VERSIONS);
		ext = ta_wr_open(w, 2);
		put_u16_list(w, 1, h->versions, h->nversions);
		ta_wr_close(w, ext);
	}
	if (h->cookie) {
		ta_wr_u16(w, TA_EXT_COOKIE);
		ext = ta_wr_open(w, 2);
		size_t c = ta_wr_open(w, 2);
		ta_wr_bytes(w, h->cookie, h->cookie_len);
		ta_wr_close(w, c);
		ta_wr_close(w, ext);
	}
	if (h->psk_modes) {
		ta_wr_u16(w, TA_EXT_PSK_KEY_EXCHANGE_MODES);
		ext = ta_wr_open(w, 2);
		ta_wr_u8(w, 1);
		ta_wr_u8(w, 1); /* psk_dhe_ke */
		ta_wr_close(w, ext);
	}
	if (h->key_share_ext) {
		ta_wr_u16(w, TA_EXT_KEY_SHARE);
		ext = ta_wr_open(w, 2);
		size_t list = ta_wr_open(w, 2);
		for (size_t i = 0; i < h->nshares && i < TA_HELLO_MAX_SHARES; i++) {
			ta_wr_u16(w, h->shares[i].group);
			size_t k = ta_wr_open(w, 2);
			ta_wr_bytes(w, h->shares[i].data, h->shares[i].len);
			ta_wr_close(w, k);
		}
		ta_wr_close(w, list);
		ta_wr_close(w, ext);
	}
	if (h->status_request) {
		ta_wr_u16(w, TA_EXT_STATUS_REQUEST);
		ext = ta_wr_open(w, 2);
		ta_wr_u8(w, 1);  /* ocsp */
		ta_wr_u16(w, 0); /* responder_id_list */
		ta_wr_u16(w, 0); /* request_extensions */
		ta_wr_close(w, ext);
	}
	if (h->heartbeat) {
		ta_wr_u16(w, TA_EXT_HEARTBEAT);
		ext = ta_wr_open(w, 2);
		ta_wr_u8(w, 1); /* peer_allowed_to_send */
		ta_wr_close(w, ext);
	}
	if (h->npn)
		put_empty_ext(w, TA_EXT_NPN);
	if (h->record_size_limit) {
		ta_wr_u16(w, TA_EXT_RECORD_SIZE_LIMIT);
		ext = ta_wr_open(w, 2);
		ta_wr_u16(w, h->record_size_limit);
		ta_wr_close(w, ext);
	}
	if (h->early_data)
		put_empty_ext(w, TA_EXT_EARLY_DATA);
	if (h->reneg_info) {
		ta_wr_u16(w, TA_EXT_RENEGOTIATION_INFO);
		ext = ta_wr_open(w, 2);
		ta_wr_u8(w, 0);
		ta_wr_close(w, ext);
	}
	/* extensions the server cannot know (GREASE, RFC 8701; unassigned):
	 * a tolerant server ignores them (RFC 8446 4.1.2) */
	for (size_t i = 0; i < h->nunknown_exts; i++)
		put_empty_ext(w, h->unknown_exts[i]);
}

int
ta_hello_write(const struct ta_hello *h, struct ta_wr *w)
{
	uint16_t rv = h->record_version;

	if (h->nsuites > TA_HELLO_MAX_SUITES || h->session_id_len > 32)
		return TA_EINVAL;
	if (!rv)
		rv = h->version == TA_SSL3 ? TA_SSL3 : TA_TLS10;
	ta_wr_u8(w, TA_CT_HANDSHAKE);
	ta_wr_u16(w, rv);
	size_t rec = ta_wr_open(w, 2);
	size_t hs_start = w->len;
	ta_wr_u8(w, TA_HS_CLIENT_HELLO);
	size_t hs = ta_wr_open(w, 3);
	ta_wr_u16(w, h->version);
	ta_wr_bytes(w, h->random, 32);
	size_t sid = ta_wr_open(w, 1);
	ta_wr_bytes(w, h->session_id, h->session_id_len);
	ta_wr_close(w, sid);

	size_t suites = ta_wr_open(w, 2);
	for (size_t i = 0; i < h->nsuites; i++)
		ta_wr_u16(w, h->suites[i]);
	if (h->scsv_reneg)
		ta_wr_u16(w, TA_SUITE_SCSV_RENEG);
	if (h->scsv_fallback)
		ta_wr_u16(w, TA_SUITE_SCSV_FALLBACK);
	ta_wr_close(w, suites);

	if (h->deflate) {
		ta_wr_u8(w, 2);
		ta_wr_u8(w, 1);
		ta_wr_u8(w, 0);
	} else {
		ta_wr_u8(w, 1);
		ta_wr_u8(w, 0);
	}

	if (!h->no_extensions) {
		size_t exts = ta_wr_open(w, 2);
		put_extensions(h, w);
		if (h->pad_to && !w->err) {
			size_t cur = w->len - hs_start;

			if (cur + 4 <= h->pad_to) {
				size_t n = h->pad_to - cur - 4;
				static const uint8_t zeros[512];

				ta_wr_u16(w, TA_EXT_PADDING);
				ta_wr_u16(w, (uint16_t)n);
				while (n > 0) {
					size_t k = n < sizeof zeros ? n : sizeof zeros;
					ta_wr_bytes(w, zeros, k);
					n -= k;
				}
			}
		}
		ta_wr_close(w, exts);
	}
	ta_wr_close(w, hs);
	ta_wr_close(w, rec);
	if (!w->err && w->len - hs_start > TA_HELLO_MAX_BYTES)
		return TA_ENOSPC;
	return w->err;
}

int
ta_hello_write_ssl2(uint16_t version, const uint32_t *kinds, size_t n, const uint8_t challenge[16],
                    struct ta_wr *w)
{
	size_t len = 9 + 3 * n + 16;

	if (len > 0x7fff)
		return TA_EINVAL;
	ta_wr_u8(w, (uint8_t)(0x80 | (len >> 8)));
	ta_wr_u8(w, (uint8_t)(len & 0xff));
	ta_wr_u8(w, 1); /* CLIENT-HELLO */
	ta_wr_u16(w, version);
	ta_wr_u16(w, (uint16_t)(3 * n));
	ta_wr_u16(w, 0);  /* session id */
	ta_wr_u16(w, 16); /* challenge */
	for (size_t i = 0; i < n; i++)
		ta_wr_uint(w, 3, kinds[i]);
	ta_wr_bytes(w, challenge, 16);
	return w->err;
}
