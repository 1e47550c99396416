/* rb_sys: what rehome-bench asks of the system: CPU pinning, the machine's description, the
 * loopback floor (the server's memory and CPU time come from conformance/wire's rw_proc).
 *
 * The floor is a plain TCP ping-pong over 127.0.0.1 between this process (on its CPU) and a
 * forked echo process pinned to the server's CPU: the same two hops (publisher to server,
 * server to subscriber) with no server work in between, so latency minus floor is what the
 * server added. On this kind of VM a wake-up across cores costs ~20 us per hop, which is why
 * the floor has to come from the same run and the same placement.
 *
 * The ping-pong does not sleep the way a server does, so it is not a floor for one: the
 * relay floor is. A forked relay on the server's CPU blocks in epoll_wait, reads a 64-byte
 * "publish" from one connection, writes it to a second (the "subscriber") and a 1-byte
 * answer back: the least any server must do, timed like the latency scenario (publish write
 * to subscriber read). Server-added latency is the server's latency minus the relay's. */
#ifndef RB_SYS_H
#define RB_SYS_H

#include <stddef.h>

#include "hist.h"

/* Pins the calling process to cpu (-1: leave as is). 0 or -1 with errno. */
int rb_sys_pin(int cpu);
/* The CPU the caller runs on now. */
int rb_sys_cpu_now(void);
/* "0-1", "1", ... for pid (0: self); "" when unknown. */
void rb_sys_affinity_list(int pid, char *out, size_t outlen);
/* The single CPU pid is pinned to, or -1 when it may run on several. */
int rb_sys_single_cpu(int pid);

void rb_sys_machine(char *cpu_model, size_t cmlen, char *kernel, size_t klen, int *ncpu);

/* Measures `samples` round trips of a 64-byte message after `warmup` unrecorded ones; spin:
 * this side polls its reads instead of blocking (as rehome-bench --spin). 0, or -1 with a
 * reason. */
int rb_sys_floor(int echo_cpu, int samples, int warmup, int spin, rb_hist *rtt, char *err,
                 size_t errlen);

/* Measures `samples` one-way publisher -> relay -> subscriber times after `warmup`
 * unrecorded ones, the relay pinned to relay_cpu (-1: unpinned); spin as above (the relay
 * itself always sleeps in epoll_wait, as a server does). 0, or -1 with a reason. */
int rb_sys_relay_floor(int relay_cpu, int samples, int warmup, int spin, rb_hist *lat, char *err,
                       size_t errlen);

#endif
