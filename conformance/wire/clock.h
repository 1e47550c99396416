/* rw_clock: the monotonic clock every client of the project measures and times out with
 * (CLOCK_MONOTONIC: never steps with the wall clock), and absolute deadlines on it.
 *
 * Ownership: plain values, no state. Reads the clock (and sleeps on it), nothing else. */
#ifndef RW_CLOCK_H
#define RW_CLOCK_H

#include <stdint.h>

/* Nanoseconds and microseconds on CLOCK_MONOTONIC. */
int64_t rw_now_ns(void);
uint64_t rw_now_us(void);
/* The deadline ms milliseconds from now (negative ms: now). */
int64_t rw_deadline_ns(int ms);
/* Milliseconds left until deadline_ns, rounded up; 0 when it has passed. */
int rw_left_ms(int64_t deadline_ns);
/* Sleeps ms milliseconds, resumed after a signal. */
void rw_sleep_ms(int ms);

#endif
