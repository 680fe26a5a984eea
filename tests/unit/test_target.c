/*
 * Unit tests for the target parser ta_parse_target() (src/probe/scan.c):
 * "HOST", "HOST:PORT", "[V6]:PORT", "V6", with the default port filled in.
 * Rejected targets must return TA_EINVAL with a one-line message that
 * names the problem (checked by a keyword per row).
 *
 * Rows marked xfail document known bugs in the parser, owned outside this
 * directory: they are reported as XFAIL and do not fail the test; when one
 * starts to pass it is reported as XPASS so the mark can be removed.
 */
#include <stdbool.h>

#include "probe/scan_internal.h"
#include "tharness.h"

#define DEFPORT 443

struct target_case {
	const char *name; /* row label; the spec itself when NULL */
	const char *spec;
	int rc;
	const char *host; /* on success */
	uint16_t port;
	const char *why;   /* on failure: a word the message must contain */
	const char *xfail; /* known bug: what is wrong */
};

static char name253[254], name254[255], label64[80], name300[301], bare300[301];

static const struct target_case cases[] = {
        /* accepted */
        {NULL, "host", TA_OK, "host", .port = DEFPORT},
        {NULL, "host:443", TA_OK, "host", .port = 443},
        {NULL, "example.com:8443", TA_OK, "example.com", .port = 8443},
        {NULL, "example.com.", TA_OK, "example.com.", .port = DEFPORT},
        {NULL, "under_score.example:1", TA_OK, "under_score.example", .port = 1},
        {NULL, "[::1]:8443", TA_OK, "::1", .port = 8443},
        {NULL, "[::1]", TA_OK, "::1", .port = DEFPORT},
        {NULL, "::1", TA_OK, "::1", .port = DEFPORT},
        {NULL, "2001:db8::1", TA_OK, "2001:db8::1", .port = DEFPORT},
        {NULL, "[2001:db8::1]:65535", TA_OK, "2001:db8::1", .port = 65535},
        {NULL, "::ffff:1.2.3.4", TA_OK, "::ffff:1.2.3.4", .port = DEFPORT},
        {NULL, "1.2.3.4", TA_OK, "1.2.3.4", .port = DEFPORT},
        {NULL, "1.2.3.4:1", TA_OK, "1.2.3.4", .port = 1},
        {"253-character name", name253, TA_OK, name253, .port = DEFPORT},
        /* rejected */
        {NULL, "1.2.3.4:0", TA_EINVAL, .why = "port"},
        {NULL, "host:99999", TA_EINVAL, .why = "port"},
        {NULL, "host:65536", TA_EINVAL, .why = "port"},
        {NULL, "host:", TA_EINVAL, .why = "port"},
        {NULL, "host:-1", TA_EINVAL, .why = "port"},
        {NULL, "host:44x", TA_EINVAL, .why = "port"},
        {NULL, "host:99999999999999999999", TA_EINVAL, .why = "port"},
        {NULL, "[::1]:0", TA_EINVAL, .why = "port"},
        {NULL, "[::1]:", TA_EINVAL, .why = "port"},
        {NULL, "bad host!", TA_EINVAL, .why = "not a host name"},
        {NULL, "bad_host!:443", TA_EINVAL, .why = "not a host name"},
        {NULL, "a..b", TA_EINVAL, .why = "not a host name"},
        {NULL, ".example", TA_EINVAL, .why = "not a host name"},
        {NULL, "1::2::3", TA_EINVAL, .why = "not a host name"},
        {NULL, "[::1", TA_EINVAL, .why = "]"},
        {NULL, "[::1]x", TA_EINVAL, .why = "junk"},
        {NULL, "[::1]:443:1", TA_EINVAL, .why = "port"},
        {NULL, "[]:443", TA_EINVAL, .why = "host"},
        {NULL, ":443", TA_EINVAL, .why = "host"},
        {"empty", "", TA_EINVAL, .why = "empty"},
        {"NULL", NULL, TA_EINVAL, .why = "empty"},
        {"254-character name", name254, TA_EINVAL, .why = "host"},
        {"64-character label", label64, TA_EINVAL, .why = "host"},
        {"300-character name", name300, TA_EINVAL, .why = "host"},
        {"300-character name with port", bare300, TA_EINVAL, .why = "host"},
        /* bugs found by this test and fixed in ta_parse_target */
        {"port with leading space", "host: 443", TA_EINVAL, .why = "port"},
        {"port with plus sign", "host:+443", TA_EINVAL, .why = "port"},
        {"newline in host", "bad\nhost", TA_EINVAL, .why = "not a host name"},
        {"newline in port", "host:4\n", TA_EINVAL, .why = "port"},
        {"too long: say so", name300, TA_EINVAL, .why = "long"},
        {"too long for a name: say so", name254, TA_EINVAL, .why = "long"},
        {"brackets around a name", "[host.example]:443", TA_EINVAL, .why = "address"},
};

static void
make_names(void)
{
	/* 253 = 3 labels of 63 + 1 label of 61 + 3 dots */
	memset(name253, 'a', 253);
	name253[63] = name253[127] = name253[191] = '.';
	memcpy(name254, name253, 253);
	name254[253] = 'b';
	memset(label64, 'c', 64);
	memcpy(label64 + 64, ".example", 8);
	memset(name300, 'd', 300);
	memset(bare300, 'e', 300);
	memcpy(bare300 + 290, ".com:443", 8);
}

/* NULL when the row holds, else what is wrong (in buf). */
static const char *
run_case(const struct target_case *c, char *buf, size_t buflen)
{
	char host[256], err[256];
	uint16_t port = 0;
	int rc;

	memset(host, 0, sizeof host);
	memset(err, 0, sizeof err);
	rc = ta_parse_target(c->spec, DEFPORT, host, sizeof host, &port, err, sizeof err);
	if (rc != c->rc) {
		snprintf(buf, buflen, "rc %d, want %d (err \"%s\")", rc, c->rc, err);
		return buf;
	}
	if (rc == TA_OK) {
		if (strcmp(host, c->host) != 0) {
			snprintf(buf, buflen, "host \"%.100s\", want \"%.100s\"", host, c->host);
			return buf;
		}
		if (port != c->port) {
			snprintf(buf, buflen, "port %u, want %u", port, c->port);
			return buf;
		}
		return NULL;
	}
	if (err[0] == '\0')
		return "empty error message";
	if (strpbrk(err, "\r\n")) {
		snprintf(buf, buflen, "message is not one line: \"%s\"", err);
		return buf;
	}
	if (!strstr(err, c->why)) {
		snprintf(buf, buflen, "message \"%s\" does not say \"%s\"", err, c->why);
		return buf;
	}
	return NULL;
}

static void
test_cases(void)
{
	int xfail = 0, xpass = 0;

	for (size_t i = 0; i < TH_LEN(cases); i++) {
		const struct target_case *c = &cases[i];
		const char *label = c->name ? c->name : c->spec;
		char buf[512];
		const char *bad;

		TH_CASE(label);
		bad = run_case(c, buf, sizeof buf);
		th_checks++;
		if (c->xfail) {
			if (bad) {
				xfail++;
				printf("XFAIL [%s]: %s: %s\n", label, c->xfail, bad);
			} else {
				xpass++;
				printf("XPASS [%s]: fixed? remove the xfail mark\n", label);
			}
		} else if (bad) {
			th_fail_at(__FILE__, __LINE__);
			fprintf(stderr, "%s\n", bad);
		}
	}
	printf("known bugs: %d still failing, %d now passing\n", xfail, xpass);
	TH_CASE(NULL);
}

/* Small buffers: host capacity is enforced, messages are truncated safely. */
static void
test_small_buffers(void)
{
	char host[8], err[12];
	uint16_t port = 0;

	TH_CASE("host longer than the buffer");
	CHECK_EQ(ta_parse_target("abcdefgh:80", DEFPORT, host, sizeof host, &port, err, sizeof err),
	         TA_EINVAL);
	CHECK(strlen(err) < sizeof err);
	TH_CASE("host that just fits");
	CHECK_EQ(ta_parse_target("abcdefg:80", DEFPORT, host, sizeof host, &port, err, sizeof err),
	         TA_OK);
	CHECK_STR(host, "abcdefg");
	CHECK_EQ(port, 80);
	TH_CASE("no room for a message");
	CHECK_EQ(ta_parse_target("", DEFPORT, host, sizeof host, &port, NULL, 0), TA_EINVAL);
	TH_CASE(NULL);
}

int
main(void)
{
	make_names();
	test_cases();
	test_small_buffers();
	return th_done("test_target");
}
