/* ru_fan: the fan-out write microbenchmark of rehome-uring-bench. One published event goes to
 * N subscribers as one WebSocket text frame per connection, written to N connected loopback
 * TCP sockets (TCP_NODELAY, non-blocking, as lws leaves its accepted sockets) either by a loop
 * of send() (the reference server's direct-write path: one syscall per delivery) or by one
 * io_uring_enter for N IORING_OP_SEND (or IORING_OP_SEND_ZC) entries.
 *
 * The receiving ends are drained by a reader thread of this process, pinned to its own CPU:
 * in the server the subscribers are other processes on other CPUs, so their recv() work must
 * not land on the sender's thread. Loopback TCP runs the receive side (tcp_v4_rcv, the ACKs
 * it owes) in NET_RX softirq on the sending CPU, inside the sender's send() or io_uring_enter:
 * that part is charged to the sender's thread, as it is to the server.
 *
 * Each round sets the byte total the reader must reach, sends the frame to all N sockets,
 * then blocks on an eventfd until the reader has every byte: the next round starts with empty
 * socket queues, as a fan-out of events spaced apart does.
 *
 * Ownership: ru_fan owns its sockets, the reader thread, the ring and the send buffer;
 * ru_fan_close releases them all. Must be opened and used from one thread (the ring is a
 * single-issuer one where the kernel allows it). */
#ifndef RU_FAN_H
#define RU_FAN_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    RU_SEND = 0,    /* loop of send(fd, frame, len, MSG_NOSIGNAL): what lws_write does */
    RU_URING,       /* N IORING_OP_SEND, one io_uring_submit_and_wait */
    RU_URING_ASYNC, /* the same with IOSQE_ASYNC: every send punted to io-wq workers */
    RU_URING_FILES, /* the same as RU_URING with registered files (IOSQE_FIXED_FILE) */
    RU_URING_ZC,    /* N IORING_OP_SEND_ZC from a registered buffer */
    RU_NVARIANTS
} ru_variant;

/* "send", "uring", "uring-async", "uring-files", "uring-zc". */
const char *ru_variant_name(ru_variant v);
/* The variant named s, or -1. */
int ru_variant_parse(const char *s);

typedef struct ru_fan ru_fan;

/* N connected pairs over 127.0.0.1, the reader thread (pinned to reader_cpu unless it is -1;
 * the caller runs on sender_cpu, -1 when unpinned: only for ksoftirqd's share, sirq.h)
 * and, when the kernel allows, an io_uring with N registered files and a registered buffer
 * of max_frame bytes. 0, or -1 with a reason in err (an unavailable io_uring is no error:
 * see ru_fan_has). */
int ru_fan_open(ru_fan **out, int n, int sender_cpu, int reader_cpu, size_t max_frame, char *err,
                size_t errlen);
void ru_fan_close(ru_fan *f);

/* 1 when variant v can run here; else 0 with the reason in why. */
int ru_fan_has(const ru_fan *f, ru_variant v, char *why, size_t whylen);
/* The ring's setup flags as text ("SINGLE_ISSUER|DEFER_TASKRUN|CQSIZE"), "" without a ring. */
const char *ru_fan_ring_flags(const ru_fan *f);

typedef struct ru_figs {
    double wall_ns;       /* the sending thread's send phase (submit and reap), per delivery */
    double round_ns;      /* send start to the last byte read, per delivery */
    double thread_cpu_ns; /* the sending thread's CPU in the send phase, per delivery */
    double proc_cpu_ns;   /* the whole process's CPU over the rounds (reader, io-wq) */
    double reader_cpu_ns; /* the reader thread's CPU over the rounds (the subscribers' share) */
    double sirq_tx_ns;    /* ksoftirqd of the sender's CPU (of all CPUs when unpinned) */
    double sirq_rx_ns;    /* ksoftirqd of the reader's CPU (0 when unpinned) */
    double server_cpu_ns; /* proc_cpu_ns - reader_cpu_ns + sirq_tx_ns: the sending side as a
                           * whole (its waits between rounds, io-wq workers and the softirq
                           * work handed to ksoftirqd included) */
    double enters;        /* syscalls that write (send or io_uring_enter), per delivery */
    double zc_copied;     /* RU_URING_ZC: share of sends whose notification says copied */
} ru_figs;

/* Sends frame (len bytes, at most max_frame) to all N sockets for warmup unmeasured rounds,
 * then `rounds` measured ones. 0 with out set, or -1 with a reason (a short or failed send,
 * bytes that never arrived within timeout_ms). */
int ru_fan_measure(ru_fan *f, ru_variant v, const void *frame, size_t len, int warmup, int rounds,
                   int timeout_ms, ru_figs *out, char *err, size_t errlen);

#endif
