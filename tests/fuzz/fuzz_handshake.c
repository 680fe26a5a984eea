/*
 * Fuzz target: a server's first flight read the way a probe reads it.  The
 * input is a stream of records; handshake record bodies are appended to a
 * capped buffer and, after each record, every complete handshake message
 * is taken off the front (ta_handshake_parse() says TA_ENOSPC for the
 * incomplete rest) and handed to its parser: ServerHello, then Certificate
 * in the negotiated version's layout and ServerKeyExchange for the chosen
 * suite's key exchange, looked up in the registry.  Reading stops at the
 * first non-handshake record, as TLS 1.3 encryption or an alert would.
 * At the end the whole buffer is parsed again in one pass, which must find
 * the same messages.
 */
#include <string.h>

#include "fuzz.h"
#include "wire/registry.h"
#include "wire/tls.h"

#define HS_CAP 65536

static uint8_t hsbuf[HS_CAP];

struct state {
	bool have_sh;
	uint16_t version;
	uint16_t suite;
};

static void
dispatch(struct state *st, uint8_t type, struct ta_rd body)
{
	const struct ta_suite *s;
	struct ta_server_hello sh;
	struct ta_cert_list cl;
	struct ta_ske ske;

	switch (type) {
	case TA_HS_SERVER_HELLO:
		if (ta_server_hello_parse(body, &sh) == TA_OK && !st->have_sh) {
			st->have_sh = true;
			st->version = sh.version;
			st->suite = sh.suite;
			FUZZ_ASSERT(fuzz_within(sh.alpn, hsbuf, sizeof hsbuf));
			FUZZ_ASSERT(fuzz_within(sh.cookie, hsbuf, sizeof hsbuf));
		}
		break;
	case TA_HS_CERTIFICATE:
		if (ta_certificate_parse(body, st->version == TA_TLS13, &cl) == TA_OK) {
			for (size_t i = 0; i < cl.n; i++)
				FUZZ_ASSERT(fuzz_within(cl.der[i], body.p, ta_rd_left(&body)));
		}
		break;
	case TA_HS_SERVER_KEY_EXCHANGE:
		s = st->have_sh ? ta_suite_find(st->suite) : NULL;
		if (s && ta_ske_parse(body, s->kx, s->auth, st->version, &ske) == TA_OK) {
			FUZZ_ASSERT(fuzz_within(ske.p, body.p, ta_rd_left(&body)));
			FUZZ_ASSERT(fuzz_within(ske.point, body.p, ta_rd_left(&body)));
			FUZZ_ASSERT(fuzz_within(ske.sig, body.p, ta_rd_left(&body)));
		}
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st = {0};
	struct ta_record rec;
	struct ta_rd r, hs, body;
	size_t len = 0, off = 0, nmsgs = 0, again = 0;
	uint8_t type;

	ta_rd_init(&r, data, size);
	while (ta_record_parse(&r, &rec) == TA_OK) {
		size_t n = ta_rd_left(&rec.body);
		int rc;

		if (rec.type != TA_CT_HANDSHAKE)
			break;
		if (n > sizeof hsbuf - len)
			break; /* over the cap: a probe gives up here */
		memcpy(hsbuf + len, rec.body.p, n);
		len += n;
		ta_rd_init(&hs, hsbuf + off, len - off);
		while ((rc = ta_handshake_parse(&hs, &type, &body)) == TA_OK) {
			FUZZ_ASSERT(fuzz_within(body, hsbuf, len));
			dispatch(&st, type, body);
			nmsgs++;
		}
		FUZZ_ASSERT(rc == TA_ENOSPC);
		off = (size_t)(hs.p - hsbuf);
		FUZZ_ASSERT(off <= len);
	}

	/* One pass over everything must agree with the incremental reads. */
	ta_rd_init(&hs, hsbuf, len);
	while (ta_handshake_parse(&hs, &type, &body) == TA_OK)
		again++;
	FUZZ_ASSERT(again == nmsgs);
	FUZZ_ASSERT((size_t)(hs.p - hsbuf) == off);
	return 0;
}
