/* midway: time helpers for the programs. */
#ifndef MIDWAY_CLOCK_H
#define MIDWAY_CLOCK_H

#include <signal.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock (for intervals, not dates). */
int64_t mw_clock_ms(void);

/* Sleeps ms milliseconds; a signal handler that clears *run (may be NULL)
 * ends the sleep early. */
void mw_clock_sleep_ms(long ms, const volatile sig_atomic_t *run);

#endif
