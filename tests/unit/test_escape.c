/*
 * Output escaping (src/report/escape.c): exact outputs for hostile strings
 * in each mode, then the general promises (tests/fuzz/esc_check.h) over
 * every case and over every single byte and byte pair.
 */
#include "../fuzz/esc_check.h"
#include "tharness.h"

static const struct {
	const char *name, *in;
	const char *ascii, *utf8, *csv, *html;
} cases[] = {
        {"plain", "CN=example.org", "CN=example.org", "CN=example.org", "CN=example.org",
         "CN=example.org"},
        {"empty", "", "", "", "", ""},
        {"terminal escape", "a\x1b[2Jb\x07", "a\\x1b[2Jb\\x07", "a\\x1b[2Jb\\x07",
         "a\\x1b[2Jb\\x07", "a\\x1b[2Jb\\x07"},
        {"line breaks and tab", "a\r\nb\tc", "a\\x0d\\x0ab\\x09c", "a\\x0d\\x0ab\\x09c",
         "a\\x0d\\x0ab\\x09c", "a\\x0d\\x0ab\\x09c"},
        {"DEL", "x\x7fy", "x\\x7fy", "x\\x7fy", "x\\x7fy", "x\\x7fy"},
        {"UTF-8 name", "O=Z\xc3\xbcrich", "O=Z\\u{00FC}rich", "O=Z\xc3\xbcrich", "O=Z\xc3\xbcrich",
         "O=Z\xc3\xbcrich"},
        {"C1 CSI as UTF-8",
         "a\xc2\x9b"
         "31mb",
         "a\\u{009B}31mb", "a\\u{009B}31mb", "a\\u{009B}31mb", "a\\u{009B}31mb"},
        {"right-to-left override", "evil\xe2\x80\xaegpj.exe", "evil\\u{202E}gpj.exe",
         "evil\\u{202E}gpj.exe", "evil\\u{202E}gpj.exe", "evil\\u{202E}gpj.exe"},
        {"isolate and separator", "\xe2\x81\xa6x\xe2\x80\xa8", "\\u{2066}x\\u{2028}",
         "\\u{2066}x\\u{2028}", "\\u{2066}x\\u{2028}", "\\u{2066}x\\u{2028}"},
        {"invalid UTF-8 bytes", "a\xff\xc3(\xed\xa0\x80", "a\\xff\\xc3(\\xed\\xa0\\x80",
         "a\\xff\\xc3(\\xed\\xa0\\x80", "a\\xff\\xc3(\\xed\\xa0\\x80",
         "a\\xff\\xc3(\\xed\\xa0\\x80"},
        {"overlong slash", "\xc0\xaf", "\\xc0\\xaf", "\\xc0\\xaf", "\\xc0\\xaf", "\\xc0\\xaf"},
        {"emoji", "\xf0\x9f\x94\x92", "\\u{1F512}", "\xf0\x9f\x94\x92", "\xf0\x9f\x94\x92",
         "\xf0\x9f\x94\x92"},
        {"forged escape", "\\x1b and \\u{202E}", "\\\\x1b and \\\\u{202E}",
         "\\\\x1b and \\\\u{202E}", "\\\\x1b and \\\\u{202E}", "\\\\x1b and \\\\u{202E}"},
        {"RFC 2253 backslash", "O=A\\, B", "O=A\\, B", "O=A\\, B", "O=A\\, B", "O=A\\, B"},
        {"trailing backslash", "a\\", "a\\", "a\\", "a\\", "a\\"},
        {"formula =", "=HYPERLINK(\"http://x\",\"y\")", "=HYPERLINK(\"http://x\",\"y\")",
         "=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")",
         "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)"},
        {"formula +", "+1+cmd", "+1+cmd", "+1+cmd", "'+1+cmd", "+1+cmd"},
        {"formula -", "-2+3", "-2+3", "-2+3", "'-2+3", "-2+3"},
        {"formula @", "@SUM(A1)", "@SUM(A1)", "@SUM(A1)", "'@SUM(A1)", "@SUM(A1)"},
        {"formula tab", "\t=1", "\\x09=1", "\\x09=1", "'\\x09=1", "\\x09=1"},
        {"formula CR", "\r=1", "\\x0d=1", "\\x0d=1", "'\\x0d=1", "\\x0d=1"},
        {"not a formula", "a=1", "a=1", "a=1", "a=1", "a=1"},
        {"html", "<script>alert('x')</script>&amp;", "<script>alert('x')</script>&amp;",
         "<script>alert('x')</script>&amp;", "<script>alert('x')</script>&amp;",
         "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;"},
        {"attribute break", "\" onmouseover=\"x", "\" onmouseover=\"x", "\" onmouseover=\"x",
         "\"\" onmouseover=\"\"x", "&quot; onmouseover=&quot;x"},
};

static void
check_exact(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *want[4] = {cases[i].ascii, cases[i].utf8, cases[i].csv, cases[i].html};
		static const enum ta_esc modes[4] = {TA_ESC_ASCII, TA_ESC_UTF8, TA_ESC_CSV,
		                                     TA_ESC_HTML};

		TH_CASE(cases[i].name);
		for (size_t m = 0; m < 4; m++) {
			char out[256];
			size_t n = ta_esc_buf(out, sizeof out, cases[i].in, strlen(cases[i].in),
			                      modes[m]);

			CHECK_STR(out, want[m]);
			CHECK_EQ(n, strlen(want[m]));
		}
		CHECK_STR(esc_check((const unsigned char *)cases[i].in, strlen(cases[i].in)), NULL);
		/* XML differs from HTML only in characters none of these has */
		{
			char out[256];

			ta_esc_buf(out, sizeof out, cases[i].in, strlen(cases[i].in), TA_ESC_XML);
			CHECK_STR(out, cases[i].html);
		}
	}
}

/* XML 1.0 (section 2.2) Char: #x9 | #xA | #xD | [#x20-#xD7FF] |
 * [#xE000-#xFFFD] | [#x10000-#x10FFFF]; the rest must never be written. */
static const struct {
	const char *name, *in, *xml;
	size_t len; /* 0: strlen(in) */
} xml_cases[] = {
        {"U+FFFE and U+FFFF",
         "a\xef\xbf\xbe\xef\xbf\xbf"
         "b",
         "a\\u{FFFE}\\u{FFFF}b", 0},
        {"U+FFFD and a noncharacter XML allows", "\xef\xbf\xbd\xef\xb7\x90",
         "\xef\xbf\xbd\xef\xb7\x90", 0},
        {"NUL, vertical tab, form feed", "a\0b\x0b\x0c", "a\\x00b\\x0b\\x0c", 5},
        {"CDATA end and a comment", "]]><!-- x -->", "]]&gt;&lt;!-- x --&gt;", 0},
        {"entity and reference", "&lt; &#27; &#x1b;", "&amp;lt; &amp;#27; &amp;#x1b;", 0},
        {"surrogate as bytes", "\xed\xb0\x80", "\\xed\\xb0\\x80", 0},
        {"last plane", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", 0},
};

static void
check_xml(void)
{
	for (size_t i = 0; i < sizeof xml_cases / sizeof xml_cases[0]; i++) {
		char out[256];
		size_t len = xml_cases[i].len ? xml_cases[i].len : strlen(xml_cases[i].in);

		TH_CASE(xml_cases[i].name);
		CHECK_EQ(ta_esc_buf(out, sizeof out, xml_cases[i].in, len, TA_ESC_XML),
		         strlen(xml_cases[i].xml));
		CHECK_STR(out, xml_cases[i].xml);
		CHECK_STR(esc_check((const unsigned char *)xml_cases[i].in, len), NULL);
	}
}

static void
check_cuts(void)
{
	char out[8];

	TH_CASE("cut before an escape");
	CHECK_EQ(ta_esc_buf(out, sizeof out, "abcd\x1b", 5, TA_ESC_UTF8), 8);
	CHECK_STR(out, "abcd"); /* "\x1b" does not fit whole: left out */
	TH_CASE("cut before a reference");
	CHECK_EQ(ta_esc_buf(out, sizeof out, "abc<", 4, TA_ESC_HTML), 7);
	CHECK_STR(out, "abc&lt;");
	CHECK_EQ(ta_esc_buf(out, 4, "abc<", 4, TA_ESC_HTML), 7);
	CHECK_STR(out, "abc");
	TH_CASE("zero capacity");
	CHECK_EQ(ta_esc_buf(NULL, 0, "\xe2\x80\xae", 3, TA_ESC_ASCII), 8);
	TH_CASE("NUL inside the length");
	CHECK_EQ(ta_esc_buf(out, sizeof out, "a\0b", 3, TA_ESC_ASCII), 6);
	CHECK_STR(out, "a\\x00b");
}

static void
check_csv_field(void)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	TH_CASE("csv field");
	CHECK(f != NULL);
	if (!f)
		return;
	ta_esc_csv_field(f, "=1,\"2\"\n");
	ta_esc_csv_field(f, NULL);
	fclose(f);
	CHECK_STR(mem, "\"'=1,\"\"2\"\"\\x0a\"\"\"");
	free(mem);
}

/* Every byte and every pair of bytes: all promises hold. */
static void
check_all_pairs(void)
{
	size_t bad = 0;

	TH_CASE("all bytes and pairs");
	for (unsigned a = 0; a < 256; a++) {
		unsigned char one[1] = {(unsigned char)a};

		bad += esc_check(one, 1) != NULL;
		for (unsigned b = 0; b < 256; b++) {
			unsigned char two[3] = {(unsigned char)a, (unsigned char)b, 'x'};

			for (size_t n = 2; n <= 3; n++) {
				const char *why = esc_check(two, n);

				if (why && bad++ < 5)
					fprintf(stderr, "bytes %02x %02x (%zu): %s\n", a, b, n,
					        why);
			}
		}
	}
	CHECK_EQ(bad, 0);
}

int
main(void)
{
	check_exact();
	check_xml();
	check_cuts();
	check_csv_field();
	check_all_pairs();
	return th_done("test_escape");
}
