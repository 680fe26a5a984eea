/*
 * epoll + timer heap.  Timers with equal due times fire in no particular
 * order; callbacks may start and stop timers and watchers freely.
 */
#include "net/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "tlsaudit.h"

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
ta_loop_init(struct ta_loop *loop)
{
	*loop = (struct ta_loop){0};
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		return TA_ESYS;
	loop->now_ms = mono_ms();
	return TA_OK;
}

void
ta_loop_free(struct ta_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
	free(loop->heap);
	loop->heap = NULL;
	for (size_t i = 0; i < loop->ngrave; i++)
		free(loop->graveyard[i]);
	free(loop->graveyard);
	loop->graveyard = NULL;
	loop->ngrave = 0;
}

int
ta_loop_defer_free(struct ta_loop *loop, void *p)
{
	if (loop->ngrave == loop->capgrave) {
		size_t cap = loop->capgrave ? loop->capgrave * 2 : 64;
		void **g = realloc(loop->graveyard, cap * sizeof *g);

		if (!g) {
			free(p); /* no stale events can exist outside a batch */
			return TA_ENOMEM;
		}
		loop->graveyard = g;
		loop->capgrave = cap;
	}
	loop->graveyard[loop->ngrave++] = p;
	return TA_OK;
}

static void
bury(struct ta_loop *loop)
{
	for (size_t i = 0; i < loop->ngrave; i++)
		free(loop->graveyard[i]);
	loop->ngrave = 0;
}

void
ta_loop_update(struct ta_loop *loop)
{
	loop->now_ms = mono_ms();
}

uint64_t
ta_loop_now(struct ta_loop *loop)
{
	return loop->now_ms;
}

void
ta_timer_init(struct ta_timer *t, void (*cb)(struct ta_timer *))
{
	t->due_ms = 0;
	t->idx = SIZE_MAX;
	t->cb = cb;
}

static void
heap_swap(struct ta_loop *l, size_t a, size_t b)
{
	struct ta_timer *t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->idx = a;
	l->heap[b]->idx = b;
}

static void
heap_up(struct ta_loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (l->heap[p]->due_ms <= l->heap[i]->due_ms)
			break;
		heap_swap(l, p, i);
		i = p;
	}
}

static void
heap_down(struct ta_loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;

		if (c < l->nheap && l->heap[c]->due_ms < l->heap[m]->due_ms)
			m = c;
		if (c + 1 < l->nheap && l->heap[c + 1]->due_ms < l->heap[m]->due_ms)
			m = c + 1;
		if (m == i)
			break;
		heap_swap(l, i, m);
		i = m;
	}
}

int
ta_timer_start(struct ta_loop *loop, struct ta_timer *t, uint64_t ms)
{
	ta_timer_stop(loop, t);
	if (loop->nheap == loop->capheap) {
		size_t cap = loop->capheap ? loop->capheap * 2 : 64;
		struct ta_timer **h = realloc(loop->heap, cap * sizeof *h);

		if (!h)
			return TA_ENOMEM;
		loop->heap = h;
		loop->capheap = cap;
	}
	t->due_ms = mono_ms() + ms;
	t->idx = loop->nheap;
	loop->heap[loop->nheap++] = t;
	heap_up(loop, t->idx);
	return TA_OK;
}

void
ta_timer_stop(struct ta_loop *loop, struct ta_timer *t)
{
	size_t i = t->idx;

	if (i == SIZE_MAX || i >= loop->nheap || loop->heap[i] != t)
		return;
	t->idx = SIZE_MAX;
	loop->nheap--;
	if (i == loop->nheap)
		return;
	loop->heap[i] = loop->heap[loop->nheap];
	loop->heap[i]->idx = i;
	heap_down(loop, i);
	heap_up(loop, i);
}

void
ta_watch_init(struct ta_watch *w, int fd, void (*cb)(struct ta_watch *, uint32_t))
{
	w->fd = fd;
	w->events = 0;
	w->added = false;
	w->cb = cb;
}

int
ta_watch_set(struct ta_loop *loop, struct ta_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	if (w->added && w->events == events)
		return TA_OK;
	if (epoll_ctl(loop->epfd, w->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return TA_ESYS;
	if (!w->added)
		loop->nwatch++;
	w->added = true;
	w->events = events;
	return TA_OK;
}

void
ta_watch_del(struct ta_loop *loop, struct ta_watch *w)
{
	if (!w->added)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->added = false;
	loop->nwatch--;
}

int
ta_loop_run(struct ta_loop *loop)
{
	struct epoll_event evs[256];

	while (!loop->stop && (loop->nwatch > 0 || loop->nheap > 0)) {
		int timeout = -1, n;

		if (loop->interrupt && *loop->interrupt) {
			loop->stop = true;
			break;
		}

		loop->now_ms = mono_ms();
		if (loop->nheap > 0) {
			uint64_t due = loop->heap[0]->due_ms;

			timeout = due <= loop->now_ms ? 0 : (int)(due - loop->now_ms);
		}
		n = epoll_wait(loop->epfd, evs, 256, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return TA_ESYS;
		}
		loop->now_ms = mono_ms();
		for (int i = 0; i < n; i++) {
			struct ta_watch *w = evs[i].data.ptr;

			if (w->added) /* closed earlier in this batch: stale */
				w->cb(w, evs[i].events);
		}
		while (loop->nheap > 0 && loop->heap[0]->due_ms <= mono_ms()) {
			struct ta_timer *t = loop->heap[0];

			ta_timer_stop(loop, t);
			t->cb(t);
		}
		bury(loop);
	}
	bury(loop);
	return TA_OK;
}

/* SIGINT and SIGTERM only set this; every loop that asked stops at its
 * next wake-up (epoll_wait returns EINTR). */
static volatile sig_atomic_t signalled;

static void
on_signal(int sig)
{
	(void)sig;
	signalled = 1;
}

int
ta_loop_stop_on_signals(struct ta_loop *loop)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: epoll_wait returns at once */
	signalled = 0;
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return TA_ESYS;
	loop->interrupt = &signalled;
	return TA_OK;
}
