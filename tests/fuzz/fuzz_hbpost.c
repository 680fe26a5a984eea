/*
 * Fuzz target: what a server sends after the handshake while tlsaudit
 * waits for the answer to its heartbeats (src/probe/hbpost.c, through
 * src/probe/recprot.c).  The first byte picks the record protection, the
 * second how the rest is fed:
 *   even: raw bytes, as a hostile server would send them (they will not
 *         authenticate: the record splitter and the opener's checks);
 *   odd:  records [type, length (2), plaintext] the harness seals with the
 *         server's keys, so the heartbeat message logic sees the fuzzer's
 *         plaintexts (the well-formed request's payload is 16 bytes 'A').
 * Both are fed in chunks of the third byte's size (0: all at once).
 */
#include <openssl/objects.h>

#include "fuzz.h"
#include "net/conn.h"
#include "probe/hbpost.h"

static const struct {
	uint16_t version;
	int cipher, mac;
	const char *prf;
} suites[] = {
        {0x0303, NID_aes_128_gcm, NID_undef, "SHA256"},
        {0x0303, NID_chacha20_poly1305, NID_undef, "SHA256"},
        {0x0303, NID_aes_128_cbc, NID_sha1, "SHA256"},
        {0x0303, NID_aes_256_cbc, NID_sha384, "SHA384"},
        {0x0301, NID_aes_128_cbc, NID_sha1, "SHA256"},
        {0x0302, NID_aes_256_cbc, NID_sha256, "SHA256"},
};

static int
feed(struct ta_hb *hb, const uint8_t *p, size_t n, size_t chunk, struct ta_response *r)
{
	int v = TA_CONN_MORE;

	for (size_t off = 0; off < n && v == TA_CONN_MORE;) {
		size_t k = chunk && chunk < n - off ? chunk : n - off;

		v = ta_hb_feed(hb, p + off, k, r);
		FUZZ_ASSERT(v == TA_CONN_MORE || v == TA_CONN_DONE);
		off += k;
	}
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[48], cr[32] = {1}, sr[32] = {2};
	struct ta_response r;
	struct ta_hb hb;
	struct ta_recprot srv;
	uint8_t *out = NULL, iv[16] = {0};
	size_t outlen = 0, chunk;
	int v = TA_CONN_MORE;

	if (size < 3)
		return 0;
	memset(&r, 0, sizeof r);
	memset(&hb, 0, sizeof hb);
	{
		unsigned k = data[0] % (sizeof suites / sizeof suites[0]);

		if (ta_recprot_init(&hb.rp, suites[k].version, suites[k].cipher, suites[k].mac,
		                    suites[k].prf, zero, sizeof zero, cr, sr, 1) != TA_OK)
			abort();
	}
	ta_recprot_chain(&hb.rp, iv, iv);
	FUZZ_ASSERT(ta_hb_start(&hb, &out, &outlen, &r) == TA_OK);
	FUZZ_ASSERT(r.hb.sent && outlen > 0);
	free(out);
	memset(hb.payload, 'A', sizeof hb.payload);
	chunk = data[2];
	/* the server's side: our keys, the other way round */
	srv = hb.rp;
	srv.wr = hb.rp.rd;
	srv.rd = hb.rp.wr;
	if (data[1] % 2 == 0) {
		v = feed(&hb, data + 3, size - 3, chunk, &r);
	} else {
		uint8_t rec[512 + TA_RP_OVERHEAD];

		for (size_t off = 3; off + 3 <= size && v == TA_CONN_MORE;) {
			size_t n = (size_t)(data[off + 1] << 8 | data[off + 2]) % 512, len;

			if (n > size - off - 3)
				n = size - off - 3;
			if (ta_recprot_seal(&srv, data[off], data + off + 3, n, rec, sizeof rec,
			                    &len) != TA_OK)
				break;
			v = feed(&hb, rec, len, chunk, &r);
			off += 3 + n;
		}
	}
	if (v == TA_CONN_DONE)
		FUZZ_ASSERT(ta_hb_feed(&hb, data, size, &r) == TA_CONN_DONE);
	FUZZ_ASSERT(!r.hb.over_answered || r.hb.over_declared == HB_POST_DECLARED);
	FUZZ_ASSERT(!r.hb.echoed || r.hb.end == TA_FOLLOW_RECORD);
	FUZZ_ASSERT(hb.total <= HB_POST_MAX_READ + 5 + 16384 + 2048);
	srv.cipher = NULL; /* shared with hb.rp */
	ta_hb_free(&hb);
	return 0;
}
