/*
 * A scan stopped by SIGINT or SIGTERM (tlsaudit.h: ta_scan_catch_signals):
 * the handler (net/loop.c) only sets a flag; the event loop sees it at its
 * next wake-up and ends, so no target is handed on half done and the
 * consumer's end() still runs with what finished.
 */
#include "probe/engine.h"

int
ta_scan_catch_signals(struct ta_scan *s)
{
	return ta_loop_stop_on_signals(&s->loop);
}

int
ta_scan_interrupted(const struct ta_scan *s)
{
	return s->loop.interrupt && *s->loop.interrupt;
}
