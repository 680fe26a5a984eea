/*
 * TLS 1.0 to 1.2 record protection from a session's master secret, for
 * the records OpenSSL no longer writes (heartbeats after the handshake):
 * the key block (RFC 5246 6.3, RFC 2246 6.3), AES-GCM (RFC 5288), ChaCha20-
 * Poly1305 (RFC 7905) and CBC with HMAC, MAC then encrypt (RFC 5246
 * 6.2.3.2; TLS 1.0 chains its IV from the previous record, RFC 2246
 * 6.2.3.2).  Encrypt-then-MAC is not done: the session must not use it.
 */
#ifndef TA_PROBE_RECPROT_H
#define TA_PROBE_RECPROT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ta_rp_kind { TA_RP_GCM = 1, TA_RP_CHACHA, TA_RP_CBC };

struct ta_rp_dir {
	uint64_t seq;
	uint8_t key[32];
	uint8_t mac_key[64];
	uint8_t iv[16]; /* GCM salt (4), ChaCha20 IV (12), or TLS 1.0's chained CBC IV */
};

struct ta_recprot {
	uint16_t version;
	int kind;       /* enum ta_rp_kind */
	void *cipher;   /* EVP_CIPHER * (fetched: ours) */
	const void *md; /* EVP_MD * of the record MAC (CBC), NULL for AEAD */
	size_t key_len, mac_len, iv_len, block;
	struct ta_rp_dir wr, rd; /* client write, server write */
};

/*
 * Set up both directions for a client: version (0x0301 .. 0x0303), the
 * record cipher and MAC by OpenSSL NID (SSL_CIPHER_get_cipher_nid,
 * SSL_CIPHER_get_digest_nid), the PRF hash by name for TLS 1.2 ("SHA256",
 * "SHA384"), the 48-byte master secret and both randoms.  Sequence numbers
 * start at seq (1 after a full handshake's Finished).  TA_OK, or
 * TA_EINVAL for a cipher it does not protect (nothing to free).
 */
int ta_recprot_init(struct ta_recprot *rp, uint16_t version, int cipher_nid, int mac_nid,
                    const char *prf_md, const uint8_t *master, size_t master_len,
                    const uint8_t client_random[32], const uint8_t server_random[32], uint64_t seq);
/* The same for the client side of an OpenSSL SSL * whose full handshake
 * (TLS 1.0 to 1.2) has just completed: sequence numbers start at 1. */
int ta_recprot_from_ssl(struct ta_recprot *rp, const void *ssl);
void ta_recprot_free(struct ta_recprot *rp);

/* TLS 1.0 CBC: the IVs are the last cipher blocks of the Finished records
 * (client's for writing, server's for reading). */
void ta_recprot_chain(struct ta_recprot *rp, const uint8_t *wr_iv, const uint8_t *rd_iv);

/* The largest record seal writes for n bytes of plaintext. */
#define TA_RP_OVERHEAD (5 + 16 + 64 + 256)

/* A whole record (header included) of type with n bytes of plaintext,
 * into out (cap bytes): TA_OK and *outlen, or an error. */
int ta_recprot_seal(struct ta_recprot *rp, uint8_t type, const uint8_t *pt, size_t n, uint8_t *out,
                    size_t cap, size_t *outlen);

/* Open a record's fragment (after its header): the plaintext into pt
 * (cap bytes, at least n).  TA_OK, or TA_EPROTO when it does not
 * authenticate (the sequence number still advances: the stream is dead
 * anyway). */
int ta_recprot_open(struct ta_recprot *rp, uint8_t type, const uint8_t *frag, size_t n, uint8_t *pt,
                    size_t cap, size_t *ptlen);

/* "AES-128-GCM", "AES-256-CBC with HMAC-SHA256" ... for evidence. */
void ta_recprot_name(const struct ta_recprot *rp, char *buf, size_t cap);

#endif
