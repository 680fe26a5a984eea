/*
 * ClientHello parser (wire/chello.h): the RFC 8446 4.1.2 structure read
 * through the bounded reader, each extension's body a sub-reader that must
 * be consumed exactly.  GREASE values (RFC 8701) are counted and left out
 * of every list; unknown extensions are listed by type and skipped.
 */
#include "wire/chello.h"

#include <string.h>

#include "wire/tls.h"

static void
list_add(struct ta_client_hello *ch, struct ta_ch_list *l, uint16_t v)
{
	if (ta_is_grease(v)) {
		ch->grease++;
		return;
	}
	if (l->n < TA_CH_MAX_LIST)
		l->v[l->n++] = v;
	else
		l->truncated = true;
}

/* A vector of 16-bit values with an nbytes length prefix, filling l. */
static int
parse_u16_list(struct ta_client_hello *ch, struct ta_rd *b, unsigned nbytes, struct ta_ch_list *l)
{
	struct ta_rd v;
	uint16_t x;

	TA_TRY(ta_rd_vec(b, nbytes, &v));
	if (ta_rd_left(&v) % 2)
		return TA_EDECODE;
	l->present = true;
	while (ta_rd_left(&v) > 0) {
		TA_TRY(ta_rd_u16(&v, &x));
		list_add(ch, l, x);
	}
	return TA_OK;
}

static int
parse_sni(struct ta_client_hello *ch, struct ta_rd *b)
{
	struct ta_rd list, name;
	uint8_t type;

	TA_TRY(ta_rd_vec(b, 2, &list));
	while (ta_rd_left(&list) > 0) {
		TA_TRY(ta_rd_u8(&list, &type));
		TA_TRY(ta_rd_vec(&list, 2, &name));
		if (type == 0 && !ch->sni) {
			ch->sni = true;
			ch->sni_name = name;
		}
	}
	return TA_OK;
}

static int
parse_alpn(struct ta_client_hello *ch, struct ta_rd *b)
{
	struct ta_rd list, name;

	TA_TRY(ta_rd_vec(b, 2, &list));
	ch->has_alpn = true;
	while (ta_rd_left(&list) > 0) {
		TA_TRY(ta_rd_vec(&list, 1, &name));
		if (ta_rd_left(&name) == 0)
			return TA_EDECODE; /* RFC 7301 3.1: names are not empty */
		/* GREASE ALPN names are two bytes 0x?A?A (RFC 8701 3.1) */
		if (ta_rd_left(&name) == 2 &&
		    ta_is_grease((uint16_t)(name.p[0] << 8 | name.p[1]))) {
			ch->grease++;
			continue;
		}
		if (ch->nalpn < TA_CH_MAX_ALPN)
			ch->alpn[ch->nalpn++] = name;
	}
	return TA_OK;
}

static int
parse_key_share(struct ta_client_hello *ch, struct ta_rd *b)
{
	struct ta_rd list, share;
	uint16_t group;

	TA_TRY(ta_rd_vec(b, 2, &list));
	ch->key_shares.present = true;
	while (ta_rd_left(&list) > 0) {
		TA_TRY(ta_rd_u16(&list, &group));
		TA_TRY(ta_rd_vec(&list, 2, &share));
		list_add(ch, &ch->key_shares, group);
	}
	return TA_OK;
}

static int
parse_point_formats(struct ta_client_hello *ch, struct ta_rd *b)
{
	struct ta_rd v;
	uint8_t f;

	TA_TRY(ta_rd_vec(b, 1, &v));
	ch->point_formats.present = true;
	while (ta_rd_left(&v) > 0) {
		TA_TRY(ta_rd_u8(&v, &f));
		list_add(ch, &ch->point_formats, f);
	}
	return TA_OK;
}

static int
parse_extension(struct ta_client_hello *ch, uint16_t type, struct ta_rd *b)
{
	switch (type) {
	case TA_EXT_SERVER_NAME:
		return parse_sni(ch, b);
	case TA_EXT_SUPPORTED_GROUPS:
		return parse_u16_list(ch, b, 2, &ch->groups);
	case TA_EXT_EC_POINT_FORMATS:
		return parse_point_formats(ch, b);
	case TA_EXT_SIGNATURE_ALGORITHMS:
		return parse_u16_list(ch, b, 2, &ch->sigalgs);
	case TA_EXT_SIGNATURE_ALGORITHMS_CERT:
		return parse_u16_list(ch, b, 2, &ch->sigalgs_cert);
	case TA_EXT_ALPN:
		return parse_alpn(ch, b);
	case TA_EXT_SUPPORTED_VERSIONS:
		return parse_u16_list(ch, b, 1, &ch->versions);
	case TA_EXT_KEY_SHARE:
		return parse_key_share(ch, b);
	default:
		b->p = b->end; /* not needed by the simulation: skipped */
		return TA_OK;
	}
}

static void
note_ext(struct ta_client_hello *ch, uint16_t type)
{
	for (size_t i = 0; i < ch->nexts; i++)
		if (ch->exts[i] == type)
			ch->dup_extension = true;
	if (ch->nexts < TA_CH_MAX_EXTS)
		ch->exts[ch->nexts++] = type;
	else
		ch->exts_truncated = true;
}

int
ta_client_hello_parse(struct ta_rd r, struct ta_client_hello *ch)
{
	struct ta_rd sid, suites, comp, exts, body;
	uint16_t suite, type;
	uint8_t method;

	memset(ch, 0, sizeof *ch);
	TA_TRY(ta_rd_u16(&r, &ch->legacy_version));
	TA_TRY(ta_rd_view(&r, 32, &body)); /* random */
	TA_TRY(ta_rd_vec(&r, 1, &sid));
	if (ta_rd_left(&sid) > 32)
		return TA_EDECODE;
	TA_TRY(ta_rd_vec(&r, 2, &suites));
	if (ta_rd_left(&suites) % 2 || ta_rd_left(&suites) == 0)
		return TA_EDECODE;
	while (ta_rd_left(&suites) > 0) {
		TA_TRY(ta_rd_u16(&suites, &suite));
		if (ta_is_grease(suite))
			ch->grease++;
		else if (suite == TA_SUITE_SCSV_RENEG)
			ch->scsv_reneg = true;
		else if (suite == TA_SUITE_SCSV_FALLBACK)
			ch->scsv_fallback = true;
		else if (ch->nsuites < TA_CH_MAX_SUITES)
			ch->suites[ch->nsuites++] = suite;
		else
			ch->suites_truncated = true;
	}
	TA_TRY(ta_rd_vec(&r, 1, &comp));
	if (ta_rd_left(&comp) == 0)
		return TA_EDECODE;
	while (ta_rd_left(&comp) > 0) {
		TA_TRY(ta_rd_u8(&comp, &method));
		if (method != 0)
			ch->compression = true;
	}
	if (ta_rd_left(&r) == 0) /* no extensions at all (SSLv3-style) */
		return TA_OK;
	TA_TRY(ta_rd_vec(&r, 2, &exts));
	while (ta_rd_left(&exts) > 0) {
		TA_TRY(ta_rd_u16(&exts, &type));
		TA_TRY(ta_rd_vec(&exts, 2, &body));
		if (ta_is_grease(type)) {
			ch->grease++;
			continue;
		}
		note_ext(ch, type);
		TA_TRY(parse_extension(ch, type, &body));
		TA_TRY(ta_rd_end(&body));
	}
	return ta_rd_end(&r);
}

int
ta_client_hello_from_records(const uint8_t *buf, size_t len, uint8_t *scratch, size_t cap,
                             struct ta_client_hello *ch)
{
	struct ta_rd r, hs, body;
	struct ta_record rec;
	size_t n = 0;
	uint8_t type;
	int rc;

	ta_rd_init(&r, buf, len);
	for (;;) {
		rc = ta_record_parse(&r, &rec);
		if (rc == TA_ENOSPC)
			return TA_EDECODE; /* a truncated record: the flight is incomplete */
		TA_TRY(rc);
		if (rec.type != TA_CT_HANDSHAKE)
			return TA_EDECODE;
		if (cap - n < ta_rd_left(&rec.body))
			return TA_ENOSPC;
		memcpy(scratch + n, rec.body.p, ta_rd_left(&rec.body));
		n += ta_rd_left(&rec.body);
		ta_rd_init(&hs, scratch, n);
		rc = ta_handshake_parse(&hs, &type, &body);
		if (rc == TA_OK)
			break;
		if (rc != TA_ENOSPC || ta_rd_left(&r) == 0)
			return TA_EDECODE;
	}
	if (type != TA_HS_CLIENT_HELLO)
		return TA_EDECODE;
	return ta_client_hello_parse(body, ch);
}
