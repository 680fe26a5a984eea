/*
 * The event loop: epoll for sockets, a binary heap of timers, one thread.
 * Owns no connections; callers embed ta_watch and ta_timer in their own
 * objects (libuv style) so an object is freed in one place.
 */
#ifndef TA_NET_LOOP_H
#define TA_NET_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ta_loop;

struct ta_timer {
	uint64_t due_ms;
	size_t idx; /* heap position; SIZE_MAX when not armed */
	void (*cb)(struct ta_timer *t);
};

struct ta_watch {
	int fd;
	uint32_t events; /* EPOLLIN / EPOLLOUT */
	bool added;
	void (*cb)(struct ta_watch *w, uint32_t events);
};

struct ta_loop {
	int epfd;
	struct ta_timer **heap;
	size_t nheap;
	size_t capheap;
	size_t nwatch;
	uint64_t now_ms;
	bool stop;
	/* set (by a signal handler) to stop the loop at its next wake-up */
	volatile sig_atomic_t *interrupt;
	void **graveyard; /* freed after the current batch of events */
	size_t ngrave;
	size_t capgrave;
};

int ta_loop_init(struct ta_loop *loop);
void ta_loop_free(struct ta_loop *loop);
uint64_t ta_loop_now(struct ta_loop *loop);
/* Read the clock again (ta_loop_now keeps the time of the last wake-up). */
void ta_loop_update(struct ta_loop *loop);

/* From now on SIGINT and SIGTERM stop loop at its next wake-up (it sets
 * loop->interrupt); TA_ESYS when the handlers cannot be set. */
int ta_loop_stop_on_signals(struct ta_loop *loop);

void ta_timer_init(struct ta_timer *t, void (*cb)(struct ta_timer *));
int ta_timer_start(struct ta_loop *loop, struct ta_timer *t, uint64_t ms);
void ta_timer_stop(struct ta_loop *loop, struct ta_timer *t);

void ta_watch_init(struct ta_watch *w, int fd, void (*cb)(struct ta_watch *, uint32_t));
int ta_watch_set(struct ta_loop *loop, struct ta_watch *w, uint32_t events);
void ta_watch_del(struct ta_loop *loop, struct ta_watch *w);

/* Free p once the current batch of events is handled, so that a stale
 * event for a closed watcher never touches freed memory. */
int ta_loop_defer_free(struct ta_loop *loop, void *p);

/* Run until nothing is watched or armed, or loop->stop is set. */
int ta_loop_run(struct ta_loop *loop);

#endif
