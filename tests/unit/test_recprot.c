/*
 * Record protection (src/probe/recprot.c) against OpenSSL itself: for each
 * version and suite, an OpenSSL client and server complete a handshake over
 * memory BIOs; then records sealed with keys derived from the client's
 * session must be read by the OpenSSL server, and the server's records
 * must open with them.  A flipped byte must not open.
 */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "probe/recprot.h"
#include "tharness.h"
#include "tlsaudit.h"

struct pair {
	SSL *c, *s;
	BIO *c_in, *c_out, *s_in, *s_out; /* what each reads, what each writes */
	uint8_t c_tail[16], s_tail[16];   /* last bytes each side wrote */
};

static EVP_PKEY *key;
static X509 *cert;

static void
make_cert(void)
{
	key = EVP_RSA_gen(2048);
	cert = X509_new();
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"recprot", -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(cert));
	X509_sign(cert, key, EVP_sha256());
}

/* Move what one side wrote to the other, keeping its last bytes. */
static size_t
move(BIO *from, BIO *to, uint8_t tail[16])
{
	uint8_t buf[32768];
	size_t total = 0;
	int n;

	while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
		BIO_write(to, buf, n);
		if (n >= 16)
			memcpy(tail, buf + n - 16, 16);
		total += (size_t)n;
	}
	return total;
}

static bool
handshake(struct pair *p, uint16_t version, const char *ciphers)
{
	SSL_CTX *cc = SSL_CTX_new(TLS_client_method()), *sc = SSL_CTX_new(TLS_server_method());
	bool ok = false;

	memset(p, 0, sizeof *p);
	SSL_CTX_set_security_level(cc, 0);
	SSL_CTX_set_security_level(sc, 0);
	SSL_CTX_set_options(cc, SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_TICKET);
	SSL_CTX_set_options(sc, SSL_OP_NO_TICKET);
	SSL_CTX_set_dh_auto(sc, 1);
	SSL_CTX_set_min_proto_version(cc, version);
	SSL_CTX_set_max_proto_version(cc, version);
	SSL_CTX_set_min_proto_version(sc, version);
	SSL_CTX_set_max_proto_version(sc, version);
	SSL_CTX_use_certificate(sc, cert);
	SSL_CTX_use_PrivateKey(sc, key);
	if (SSL_CTX_set_cipher_list(cc, ciphers) != 1 || SSL_CTX_set_cipher_list(sc, ciphers) != 1)
		goto out;
	p->c = SSL_new(cc);
	p->s = SSL_new(sc);
	p->c_in = BIO_new(BIO_s_mem());
	p->c_out = BIO_new(BIO_s_mem());
	p->s_in = BIO_new(BIO_s_mem());
	p->s_out = BIO_new(BIO_s_mem());
	SSL_set_bio(p->c, p->c_in, p->c_out);
	SSL_set_bio(p->s, p->s_in, p->s_out);
	SSL_set_connect_state(p->c);
	SSL_set_accept_state(p->s);
	for (int i = 0; i < 20 && !(SSL_is_init_finished(p->c) && SSL_is_init_finished(p->s));
	     i++) {
		SSL_do_handshake(p->c);
		move(p->c_out, p->s_in, p->c_tail);
		SSL_do_handshake(p->s);
		move(p->s_out, p->c_in, p->s_tail);
	}
	SSL_do_handshake(p->c);
	ok = SSL_is_init_finished(p->c) && SSL_is_init_finished(p->s);
out:
	SSL_CTX_free(cc);
	SSL_CTX_free(sc);
	ERR_clear_error();
	return ok;
}

static void
pair_free(struct pair *p)
{
	SSL_free(p->c);
	SSL_free(p->s);
}

struct tcase {
	uint16_t version;
	const char *suite;
	int kind;
};

static void
check_case(const struct tcase *tc)
{
	static const size_t lens[] = {0, 1, 15, 16, 17, 100, 1000, 16384};
	struct ta_recprot rp;
	struct pair p;
	uint8_t *pt = malloc(16384), *rec = malloc(16384 + TA_RP_OVERHEAD),
	        *got = malloc(16384 + 2048);
	size_t n, glen;

	TH_CASE(tc->suite);
	CHECK(handshake(&p, tc->version, tc->suite));
	CHECK_EQ(ta_recprot_from_ssl(&rp, p.c), TA_OK);
	CHECK_EQ(rp.kind, tc->kind);
	if (rp.kind == TA_RP_CBC && tc->version == TLS1_VERSION)
		ta_recprot_chain(&rp, p.c_tail + 16 - rp.block, p.s_tail + 16 - rp.block);
	for (size_t i = 0; i < TH_LEN(lens); i++) {
		/* ours -> the OpenSSL server */
		for (size_t j = 0; j < lens[i]; j++)
			pt[j] = (uint8_t)(j * 7 + i);
		CHECK_EQ(ta_recprot_seal(&rp, 23, pt, lens[i], rec, 16384 + TA_RP_OVERHEAD, &n),
		         TA_OK);
		BIO_write(p.s_in, rec, (int)n);
		if (lens[i] > 0) { /* an empty record gives SSL_read nothing to return */
			int r = SSL_read(p.s, got, 16384 + 2048);

			CHECK_EQ(r, (int)lens[i]);
			CHECK(r > 0 && memcmp(got, pt, lens[i]) == 0);
		}
		/* the OpenSSL server -> ours */
		if (lens[i] > 0) {
			uint8_t buf[16384 + 2048 + 5];
			int r;

			CHECK_EQ(SSL_write(p.s, pt, (int)lens[i]), (int)lens[i]);
			r = BIO_read(p.s_out, buf, sizeof buf);
			/* TLS 1.0 CBC: OpenSSL sends an empty record first */
			glen = 0;
			for (int off = 0, k = 0; off + 5 <= r; k++) {
				size_t fl = (size_t)(buf[off + 3] << 8 | buf[off + 4]), l = 0;

				CHECK_EQ(buf[off], 23);
				CHECK_EQ(ta_recprot_open(&rp, 23, buf + off + 5, fl, got + glen,
				                         16384 + 2048 - glen, &l),
				         TA_OK);
				glen += l;
				off += 5 + (int)fl;
			}
			CHECK_EQ(glen, lens[i]);
			CHECK(memcmp(got, pt, lens[i]) == 0);
		}
	}
	/* a record with one byte flipped does not open */
	{
		uint8_t buf[512];
		int r;

		SSL_write(p.s, "tampered", 8);
		r = BIO_read(p.s_out, buf, sizeof buf);
		CHECK(r > 5);
		buf[r - 1] ^= 1;
		{
			struct ta_recprot copy = rp;
			size_t total = 0;
			int rc = TA_OK;

			/* the last record of what was written is the one flipped */
			for (int off = 0; off + 5 <= r && rc == TA_OK;) {
				size_t fl = (size_t)(buf[off + 3] << 8 | buf[off + 4]);

				rc = ta_recprot_open(&copy, 23, buf + off + 5, fl, got,
				                     16384 + 2048, &glen);
				total += glen;
				off += 5 + (int)fl;
			}
			CHECK_EQ(rc, TA_EPROTO);
		}
	}
	ta_recprot_free(&rp);
	pair_free(&p);
	free(pt);
	free(rec);
	free(got);
}

int
main(void)
{
	static const struct tcase cases[] = {
	        {TLS1_VERSION, "AES128-SHA", TA_RP_CBC},
	        {TLS1_VERSION, "ECDHE-RSA-AES256-SHA", TA_RP_CBC},
	        {TLS1_1_VERSION, "AES256-SHA", TA_RP_CBC},
	        {TLS1_1_VERSION, "CAMELLIA128-SHA", TA_RP_CBC},
	        {TLS1_2_VERSION, "AES128-SHA", TA_RP_CBC},
	        {TLS1_2_VERSION, "AES256-SHA256", TA_RP_CBC},
	        {TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA384", TA_RP_CBC},
	        {TLS1_2_VERSION, "DHE-RSA-AES128-SHA256", TA_RP_CBC},
	        {TLS1_2_VERSION, "AES128-GCM-SHA256", TA_RP_GCM},
	        {TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", TA_RP_GCM},
	        {TLS1_2_VERSION, "ECDHE-RSA-CHACHA20-POLY1305", TA_RP_CHACHA},
	        {TLS1_2_VERSION, "CAMELLIA256-SHA256", TA_RP_CBC},
	};
	static const uint8_t zero[48];
	struct ta_recprot rp;
	struct pair p;

	make_cert();
	for (size_t i = 0; i < TH_LEN(cases); i++)
		check_case(&cases[i]);
	/* what it does not protect it says so, and needs nothing freed */
	TH_CASE("AES128-CCM");
	CHECK(handshake(&p, TLS1_2_VERSION, "AES128-CCM"));
	CHECK_EQ(ta_recprot_from_ssl(&rp, p.c), TA_EINVAL);
	CHECK(rp.cipher == NULL);
	pair_free(&p);
	TH_CASE("bad arguments");
	CHECK_EQ(ta_recprot_init(&rp, 0x0304, NID_aes_128_gcm, NID_undef, "SHA256", zero, 48, zero,
	                         zero, 1),
	         TA_EINVAL);
	CHECK_EQ(ta_recprot_init(&rp, 0x0303, NID_aes_128_cbc, NID_md5, "SHA256", zero, 48, zero,
	                         zero, 1),
	         TA_EINVAL);
	X509_free(cert);
	EVP_PKEY_free(key);
	return th_done("recprot");
}
