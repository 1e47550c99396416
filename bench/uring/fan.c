#include "uring/fan.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "uring/pairs.h"
#include "uring/sirq.h"

/* Kernel 6.2's zero-copy usage report; liburing 2.3's header predates it. */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

/* Up to 8 completions per send stay queued (a zero-copy send's notification comes when the
 * peer's ACK frees the data, possibly rounds later); past that the kernel keeps overflowed
 * completions on a list (IORING_FEAT_NODROP), only slower. */
#define RU_CQ_PER_SQ 8
/* MSG_DONTWAIT: a send the socket cannot take completes at once with -EAGAIN (or short)
 * instead of staying armed on the socket after io_uring_enter returns, O_NONBLOCK on the
 * socket notwithstanding (checked on 6.18): a server would need that to hand the rest to its
 * own buffering before anything else writes to the connection. */
#define RU_SQE_FLAGS (MSG_NOSIGNAL | MSG_DONTWAIT)
#define RU_CQ_MAX    65536

struct ru_fan {
    ru_pairs pairs;
    ru_sirq sirq;
    int sender_cpu, reader_cpu;
    char *buf; /* page-aligned, registered as buffer 0 when buf_ok */
    size_t bufcap;
    struct io_uring ring;
    int ring_ok, ring_err, files_ok, buf_ok;
    char flags_text[64];
};

typedef struct ru_count {
    uint64_t enters;
    uint64_t bad;           /* results other than len */
    int64_t notif_pending;  /* zero-copy notifications still to come */
    uint64_t notif, copied; /* notifications seen, and those saying the data was copied */
} ru_count;

static const char *const names[RU_NVARIANTS] = {"send", "uring", "uring-async", "uring-files",
                                                "uring-zc"};

const char *ru_variant_name(ru_variant v)
{
    return v >= 0 && v < RU_NVARIANTS ? names[v] : "?";
}

int ru_variant_parse(const char *s)
{
    for (int v = 0; v < RU_NVARIANTS; v++)
        if (strcmp(s, names[v]) == 0)
            return v;
    return -1;
}

static int64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A single-issuer ring whose completions run when the sender waits (DEFER_TASKRUN): what an
 * event loop of one thread such as lws's would ask for; a kernel without them gets a plain
 * ring. */
static void ring_setup(ru_fan *f, int n)
{
    unsigned sq = 1;
    while (sq < (unsigned)n)
        sq <<= 1;
    unsigned cq = sq * RU_CQ_PER_SQ > RU_CQ_MAX ? RU_CQ_MAX : sq * RU_CQ_PER_SQ;
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    p.cq_entries = cq;
    int rc = io_uring_queue_init_params(sq, &f->ring, &p);
    if (rc == -EINVAL) {
        memset(&p, 0, sizeof(p));
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = cq;
        rc = io_uring_queue_init_params(sq, &f->ring, &p);
    }
    if (rc < 0) {
        f->ring_err = -rc;
        return;
    }
    f->ring_ok = 1;
    snprintf(f->flags_text, sizeof(f->flags_text), "%s%sCQSIZE",
             (p.flags & IORING_SETUP_SINGLE_ISSUER) ? "SINGLE_ISSUER|" : "",
             (p.flags & IORING_SETUP_DEFER_TASKRUN) ? "DEFER_TASKRUN|" : "");
    struct iovec iov = {.iov_base = f->buf, .iov_len = f->bufcap};
    f->buf_ok = io_uring_register_buffers(&f->ring, &iov, 1) == 0;
    f->files_ok = io_uring_register_files(&f->ring, f->pairs.tx, (unsigned)n) == 0;
}

int ru_fan_open(ru_fan **out, int n, int sender_cpu, int reader_cpu, size_t max_frame, char *err,
                size_t errlen)
{
    *out = NULL;
    ru_fan *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->bufcap = (max_frame + 4095) & ~(size_t)4095;
    if (posix_memalign((void **)&f->buf, 4096, f->bufcap) != 0) {
        free(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(f->buf, 0, f->bufcap);
    if (ru_pairs_open(&f->pairs, n, reader_cpu, err, errlen) < 0) {
        ru_pairs_close(&f->pairs);
        free(f->buf);
        free(f);
        return -1;
    }
    ring_setup(f, n);
    ru_sirq_find(&f->sirq);
    f->sender_cpu = sender_cpu;
    f->reader_cpu = reader_cpu;
    *out = f;
    return 0;
}

void ru_fan_close(ru_fan *f)
{
    if (!f)
        return;
    if (f->ring_ok)
        io_uring_queue_exit(&f->ring);
    ru_pairs_close(&f->pairs);
    free(f->buf);
    free(f);
}

int ru_fan_has(const ru_fan *f, ru_variant v, char *why, size_t whylen)
{
    why[0] = 0;
    if (v == RU_SEND)
        return 1;
    if (!f->ring_ok) {
        snprintf(why, whylen, "io_uring_setup: %s", strerror(f->ring_err));
        return 0;
    }
    if (v == RU_URING_FILES && !f->files_ok) {
        snprintf(why, whylen, "io_uring_register_files failed");
        return 0;
    }
    if (v == RU_URING_ZC && !f->buf_ok) {
        snprintf(why, whylen, "io_uring_register_buffers failed");
        return 0;
    }
    return 1;
}

const char *ru_fan_ring_flags(const ru_fan *f)
{
    return f->ring_ok ? f->flags_text : "";
}

static int send_round(ru_fan *f, size_t len, ru_count *c)
{
    for (int i = 0; i < f->pairs.n; i++) {
        ssize_t k = send(f->pairs.tx[i], f->buf, len, MSG_NOSIGNAL);
        c->enters++;
        if (k != (ssize_t)len)
            c->bad++;
    }
    return 0;
}

/* Consumes every completion queued: the send results seen (notifications counted apart). */
static int reap(ru_fan *f, size_t len, ru_count *c)
{
    unsigned head, seen = 0;
    int results = 0;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(&f->ring, head, cqe)
    {
        seen++;
        if (cqe->flags & IORING_CQE_F_NOTIF) {
            c->notif_pending--;
            c->notif++;
            if ((unsigned)cqe->res & IORING_NOTIF_USAGE_ZC_COPIED)
                c->copied++;
            continue;
        }
        if (cqe->flags & IORING_CQE_F_MORE)
            c->notif_pending++;
        if (cqe->res != (int)len)
            c->bad++;
        results++;
    }
    io_uring_cq_advance(&f->ring, seen);
    return results;
}

static void prep(ru_fan *f, ru_variant v, struct io_uring_sqe *sqe, int i, size_t len)
{
    int fd = f->pairs.tx[i];
    switch (v) {
    case RU_URING_FILES:
        io_uring_prep_send(sqe, i, f->buf, len, RU_SQE_FLAGS);
        sqe->flags |= IOSQE_FIXED_FILE;
        break;
    case RU_URING_ZC:
        io_uring_prep_send_zc_fixed(sqe, fd, f->buf, len, RU_SQE_FLAGS, IORING_SEND_ZC_REPORT_USAGE,
                                    0);
        break;
    default:
        io_uring_prep_send(sqe, fd, f->buf, len, RU_SQE_FLAGS);
        if (v == RU_URING_ASYNC)
            sqe->flags |= IOSQE_ASYNC;
        break;
    }
    sqe->user_data = (uint64_t)i;
}

/* N entries, one io_uring_enter that submits them and waits for N completions, then more
 * waits only if some send results are still missing (notifications can be among the N). */
static int uring_round(ru_fan *f, ru_variant v, size_t len, ru_count *c, char *err, size_t errlen)
{
    int n = f->pairs.n;
    for (int i = 0; i < n; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&f->ring);
        if (!sqe) {
            snprintf(err, errlen, "submission queue full at %d of %d", i, n);
            return -1;
        }
        prep(f, v, sqe, i, len);
    }
    int rc = io_uring_submit_and_wait(&f->ring, (unsigned)n);
    c->enters++;
    if (rc != n) {
        snprintf(err, errlen, "io_uring_submit_and_wait: %d of %d (%s)", rc, n,
                 rc < 0 ? strerror(-rc) : "short");
        return -1;
    }
    for (int done = reap(f, len, c); done < n; done += reap(f, len, c)) {
        struct io_uring_cqe *cqe;
        rc = io_uring_wait_cqe(&f->ring, &cqe);
        c->enters++;
        if (rc < 0) {
            snprintf(err, errlen, "io_uring_wait_cqe: %s", strerror(-rc));
            return -1;
        }
    }
    return 0;
}

/* The zero-copy notifications still to come, waited for at the end of a run so the next run
 * starts with an empty completion queue. */
static int reap_notifs(ru_fan *f, size_t len, ru_count *c, int timeout_ms, char *err, size_t errlen)
{
    while (c->notif_pending > 0) {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000,
                                       .tv_nsec = (timeout_ms % 1000) * 1000000L};
        int rc = io_uring_wait_cqe_timeout(&f->ring, &cqe, &ts);
        if (rc < 0) {
            snprintf(err, errlen, "%lld zero-copy notifications missing: %s",
                     (long long)c->notif_pending, strerror(-rc));
            return -1;
        }
        reap(f, len, c);
    }
    return 0;
}

typedef struct ru_acc {
    int64_t wall, round, tcpu, pcpu0, rcpu0, stx0, srx0;
    uint64_t enters0;
} ru_acc;

static int one_round(ru_fan *f, ru_variant v, size_t len, int timeout_ms, ru_count *c, ru_acc *a,
                     char *err, size_t errlen)
{
    atomic_fetch_add(&f->pairs.target, (uint64_t)f->pairs.n * len);
    int64_t t0 = clock_ns(CLOCK_MONOTONIC);
    int64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    int rc = v == RU_SEND ? send_round(f, len, c) : uring_round(f, v, len, c, err, errlen);
    int64_t c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    int64_t t1 = clock_ns(CLOCK_MONOTONIC);
    if (rc < 0)
        return -1;
    if (c->bad) {
        snprintf(err, errlen, "%s: %llu short or failed sends", ru_variant_name(v),
                 (unsigned long long)c->bad);
        return -1;
    }
    if (ru_pairs_wait(&f->pairs, timeout_ms, err, errlen) < 0)
        return -1;
    a->wall += t1 - t0;
    a->tcpu += c1 - c0;
    a->round += clock_ns(CLOCK_MONOTONIC) - t0;
    return 0;
}

int ru_fan_measure(ru_fan *f, ru_variant v, const void *frame, size_t len, int warmup, int rounds,
                   int timeout_ms, ru_figs *out, char *err, size_t errlen)
{
    char why[128];
    memset(out, 0, sizeof(*out));
    if (!ru_fan_has(f, v, why, sizeof(why))) {
        snprintf(err, errlen, "%s: %s", ru_variant_name(v), why);
        return -1;
    }
    if (len > f->bufcap || rounds < 1) {
        snprintf(err, errlen, "frame of %zu bytes over %zu, or no rounds", len, f->bufcap);
        return -1;
    }
    memcpy(f->buf, frame, len);
    ru_count c = {0};
    ru_acc a = {0};
    for (int r = 0; r < warmup + rounds; r++) {
        if (r == warmup) {
            a = (ru_acc){0};
            a.pcpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
            a.rcpu0 = clock_ns(f->pairs.reader_clock);
            a.stx0 = ru_sirq_ns(&f->sirq, f->sender_cpu);
            a.srx0 = f->reader_cpu >= 0 ? ru_sirq_ns(&f->sirq, f->reader_cpu) : 0;
            a.enters0 = c.enters;
        }
        if (one_round(f, v, len, timeout_ms, &c, &a, err, errlen) < 0)
            return -1;
    }
    /* The notifications' own reaping is sender CPU too; waiting for the ACKs is not. */
    int64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    if (reap_notifs(f, len, &c, timeout_ms, err, errlen) < 0)
        return -1;
    a.tcpu += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    double d = (double)rounds * f->pairs.n;
    out->wall_ns = (double)a.wall / d;
    out->round_ns = (double)a.round / d;
    out->thread_cpu_ns = (double)a.tcpu / d;
    out->proc_cpu_ns = (double)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - a.pcpu0) / d;
    out->reader_cpu_ns = (double)(clock_ns(f->pairs.reader_clock) - a.rcpu0) / d;
    out->sirq_tx_ns = (double)(ru_sirq_ns(&f->sirq, f->sender_cpu) - a.stx0) / d;
    if (f->reader_cpu >= 0)
        out->sirq_rx_ns = (double)(ru_sirq_ns(&f->sirq, f->reader_cpu) - a.srx0) / d;
    out->server_cpu_ns = out->proc_cpu_ns - out->reader_cpu_ns + out->sirq_tx_ns;
    out->enters = (double)(c.enters - a.enters0) / d;
    out->zc_copied = c.notif ? (double)c.copied / (double)c.notif : 0;
    return 0;
}
