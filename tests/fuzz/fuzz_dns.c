/*
 * Fuzz target: the DNS response parser of src/wire/dnsrr.c.  The input is
 * one response message.  It is parsed, its CNAMEs followed, and every
 * answer record is fed to every RDATA decoder (whatever its type), checking
 * that names and texts are printable ASCII within their buffers and that
 * views stay inside the input.  The input, cut at its first NUL and at 300
 * bytes, is also tried as a name to ask for: a query that builds must parse
 * back to the same question.
 */
#include <string.h>

#include "fuzz.h"
#include "wire/dnsrr.h"

static void
check_text(const char *s, size_t cap, bool name)
{
	size_t n = strnlen(s, cap);

	FUZZ_ASSERT(n < cap);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_ASSERT(c >= (name ? 0x21 : 0x20) && c <= 0x7e);
	}
	FUZZ_ASSERT(!name || n > 0);
}

static void
decode_all(const struct ta_dnsmsg *m, const struct ta_dnsrr *rr, const uint8_t *data, size_t size)
{
	static char text[TA_DNS_NAME_TEXT], txt[512];
	struct ta_dns_txtinfo info;
	struct ta_dns_tlsa_rd t;
	struct ta_dns_caa_rd c;
	uint8_t a[16];
	uint16_t pref;
	int rc;

	FUZZ_ASSERT(fuzz_within(rr->rdata, data, size));
	FUZZ_ASSERT(rr->rdata.p == data + rr->rdata_off);
	rc = ta_dns_rdata_a(rr, a);
	FUZZ_ASSERT(rc == TA_OK ? ta_rd_left(&rr->rdata) == 4 : rc == TA_EDECODE);
	rc = ta_dns_rdata_aaaa(rr, a);
	FUZZ_ASSERT(rc == TA_OK ? ta_rd_left(&rr->rdata) == 16 : rc == TA_EDECODE);
	rc = ta_dns_rdata_name(m, rr, text, sizeof text);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
	if (rc == TA_OK)
		check_text(text, sizeof text, true);
	rc = ta_dns_rdata_mx(m, rr, &pref, text, sizeof text);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
	if (rc == TA_OK) {
		check_text(text, sizeof text, true);
		if (ta_dns_name_is_host(text))
			FUZZ_ASSERT(strlen(text) <= TA_DNS_HOST_MAX);
	}
	rc = ta_dns_rdata_txt(rr, txt, sizeof txt, &info);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
	if (rc == TA_OK) {
		check_text(txt, sizeof txt, false);
		FUZZ_ASSERT(info.nstrings >= 1 && info.rawlen < ta_rd_left(&rr->rdata));
		FUZZ_ASSERT(info.cut || strlen(txt) >= info.rawlen);
		FUZZ_ASSERT(!info.clean || info.cut || strlen(txt) == info.rawlen);
	}
	rc = ta_dns_rdata_caa(rr, &c);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
	if (rc == TA_OK) {
		FUZZ_ASSERT(fuzz_within(c.tag, data, size) && fuzz_within(c.value, data, size));
		FUZZ_ASSERT(ta_rd_left(&c.tag) >= 1);
		rc = ta_dns_escape(txt, sizeof txt, c.value, NULL);
		FUZZ_ASSERT(rc == TA_OK || rc == TA_ENOSPC);
		check_text(txt, sizeof txt, false);
	}
	rc = ta_dns_rdata_tlsa(rr, &t);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE);
	if (rc == TA_OK)
		FUZZ_ASSERT(fuzz_within(t.data, data, size) && ta_rd_left(&t.data) >= 1);
}

static void
as_name(const uint8_t *data, size_t size)
{
	static struct ta_dnsmsg back;
	uint8_t q[TA_DNS_QUERY_MAX];
	char name[301];
	size_t n = 0, len;

	while (n < size && n < sizeof name - 1 && data[n] != 0) {
		name[n] = (char)data[n];
		n++;
	}
	name[n] = '\0';
	if (ta_dns_query_build(q, sizeof q, 7, name, TA_DNS_TYPE_TLSA, 1232, &len) != TA_OK)
		return;
	FUZZ_ASSERT(ta_dnsmsg_parse(q, len, &back) == TA_OK);
	if (n > 0 && name[n - 1] == '.')
		name[n - 1] = '\0';
	FUZZ_ASSERT(strcmp(back.qname, name) == 0);
	FUZZ_ASSERT(back.qtype == TA_DNS_TYPE_TLSA && back.h.ad && back.h.arcount == 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ta_dnsmsg m;
	static struct ta_dnsrr rr;
	static char canon[TA_DNS_NAME_TEXT];
	struct ta_dnsrr_it it;
	unsigned hops, n = 0;
	bool got;
	int rc;

	as_name(data, size);
	rc = ta_dnsmsg_parse(data, size, &m);
	if (rc != TA_OK) {
		FUZZ_ASSERT(rc == TA_EDECODE);
		return 0;
	}
	check_text(m.qname, sizeof m.qname, true);
	FUZZ_ASSERT(m.an_off <= size);
	rc = ta_dnsmsg_follow(&m, canon, sizeof canon, &hops);
	FUZZ_ASSERT(rc == TA_OK || rc == TA_EDECODE || rc == TA_EPROTO);
	if (rc == TA_OK) {
		check_text(canon, sizeof canon, true);
		FUZZ_ASSERT(hops <= TA_DNS_MAX_CNAME);
	}
	ta_dnsrr_it_init(&it, &m);
	for (;;) {
		/* the whole answer section was checked by ta_dnsmsg_parse() */
		FUZZ_ASSERT(ta_dnsrr_next(&it, &rr, &got) == TA_OK);
		if (!got)
			break;
		n++;
		check_text(rr.owner, sizeof rr.owner, true);
		decode_all(&m, &rr, data, size);
	}
	FUZZ_ASSERT(n == m.h.ancount);
	return 0;
}
