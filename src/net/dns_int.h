/*
 * Inside the DNS module (net/dns.h is the interface): dns.c runs the
 * c-ares channel on the loop (jobs, entry points, resolver addresses),
 * dns_query.c one query and the records of its answer, dns_resolve.c the
 * A and AAAA lookups together, dns_caa.c the CAA climb.  Not for other
 * modules.
 */
#ifndef TA_NET_DNS_INT_H
#define TA_NET_DNS_INT_H

#include <ares.h>
#include <stdbool.h>
#include <stddef.h>

#include "net/dns.h"

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

struct job {
	struct job *prev, *next; /* on d->jobs */
	struct job *lnext;       /* on d->later */
	void (*run_later)(struct job *j);
	void (*release)(struct job *j); /* free, calling nobody back */
};

struct ta_dns {
	struct ta_loop *loop;
	ares_channel ch;
	bool ch_ok;
	struct ta_timer timer;       /* c-ares timeouts */
	struct ta_timer later_timer; /* runs d->later */
	struct fdw *fds;
	struct job *jobs;
	struct job *later, **later_tail;
	unsigned depth;     /* our entry points on the stack */
	bool submitting;    /* completions must wait for the loop */
	bool dying;         /* ta_dns_free() was called within a callback */
	bool fail;          /* a watch or timer could not be set: cancel all */
	bool failed_cancel; /* ARES_ECANCELLED now means that */
};

/* Jobs: every lookup with a callback pending is one, on d->jobs;
 * completions that must wait for the loop go on d->later. */
void ta_dns_job_link(struct ta_dns *d, struct job *j, void (*release)(struct job *));
void ta_dns_job_unlink(struct ta_dns *d, struct job *j);
void ta_dns_later_push(struct ta_dns *d, struct job *j, void (*run)(struct job *));

/* Text into a fixed buffer: src cut to cap, or printf-style. */
void ta_dns_copy_text(char *dst, size_t cap, const char *src);
void ta_dns_say(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Our entry points on the stack (d->depth): a call or loop event that may
 * reach c-ares does its work between these; the outermost ta_dns_leave()
 * re-arms the timers, and destroys d when ta_dns_free() came meanwhile. */
void ta_dns_enter(struct ta_dns *d);
void ta_dns_leave(struct ta_dns *d);

#endif
