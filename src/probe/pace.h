/*
 * The pace of a scan (pace.c): the --rate limit and the progress reports.
 */
#ifndef TA_PROBE_PACE_H
#define TA_PROBE_PACE_H

#include <stdbool.h>

struct ta_scan;

/* May a new connection start now?  When not, a timer pumps the scan again
 * (ta_scan_pump) once one may. */
bool ta_pace_take(struct ta_scan *s);
/* The run's start (progress timer) and end (last report, timers stopped). */
void ta_pace_start(struct ta_scan *s);
void ta_pace_end(struct ta_scan *s);
/* Start what waits for a connection slot (target.c). */
void ta_scan_pump(struct ta_scan *s);

#endif
