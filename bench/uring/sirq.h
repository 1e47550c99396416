/* ru_sirq: the CPU time of the kernel's ksoftirqd threads, from /proc/PID/schedstat (ns).
 *
 * Loopback TCP runs the receive side of every send in NET_RX softirq on the sending CPU, in
 * the sender's context, and so on the sender's CPU clock; but once that CPU is asked to
 * reschedule (or softirqs keep coming), the kernel hands the rest to ksoftirqd/CPU, a thread
 * of its own whose time no clock of this process sees. A long batch in one io_uring_enter
 * hands off more than a loop of short send() calls, so that time is counted apart, per CPU,
 * and added to the side that caused it. It also holds other softirq work of that CPU (other
 * programs' traffic): a small, even background.
 *
 * Ownership: plain values; reads /proc, nothing else. */
#ifndef RU_SIRQ_H
#define RU_SIRQ_H

#include <stdint.h>

#define RU_SIRQ_MAX_CPUS 64

typedef struct ru_sirq {
    int pid[RU_SIRQ_MAX_CPUS]; /* 0 where not found */
} ru_sirq;

/* Finds ksoftirqd/N for every N below RU_SIRQ_MAX_CPUS. */
void ru_sirq_find(ru_sirq *s);
/* The run time so far of ksoftirqd/cpu in ns (cpu -1: all of them summed); 0 if unknown. */
int64_t ru_sirq_ns(const ru_sirq *s, int cpu);

#endif
