/* ru_pairs: N connected TCP pairs over 127.0.0.1 and the reader thread that drains their
 * receiving ends (see fan.h for why a thread on its own CPU).
 *
 * The sending end of each pair is the accepted socket (the server's side), non-blocking with
 * TCP_NODELAY as lws sets it; the receiving end is the client's, non-blocking, in the
 * reader's epoll set. The reader adds every byte it reads to `got` and, once `got` reaches
 * `target`, writes the eventfd once for that target.
 *
 * Ownership: ru_pairs owns the fds and the thread; ru_pairs_close stops the thread and
 * closes everything. */
#ifndef RU_PAIRS_H
#define RU_PAIRS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct ru_pairs {
    int n;
    int *tx; /* sending ends */
    int *rx; /* receiving ends */
    int epfd;
    int evfd; /* written by the reader when got reaches target */
    int reader_cpu;
    pthread_t reader;
    clockid_t reader_clock; /* the reader thread's CPU-time clock */
    int reader_on;
    _Atomic uint64_t got;
    _Atomic uint64_t target;
    _Atomic int stop;
    _Atomic int failed; /* errno-like cause of the reader's stop, 0 while it runs */
} ru_pairs;

/* 0, or -1 with a reason in err (ru_pairs_close cleans up after either). */
int ru_pairs_open(ru_pairs *p, int n, int reader_cpu, char *err, size_t errlen);
void ru_pairs_close(ru_pairs *p);

/* Blocks until the reader has reached target (after the sender set it and sent), at most
 * timeout_ms. 0, or -1 with a reason. */
int ru_pairs_wait(ru_pairs *p, int timeout_ms, char *err, size_t errlen);

#endif
