/*
 * One certificate, decoded with d2i_X509 and read through OpenSSL's X.509
 * and X.509v3 accessors (RFC 5280 4.1 and 4.2; TLS feature, RFC 7633;
 * embedded SCTs, RFC 6962 3.3) into a struct ta_cert (cert.h); the chain
 * around it is x509.c's.
 *
 * Text from certificates is attacker-controlled: every string is cut to
 * TEXT_MAX bytes on a character boundary, embedded NULs and bytes that are
 * not valid UTF-8 become '?', and lists are capped (TA_CERT_MAX_SAN,
 * TA_CERT_MAX_URLS).  See docs/certificates.md for what each verdict means.
 */
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* timegm(), inet_ntop() when built without the project's flags */
#endif

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ct.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert/x509_int.h"
#include "tlsaudit.h"

#define TEXT_MAX 1024 /* bytes kept of one name, SAN, URL or serial */

#define TLS_FEATURE_STATUS_REQUEST 5 /* RFC 6066 status_request, as in RFC 7633 */

/* ---- text ---- */

/* Length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	/* The second byte excludes overlong forms, surrogates and > U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * malloc'd prefix + text: at most TEXT_MAX bytes of s, cut on a character
 * boundary; NUL bytes and invalid UTF-8 become '?'.
 */
static int
text_dup(const char *prefix, const void *s, size_t len, char **out)
{
	const unsigned char *p = s;
	size_t plen = strlen(prefix), cap = len > TEXT_MAX ? TEXT_MAX : len, o, i = 0;
	char *buf;

	*out = NULL;
	if ((buf = malloc(plen + cap + 1)) == NULL)
		return TA_ENOMEM;
	memcpy(buf, prefix, plen);
	o = plen;
	while (i < cap) {
		size_t n = p[i] == '\0' ? 0 : utf8_len(p + i, len - i);

		if (n == 0) {
			buf[o++] = '?';
			i++;
		} else if (i + n > cap) {
			break; /* a character cut by TEXT_MAX is dropped whole */
		} else {
			memcpy(buf + o, p + i, n);
			o += n;
			i += n;
		}
	}
	buf[o] = '\0';
	*out = buf;
	return TA_OK;
}

/* Append item to a comma list; whole items only, so a full list stops growing. */
static void
list_add(char *buf, size_t cap, const char *item)
{
	size_t used = strlen(buf), ilen = strlen(item);

	if (used + (used > 0) + ilen + 1 > cap)
		return;
	if (used > 0)
		buf[used++] = ',';
	memcpy(buf + used, item, ilen + 1);
}

static void
hex_lower(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* RFC 2253 text of a name, UTF-8 (not \XX escapes) for non-ASCII. */
static int
name_text(const X509_NAME *nm, char **out)
{
	/* Names that do not convert to UTF-8 are dumped as #hex instead. */
	static const unsigned long flags[] = {
	        XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB,
	        XN_FLAG_RFC2253 | ASN1_STRFLGS_DUMP_ALL,
	};
	char *data = NULL;
	long len = 0;
	BIO *b = NULL;
	int rc;

	if (nm == NULL)
		return text_dup("", "", 0, out);
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		BIO_free(b);
		if ((b = BIO_new(BIO_s_mem())) == NULL)
			return TA_ENOMEM;
		if (X509_NAME_print_ex(b, nm, 0, flags[i]) >= 0) {
			len = BIO_get_mem_data(b, &data);
			break;
		}
		len = 0;
	}
	rc = text_dup("", data != NULL ? data : "", len > 0 ? (size_t)len : 0, out);
	BIO_free(b);
	return rc;
}

/* Hex of the serial's magnitude, as "openssl x509 -serial" prints it. */
static int
serial_text(const ASN1_INTEGER *sn, char **out)
{
	static const char hx[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n, o = 0, max = (TEXT_MAX - 2) / 2;
	char *buf;

	*out = NULL;
	n = sn != NULL ? (size_t)ASN1_STRING_length(sn) : 0;
	p = sn != NULL ? ASN1_STRING_get0_data(sn) : NULL;
	if (n > max)
		n = max;
	if ((buf = malloc(2 * n + 4)) == NULL)
		return TA_ENOMEM;
	if (sn != NULL && ASN1_STRING_type(sn) == V_ASN1_NEG_INTEGER)
		buf[o++] = '-';
	if (n == 0 || p == NULL) {
		buf[o++] = '0';
		buf[o++] = '0';
	}
	for (size_t i = 0; p != NULL && i < n; i++) {
		buf[o++] = hx[p[i] >> 4];
		buf[o++] = hx[p[i] & 15];
	}
	buf[o] = '\0';
	*out = buf;
	return TA_OK;
}

/* ---- one certificate ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

static int
clamp_int(int64_t v)
{
	if (v > INT_MAX)
		return INT_MAX;
	if (v < INT_MIN)
		return INT_MIN;
	return (int)v;
}

/* Unix time of an X.509 time; an unreadable one reads as 0 (1970). */
static int64_t
unix_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	/* ASN1_TIME_to_tm(NULL, ...) would give the current time. */
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

static int
add_general_name(char **list, size_t *n, size_t cap, const GENERAL_NAME *gn, int uri_only)
{
	const ASN1_STRING *s;
	const char *prefix;
	char ip[INET6_ADDRSTRLEN];
	int type;

	if (*n >= cap || gn == NULL)
		return TA_OK;
	s = GENERAL_NAME_get0_value(gn, &type);
	if (uri_only && type != GEN_URI)
		return TA_OK;
	switch (type) {
	case GEN_DNS:
		prefix = "DNS:";
		break;
	case GEN_EMAIL:
		prefix = "email:";
		break;
	case GEN_URI:
		prefix = uri_only ? "" : "URI:";
		break;
	case GEN_IPADD:
		if (s != NULL && ASN1_STRING_length(s) == 4 &&
		    inet_ntop(AF_INET, ASN1_STRING_get0_data(s), ip, sizeof ip) != NULL)
			return text_dup("IP:", ip, strlen(ip), &list[(*n)++]);
		if (s != NULL && ASN1_STRING_length(s) == 16 &&
		    inet_ntop(AF_INET6, ASN1_STRING_get0_data(s), ip, sizeof ip) != NULL)
			return text_dup("IP:", ip, strlen(ip), &list[(*n)++]);
		return text_dup("IP:", "invalid", 7, &list[(*n)++]);
	default:
		return TA_OK; /* otherName, x400Address, directoryName, ediPartyName, RID */
	}
	if (s == NULL)
		return text_dup(prefix, "", 0, &list[(*n)++]);
	return text_dup(prefix, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s),
	                &list[(*n)++]);
}

static int
fill_san(struct ta_cert *c, X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int rc = TA_OK, num;
	size_t cap;

	if (gens == NULL)
		return TA_OK;
	num = sk_GENERAL_NAME_num(gens);
	cap = num > TA_CERT_MAX_SAN ? TA_CERT_MAX_SAN : (size_t)(num > 0 ? num : 0);
	if (cap > 0 && (c->san = calloc(cap, sizeof *c->san)) == NULL)
		rc = TA_ENOMEM;
	for (int i = 0; rc == TA_OK && i < num && c->nsan < cap; i++)
		rc = add_general_name(c->san, &c->nsan, cap, sk_GENERAL_NAME_value(gens, i), 0);
	GENERAL_NAMES_free(gens);
	return rc;
}

static void
fill_key(struct ta_cert *c, X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x); /* NULL when the key does not decode */
	const char *type = "unknown";
	int id;

	c->key_bits = 0;
	c->curve[0] = '\0';
	if (pk == NULL) {
		snprintf(c->key_type, sizeof c->key_type, "%s", type);
		return;
	}
	id = EVP_PKEY_get_base_id(pk);
	switch (id) {
	case EVP_PKEY_RSA:
		type = "RSA";
		break;
	case EVP_PKEY_RSA_PSS:
		type = "RSA-PSS";
		break;
	case EVP_PKEY_EC:
		type = "EC";
		break;
	case EVP_PKEY_ED25519:
		type = "Ed25519";
		break;
	case EVP_PKEY_ED448:
		type = "Ed448";
		break;
	case EVP_PKEY_DSA:
		type = "DSA";
		break;
	}
	snprintf(c->key_type, sizeof c->key_type, "%s", type);
	c->key_bits = EVP_PKEY_get_bits(pk);
	if (c->key_bits < 0)
		c->key_bits = 0;
	if (id == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, c->curve,
	                                   sizeof c->curve, NULL) != 1)
		snprintf(c->curve, sizeof c->curve, "explicit");
	/* curves are named like the groups of the handshake (IANA / SEC 2):
	 * OpenSSL says prime256v1 where TLS says secp256r1 */
	if (strcmp(c->curve, "prime256v1") == 0)
		snprintf(c->curve, sizeof c->curve, "secp256r1");
	else if (strcmp(c->curve, "prime192v1") == 0)
		snprintf(c->curve, sizeof c->curve, "secp192r1");
	switch (id) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
	case EVP_PKEY_DSA:
		c->weak_key = c->key_bits < 2048;
		break;
	case EVP_PKEY_EC:
		c->weak_key = c->key_bits < 224;
		break;
	}
}

static void
fill_signature(struct ta_cert *c, X509 *x)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	int md = NID_undef;

	X509_get0_signature(NULL, &alg, x);
	if (alg != NULL)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	/* Long name for a known algorithm, dotted OID otherwise. */
	if (obj == NULL ||
	    OBJ_obj2txt(c->signature_algorithm, sizeof c->signature_algorithm, obj, 0) <= 0)
		snprintf(c->signature_algorithm, sizeof c->signature_algorithm, "unknown");
	/* X509_get_signature_info also reads the digest out of RSA-PSS parameters. */
	if (X509_get_signature_info(x, &md, NULL, NULL, NULL) != 1 &&
	    OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, NULL) != 1)
		md = NID_undef;
	c->sha1_signature = md == NID_sha1 || md == NID_md5 || md == NID_md5_sha1 ||
	                    md == NID_md4 || md == NID_md2;
}

static void
fill_validity(struct ta_cert *c, X509 *x, int64_t now)
{
	c->not_before = unix_time(X509_get0_notBefore(x));
	c->not_after = unix_time(X509_get0_notAfter(x));
	c->days_left = clamp_int(floor_div(c->not_after - now, 86400));
	c->lifetime_days = clamp_int(-floor_div(c->not_before - c->not_after, 86400));
	c->expired = now > c->not_after;
	c->not_yet_valid = now < c->not_before;
}

static void
fill_constraints(struct ta_cert *c, X509 *x)
{
	static const char *const ku_names[] = {
	        "digitalSignature", "nonRepudiation", "keyEncipherment",
	        "dataEncipherment", "keyAgreement",   "keyCertSign",
	        "cRLSign",          "encipherOnly",   "decipherOnly",
	};
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL);
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);

	c->path_len = -1;
	if (bc != NULL) {
		c->is_ca = bc->ca != 0;
		if (bc->pathlen != NULL) {
			long v = ASN1_INTEGER_get(bc->pathlen);

			/* -1 is also ASN1_INTEGER_get's answer for out of range. */
			c->path_len = v < 0 ? -1 : v > INT_MAX ? INT_MAX : (int)v;
		}
		BASIC_CONSTRAINTS_free(bc);
	}
	c->key_usage[0] = '\0';
	if (ku != NULL) {
		for (size_t i = 0; i < sizeof ku_names / sizeof ku_names[0]; i++)
			if (ASN1_BIT_STRING_get_bit(ku, (int)i))
				list_add(c->key_usage, sizeof c->key_usage, ku_names[i]);
		ASN1_BIT_STRING_free(ku);
	}
	c->ext_key_usage[0] = '\0';
	for (int i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(o);
		char oid[80];

		if (nid != NID_undef && OBJ_nid2sn(nid) != NULL)
			list_add(c->ext_key_usage, sizeof c->ext_key_usage, OBJ_nid2sn(nid));
		else if (OBJ_obj2txt(oid, sizeof oid, o, 1) > 0 && strlen(oid) < sizeof oid - 1)
			list_add(c->ext_key_usage, sizeof c->ext_key_usage, oid);
	}
	EXTENDED_KEY_USAGE_free(eku);
}

static int
fill_revocation(struct ta_cert *c, X509 *x)
{
	TLS_FEATURE *tf = X509_get_ext_d2i(x, NID_tlsfeature, NULL, NULL);
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	CRL_DIST_POINTS *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	STACK_OF(SCT) *scts = X509_get_ext_d2i(x, NID_ct_precert_scts, NULL, NULL);
	int rc = TA_OK;

	for (int i = 0; tf != NULL && i < sk_ASN1_INTEGER_num(tf); i++)
		if (ASN1_INTEGER_get(sk_ASN1_INTEGER_value(tf, i)) == TLS_FEATURE_STATUS_REQUEST)
			c->must_staple = true;
	/* As X509_get1_ocsp() reads them, but in served order and without its dedup. */
	for (int i = 0; rc == TA_OK && aia != NULL && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);

		if (OBJ_obj2nid(ad->method) == NID_ad_OCSP)
			rc = add_general_name(c->ocsp_urls, &c->nocsp, TA_CERT_MAX_URLS,
			                      ad->location, 1);
	}
	for (int i = 0; rc == TA_OK && dps != NULL && i < sk_DIST_POINT_num(dps); i++) {
		const DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		GENERAL_NAMES *full;

		/* Only fullName; nameRelativeToCRLIssuer names no location. */
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		full = dp->distpoint->name.fullname;
		for (int j = 0; rc == TA_OK && j < sk_GENERAL_NAME_num(full); j++)
			rc = add_general_name(c->crl_urls, &c->ncrl, TA_CERT_MAX_URLS,
			                      sk_GENERAL_NAME_value(full, j), 1);
	}
	c->sct_count = scts != NULL ? sk_SCT_num(scts) : 0;
	if (c->sct_count < 0)
		c->sct_count = 0;
	TLS_FEATURE_free(tf);
	AUTHORITY_INFO_ACCESS_free(aia);
	CRL_DIST_POINTS_free(dps);
	SCT_LIST_free(scts);
	return rc;
}

static int
fingerprints(struct ta_cert *c, const uint8_t *der, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* The bytes as served, which is what browsers and CT logs hash. */
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return TA_EINTERNAL;
	hex_lower(md, mdlen, c->sha256);
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
		return TA_EINTERNAL;
	hex_lower(md, mdlen, c->sha1);
	return TA_OK;
}

int
ta_cert_fill(struct ta_cert *c, X509 *x, const uint8_t *der, size_t len, int64_t now)
{
	int rc;

	if ((rc = name_text(X509_get_subject_name(x), &c->subject)) != TA_OK ||
	    (rc = name_text(X509_get_issuer_name(x), &c->issuer)) != TA_OK ||
	    (rc = serial_text(X509_get0_serialNumber(x), &c->serial)) != TA_OK ||
	    (rc = fill_san(c, x)) != TA_OK)
		return rc;
	fill_key(c, x);
	fill_signature(c, x);
	fill_validity(c, x, now);
	/* Signature checked too: a matching name alone says nothing. */
	c->self_signed = X509_self_signed(x, 1) == 1;
	fill_constraints(c, x);
	if ((rc = fill_revocation(c, x)) != TA_OK)
		return rc;
	return fingerprints(c, der, len);
}

void
ta_cert_clear(struct ta_cert *c)
{
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	for (size_t i = 0; i < c->nsan; i++)
		free(c->san[i]);
	free(c->san);
	for (size_t i = 0; i < c->nocsp; i++)
		free(c->ocsp_urls[i]);
	for (size_t i = 0; i < c->ncrl; i++)
		free(c->crl_urls[i]);
	memset(c, 0, sizeof *c);
}
