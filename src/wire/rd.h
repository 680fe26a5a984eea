/*
 * Bounded reader and fixed-capacity writer over byte buffers.
 * A reader is a view that owns nothing; a length-prefixed vector becomes a
 * sub-reader that its parser cannot read past.  The writer never grows; its
 * error is sticky and checked once at the end.
 */
#ifndef TA_WIRE_RD_H
#define TA_WIRE_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tlsaudit.h"

#define TA_TRY(expr)                                                                               \
	do {                                                                                       \
		int ta_try_rc_ = (expr);                                                           \
		if (ta_try_rc_ != 0)                                                               \
			return ta_try_rc_;                                                         \
	} while (0)

struct ta_rd {
	const uint8_t *p;   /* next unread byte */
	const uint8_t *end; /* one past the last readable byte */
};

static inline void
ta_rd_init(struct ta_rd *r, const uint8_t *p, size_t len)
{
	static const uint8_t empty[1];

	if (p == NULL) { /* NULL + 0 is undefined: make an empty view */
		p = empty;
		len = 0;
	}
	r->p = p;
	r->end = p + len;
}

static inline size_t
ta_rd_left(const struct ta_rd *r)
{
	return (size_t)(r->end - r->p);
}

/* Big-endian unsigned integer of nbytes (1..4). */
static inline int TA_MUST_CHECK
ta_rd_uint(struct ta_rd *r, unsigned nbytes, uint32_t *v)
{
	uint32_t x = 0;

	if (nbytes == 0 || nbytes > 4 || ta_rd_left(r) < nbytes)
		return TA_EDECODE;
	for (unsigned i = 0; i < nbytes; i++)
		x = (x << 8) | r->p[i];
	r->p += nbytes;
	*v = x;
	return TA_OK;
}

static inline int TA_MUST_CHECK
ta_rd_u8(struct ta_rd *r, uint8_t *v)
{
	uint32_t x;

	TA_TRY(ta_rd_uint(r, 1, &x));
	*v = (uint8_t)x;
	return TA_OK;
}

static inline int TA_MUST_CHECK
ta_rd_u16(struct ta_rd *r, uint16_t *v)
{
	uint32_t x;

	TA_TRY(ta_rd_uint(r, 2, &x));
	*v = (uint16_t)x;
	return TA_OK;
}

static inline int TA_MUST_CHECK
ta_rd_bytes(struct ta_rd *r, void *dst, size_t n)
{
	if (ta_rd_left(r) < n)
		return TA_EDECODE;
	memcpy(dst, r->p, n);
	r->p += n;
	return TA_OK;
}

/* Split off the next n bytes as *sub. */
static inline int TA_MUST_CHECK
ta_rd_view(struct ta_rd *r, size_t n, struct ta_rd *sub)
{
	if (ta_rd_left(r) < n)
		return TA_EDECODE;
	ta_rd_init(sub, r->p, n);
	r->p += n;
	return TA_OK;
}

/* Split off a vector with an nbytes-long length prefix into *sub. */
static inline int TA_MUST_CHECK
ta_rd_vec(struct ta_rd *r, unsigned nbytes, struct ta_rd *sub)
{
	uint32_t len;

	TA_TRY(ta_rd_uint(r, nbytes, &len));
	return ta_rd_view(r, len, sub);
}

/* Success only when nothing is left over. */
static inline int TA_MUST_CHECK
ta_rd_end(const struct ta_rd *r)
{
	return ta_rd_left(r) == 0 ? TA_OK : TA_EDECODE;
}

struct ta_wr {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* sticky: first error wins */
};

static inline void
ta_wr_init(struct ta_wr *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = TA_OK;
}

static inline void
ta_wr_bytes(struct ta_wr *w, const void *src, size_t n)
{
	if (w->err)
		return;
	if (w->cap - w->len < n) {
		w->err = TA_ENOSPC;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, src, n);
	w->len += n;
}

static inline void
ta_wr_uint(struct ta_wr *w, unsigned nbytes, uint32_t v)
{
	uint8_t b[4];

	if (nbytes == 0 || nbytes > sizeof b) {
		if (!w->err)
			w->err = TA_EINVAL;
		return;
	}
	for (unsigned i = 0; i < nbytes; i++)
		b[i] = (uint8_t)(v >> (8 * (nbytes - 1 - i)));
	ta_wr_bytes(w, b, nbytes);
}

static inline void
ta_wr_u8(struct ta_wr *w, uint8_t v)
{
	ta_wr_uint(w, 1, v);
}

static inline void
ta_wr_u16(struct ta_wr *w, uint16_t v)
{
	ta_wr_uint(w, 2, v);
}

/* Reserve an nbytes length prefix; returns its position for ta_wr_close(). */
static inline size_t
ta_wr_open(struct ta_wr *w, unsigned nbytes)
{
	size_t pos = w->len;

	ta_wr_uint(w, nbytes, 0);
	return pos | ((size_t)nbytes << 56);
}

/* Fill in the length reserved at pos with the bytes written since. */
static inline void
ta_wr_close(struct ta_wr *w, size_t mark)
{
	unsigned nbytes = (unsigned)(mark >> 56);
	size_t pos = mark & (((size_t)1 << 56) - 1);
	size_t len;

	if (w->err)
		return;
	len = w->len - pos - nbytes;
	if (nbytes < 4 && len >= ((size_t)1 << (8 * nbytes))) {
		w->err = TA_ENOSPC;
		return;
	}
	for (unsigned i = 0; i < nbytes; i++)
		w->buf[pos + i] = (uint8_t)(len >> (8 * (nbytes - 1 - i)));
}

#endif
