/*
 * The pace of a scan (tlsaudit.h): --rate, a limit on new connections per
 * second across the whole scan (a token bucket holding at most a twentieth
 * of a second's worth, so the pace is even, not bursts), and the progress
 * reported to the caller twice a second and once at the end.
 */
#include "probe/pace.h"
#include "probe/engine.h"

#define PROGRESS_MS 500

/* Tokens (connections allowed) refilled since the last look. */
static void
refill(struct ta_scan *s)
{
	uint64_t now = ta_loop_now(&s->loop);
	double burst = s->cfg.rate / 20.0 < 1.0 ? 1.0 : s->cfg.rate / 20.0;

	if (s->rate_last_ms == 0) {
		s->rate_tokens = 1.0;
	} else if (now > s->rate_last_ms) {
		s->rate_tokens += (double)(now - s->rate_last_ms) * s->cfg.rate / 1000.0;
		if (s->rate_tokens > burst)
			s->rate_tokens = burst;
	}
	s->rate_last_ms = now;
}

static void
on_rate(struct ta_timer *tm)
{
	struct ta_scan *s = (struct ta_scan *)((char *)tm - offsetof(struct ta_scan, rate_timer));

	ta_scan_pump(s);
}

bool
ta_pace_take(struct ta_scan *s)
{
	if (!s->cfg.rate)
		return true;
	refill(s);
	if (s->rate_tokens >= 1.0) {
		s->rate_tokens -= 1.0;
		return true;
	}
	if (s->rate_timer.idx == SIZE_MAX) {
		uint64_t wait = (uint64_t)((1.0 - s->rate_tokens) * 1000.0 / s->cfg.rate) + 1;

		ta_timer_init(&s->rate_timer, on_rate);
		(void)ta_timer_start(&s->loop, &s->rate_timer, wait);
	}
	return false;
}

static void
report(struct ta_scan *s, int final)
{
	struct ta_progress p = {
	        .targets = s->ntargets,
	        .done = s->ndone,
	        .failed = s->nerrors,
	        .connections = s->nconns,
	        .elapsed_s = (double)(ta_loop_now(&s->loop) - s->run_start_ms) / 1000.0,
	        .final = final,
	};

	s->progress(s->progress_arg, &p);
}

static void
on_progress(struct ta_timer *tm)
{
	struct ta_scan *s =
	        (struct ta_scan *)((char *)tm - offsetof(struct ta_scan, progress_timer));

	report(s, 0);
	/* only while something else keeps the loop running */
	if (s->next_start < s->ntargets || s->targets_live > 0)
		(void)ta_timer_start(&s->loop, &s->progress_timer, PROGRESS_MS);
}

void
ta_scan_on_progress(struct ta_scan *s, void (*fn)(void *arg, const struct ta_progress *p),
                    void *arg)
{
	s->progress = fn;
	s->progress_arg = arg;
}

void
ta_pace_start(struct ta_scan *s)
{
	s->run_start_ms = ta_loop_now(&s->loop);
	ta_timer_init(&s->progress_timer, on_progress);
	if (s->progress)
		(void)ta_timer_start(&s->loop, &s->progress_timer, PROGRESS_MS);
}

void
ta_pace_end(struct ta_scan *s)
{
	ta_timer_stop(&s->loop, &s->progress_timer);
	ta_timer_stop(&s->loop, &s->rate_timer);
	if (s->progress) {
		ta_loop_update(&s->loop);
		report(s, 1);
	}
}
