/*
 * A scan stopped by SIGINT or SIGTERM (tlsaudit.h: ta_scan_catch_signals):
 * the handler only sets a flag; the event loop sees it at its next wake-up
 * (epoll_wait returns EINTR) and ends, so no target is handed on half done
 * and the consumer's end() still runs with what finished.
 */
#include <signal.h>
#include <string.h>

#include "probe/engine.h"

static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	(void)sig;
	caught = 1;
}

int
ta_scan_catch_signals(struct ta_scan *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: epoll_wait returns at once */
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return TA_ESYS;
	s->loop.interrupt = &caught;
	return TA_OK;
}

int
ta_scan_interrupted(const struct ta_scan *s)
{
	return s->loop.interrupt && *s->loop.interrupt;
}
