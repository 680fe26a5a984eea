/*
 * TLS 1.0 to 1.2 record protection (see recprot.h).  Every length comes
 * from our own records or is checked against the fragment's before use;
 * a record that does not authenticate is an error, never a crash.
 */
#include "probe/recprot.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsaudit.h"

#define AEAD_TAG     16
#define GCM_EXPLICIT 8
#define MAX_FRAG     (16384 + 2048)

static int
key_block(const struct ta_recprot *rp, const char *prf_md, const uint8_t *master, size_t master_len,
          const uint8_t *cr, const uint8_t *sr, uint8_t *out, size_t n)
{
	static const char label[] = "key expansion";
	uint8_t seed[sizeof label - 1 + 64];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	const char *md = rp->version >= 0x0303 ? prf_md : "MD5-SHA1";
	OSSL_PARAM params[4];
	int ok;

	memcpy(seed, label, sizeof label - 1);
	memcpy(seed + sizeof label - 1, sr, 32);
	memcpy(seed + sizeof label - 1 + 32, cr, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master,
	                                              master_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed);
	params[3] = OSSL_PARAM_construct_end();
	ok = kctx && md && EVP_KDF_derive(kctx, out, n, params) == 1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? TA_OK : TA_EINTERNAL;
}

int
ta_recprot_init(struct ta_recprot *rp, uint16_t version, int cipher_nid, int mac_nid,
                const char *prf_md, const uint8_t *master, size_t master_len,
                const uint8_t client_random[32], const uint8_t server_random[32], uint64_t seq)
{
	uint8_t kb[2 * (64 + 32 + 16)];
	const char *name = OBJ_nid2sn(cipher_nid);
	size_t off = 0;
	int mode;

	memset(rp, 0, sizeof *rp);
	if (version < 0x0301 || version > 0x0303 || !name)
		return TA_EINVAL;
	rp->version = version;
	rp->cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	if (!rp->cipher)
		return TA_EINVAL;
	mode = EVP_CIPHER_get_mode(rp->cipher);
	rp->key_len = (size_t)EVP_CIPHER_get_key_length(rp->cipher);
	rp->block = (size_t)EVP_CIPHER_get_block_size(rp->cipher);
	if (cipher_nid == NID_chacha20_poly1305 && version == 0x0303) {
		rp->kind = TA_RP_CHACHA;
		rp->iv_len = 12;
	} else if (mode == EVP_CIPH_GCM_MODE && version == 0x0303) {
		rp->kind = TA_RP_GCM;
		rp->iv_len = 4;
	} else if (mode == EVP_CIPH_CBC_MODE && rp->block >= 8 && rp->block <= 16) {
		rp->kind = TA_RP_CBC;
		rp->iv_len = rp->block;
		rp->md = EVP_get_digestbynid(mac_nid);
		if (!rp->md ||
		    (mac_nid != NID_sha1 && mac_nid != NID_sha256 && mac_nid != NID_sha384))
			goto unsupported;
		rp->mac_len = (size_t)EVP_MD_get_size(rp->md);
	} else {
		goto unsupported;
	}
	if (rp->key_len > sizeof rp->wr.key || rp->mac_len > sizeof rp->wr.mac_key ||
	    rp->iv_len > sizeof rp->wr.iv ||
	    key_block(rp, prf_md, master, master_len, client_random, server_random, kb,
	              2 * (rp->mac_len + rp->key_len + rp->iv_len)) != TA_OK)
		goto unsupported;
	memcpy(rp->wr.mac_key, kb + off, rp->mac_len);
	memcpy(rp->rd.mac_key, kb + (off += rp->mac_len), rp->mac_len);
	memcpy(rp->wr.key, kb + (off += rp->mac_len), rp->key_len);
	memcpy(rp->rd.key, kb + (off += rp->key_len), rp->key_len);
	memcpy(rp->wr.iv, kb + (off += rp->key_len), rp->iv_len);
	memcpy(rp->rd.iv, kb + (off += rp->iv_len), rp->iv_len);
	OPENSSL_cleanse(kb, sizeof kb);
	rp->wr.seq = rp->rd.seq = seq;
	return TA_OK;
unsupported:
	ta_recprot_free(rp);
	return TA_EINVAL;
}

int
ta_recprot_from_ssl(struct ta_recprot *rp, const void *ssl_)
{
	const SSL *ssl = ssl_;
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	const SSL_SESSION *sess = SSL_get_session(ssl);
	const EVP_MD *md = c ? SSL_CIPHER_get_handshake_digest(c) : NULL;
	/* TLS 1.2's PRF: SHA-384 for the suites that say so, SHA-256 for the
	 * rest (OpenSSL names MD5-SHA1 for those from before TLS 1.2) */
	const char *prf = md && EVP_MD_get_type(md) == NID_sha384 ? "SHA384" : "SHA256";
	uint8_t ms[48], cr[32], sr[32];
	size_t msl = sess ? SSL_SESSION_get_master_key(sess, ms, sizeof ms) : 0;
	int rc = TA_EINVAL;

	memset(rp, 0, sizeof *rp);
	if (c && msl == sizeof ms && SSL_get_client_random(ssl, cr, sizeof cr) == sizeof cr &&
	    SSL_get_server_random(ssl, sr, sizeof sr) == sizeof sr)
		rc = ta_recprot_init(rp, (uint16_t)SSL_version(ssl), SSL_CIPHER_get_cipher_nid(c),
		                     SSL_CIPHER_get_digest_nid(c), prf, ms, msl, cr, sr, 1);
	OPENSSL_cleanse(ms, sizeof ms);
	return rc;
}

void
ta_recprot_free(struct ta_recprot *rp)
{
	EVP_CIPHER_free(rp->cipher);
	OPENSSL_cleanse(rp, sizeof *rp);
}

void
ta_recprot_chain(struct ta_recprot *rp, const uint8_t *wr_iv, const uint8_t *rd_iv)
{
	if (rp->kind != TA_RP_CBC)
		return;
	memcpy(rp->wr.iv, wr_iv, rp->block);
	memcpy(rp->rd.iv, rd_iv, rp->block);
}

/* seq, type, version, length: the AEAD's additional data and the MAC's head */
static void
pseudo_header(uint8_t h[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
	for (int i = 0; i < 8; i++)
		h[i] = (uint8_t)(seq >> (56 - 8 * i));
	h[8] = type;
	h[9] = (uint8_t)(version >> 8);
	h[10] = (uint8_t)version;
	h[11] = (uint8_t)(len >> 8);
	h[12] = (uint8_t)len;
}

static void
aead_nonce(const struct ta_recprot *rp, const struct ta_rp_dir *d, const uint8_t *explicit_,
           uint8_t nonce[12])
{
	if (rp->kind == TA_RP_GCM) {
		memcpy(nonce, d->iv, 4);
		memcpy(nonce + 4, explicit_, GCM_EXPLICIT);
		return;
	}
	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(d->seq >> (56 - 8 * i));
}

/* One AEAD or CBC pass; tag: written (enc) or checked (dec). */
static int
crypt(const struct ta_recprot *rp, const struct ta_rp_dir *d, bool enc, const uint8_t *iv,
      const uint8_t *aad, const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l = 0, fl = 0, ok;
	bool aead = rp->kind != TA_RP_CBC;

	ok = ctx && n <= MAX_FRAG + 512 &&
	     EVP_CipherInit_ex2(ctx, rp->cipher, NULL, NULL, enc ? 1 : 0, NULL) == 1 &&
	     (!aead || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1) &&
	     EVP_CipherInit_ex2(ctx, NULL, d->key, iv, -1, NULL) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
	if (ok && aead) {
		ok = EVP_CipherUpdate(ctx, NULL, &l, aad, 13) == 1 &&
		     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG, tag) == 1);
	}
	ok = ok && EVP_CipherUpdate(ctx, out, &l, in, (int)n) == 1 &&
	     EVP_CipherFinal_ex(ctx, out + l, &fl) == 1 && (size_t)(l + fl) == n;
	if (ok && aead && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? TA_OK : TA_EPROTO;
}

static int
record_mac(const struct ta_recprot *rp, const struct ta_rp_dir *d, uint8_t type,
           const uint8_t *data, size_t n, uint8_t *mac)
{
	uint8_t *buf = malloc(13 + n);
	unsigned len = 0;
	bool ok;

	if (!buf)
		return TA_ENOMEM;
	pseudo_header(buf, d->seq, type, rp->version, n);
	memcpy(buf + 13, data, n);
	ok = HMAC(rp->md, d->mac_key, (int)rp->mac_len, buf, 13 + n, mac, &len) &&
	     len == rp->mac_len;
	free(buf);
	return ok ? TA_OK : TA_EINTERNAL;
}

static void
header(uint8_t *out, uint8_t type, uint16_t version, size_t len)
{
	out[0] = type;
	out[1] = (uint8_t)(version >> 8);
	out[2] = (uint8_t)version;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

static int
seal_aead(struct ta_recprot *rp, uint8_t type, const uint8_t *pt, size_t n, uint8_t *out,
          size_t *outlen)
{
	struct ta_rp_dir *d = &rp->wr;
	uint8_t aad[13], nonce[12], explicit_[GCM_EXPLICIT];
	size_t ex = rp->kind == TA_RP_GCM ? GCM_EXPLICIT : 0;
	int rc;

	for (int i = 0; i < 8; i++)
		explicit_[i] = (uint8_t)(d->seq >> (56 - 8 * i)); /* unique per key */
	aead_nonce(rp, d, explicit_, nonce);
	pseudo_header(aad, d->seq, type, rp->version, n);
	memcpy(out + 5, explicit_, ex);
	rc = crypt(rp, d, true, nonce, aad, pt, n, out + 5 + ex, out + 5 + ex + n);
	if (rc != TA_OK)
		return rc;
	header(out, type, rp->version, ex + n + AEAD_TAG);
	*outlen = 5 + ex + n + AEAD_TAG;
	d->seq++;
	return TA_OK;
}

static int
seal_cbc(struct ta_recprot *rp, uint8_t type, const uint8_t *pt, size_t n, uint8_t *out,
         size_t *outlen)
{
	struct ta_rp_dir *d = &rp->wr;
	bool explicit_iv = rp->version >= 0x0302;
	size_t body = n + rp->mac_len, pad = rp->block - body % rp->block; /* 1 .. block */
	size_t ivl = explicit_iv ? rp->block : 0, len = body + pad;
	uint8_t *buf = malloc(len), iv[16];
	int rc;

	if (!buf)
		return TA_ENOMEM;
	memcpy(buf, pt, n);
	rc = record_mac(rp, d, type, pt, n, buf + n);
	memset(buf + body, (int)(pad - 1), pad);
	if (explicit_iv && RAND_bytes(iv, (int)rp->block) != 1)
		rc = TA_EINTERNAL;
	if (!explicit_iv)
		memcpy(iv, d->iv, rp->block);
	if (rc == TA_OK) {
		memcpy(out + 5, iv, ivl);
		rc = crypt(rp, d, true, iv, NULL, buf, len, out + 5 + ivl, NULL);
	}
	free(buf);
	if (rc != TA_OK)
		return rc;
	if (!explicit_iv) /* TLS 1.0: the next record's IV */
		memcpy(d->iv, out + 5 + ivl + len - rp->block, rp->block);
	header(out, type, rp->version, ivl + len);
	*outlen = 5 + ivl + len;
	d->seq++;
	return TA_OK;
}

int
ta_recprot_seal(struct ta_recprot *rp, uint8_t type, const uint8_t *pt, size_t n, uint8_t *out,
                size_t cap, size_t *outlen)
{
	*outlen = 0;
	if (n > 16384 || cap < n + TA_RP_OVERHEAD || !rp->cipher)
		return TA_ENOSPC;
	return rp->kind == TA_RP_CBC ? seal_cbc(rp, type, pt, n, out, outlen)
	                             : seal_aead(rp, type, pt, n, out, outlen);
}

static int
open_aead(struct ta_recprot *rp, uint8_t type, const uint8_t *frag, size_t n, uint8_t *pt,
          size_t *ptlen)
{
	struct ta_rp_dir *d = &rp->rd;
	size_t ex = rp->kind == TA_RP_GCM ? GCM_EXPLICIT : 0, len;
	uint8_t aad[13], nonce[12], tag[AEAD_TAG];
	int rc;

	if (n < ex + AEAD_TAG)
		return TA_EPROTO;
	len = n - ex - AEAD_TAG;
	aead_nonce(rp, d, frag, nonce);
	pseudo_header(aad, d->seq, type, rp->version, len);
	memcpy(tag, frag + ex + len, AEAD_TAG);
	rc = crypt(rp, d, false, nonce, aad, frag + ex, len, pt, tag);
	d->seq++;
	*ptlen = rc == TA_OK ? len : 0;
	return rc;
}

static int
open_cbc(struct ta_recprot *rp, uint8_t type, const uint8_t *frag, size_t n, uint8_t *pt,
         size_t *ptlen)
{
	struct ta_rp_dir *d = &rp->rd;
	bool explicit_iv = rp->version >= 0x0302;
	size_t ivl = explicit_iv ? rp->block : 0, len, pad, data;
	uint8_t iv[16], mac[64];
	bool ok;
	int rc;

	if (n < ivl + rp->mac_len + 1 || (n - ivl) % rp->block)
		return TA_EPROTO;
	len = n - ivl;
	memcpy(iv, explicit_iv ? frag : d->iv, rp->block);
	rc = crypt(rp, d, false, iv, NULL, frag + ivl, len, pt, NULL);
	if (!explicit_iv)
		memcpy(d->iv, frag + n - rp->block, rp->block);
	pad = rc == TA_OK ? pt[len - 1] : 0;
	ok = rc == TA_OK && pad + 1 + rp->mac_len <= len;
	for (size_t i = 0; ok && i <= pad; i++)
		ok = pt[len - 1 - i] == pad;
	data = ok ? len - pad - 1 - rp->mac_len : 0;
	ok = ok && record_mac(rp, d, type, pt, data, mac) == TA_OK &&
	     CRYPTO_memcmp(mac, pt + data, rp->mac_len) == 0;
	d->seq++;
	*ptlen = ok ? data : 0;
	return ok ? TA_OK : TA_EPROTO;
}

int
ta_recprot_open(struct ta_recprot *rp, uint8_t type, const uint8_t *frag, size_t n, uint8_t *pt,
                size_t cap, size_t *ptlen)
{
	*ptlen = 0;
	if (n > MAX_FRAG || cap < n || !rp->cipher)
		return TA_EPROTO;
	return rp->kind == TA_RP_CBC ? open_cbc(rp, type, frag, n, pt, ptlen)
	                             : open_aead(rp, type, frag, n, pt, ptlen);
}

void
ta_recprot_name(const struct ta_recprot *rp, char *buf, size_t cap)
{
	const char *c = rp->cipher ? EVP_CIPHER_get0_name(rp->cipher) : "none";

	if (rp->kind == TA_RP_CBC)
		snprintf(buf, cap, "%s with HMAC-%s", c, rp->md ? EVP_MD_get0_name(rp->md) : "?");
	else
		snprintf(buf, cap, "%s", c);
}
