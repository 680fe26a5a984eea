/*
 * OpenSSL sessions over memory BIOs (see ossl.h).  Security level 0 and no
 * verification: we are measuring the server, not trusting it.  After the
 * handshake a session may go on to renegotiate (is client-initiated
 * renegotiation allowed?) or to read TLS 1.3 NewSessionTickets.
 */
#include "probe/ossl.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "probe/hbpost.h"

enum { PH_HANDSHAKE, PH_RENEG, PH_TICKETS, PH_HEARTBEAT, PH_DONE };

#define TAIL 32 /* bytes kept of each direction: TLS 1.0's chained IVs */

struct ta_ossl {
	SSL *ssl;
	BIO *rbio; /* network -> OpenSSL */
	BIO *wbio; /* OpenSSL -> network */
	unsigned flags;
	int phase;
	unsigned tickets;
	int alert_in;       /* fatal alert received from the server, or -1 */
	unsigned hrr_count; /* HelloRetryRequests received */
	/* TA_OSSL_HEARTBEAT: the server's extension, the last bytes each way */
	bool hb_negotiated;
	uint8_t hb_mode;
	uint8_t in_tail[TAIL], out_tail[TAIL];
	size_t in_total, out_total;
	struct ta_hb *hb;
};

static int ticket_index = -1;

static int on_new_session(SSL *ssl, SSL_SESSION *sess);

/*
 * One context for every handshake of the process: making one costs more
 * than the handshake's own work (OpenSSL 3 fetches every algorithm), so a
 * request's versions, suites, groups and schemes are set on its SSL, never
 * on the context.  Never freed: it lives as long as the process.
 */
static SSL_CTX *
client_ctx(long cache_mode, uint64_t options)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, cache_mode);
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT | options);
	return ctx;
}

static SSL_CTX *
shared_ctx(void)
{
	static SSL_CTX *ctx;

	if (!ctx && (ctx = client_ctx(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL, 0)))
		SSL_CTX_sess_set_new_cb(ctx, on_new_session);
	return ctx;
}

/* The heartbeat extension (RFC 6520 2): we offer peer_allowed_to_send. */
static int
hb_add(SSL *ssl, unsigned type, const unsigned char **out, size_t *outlen, int *al, void *arg)
{
	static const unsigned char mode = 1;

	(void)ssl;
	(void)type;
	(void)al;
	(void)arg;
	*out = &mode;
	*outlen = 1;
	return 1;
}

static int
hb_parse(SSL *ssl, unsigned type, const unsigned char *in, size_t inlen, int *al, void *arg)
{
	struct ta_ossl *o = SSL_get_ex_data(ssl, ticket_index);

	(void)type;
	(void)al;
	(void)arg;
	if (o) {
		o->hb_negotiated = true;
		o->hb_mode = inlen == 1 ? in[0] : 0;
	}
	return 1;
}

/* Like shared_ctx(), with the heartbeat extension: a context of its own,
 * since a context's custom extensions go into every hello made from it. */
static SSL_CTX *
heartbeat_ctx(void)
{
	static SSL_CTX *ctx;

	if (ctx)
		return ctx;
	ctx = client_ctx(SSL_SESS_CACHE_OFF, SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_TICKET);
	if (ctx &&
	    SSL_CTX_add_client_custom_ext(ctx, 15, hb_add, NULL, NULL, hb_parse, NULL) != 1) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

void
ta_ossl_free(struct ta_ossl *o)
{
	if (!o)
		return;
	if (o->hb) {
		ta_hb_free(o->hb);
		free(o->hb);
	}
	SSL_free(o->ssl); /* frees the BIOs */
	free(o);
}

/* Keep the last TAIL bytes of a direction. */
static void
tail_add(uint8_t *tail, size_t *total, const uint8_t *p, size_t n)
{
	if (n >= TAIL) {
		memcpy(tail, p + n - TAIL, TAIL);
	} else {
		memmove(tail, tail + n, TAIL - n);
		memcpy(tail + TAIL - n, p, n);
	}
	*total += n;
}

/* Append what OpenSSL wrote to its write BIO to *out (*outlen bytes so far). */
static int
drain(struct ta_ossl *o, uint8_t **out, size_t *outlen)
{
	BIO *b = o->wbio;
	size_t pending = BIO_ctrl_pending(b);
	uint8_t *p;

	if (pending == 0)
		return TA_OK;
	p = realloc(*out, *outlen + pending);
	if (!p)
		return TA_ENOMEM;
	*out = p;
	if (BIO_read(b, p + *outlen, (int)pending) != (int)pending)
		return TA_EINTERNAL;
	tail_add(o->out_tail, &o->out_total, p + *outlen, pending);
	*outlen += pending;
	return TA_OK;
}

/* Count tickets (TLS 1.2 and 1.3) and keep the newest session. */
static int
on_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct ta_ossl *o = SSL_get_ex_data(ssl, ticket_index);

	(void)sess;
	if (o)
		o->tickets++;
	return 0; /* we did not take a reference */
}

/* Remember the alert the server sent, to tell its refusal from ours. */
static void
on_info(const SSL *ssl, int where, int ret)
{
	struct ta_ossl *o = SSL_get_ex_data(ssl, ticket_index);

	if (o && (where & SSL_CB_ALERT) && (where & SSL_CB_READ) &&
	    ((ret >> 8) & 0xff) == SSL3_AL_FATAL)
		o->alert_in = ret & 0xff;
}

/* Count HelloRetryRequests: a second one is a violation OpenSSL only calls
 * "unexpected message" (RFC 8446 4.1.4). */
static void
on_msg(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg)
{
	static const unsigned char hrr_random[8] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11};
	const unsigned char *p = buf;
	struct ta_ossl *o = arg;

	(void)version;
	(void)ssl;
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len >= 14 && p[0] == 2 &&
	    memcmp(p + 6, hrr_random, sizeof hrr_random) == 0)
		o->hrr_count++;
}

static int
set_alpn(SSL *ssl, const char *list)
{
	unsigned char buf[256];
	size_t len = 0;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n > 255 || len + 1 + n > sizeof buf)
			return 0;
		buf[len++] = (unsigned char)n;
		memcpy(buf + len, p, n);
		len += n;
		p += n;
		if (*p == ',')
			p++;
	}
	return SSL_set_alpn_protos(ssl, buf, (unsigned)len) == 0;
}

struct ta_ossl *
ta_ossl_new(const struct ta_ossl_req *req, const char *sni, uint8_t **hello, size_t *hello_len)
{
	struct ta_ossl *o = calloc(1, sizeof *o);
	SSL_CTX *ctx;

	*hello = NULL;
	*hello_len = 0;
	if (!o)
		return NULL;
	if (ticket_index < 0)
		ticket_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	o->flags = req->flags;
	o->alert_in = -1;
	ctx = req->flags & TA_OSSL_HEARTBEAT ? heartbeat_ctx() : shared_ctx();
	o->ssl = ctx ? SSL_new(ctx) : NULL;
	if (!o->ssl)
		goto fail;
	if (req->flags & TA_OSSL_NO_TICKET)
		SSL_set_options(o->ssl, SSL_OP_NO_TICKET);
	if (!SSL_set_min_proto_version(o->ssl, req->min_version) ||
	    !SSL_set_max_proto_version(o->ssl, req->max_version))
		goto fail;
	if (req->sigalgs && !SSL_set1_sigalgs_list(o->ssl, req->sigalgs))
		goto fail;
	if (req->groups && !SSL_set1_groups_list(o->ssl, req->groups))
		goto fail;
	if (req->ciphers && !SSL_set_cipher_list(o->ssl, req->ciphers))
		goto fail;
	if (req->ciphersuites && !SSL_set_ciphersuites(o->ssl, req->ciphersuites))
		goto fail;
	o->rbio = BIO_new(BIO_s_mem());
	o->wbio = BIO_new(BIO_s_mem());
	if (!o->rbio || !o->wbio) {
		BIO_free(o->rbio);
		BIO_free(o->wbio);
		goto fail;
	}
	SSL_set_bio(o->ssl, o->rbio, o->wbio);
	SSL_set_ex_data(o->ssl, ticket_index, o);
	SSL_set_info_callback(o->ssl, on_info);
	SSL_set_msg_callback(o->ssl, on_msg);
	SSL_set_msg_callback_arg(o->ssl, o);
	if (sni && *sni)
		SSL_set_tlsext_host_name(o->ssl, sni);
	if (req->flags & TA_OSSL_STATUS)
		SSL_set_tlsext_status_type(o->ssl, TLSEXT_STATUSTYPE_ocsp);
	if (req->alpn && !set_alpn(o->ssl, req->alpn))
		goto fail;
	if (req->resume && !SSL_set_session(o->ssl, (SSL_SESSION *)req->resume))
		goto fail;
	SSL_set_connect_state(o->ssl);
	if (SSL_do_handshake(o->ssl) == 1)
		goto fail; /* cannot finish without the server */
	if (drain(o, hello, hello_len) != TA_OK || *hello_len == 0)
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

/* Copy the peer's chain (as sent) and stapled OCSP into the response. */
static void
keep_chain(SSL *ssl, struct ta_response *r)
{
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
	const unsigned char *ocsp = NULL;
	long ocsp_len;
	size_t total = 0, off = 0;
	int n = sk ? sk_X509_num(sk) : 0;

	if (n > TA_RESP_MAX_CERTS)
		n = TA_RESP_MAX_CERTS;
	for (int i = 0; i < n; i++) {
		int l = i2d_X509(sk_X509_value(sk, i), NULL);

		if (l > 0)
			total += (size_t)l;
	}
	if (total && !r->chain && (r->chain = malloc(total))) {
		for (int i = 0; i < n; i++) {
			unsigned char *p = r->chain + off;
			int l = i2d_X509(sk_X509_value(sk, i), &p);

			if (l <= 0 || off + (size_t)l > total)
				break;
			r->cert_off[r->ncerts] = off;
			r->cert_len[r->ncerts] = (size_t)l;
			r->ncerts++;
			off += (size_t)l;
		}
	}
	ocsp_len = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp);
	if (ocsp && ocsp_len > 0 && !r->ocsp && (r->ocsp = malloc((size_t)ocsp_len))) {
		memcpy(r->ocsp, ocsp, (size_t)ocsp_len);
		r->ocsp_len = (size_t)ocsp_len;
	}
}

static void
handshake_done(struct ta_ossl *o, struct ta_response *r)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(o->ssl);
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;

	r->outcome = TA_OUT_HELLO;
	r->ossl_ok = true;
	r->ossl_version = (uint16_t)SSL_version(o->ssl);
	r->ossl_suite = c ? SSL_CIPHER_get_protocol_id(c) : 0;
	r->ossl_sigscheme = peer_scheme(o->ssl);
	r->ossl_reused = SSL_session_reused(o->ssl) == 1;
	r->ossl_ems = SSL_get_extms_support(o->ssl) == 1;
	r->ossl_reneg = TA_UNKNOWN;
	SSL_get0_alpn_selected(o->ssl, &alpn, &alpn_len);
	if (alpn && alpn_len) {
		size_t n = alpn_len < sizeof r->alpn - 1 ? alpn_len : sizeof r->alpn - 1;

		for (size_t i = 0; i < n; i++)
			r->alpn[i] = alpn[i] >= 0x20 && alpn[i] < 0x7f ? (char)alpn[i] : '?';
		r->alpn[n] = '\0';
	}
	if (o->flags & TA_OSSL_CHAIN)
		keep_chain(o->ssl, r);
}

static void
session_out(struct ta_ossl *o, struct ta_response *r)
{
	SSL_SESSION *live = SSL_get1_session(o->ssl);
	/* a copy: what happens later on this connection (a refused
	 * renegotiation) must not mark the kept session unresumable */
	SSL_SESSION *s = live ? SSL_SESSION_dup(live) : NULL;

	SSL_SESSION_free(live);
	r->ossl_tickets = o->tickets;
	if (s) {
		r->ossl_max_early_data = SSL_SESSION_get_max_early_data(s);
		if (r->ossl_session)
			SSL_SESSION_free(r->ossl_session);
		r->ossl_session = s;
	}
}

/* The record protection of the session just set up, for heartbeats:
 * false when the suite is one it does not protect (said in r->hb). */
static bool
setup_protection(struct ta_ossl *o, struct ta_hb *hb, struct ta_response *r)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(o->ssl);
	size_t pending = BIO_ctrl_pending(o->rbio);
	bool ok = ta_recprot_from_ssl(&hb->rp, o->ssl) == TA_OK;

	if (ok && hb->rp.kind == TA_RP_CBC && hb->rp.version == TLS1_VERSION) {
		/* TLS 1.0 goes on from the last cipher block of each Finished:
		 * ours is the last we wrote, the server's the last it sent
		 * before what OpenSSL has not read */
		size_t bs = hb->rp.block;

		ok = pending + bs <= TAIL && o->in_total >= pending + bs && o->out_total >= bs;
		if (ok)
			ta_recprot_chain(&hb->rp, o->out_tail + TAIL - bs,
			                 o->in_tail + TAIL - pending - bs);
	}
	if (!ok) {
		r->hb.unprotected = true;
		snprintf(r->hb.protection, sizeof r->hb.protection, "%s",
		         c ? SSL_CIPHER_get_name(c) : "an unknown suite");
		if (hb->rp.cipher)
			ta_recprot_free(&hb->rp);
	}
	return ok;
}

/* After the handshake of a TA_OSSL_HEARTBEAT session: send the heartbeats
 * when the server took the extension; true when they went out. */
static bool
start_heartbeat(struct ta_ossl *o, uint8_t **out, size_t *outlen, struct ta_response *r)
{
	size_t pending = BIO_ctrl_pending(o->rbio);
	uint8_t rest[TAIL];

	r->hb.negotiated = o->hb_negotiated;
	r->hb.mode = o->hb_mode;
	if (!o->hb_negotiated || SSL_version(o->ssl) > TLS1_2_VERSION || pending > sizeof rest ||
	    !(o->hb = calloc(1, sizeof *o->hb)))
		return false;
	if (!setup_protection(o, o->hb, r) || ta_hb_start(o->hb, out, outlen, r) != TA_OK) {
		ta_hb_free(o->hb);
		free(o->hb);
		o->hb = NULL;
		r->hb.sent = false;
		return false;
	}
	o->phase = PH_HEARTBEAT;
	/* what came after the server's Finished is the heartbeats' to read */
	if (pending && BIO_read(o->rbio, rest, (int)pending) == (int)pending &&
	    ta_hb_feed(o->hb, rest, pending, r) == TA_CONN_DONE)
		o->phase = PH_DONE;
	return true;
}

int
ta_ossl_feed(struct ta_ossl *o, const uint8_t *in, size_t len, uint8_t **out, size_t *outlen,
             struct ta_response *r)
{
	int rc, err;
	unsigned long eerr;

	*out = NULL;
	*outlen = 0;
	r->ossl = true;
	if (o->phase == PH_HEARTBEAT)
		return ta_hb_feed(o->hb, in, len, r);
	if (len && BIO_write(o->rbio, in, (int)len) != (int)len) {
		r->outcome = TA_OUT_INTERNAL;
		return TA_CONN_DONE;
	}
	tail_add(o->in_tail, &o->in_total, in, len);
	for (;;) {
		switch (o->phase) {
		case PH_HANDSHAKE:
		case PH_RENEG:
			rc = SSL_do_handshake(o->ssl);
			break;
		case PH_TICKETS: {
			unsigned char buf[512];

			rc = SSL_read(o->ssl, buf, sizeof buf);
			if (rc > 0)
				continue; /* application data: ignore */
			break;
		}
		default:
			return TA_CONN_DONE;
		}
		if (drain(o, out, outlen) != TA_OK) {
			r->outcome = TA_OUT_INTERNAL;
			return TA_CONN_DONE;
		}
		err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(o->ssl, rc);
		eerr = ERR_peek_error();
		ERR_clear_error();
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			if (o->phase == PH_TICKETS && o->tickets > 0) {
				session_out(o, r);
				return TA_CONN_DONE;
			}
			return TA_CONN_MORE;
		}
		if (o->phase == PH_HANDSHAKE && rc == 1) {
			handshake_done(o, r);
			session_out(o, r);
			if ((o->flags & TA_OSSL_RENEG) && SSL_version(o->ssl) < TLS1_3_VERSION &&
			    SSL_renegotiate(o->ssl) == 1) {
				o->phase = PH_RENEG;
				continue; /* writes the new hello */
			}
			if ((o->flags & TA_OSSL_HEARTBEAT) && start_heartbeat(o, out, outlen, r))
				return o->phase == PH_HEARTBEAT ? TA_CONN_MORE : TA_CONN_DONE;
			if ((o->flags & TA_OSSL_TICKETS) && SSL_version(o->ssl) >= TLS1_3_VERSION &&
			    o->tickets == 0) {
				/* after our Finished, tickets follow; servers that
				 * send them right after their own Finished (GnuTLS,
				 * JSSE) have them in the bytes already read */
				o->phase = PH_TICKETS;
				continue;
			}
			return TA_CONN_DONE;
		}
		if (o->phase == PH_RENEG) {
			r->ossl_reneg = rc == 1 ? TA_YES : TA_NO;
			return TA_CONN_DONE;
		}
		if (o->phase == PH_TICKETS) {
			session_out(o, r);
			return TA_CONN_DONE;
		}
		if (o->alert_in >= 0) { /* the server refused */
			r->outcome = TA_OUT_ALERT;
			r->has_alert = true;
			r->alert.level = 2;
			r->alert.desc = (uint8_t)o->alert_in;
			return TA_CONN_DONE;
		}
		/* OpenSSL gave up on what the server sent: a protocol violation */
		r->outcome = TA_OUT_GARBAGE;
		r->detail = err == SSL_ERROR_SSL && eerr ? ERR_reason_error_string(eerr) : NULL;
		if (o->hrr_count >= 2)
			r->detail = "a second HelloRetryRequest (RFC 8446 4.1.4 forbids it)";
		if (!r->detail)
			r->detail = "the handshake failed on the client side";
		return TA_CONN_DONE;
	}
}

void
ta_ossl_close(struct ta_ossl *o, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (o->hb) { /* the records went on past OpenSSL's count */
		if (o->hb->rp.cipher)
			ta_hb_close(o->hb, out, outlen);
		return;
	}
	if (!SSL_is_init_finished(o->ssl))
		return;
	SSL_shutdown(o->ssl);
	ERR_clear_error();
	drain(o, out, outlen);
}

bool
ta_ossl_waiting_tickets(const struct ta_ossl *o)
{
	return o->phase == PH_TICKETS;
}

bool
ta_ossl_waiting_heartbeats(const struct ta_ossl *o)
{
	return o->phase == PH_HEARTBEAT;
}

unsigned
ta_ossl_tickets(const struct ta_ossl *o)
{
	return o->tickets;
}

bool
ta_ossl_session_has_ticket(void *session)
{
	return session && SSL_SESSION_has_ticket(session) == 1;
}

bool
ta_ossl_session_ticket(void *session, const uint8_t **ticket, size_t *len, uint16_t *version)
{
	const unsigned char *t = NULL;
	size_t n = 0;

	if (!session || SSL_SESSION_has_ticket(session) != 1)
		return false;
	SSL_SESSION_get0_ticket(session, &t, &n);
	*ticket = t;
	*len = n;
	*version = (uint16_t)SSL_SESSION_get_protocol_version(session);
	return t && n;
}

void
ta_ossl_session_free(void *session)
{
	SSL_SESSION_free(session);
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
