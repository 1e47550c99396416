/* rw_clock: see clock.h. */
#include "clock.h"

#include <time.h>

int64_t rw_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

uint64_t rw_now_us(void)
{
    return (uint64_t)rw_now_ns() / 1000u;
}

int64_t rw_deadline_ns(int ms)
{
    return rw_now_ns() + (int64_t)(ms < 0 ? 0 : ms) * 1000000LL;
}

int rw_left_ms(int64_t deadline_ns)
{
    int64_t d = deadline_ns - rw_now_ns();
    if (d <= 0)
        return 0;
    d = (d + 999999) / 1000000LL;
    return d > 0x7fffffff ? 0x7fffffff : (int)d;
}

void rw_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}
