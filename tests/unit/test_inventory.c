/*
 * The inventory (src/inventory/): CSV written then read back gives the same
 * rows; every message of the CSV reader with its line, also after a cell
 * spanning lines; ';' files, a BOM, CR line ends; target lists checked
 * against the scanner's own ta_parse_target(); nmap XML, hand-made samples
 * and two real `nmap -oX` files of servers on loopback
 * (tests/vectors/inventory/README.md), whose expected lines are found by
 * searching the files, not taken from the parser.
 */
#include <stdlib.h>

#include "inventory/inventory.h"
#include "probe/scan_internal.h"
#include "tharness.h"

#ifndef TA_VECTORS_DIR
#define TA_VECTORS_DIR "tests/vectors"
#endif

/* ------------------------------------------------------------------ */
/* helpers */

struct msgs {
	char text[16384]; /* "E msg\n" or "N msg\n" per message */
	size_t len;
	int errors, notes;
};

static void
collect(void *arg, enum ta_inv_severity sev, const char *msg)
{
	struct msgs *m = arg;
	int n = snprintf(m->text + m->len, sizeof m->text - m->len, "%c %s\n",
	                 sev == TA_INV_NOTE ? 'N' : 'E', msg);

	if (n > 0 && (size_t)n < sizeof m->text - m->len)
		m->len += (size_t)n;
	if (sev == TA_INV_NOTE)
		m->notes++;
	else
		m->errors++;
}

static int
parse(const char *text, size_t len, const char *name, enum ta_inv_format fmt,
      struct ta_inventory *inv, struct msgs *m)
{
	memset(m, 0, sizeof *m);
	return ta_inv_parse(text, len, name, fmt, inv, collect, m);
}

static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf = NULL;

	snprintf(path, sizeof path, "%s/inventory/%s", TA_VECTORS_DIR, name);
	f = fopen(path, "rb");
	*len = 0;
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		th_failures++;
		return calloc(1, 1);
	}
	buf = malloc(1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* The line of the first occurrence of needle in text (1-based), 0 if none. */
static unsigned
line_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	unsigned line = 1;

	if (!p)
		return 0;
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

static void
same_row(const struct ta_inv_row *a, const struct ta_inv_row *b)
{
	CHECK_STR(a->asset_id, b->asset_id);
	CHECK_STR(a->name, b->name);
	CHECK_STR(a->owner, b->owner);
	CHECK_STR(a->service, b->service);
	CHECK_STR(a->host, b->host);
	CHECK_EQ(a->port, b->port);
	CHECK_STR(a->protocol, b->protocol);
	CHECK_STR(a->sni, b->sni);
	CHECK_STR(a->exposure, b->exposure);
	CHECK_STR(a->criticality, b->criticality);
	CHECK_STR(a->software, b->software);
	CHECK_STR(a->tls_library, b->tls_library);
	CHECK_STR(a->profile, b->profile);
	CHECK_EQ(a->upgradable, b->upgradable);
	CHECK_STR(a->contingency, b->contingency);
	CHECK_STR(a->exception_expiry, b->exception_expiry);
	CHECK_STR(a->tags, b->tags);
	CHECK_STR(a->notes, b->notes);
}

static char *
write_mem(const struct ta_inventory *inv, const char *const *names, size_t n,
          const char *const *const *values, unsigned flags, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	CHECK(f != NULL);
	CHECK_EQ(ta_inv_write_csv(f, inv, names, n, values, flags), TA_OK);
	fclose(f);
	return out;
}

/* ------------------------------------------------------------------ */
/* CSV round trip */

/* Free text that a CSV writer must get right. */
static const char *const hard[] = {
        "plain",
        "",
        "a, b, c",
        "say \"hi\"",
        "\"",
        "two\nlines",
        "crlf\r\ninside",
        "=SUM(A1:A9)",
        "+1 555 0100",
        "-5",
        "@cmd",
        "\t=1",
        "\r=1",
        "'=already quoted",
        "''+x",
        "'plain quote",
        "'",
        "\xe9\xa6\x99\xe6\xb8\xaf \xe7\xb6\xb2\xe7\xb5\xa1\xe9\x83\xa8", /* 香港 網絡部 */
        "caf\xc3\xa9; na\xc3\xafve",
        "\xf0\x9f\x94\x92 lock",
        " leading and trailing ",
        "semi;colon",
};

static void
fill_row(struct ta_inv_row *r, size_t i)
{
	static const char *const hosts[] = {"www.example.org", "192.0.2.7", "2001:db8::1",
	                                    "MX1.Example.ORG"};
	static const char *const protos[] = {"tls", "smtp", "imap", "postgres"};
	static const char *const exp[] = {"", "internet", "internal", "partner"};
	size_t h = TH_LEN(hard);
	char host[64];

	CHECK_EQ(ta_inv_row_init(r), TA_OK);
	snprintf(host, sizeof host, "%s", hosts[i % 4]);
	set_str(&r->host, host);
	r->port = (uint16_t)(1000 + i);
	set_str(&r->protocol, protos[i % 4]);
	set_str(&r->exposure, exp[i % 4]);
	r->upgradable = (enum ta_inv_upgradable)(i % 4);
	set_str(&r->asset_id, hard[i % h]);
	set_str(&r->name, hard[(i + 1) % h]);
	set_str(&r->owner, hard[(i + 2) % h]);
	set_str(&r->service, hard[(i + 3) % h]);
	set_str(&r->criticality, hard[(i + 4) % h]);
	set_str(&r->software, hard[(i + 5) % h]);
	set_str(&r->tls_library, hard[(i + 6) % h]);
	set_str(&r->contingency, hard[(i + 7) % h]);
	set_str(&r->tags, hard[(i + 8) % h]);
	set_str(&r->notes, hard[(i + 9) % h]);
	if (i % 3 == 0)
		set_str(&r->sni, "www.example.org");
	if (i % 5 == 1)
		set_str(&r->profile, "hkcert-intermediate");
	if (i % 2)
		set_str(&r->exception_expiry, i % 4 == 1 ? "2028-02-29" : "2026-12-31");
}

static void
test_round_trip(void)
{
	struct ta_inventory a, b, c;
	struct msgs m;
	size_t len, n = 2 * TH_LEN(hard);
	char *csv;

	TH_CASE("round trip");
	ta_inv_init(&a);
	ta_inv_init(&b);
	ta_inv_init(&c);
	for (size_t i = 0; i < n; i++) {
		struct ta_inv_row r;

		fill_row(&r, i);
		CHECK_EQ(ta_inv_push(&a, &r), TA_OK);
		CHECK(r.host == NULL); /* moved */
	}
	csv = write_mem(&a, NULL, 0, NULL, 0, &len);
	CHECK_EQ(parse(csv, len, "rt.csv", TA_INV_CSV, &b, &m), 0);
	CHECK_EQ(m.errors + m.notes, 0);
	CHECK_EQ(b.n, n);
	for (size_t i = 0; i < n && i < b.n; i++) {
		same_row(&a.rows[i], &b.rows[i]);
	}
	/* every formula-looking cell went out with a quote in front */
	CHECK(strstr(csv, ",'=SUM(A1:A9),") != NULL || strstr(csv, "\n'=SUM(A1:A9),") != NULL);
	CHECK(strstr(csv, "'''+x") != NULL);
	CHECK(strstr(csv, ",'-5,") != NULL || strstr(csv, "\n'-5,") != NULL);
	CHECK(strstr(csv, "\"'\r=1\"") != NULL);
	/* nothing in a cell starts a formula */
	for (size_t i = 0; i + 1 < len; i++)
		if (csv[i] == ',' || csv[i] == '\n')
			CHECK(!strchr("=+-@", csv[i + 1]) || csv[i + 1] == '\0');
	/* with a BOM and observed columns: the same rows come back */
	{
		static const char *const names[] = {"last_scanned", "highest_version",
		                                    "weak, suites"};
		const char *const **vals = calloc(n, sizeof *vals);
		const char *const row0[] = {"2026-12-07", "TLSv1.3", "=bad"};
		size_t len2;
		char *csv2;

		vals[0] = row0;
		csv2 = write_mem(&a, names, 3, vals, TA_INV_WRITE_BOM, &len2);
		CHECK_MEM(csv2,
		          "\xef\xbb\xbf"
		          "asset_id,name,owner,service,host,port,protocol,sni,exposure,"
		          "criticality,software,tls_library,profile,upgradable,contingency,"
		          "exception_expiry,tags,notes,last_scanned,highest_version,"
		          "\"weak, suites\"\r\n",
		          len2 < 200 ? len2 : 200);
		CHECK(strstr(csv2, ",2026-12-07,TLSv1.3,'=bad\r\n") != NULL);
		CHECK_EQ(parse(csv2, len2, "rt2.csv", TA_INV_AUTO, &c, &m), 0);
		CHECK_EQ(m.errors + m.notes, 0);
		CHECK_EQ(c.n, n);
		for (size_t i = 0; i < n && i < c.n; i++)
			same_row(&a.rows[i], &c.rows[i]);
		free(csv2);
		free(vals);
	}
	/* written again, read rows give the same bytes */
	{
		size_t len3;
		char *csv3 = write_mem(&b, NULL, 0, NULL, 0, &len3);

		CHECK_EQ(len3, len);
		CHECK(len3 == len && memcmp(csv3, csv, len) == 0);
		free(csv3);
	}
	free(csv);
	ta_inv_free(&a);
	ta_inv_free(&b);
	ta_inv_free(&c);
	CHECK(a.rows == NULL && a.n == 0);
	ta_inv_free(NULL);
}

static void
test_write_exact(void)
{
	struct ta_inventory inv;
	struct ta_inv_row r;
	size_t len;
	char *csv;

	TH_CASE("exact output");
	ta_inv_init(&inv);
	CHECK_EQ(ta_inv_row_init(&r), TA_OK);
	set_str(&r.host, "mail.example.org");
	r.port = 25;
	set_str(&r.protocol, "smtp");
	set_str(&r.owner, "Ops, \"Mail\"");
	set_str(&r.notes, "line1\nline2");
	set_str(&r.tags, "-legacy");
	r.upgradable = TA_UPG_VENDOR;
	CHECK_EQ(ta_inv_push(&inv, &r), TA_OK);
	csv = write_mem(&inv, NULL, 0, NULL, 0, &len);
	CHECK_STR(csv, "asset_id,name,owner,service,host,port,protocol,sni,exposure,criticality,"
	               "software,tls_library,profile,upgradable,contingency,exception_expiry,"
	               "tags,notes\r\n"
	               ",,\"Ops, \"\"Mail\"\"\",,mail.example.org,25,smtp,,,,,,,vendor,,,'-legacy,"
	               "\"line1\nline2\"\r\n");
	free(csv);
	ta_inv_free(&inv);
	for (size_t i = 0; ta_inv_column(i); i++)
		CHECK(i < 18);
	CHECK_STR(ta_inv_column(4), "host");
	CHECK(ta_inv_column(18) == NULL);
	CHECK_STR(ta_inv_upgradable_name(TA_UPG_NO), "no");
	CHECK_STR(ta_inv_upgradable_name(TA_UPG_UNSET), "");
}

/* ------------------------------------------------------------------ */
/* CSV messages */

#define LONG_NOTE_LEN 4097

static const struct {
	const char *name, *csv;
	int rc;           /* ta_inv_parse's value */
	size_t nrows;     /* rows added */
	const char *msgs; /* every message, "E " or "N " each, '\n' after each */
} csv_cases[] = {
        {"port out of range", "host,port\nok.example,443\nbad.example,70000\n", 1, 1,
         "E t.csv:3: column 'port': '70000' is not a port from 1 to 65535\n"},
        {"port zero and signs",
         "host,port\na.example,0\nb.example,-1\nc.example,+443\nd.example,4 43\n", 4, 0,
         "E t.csv:2: column 'port': '0' is not a port from 1 to 65535\n"
         "E t.csv:3: column 'port': '-1' is not a port from 1 to 65535\n"
         "E t.csv:4: column 'port': '+443' is not a port from 1 to 65535\n"
         "E t.csv:5: column 'port': '4 43' is not a port from 1 to 65535\n"},
        {"host missing", "name,host\nno host,\n", 1, 0,
         "E t.csv:2: column 'host' is empty (every row needs a host)\n"},
        {"host with a port", "host\nwww.example.org:8443\n", 1, 0,
         "E t.csv:2: column 'host': 'www.example.org:8443' is not a host name or address (the "
         "port goes in column 'port')\n"},
        {"host not a name", "host\nbad host!\n", 1, 0,
         "E t.csv:2: column 'host': 'bad host!' is not a host name or address\n"},
        {"host bracketed v6", "host\n[2001:DB8::1]\n", 0, 1, ""},
        {"protocol unknown", "host,protocol\nx.example,smtps\n", 1, 0,
         "E t.csv:2: column 'protocol': 'smtps' is not a protocol (known: smtp, lmtp, imap, "
         "pop3, ftp, xmpp, xmpp-server, ldap, postgres, mysql, nntp, sieve, tls, https)\n"},
        {"sni an address", "host,sni\nx.example,192.0.2.1\ny.example,[::1]\n", 2, 0,
         "E t.csv:2: column 'sni': '192.0.2.1' is not a DNS name (SNI takes a name, not an "
         "address)\n"
         "E t.csv:3: column 'sni': '[::1]' is not a DNS name (SNI takes a name, not an address)\n"},
        {"exposure", "host,exposure\nx.example,public\n", 1, 0,
         "E t.csv:2: column 'exposure': 'public' is not one of internet, internal, partner\n"},
        {"upgradable", "host,upgradable\nx.example,maybe\n", 1, 0,
         "E t.csv:2: column 'upgradable': 'maybe' is not one of yes, vendor, no\n"},
        {"dates",
         "host,exception_expiry\na.example,2025-02-29\nb.example,2024-02-29\n"
         "c.example,2024-13-01\nd.example,24-01-01\ne.example,1900-02-29\n"
         "f.example,2000-02-29\n",
         4, 2,
         "E t.csv:2: column 'exception_expiry': '2025-02-29' is not a date YYYY-MM-DD\n"
         "E t.csv:4: column 'exception_expiry': '2024-13-01' is not a date YYYY-MM-DD\n"
         "E t.csv:5: column 'exception_expiry': '24-01-01' is not a date YYYY-MM-DD\n"
         "E t.csv:6: column 'exception_expiry': '1900-02-29' is not a date YYYY-MM-DD\n"},
        {"profile id", "host,profile\nx.example,my profile\n", 1, 0,
         "E t.csv:2: column 'profile': 'my profile' is not a profile id (letters, digits, '.', "
         "'_', '-')\n"},
        {"control character",
         "host,owner\nx.example,a\x01"
         "b\n",
         1, 0, "E t.csv:2: column 'owner' holds a control character\n"},
        {"not UTF-8", "host,owner\nx.example,M\xfcller\n", 1, 0,
         "E t.csv:2: column 'owner' is not UTF-8 text (save the file as \"CSV UTF-8\")\n"},
        {"hostile text quoted", "host,port\nx.example,\x1b[2J\n", 1, 0,
         "E t.csv:2: column 'port': '\\x1b[2J' is not a port from 1 to 65535\n"},
        {"duplicates",
         "host,port,protocol\nEXAMPLE.org,,smtp\nexample.org,25,\n"
         "2001:db8::1,443,\n2001:DB8:0::1,,tls\nexample.org,587,\n"
         "w.example,8443,https\nw.example,8443,tls\n",
         3, 4,
         "E t.csv:3: endpoint example.org:25/smtp is already listed on line 2\n"
         "E t.csv:5: endpoint [2001:db8::1]:443/tls is already listed on line 4\n"
         "E t.csv:8: endpoint w.example:8443/tls is already listed on line 7\n"},
        {"multi-line cell before a bad row",
         "host,notes,port\r\na.example,\"first\r\nsecond\r\nthird\",443\r\n"
         "b.example,\"x\ny\",99999\r\nc.example,,443\r\n",
         1, 2, "E t.csv:5: column 'port': '99999' is not a port from 1 to 65535\n"},
        {"quote not closed",
         "host,notes\na.example,\"ok\nstill ok\"\nb.example,\"open\nc.example,x\n", 1, 1,
         "E t.csv:4: the quoted cell that starts on line 4 is not closed (a '\"' is missing)\n"},
        {"quote opened on a later line of the record",
         "host,notes,tags\na.example,\"two\nlines\",\"open\n", 1, 0,
         "E t.csv:2: the quoted cell that starts on line 3 is not closed (a '\"' is missing)\n"},
        {"text after a closing quote", "host,notes\n\"a.example\"x,1\nb.example,2\n", 1, 1,
         "E t.csv:2: text after the closing quote of cell 1\n"},
        {"too many cells in a row", "host,port\na.example,443,extra,more\nb.example,443,,\n", 1, 1,
         "E t.csv:2: 4 cells, but the header names 2 columns\n"},
        {"fewer cells are fine", "host,port,protocol,notes\na.example\nb.example,25\n", 0, 2, ""},
        {"blank rows skipped", "host,port\n\n,\na.example,443\n\n", 0, 1, ""},
        {"unknown columns ignored",
         "Colour,HOST, Port ,asset id,Exception-Expiry\n"
         "red,a.example,443,A-1,2030-01-01\n",
         0, 1, ""},
        {"no host column", "name,port\nx,443\n", -1, 0,
         "E t.csv:1: the header names no 'host' column (a CSV inventory starts with a line such "
         "as \"asset_id,name,owner,service,host,port,protocol,...\": docs/inventory.md)\n"},
        {"column twice", "host,port,Port\n", -1, 0,
         "E t.csv:1: header: column 'port' appears twice\n"},
        {"header quote not closed", "host,\"port\n", -1, 0,
         "E t.csv:1: header: the quoted cell that starts on line 1 is not closed (a '\"' is "
         "missing)\n"},
        {"empty file", "", -1, 0,
         "E t.csv: empty file: a CSV inventory starts with a header line naming its columns "
         "(docs/inventory.md)\n"},
        {"binary", "host,port\n\x00\x01\x02", -1, 0,
         "E t.csv: binary data (a NUL byte at offset 10), not an inventory\n"},
        {"semicolons, BOM, CRLF, quotes",
         "\xef\xbb\xbfHost;Port;Owner;Notes\r\na.example;443;\"Dept; IT\";\"x, y\"\r\n"
         "b.example;70000;;\r\n",
         1, 1, "E t.csv:3: column 'port': '70000' is not a port from 1 to 65535\n"},
        {"lone CR line ends", "host,port\ra.example,443\rb.example,0\r", 1, 1,
         "E t.csv:3: column 'port': '0' is not a port from 1 to 65535\n"},
        {"blank lines before the header, a row of blanks", "\n\r\nhost,port\n  ,\t\na.example,0\n",
         1, 0, "E t.csv:5: column 'port': '0' is not a port from 1 to 65535\n"},
        {"formula mark removed", "host,notes,tags\na.example,'=1+1,'plain\n", 0, 1, ""},
};

static void
test_csv_messages(void)
{
	for (size_t i = 0; i < TH_LEN(csv_cases); i++) {
		struct ta_inventory inv;
		struct msgs m;
		size_t len = strlen(csv_cases[i].csv);
		int rc;

		if (strcmp(csv_cases[i].name, "binary") == 0)
			len = 13;
		TH_CASE(csv_cases[i].name);
		ta_inv_init(&inv);
		rc = parse(csv_cases[i].csv, len, "t.csv", TA_INV_CSV, &inv, &m);
		CHECK_EQ(rc, csv_cases[i].rc);
		CHECK_EQ(inv.n, csv_cases[i].nrows);
		CHECK_STR(m.text, csv_cases[i].msgs);
		if (rc >= 0)
			CHECK_EQ(m.errors, rc);
		else
			CHECK_EQ(m.errors, 1);
		ta_inv_free(&inv);
	}
	TH_CASE(NULL);
}

/* What the rows of some cases hold. */
static void
test_csv_values(void)
{
	struct ta_inventory inv;
	struct msgs m;
	const char *csv =
	        "\xef\xbb\xbf"
	        "asset_id;name;owner;service;host;port;protocol;sni;exposure;criticality;software;"
	        "tls_library;profile;upgradable;contingency;exception_expiry;tags;notes\r\n"
	        "A-1;Web;\"Ops; Web\";web; www.example.org ;;;  www.example.org ;Internet;high;"
	        "nginx 1.22.1;OpenSSL 3.0.11;hkcert-intermediate;Vendor;\"two\nlines\";"
	        "2027-06-30;dmz,pci;'=not a formula\r\n"
	        "A-2;;;mail;MAIL.example.org;587;;;;;;;;;;;;\r\n"
	        "A-3;;;db;192.0.2.5;;POSTGRESQL;;;;;;;no;;;;\r\n"
	        "A-4;;;mail;[2001:DB8::25];;/IMAP;;;;;;;YES;;;;\r\n"
	        "A-5;;;web;192.0.2.9;8443;https;;;;;;;;;;;\r\n";
	char key[TA_INV_KEY_MAX];

	TH_CASE("values");
	ta_inv_init(&inv);
	CHECK_EQ(parse(csv, strlen(csv), "v.csv", TA_INV_AUTO, &inv, &m), 0);
	CHECK_STR(m.text, "");
	CHECK_EQ(inv.n, 5);
	if (inv.n == 5) {
		const struct ta_inv_row *r = inv.rows;

		CHECK_STR(r[0].asset_id, "A-1");
		CHECK_STR(r[0].owner, "Ops; Web");
		CHECK_STR(r[0].host, "www.example.org");
		CHECK_EQ(r[0].port, 443);
		CHECK_STR(r[0].protocol, "tls");
		CHECK_STR(r[0].sni, "www.example.org");
		CHECK_STR(r[0].exposure, "internet");
		CHECK_STR(r[0].criticality, "high");
		CHECK_STR(r[0].software, "nginx 1.22.1");
		CHECK_STR(r[0].tls_library, "OpenSSL 3.0.11");
		CHECK_STR(r[0].profile, "hkcert-intermediate");
		CHECK_EQ(r[0].upgradable, TA_UPG_VENDOR);
		CHECK_STR(r[0].contingency, "two\nlines");
		CHECK_STR(r[0].exception_expiry, "2027-06-30");
		CHECK_STR(r[0].tags, "dmz,pci");
		CHECK_STR(r[0].notes, "=not a formula");
		CHECK_EQ(r[0].line, 2);
		/* a port alone: the dialogue that port speaks (587: SMTP submission) */
		CHECK_STR(r[1].host, "MAIL.example.org");
		CHECK_EQ(r[1].port, 587);
		CHECK_STR(r[1].protocol, "smtp");
		CHECK_EQ(r[1].line, 4);
		ta_inv_key(&r[1], key, sizeof key);
		CHECK_STR(key, "mail.example.org|587|smtp");
		/* a protocol alone: its usual port */
		CHECK_EQ(r[2].port, 5432);
		CHECK_STR(r[2].protocol, "postgres");
		CHECK_EQ(r[2].upgradable, TA_UPG_NO);
		CHECK_STR(r[3].host, "2001:db8::25");
		CHECK_EQ(r[3].port, 143);
		CHECK_STR(r[3].protocol, "imap");
		CHECK_EQ(r[3].upgradable, TA_UPG_YES);
		ta_inv_key(&r[3], key, sizeof key);
		CHECK_STR(key, "2001:db8::25|143|imap");
		CHECK_STR(r[4].protocol, "https");
		CHECK_EQ(r[4].port, 8443);
		ta_inv_key(&r[4], key, sizeof key);
		CHECK_STR(key, "192.0.2.9|8443|tls");
		CHECK_EQ(r[4].line, 7);
	}
	/* the same endpoints again, from a second file: already there */
	csv = "host,port\nwww.example.org,443\nnew.example,443\n";
	CHECK_EQ(parse(csv, strlen(csv), "w.csv", TA_INV_CSV, &inv, &m), 1);
	CHECK_STR(m.text, "E w.csv:2: endpoint www.example.org:443/tls is already in the "
	                  "inventory\n");
	CHECK_EQ(inv.n, 6);
	ta_inv_free(&inv);
}

static void
test_csv_caps(void)
{
	struct ta_inventory inv;
	struct msgs m;
	size_t cap = 200000, len = 0;
	char *buf = malloc(cap);

	TH_CASE("caps");
	ta_inv_init(&inv);
	/* a cell over 4096 bytes; a record over 65536; more than 256 cells */
	len += (size_t)snprintf(buf + len, cap - len, "host,notes\na.example,");
	memset(buf + len, 'n', LONG_NOTE_LEN);
	len += LONG_NOTE_LEN;
	len += (size_t)snprintf(buf + len, cap - len, "\nb.example,\"");
	memset(buf + len, 'x', 70000);
	len += 70000;
	len += (size_t)snprintf(buf + len, cap - len, "\"\nc.example,x");
	for (int i = 0; i < 300; i++)
		buf[len++] = ',';
	len += (size_t)snprintf(buf + len, cap - len, "\nd.example,ok\n");
	CHECK_EQ(parse(buf, len, "c.csv", TA_INV_CSV, &inv, &m), 3);
	CHECK_STR(m.text, "E c.csv:2: column 'notes' is longer than 4096 bytes\n"
	                  "E c.csv:3: the record is longer than 65536 bytes\n"
	                  "E c.csv:4: more than 256 cells\n");
	CHECK_EQ(inv.n, 1);
	ta_inv_free(&inv);
	free(buf);
	/* the row cap of ta_inv_push (a full inventory is not built here) */
	{
		struct ta_inventory full = {.n = TA_INV_ROWS_MAX};
		struct ta_inv_row r;

		CHECK_EQ(ta_inv_row_init(&r), TA_OK);
		CHECK_EQ(ta_inv_push(&full, &r), TA_ENOSPC);
		CHECK(r.host != NULL); /* untouched */
		ta_inv_row_free(&r);
		CHECK(r.host == NULL);
		ta_inv_row_free(&r);
	}
	TH_CASE(NULL);
}

/* ------------------------------------------------------------------ */
/* target lists */

static void
test_list(void)
{
	static const char *const lines[] = {
	        "# our servers",
	        "www.example.org",
	        "  mail.example.org:25   # MX",
	        "",
	        "[2001:db8::7]:993",
	        "imap.example.org/imap",
	        "db.example.org:6432/postgresql",
	        "2001:db8::8",
	        "bad host!",
	        "x.example/smtps",
	        "y.example:0",
	        "[x.example]:443",
	        "mail.example.org/smtp\r",
	};
	char text[4096] = "", err[200], host[256], want[8192] = "";
	struct ta_inventory inv;
	struct msgs m;
	uint16_t port;
	size_t n = 0;

	TH_CASE("list");
	for (size_t i = 0; i < TH_LEN(lines); i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s\n", lines[i]);
	/* the scanner's words for the bad targets, asked of the scanner */
	CHECK_EQ(ta_parse_target("bad host!", 443, host, sizeof host, &port, err, sizeof err),
	         TA_EINVAL);
	snprintf(want, sizeof want, "E l.txt:9: %s\n", err);
	snprintf(want + strlen(want), sizeof want - strlen(want),
	         "E l.txt:10: target 'x.example/smtps': unknown protocol after '/' (known: %s)\n",
	         "smtp, lmtp, imap, pop3, ftp, xmpp, xmpp-server, ldap, postgres, mysql, nntp, "
	         "sieve, tls, https");
	CHECK_EQ(ta_parse_target("y.example:0", 443, host, sizeof host, &port, err, sizeof err),
	         TA_EINVAL);
	snprintf(want + strlen(want), sizeof want - strlen(want), "E l.txt:11: %s\n", err);
	CHECK_EQ(ta_parse_target("[x.example]:443", 443, host, sizeof host, &port, err, sizeof err),
	         TA_EINVAL);
	snprintf(want + strlen(want), sizeof want - strlen(want), "E l.txt:12: %s\n", err);
	snprintf(want + strlen(want), sizeof want - strlen(want),
	         "E l.txt:13: endpoint mail.example.org:25/smtp is already listed on line 3\n");
	ta_inv_init(&inv);
	CHECK_EQ(parse(text, n, "l.txt", TA_INV_AUTO, &inv, &m), 5);
	CHECK_STR(m.text, want);
	CHECK_EQ(inv.n, 6);
	if (inv.n == 6) {
		static const struct {
			const char *host;
			uint16_t port;
			const char *proto;
			unsigned line;
		} rows[] = {
		        {"www.example.org", 443, "tls", 2},
		        {"mail.example.org", 25, "smtp", 3},
		        {"2001:db8::7", 993, "tls", 5},
		        {"imap.example.org", 143, "imap", 6},
		        {"db.example.org", 6432, "postgres", 7},
		        {"2001:db8::8", 443, "tls", 8},
		};

		for (size_t i = 0; i < TH_LEN(rows); i++) {
			CHECK_STR(inv.rows[i].host, rows[i].host);
			CHECK_EQ(inv.rows[i].port, rows[i].port);
			CHECK_STR(inv.rows[i].protocol, rows[i].proto);
			CHECK_EQ(inv.rows[i].line, rows[i].line);
			CHECK_STR(inv.rows[i].notes, "");
			CHECK_EQ(inv.rows[i].upgradable, TA_UPG_UNSET);
		}
	}
	ta_inv_free(&inv);

	/* a long line and a NUL after the first 4096 bytes: ta_target_line's words */
	{
		size_t cap = 8192, len = 0;
		char *buf = malloc(cap);

		memset(buf, '#', 4200);
		buf[4200] = '\n';
		len = 4201;
		memcpy(buf + len, "a.example\n", 10);
		len += 10;
		memcpy(buf + len, "b.ex\0ample\n", 11);
		len += 11;
		ta_inv_init(&inv);
		CHECK_EQ(parse(buf, len, "l2.txt", TA_INV_LIST, &inv, &m), 2);
		CHECK_STR(m.text, "E l2.txt:1: line longer than 1024 bytes\n"
		                  "E l2.txt:3: line has a NUL byte (not a text file?)\n");
		CHECK_EQ(inv.n, 1);
		ta_inv_free(&inv);
		free(buf);
	}
	/* blank lines, then a header: a CSV */
	ta_inv_init(&inv);
	CHECK_EQ(parse("\n \r\nhost,port\nx.example,25\n", 27, "c", TA_INV_AUTO, &inv, &m), 0);
	CHECK_EQ(inv.n, 1);
	CHECK_EQ(inv.n ? inv.rows[0].line : 0, 4);
	CHECK_STR(inv.n ? inv.rows[0].protocol : "", "smtp");
	ta_inv_free(&inv);
	/* one target, no comma: a list, not a CSV */
	ta_inv_init(&inv);
	CHECK_EQ(parse("# a, b\nhost.example\n", 20, "l3", TA_INV_AUTO, &inv, &m), 0);
	CHECK_EQ(inv.n, 1);
	ta_inv_free(&inv);
	TH_CASE(NULL);
}

/* ------------------------------------------------------------------ */
/* nmap XML */

struct want_row {
	const char *host;
	uint16_t port;
	const char *proto, *name, *sni, *service, *software;
	const char *line_of; /* text on the row's line in the file */
};

static void
check_nmap(const char *file, const struct want_row *want, size_t nwant, const char *const *notes,
           size_t nnotes)
{
	struct ta_inventory inv;
	struct msgs m;
	size_t len;
	char *text = slurp(file, &len), expect[4096] = "";
	int rc;

	TH_CASE(file);
	for (size_t i = 0; i < nnotes; i++)
		snprintf(expect + strlen(expect), sizeof expect - strlen(expect), "N %s:%u: %s\n",
		         file, line_of(text, notes[2 * i]), notes[2 * i + 1]);
	for (int fmt = 0; fmt < 2; fmt++) {
		ta_inv_init(&inv);
		rc = parse(text, len, file, fmt ? TA_INV_NMAP : TA_INV_AUTO, &inv, &m);
		CHECK_EQ(rc, 0);
		CHECK_STR(m.text, expect);
		CHECK_EQ(inv.n, nwant);
		for (size_t i = 0; i < nwant && i < inv.n; i++) {
			const struct ta_inv_row *r = &inv.rows[i];

			CHECK_STR(r->host, want[i].host);
			CHECK_EQ(r->port, want[i].port);
			CHECK_STR(r->protocol, want[i].proto);
			CHECK_STR(r->name, want[i].name);
			CHECK_STR(r->sni, want[i].sni);
			CHECK_STR(r->service, want[i].service);
			CHECK_STR(r->software, want[i].software);
			CHECK_EQ(r->line, line_of(text, want[i].line_of));
			CHECK(r->line > 0);
		}
		ta_inv_free(&inv);
	}
	free(text);
	TH_CASE(NULL);
}

static void
test_nmap(void)
{
	/* the real files (README.md: the servers behind them) */
	static const struct want_row real[] = {
	        {"127.0.0.1", 25, "smtp", "localhost", "", "smtp", "Postfix smtpd",
	         "portid=\"25\""},
	        {"127.0.0.1", 443, "https", "localhost", "", "ssl/http",
	         "OpenSSL s_server -www httpd", "portid=\"443\""},
	};
	static const struct want_row real_nosv[] = {
	        {"127.0.0.1", 25, "smtp", "localhost", "", "smtp", "", "portid=\"25\""},
	        {"127.0.0.1", 443, "tls", "localhost", "", "https", "", "portid=\"443\""},
	};
	static const char *const real_notes[] = {
	        "portid=\"80\"", "80/tcp (http): not a TLS or STARTTLS service, skipped"};
	static const char *const real_nosv_notes[] = {
	        "portid=\"80\"", "80/tcp (http): not a TLS or STARTTLS service, skipped"};
	static const struct want_row sv[] = {
	        {"192.0.2.10", 443, "https", "www.example.test", "www.example.test", "ssl/http",
	         "nginx 1.22.1",
	         "portid=\"443\"><state state=\"open\" reason=\"syn-ack\" "
	         "reason_ttl=\"58\"/><service name=\"http\""},
	        {"192.0.2.25", 25, "smtp", "mx1.example.test", "", "smtp", "Postfix smtpd",
	         "portid=\"25\""},
	        {"192.0.2.25", 143, "imap", "mx1.example.test", "", "imap", "Dovecot imapd",
	         "portid=\"143\""},
	        {"192.0.2.25", 389, "ldap", "mx1.example.test", "", "ldap",
	         "OpenLDAP 2.2.X - 2.3.X", "portid=\"389\""},
	        {"192.0.2.25", 587, "smtp", "mx1.example.test", "", "smtp", "Postfix smtpd",
	         "portid=\"587\""},
	        {"192.0.2.25", 993, "tls", "mx1.example.test", "", "ssl/imap", "Dovecot imapd",
	         "portid=\"993\""},
	        {"192.0.2.25", 3306, "mysql", "mx1.example.test", "", "mysql",
	         "MySQL 5.5.5-10.11.6-MariaDB-0+deb12u1", "portid=\"3306\""},
	        {"192.0.2.25", 5222, "xmpp", "mx1.example.test", "", "jabber",
	         "Prosody XMPP Server", "portid=\"5222\"><state state=\"open\""},
	        {"192.0.2.25", 5432, "postgres", "mx1.example.test", "", "postgresql",
	         "PostgreSQL DB 9.6.0 or later", "portid=\"5432\"><state state=\"open\""},
	        {"2001:db8::5", 443, "https", "", "", "https", "",
	         "portid=\"443\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"58\"/>"
	         "<service name=\"https\""},
	        {"2001:db8::5", 636, "tls", "", "", "ssl", "OpenSSL 1.0.2", "portid=\"636\""},
	};
	static const char *const sv_notes[] = {
	        "portid=\"22\"",   "22/tcp (ssh): not a TLS or STARTTLS service, skipped",
	        "portid=\"80\"",   "80/tcp (http): not a TLS or STARTTLS service, skipped",
	        "portid=\"2222\"", "2222/tcp (unknown): not a TLS or STARTTLS service, skipped",
	};
	static const struct want_row table[] = {
	        {"198.51.100.1", 21, "ftp", "gw.example.test", "", "ftp", "", "portid=\"21\""},
	        {"198.51.100.1", 25, "smtp", "gw.example.test", "", "smtp", "", "portid=\"25\""},
	        {"198.51.100.1", 443, "tls", "gw.example.test", "", "https", "", "portid=\"443\""},
	        {"198.51.100.1", 465, "tls", "gw.example.test", "", "smtps", "", "portid=\"465\""},
	        {"198.51.100.1", 587, "smtp", "gw.example.test", "", "submission", "",
	         "portid=\"587\""},
	        {"198.51.100.1", 6443, "tls", "gw.example.test", "", "sun-sr-https", "",
	         "portid=\"6443\""},
	        {"198.51.100.2", 8443, "tls", "", "", "https-alt", "",
	         "portid=\"8443\"><state state=\"open\""},
	};
	static const char *const table_notes[] = {
	        "portid=\"22\"",
	        "22/tcp (ssh): not a TLS or STARTTLS service, skipped",
	        "portid=\"3389\"",
	        "3389/tcp (ms-wbt-server): not a TLS or STARTTLS service, skipped",
	        "portid=\"9999\"",
	        "9999/tcp: not a TLS or STARTTLS service, skipped",
	};

	check_nmap("nmap-real.xml", real, TH_LEN(real), real_notes, TH_LEN(real_notes) / 2);
	check_nmap("nmap-real-nosv.xml", real_nosv, TH_LEN(real_nosv), real_nosv_notes,
	           TH_LEN(real_nosv_notes) / 2);
	check_nmap("nmap-sv-hosts.xml", sv, TH_LEN(sv), sv_notes, TH_LEN(sv_notes) / 2);
	check_nmap("nmap-table.xml", table, TH_LEN(table), table_notes, TH_LEN(table_notes) / 2);
}

/* Files that are unusable as a whole: -1, one message, inv as it was. */
static void
test_nmap_unusable(void)
{
	static const struct {
		const char *file, *needle, *msg;
	} cases[] = {
	        {"nmap-entities.xml", "<!ENTITY lol ",
	         "an entity declaration: not nmap output (nmap declares no entities)"},
	        {"nmap-xxe.xml", "<!ENTITY xxe",
	         "an entity declaration: not nmap output (nmap declares no entities)"},
	        {"not-nmap.xml", "<html>",
	         "not nmap XML output (the root element is <html>, not <nmaprun>)"},
	};
	struct ta_inventory inv;
	struct msgs m;
	char expect[512];

	for (size_t i = 0; i < TH_LEN(cases); i++) {
		size_t len;
		char *text = slurp(cases[i].file, &len);

		TH_CASE(cases[i].file);
		ta_inv_init(&inv);
		CHECK_EQ(parse("host\nkept.example\n", 18, "k", TA_INV_CSV, &inv, &m), 0);
		CHECK_EQ(parse(text, len, cases[i].file, TA_INV_AUTO, &inv, &m), -1);
		snprintf(expect, sizeof expect, "E %s:%u: %s\n", cases[i].file,
		         line_of(text, cases[i].needle), cases[i].msg);
		CHECK_STR(m.text, expect);
		CHECK_EQ(inv.n, 1);
		ta_inv_free(&inv);
		free(text);
	}
	/* a file cut short (nmap killed): the hosts before the cut are not kept */
	{
		size_t len;
		char *text = slurp("nmap-truncated.xml", &len);

		TH_CASE("truncated");
		ta_inv_init(&inv);
		CHECK_EQ(parse(text, len, "cut.xml", TA_INV_AUTO, &inv, &m), -1);
		CHECK_EQ(m.errors, 1);
		CHECK(strncmp(m.text, "E cut.xml:", 10) == 0);
		CHECK(strstr(m.text, ": not well-formed XML: ") != NULL);
		CHECK_EQ(inv.n, 0);
		ta_inv_free(&inv);
		free(text);
	}
	/* nesting deeper than the cap */
	{
		char deep[4096] = "<nmaprun>";
		size_t dl = strlen(deep);

		for (unsigned i = 1; i < TA_INV_XML_DEPTH + 5; i++, dl += 3)
			memcpy(deep + dl, "<a>", 4);
		TH_CASE("deep");
		ta_inv_init(&inv);
		CHECK_EQ(parse(deep, strlen(deep), "d.xml", TA_INV_AUTO, &inv, &m), -1);
		CHECK_STR(m.text, "E d.xml:1: elements nested deeper than 32: not nmap output\n");
		ta_inv_free(&inv);
	}
	/* hostile values stay one printable line */
	{
		const char *x =
		        "<nmaprun><host><address addr=\"192.0.2.1\" addrtype=\"ipv4\"/>"
		        "<ports><port protocol=\"tcp\" portid=\"99999\"><state state=\"open\"/>"
		        "</port>\n<port protocol=\"tcp\" portid=\"1&#10;2\"/></ports></host>"
		        "<host><address addr=\"not an address\" addrtype=\"ipv4\"/><ports>"
		        "<port protocol=\"tcp\" portid=\"443\"><state state=\"open\"/></port>"
		        "</ports></host>"
		        "<host><address addr=\"aa:bb\" addrtype=\"mac\"/><ports>\n"
		        "<port protocol=\"tcp\" portid=\"443\"><state state=\"open\"/></port>"
		        "</ports></host></nmaprun>";

		TH_CASE("hostile");
		ta_inv_init(&inv);
		CHECK_EQ(parse(x, strlen(x), "h.xml", TA_INV_NMAP, &inv, &m), 4);
		CHECK_STR(
		        m.text,
		        "E h.xml:1: port '99999' is not a port from 1 to 65535\n"
		        "E h.xml:2: port '1\\x0a2' is not a port from 1 to 65535\n"
		        "E h.xml:2: column 'host': 'not an address' is not a host name or address\n"
		        "E h.xml:2: host without an IPv4 or IPv6 address, skipped\n");
		CHECK_EQ(inv.n, 0);
		ta_inv_free(&inv);
	}
	TH_CASE(NULL);
}

int
main(void)
{
	test_round_trip();
	test_write_exact();
	test_csv_messages();
	test_csv_values();
	test_csv_caps();
	test_list();
	test_nmap();
	test_nmap_unusable();
	return th_done("test_inventory");
}
