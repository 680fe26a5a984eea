/*
 * The targets of a run before they start (scan_int.h): specs, their
 * errors, and the table that finds a (host, address, port) listed twice.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "probe/engine.h"
#include "scan_int.h"

static char oom_error[] = "out of memory";

void
ta_spec_fail(struct ta_spec *sp, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (sp->error)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sp->error = strdup(buf);
	if (!sp->error)
		sp->error = oom_error;
}

void
ta_spec_release(struct ta_spec *sp)
{
	if (sp->error != oom_error)
		free(sp->error);
	free(sp->extra);
	sp->error = NULL;
	sp->extra = NULL;
	sp->nextra = 0;
}

/* A new spec at the end of the list (its fields zero but host and port). */
struct ta_spec *
ta_spec_new(struct ta_scan *s, const char *host, uint16_t port)
{
	struct ta_spec *sp;

	if (s->nspecs == s->capspecs) {
		size_t cap = s->capspecs ? s->capspecs * 2 : 16;
		struct ta_spec *v = realloc(s->specs, cap * sizeof *v);

		if (!v)
			return NULL;
		s->specs = v;
		s->capspecs = cap;
	}
	sp = &s->specs[s->nspecs++];
	memset(sp, 0, sizeof *sp);
	sp->seq = (uint64_t)(s->nspecs - 1) << 16;
	snprintf(sp->host, sizeof sp->host, "%s", host);
	sp->port = port;
	return sp;
}

unsigned
ta_shard_of(const char *host, unsigned port, const char *proto, unsigned n)
{
	char text[300];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	uint64_t h = 0;
	int k;

	if (n <= 1)
		return 0;
	k = snprintf(text, sizeof text, "%s|%u|%s", host, port, proto);
	for (int i = 0; i < k && text[i] != '|'; i++)
		text[i] = (char)((text[i] >= 'A' && text[i] <= 'Z') ? text[i] + 32 : text[i]);
	if (k < 0 || !EVP_Digest(text, (size_t)k < sizeof text ? (size_t)k : sizeof text - 1, md,
	                         &len, EVP_sha256(), NULL))
		return 0;
	for (int i = 0; i < 8; i++)
		h = h << 8 | md[i];
	return (unsigned)(h % n);
}

void
ta_spec_keep_shard(struct ta_scan *s, unsigned k, unsigned n)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nspecs; i++) {
		struct ta_spec *sp = &s->specs[i];
		const char *proto = sp->proto[0] ? sp->proto : s->starttls;

		if (ta_shard_of(sp->host, sp->port, proto, n) != k) {
			ta_spec_release(sp);
			continue;
		}
		s->specs[kept++] = *sp;
	}
	s->nspecs = kept;
	/* the table of specs seen holds their old places */
	if (s->seen)
		ta_seen_free(s->seen);
	free(s->seen);
	s->seen = NULL;
}

/* FNV-1a over a spec's host, address and port. */
static size_t
spec_hash(const struct ta_spec *sp)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *p = sp->host; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (const char *p = sp->addr.ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ sp->port) * 1099511628211ull;
	return (size_t)h;
}

static bool
same_spec(const struct ta_spec *a, const struct ta_spec *b)
{
	return a->port == b->port && strcmp(a->addr.ip, b->addr.ip) == 0 &&
	       strcmp(a->host, b->host) == 0;
}

int
ta_seen_add(struct ta_seen *tab, const struct ta_spec *v, size_t idx, bool *dup)
{
	size_t k;

	*dup = false;
	if (2 * (tab->n + 1) > tab->cap) {
		size_t cap = tab->cap ? tab->cap * 2 : 64;
		size_t *slot = calloc(cap, sizeof *slot);

		if (!slot)
			return TA_ENOMEM;
		for (size_t i = 0; i < tab->cap; i++) {
			if (!tab->slot[i])
				continue;
			k = spec_hash(&v[tab->slot[i] - 1]) & (cap - 1);
			while (slot[k])
				k = (k + 1) & (cap - 1);
			slot[k] = tab->slot[i];
		}
		free(tab->slot);
		tab->slot = slot;
		tab->cap = cap;
	}
	k = spec_hash(&v[idx]) & (tab->cap - 1);
	for (; tab->slot[k]; k = (k + 1) & (tab->cap - 1))
		if (same_spec(&v[tab->slot[k] - 1], &v[idx])) {
			*dup = true;
			return TA_OK;
		}
	tab->slot[k] = idx + 1;
	tab->n++;
	return TA_OK;
}

void
ta_seen_free(struct ta_seen *tab)
{
	free(tab->slot);
	tab->slot = NULL;
	tab->cap = tab->n = 0;
}

/* The spec's address from an addrinfo or a resolver answer. */
void
ta_spec_set_address(struct ta_spec *sp, const struct sockaddr *sa, socklen_t len, const char *ip)
{
	memcpy(&sp->addr.sa, sa, len);
	sp->addr.len = len;
	snprintf(sp->addr.ip, sizeof sp->addr.ip, "%s", ip);
}
