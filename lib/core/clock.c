/* midway: time helpers for the programs. */
#include <errno.h>
#include <time.h>

#include "midway/clock.h"

int64_t
mw_clock_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
mw_clock_sleep_ms(long ms, const volatile sig_atomic_t *run)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        while ((!run || *run) && nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
}
