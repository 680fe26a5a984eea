/*
 * OpenSSL sessions over memory BIOs (see ossl.h).  Security level 0 and no
 * verification: we are measuring the server, not trusting it.
 */
#include "probe/ossl.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

struct ta_ossl {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio;	/* network -> OpenSSL */
	BIO *wbio;	/* OpenSSL -> network */
};

void
ta_ossl_free(struct ta_ossl *o)
{
	if (!o)
		return;
	SSL_free(o->ssl);	/* frees the BIOs */
	SSL_CTX_free(o->ctx);
	free(o);
}

static int
drain(BIO *b, uint8_t **out, size_t *outlen)
{
	size_t pending = BIO_ctrl_pending(b);
	uint8_t *p;

	*out = NULL;
	*outlen = 0;
	if (pending == 0)
		return TA_OK;
	p = malloc(pending);
	if (!p)
		return TA_ENOMEM;
	if (BIO_read(b, p, (int)pending) != (int)pending) {
		free(p);
		return TA_EINTERNAL;
	}
	*out = p;
	*outlen = pending;
	return TA_OK;
}

struct ta_ossl *
ta_ossl_new(const struct ta_ossl_req *req, const char *sni, uint8_t **hello, size_t *hello_len)
{
	struct ta_ossl *o = calloc(1, sizeof *o);

	if (!o)
		return NULL;
	o->ctx = SSL_CTX_new(TLS_client_method());
	if (!o->ctx)
		goto fail;
	SSL_CTX_set_security_level(o->ctx, 0);
	SSL_CTX_set_verify(o->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(o->ctx, SSL_OP_NO_TICKET);
	if (!SSL_CTX_set_min_proto_version(o->ctx, req->min_version) ||
	    !SSL_CTX_set_max_proto_version(o->ctx, req->max_version))
		goto fail;
	if (req->sigalgs && !SSL_CTX_set1_sigalgs_list(o->ctx, req->sigalgs))
		goto fail;
	if (req->groups && !SSL_CTX_set1_groups_list(o->ctx, req->groups))
		goto fail;
	if (req->ciphers && !SSL_CTX_set_cipher_list(o->ctx, req->ciphers))
		goto fail;
	if (req->ciphersuites && !SSL_CTX_set_ciphersuites(o->ctx, req->ciphersuites))
		goto fail;
	o->ssl = SSL_new(o->ctx);
	o->rbio = BIO_new(BIO_s_mem());
	o->wbio = BIO_new(BIO_s_mem());
	if (!o->ssl || !o->rbio || !o->wbio) {
		BIO_free(o->rbio);
		BIO_free(o->wbio);
		goto fail;
	}
	SSL_set_bio(o->ssl, o->rbio, o->wbio);
	if (sni && *sni)
		SSL_set_tlsext_host_name(o->ssl, sni);
	SSL_set_connect_state(o->ssl);
	if (SSL_do_handshake(o->ssl) == 1)
		goto fail;	/* cannot finish without the server */
	if (drain(o->wbio, hello, hello_len) != TA_OK || *hello_len == 0)
		goto fail;
	ERR_clear_error();
	return o;
fail:
	ERR_clear_error();
	ta_ossl_free(o);
	return NULL;
}

static uint16_t
peer_scheme(SSL *ssl)
{
	int type = 0, hash = 0;
	X509 *cert;
	int keytype = 0;

	if (!SSL_get_peer_signature_type_nid(ssl, &type))
		return 0;
	SSL_get_peer_signature_nid(ssl, &hash);
	cert = SSL_get1_peer_certificate(ssl);
	if (cert) {
		EVP_PKEY *pk = X509_get0_pubkey(cert);

		keytype = pk ? EVP_PKEY_get_base_id(pk) : 0;
		X509_free(cert);
	}
	switch (type) {
	case EVP_PKEY_RSA_PSS: {
		uint16_t base = keytype == EVP_PKEY_RSA_PSS ? 0x0809 : 0x0804;

		return hash == NID_sha256   ? base
		       : hash == NID_sha384 ? (uint16_t)(base + 1)
		       : hash == NID_sha512 ? (uint16_t)(base + 2)
					    : 0;
	}
	case EVP_PKEY_RSA:
		return hash == NID_sha256   ? 0x0401
		       : hash == NID_sha384 ? 0x0501
		       : hash == NID_sha512 ? 0x0601
		       : hash == NID_sha1   ? 0x0201
					    : 0;
	case EVP_PKEY_EC:
		return hash == NID_sha256   ? 0x0403
		       : hash == NID_sha384 ? 0x0503
		       : hash == NID_sha512 ? 0x0603
		       : hash == NID_sha1   ? 0x0203
					    : 0;
	case EVP_PKEY_ED25519:
		return 0x0807;
	case EVP_PKEY_ED448:
		return 0x0808;
	default:
		return 0;
	}
}

int
ta_ossl_feed(struct ta_ossl *o, const uint8_t *in, size_t len, uint8_t **out, size_t *outlen,
	     struct ta_response *r)
{
	int rc, err;

	*out = NULL;
	*outlen = 0;
	if (len && BIO_write(o->rbio, in, (int)len) != (int)len) {
		r->outcome = TA_OUT_INTERNAL;
		return TA_CONN_DONE;
	}
	rc = SSL_do_handshake(o->ssl);
	if (drain(o->wbio, out, outlen) != TA_OK) {
		r->outcome = TA_OUT_INTERNAL;
		return TA_CONN_DONE;
	}
	r->ossl = true;
	if (rc == 1) {
		const SSL_CIPHER *c = SSL_get_current_cipher(o->ssl);

		r->outcome = TA_OUT_HELLO;
		r->ossl_ok = true;
		r->ossl_version = (uint16_t)SSL_version(o->ssl);
		r->ossl_suite = c ? SSL_CIPHER_get_protocol_id(c) : 0;
		r->ossl_sigscheme = peer_scheme(o->ssl);
		ERR_clear_error();
		return TA_CONN_DONE;
	}
	err = SSL_get_error(o->ssl, rc);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		return TA_CONN_MORE;
	}
	/* failed: an alert from the server, or one we raised */
	r->outcome = TA_OUT_ALERT;
	r->has_alert = true;
	r->alert.level = 2;
	r->alert.desc = TA_ALERT_HANDSHAKE_FAILURE;
	r->detail = "handshake failed";
	ERR_clear_error();
	return TA_CONN_DONE;
}

bool
ta_ossl_sigalg_usable(const char *name)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	bool ok;

	if (!ctx)
		return false;
	ok = SSL_CTX_set1_sigalgs_list(ctx, name) == 1;
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
