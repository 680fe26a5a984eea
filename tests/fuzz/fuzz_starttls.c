/*
 * Fuzz target: STARTTLS dialogues.  The first byte picks the protocol, the
 * second how the rest is cut into reads (the server's bytes arrive in
 * pieces of 1..k bytes), and the dialogue is fed as the engine feeds it:
 * consumed bytes dropped, the rest kept and extended by the next piece.
 */
#include "fuzz.h"
#include "wire/starttls.h"

static const char *const protos[] = {"smtp",        "lmtp", "imap",     "pop3",  "ftp",  "xmpp",
                                     "xmpp-server", "ldap", "postgres", "mysql", "nntp", "sieve"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[TA_ST_LINE_MAX * 2 + 64];
	struct ta_st st;
	size_t have = 0, pos = 2, piece;
	int v = TA_ST_MORE;

	if (size < 2)
		return 0;
	/* the greeting recogniser reads the same hostile bytes; whatever it
	 * names is a real dialogue */
	{
		const struct ta_st_ops *g = ta_st_recognise(data + 2, size - 2);

		FUZZ_ASSERT(!g || ta_st_find(g->name) == g);
	}
	ta_st_init(&st, ta_st_find(protos[data[0] % (sizeof protos / sizeof protos[0])]),
	           "mail.example.test");
	ta_st_begin(&st);
	FUZZ_ASSERT(st.outlen <= TA_ST_OUT_MAX);
	piece = (size_t)(data[1] % 64) + 1;
	while (pos < size && v == TA_ST_MORE) {
		size_t n = size - pos < piece ? size - pos : piece, used = 0;

		if (n > sizeof buf - have)
			break; /* the engine's input cap: it ends the connection */
		memcpy(buf + have, data + pos, n);
		have += n;
		pos += n;
		v = ta_st_feed(&st, buf, have, &used);
		FUZZ_ASSERT(used <= have);
		FUZZ_ASSERT(st.outlen <= TA_ST_OUT_MAX);
		FUZZ_ASSERT(strlen(st.banner) < sizeof st.banner);
		FUZZ_ASSERT(strlen(st.detail) < sizeof st.detail);
		for (const char *c = st.banner; *c; c++)
			FUZZ_ASSERT(*c >= 0x20 && *c < 0x7f);
		for (const char *c = st.detail; *c; c++)
			FUZZ_ASSERT(*c >= 0x20 && *c < 0x7f);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	if (v == TA_ST_FAIL)
		FUZZ_ASSERT(st.fail != TA_STF_NONE && st.detail[0]);
	return 0;
}
