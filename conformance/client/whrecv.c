/* The webhook receiver: one thread accepting, and one thread per connection serving its
 * requests in turn (a sender may keep a connection open and start another beside it). */
#include "whrecv.h"
#include "wire/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire/whreq.h"

#define MAX_FAILS 16
#define READ_MS   5000

typedef struct fail_rule {
    char needle[200];
    int left, status;
} fail_rule;

struct rc_whrecv {
    int fd, port, stop;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rc_whpost *log;
    size_t n, cap;
    fail_rule fails[MAX_FAILS];
    fail_rule hold; /* left 1 while armed; status holds the milliseconds */
    int conns;      /* connection threads running */
};

typedef struct conn_arg {
    rc_whrecv *r;
    int fd;
} conn_arg;

static void slice_copy(char *dst, size_t cap, rw_slice s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

/* Records one request and decides its answer and how long to hold it (under the lock). */
static int record(rc_whrecv *r, const rw_whreq *q, int *hold_ms)
{
    rc_whpost p = {.at_ms = (uint64_t)(rw_now_ns() / 1000000), .answered = 200};
    slice_copy(p.target, sizeof p.target, q->target);
    slice_copy(p.key, sizeof p.key, q->key);
    slice_copy(p.signature, sizeof p.signature, q->signature);
    p.body = malloc(q->body.n + 1);
    if (!p.body)
        return 500;
    memcpy(p.body, q->body.p, q->body.n);
    p.body[q->body.n] = '\0';
    p.body_len = q->body.n;
    pthread_mutex_lock(&r->mu);
    if (r->hold.left > 0 && strstr(p.body, r->hold.needle)) {
        r->hold.left = 0;
        *hold_ms = r->hold.status;
    }
    for (int i = 0; i < MAX_FAILS; i++) {
        fail_rule *f = &r->fails[i];
        if (f->left > 0 && strstr(p.body, f->needle)) {
            f->left--;
            p.answered = f->status;
            break;
        }
    }
    rc_whpost *nl =
        r->n == r->cap ? realloc(r->log, (r->cap ? r->cap * 2 : 64) * sizeof *nl) : r->log;
    if (nl) {
        if (r->n == r->cap)
            r->cap = r->cap ? r->cap * 2 : 64;
        r->log = nl;
        r->log[r->n++] = p;
    } else {
        free(p.body);
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return p.answered;
}

static void answer(int fd, int status)
{
    char buf[160];
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
                     status, status < 300 ? "OK" : "Error");
    ssize_t w = write(fd, buf, (size_t)n);
    (void)w;
}

/* Serves one connection until it closes, errs, idles READ_MS or the receiver stops. */
static void serve(rc_whrecv *r, int fd)
{
    int idle = 0;
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return;
    while (!r->stop) {
        rw_whreq q;
        int n = rw_whreq_parse(buf, len, &q);
        if (n > 0) {
            int hold = 0, status = record(r, &q, &hold);
            if (hold > 0)
                poll(NULL, 0, hold);
            answer(fd, status);
            memmove(buf, buf + n, len - (size_t)n);
            len -= (size_t)n;
            continue;
        }
        if (n == RW_HTTP_ERROR) {
            answer(fd, 400);
            break;
        }
        if (len == cap) {
            char *nb = cap < RW_WHREQ_MAX_HEAD + RW_WHREQ_MAX_BODY ? realloc(buf, cap * 2) : NULL;
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, 100);
        if (pr < 0 || (pr == 0 && (idle += 100) >= READ_MS))
            break;
        if (pr == 0)
            continue;
        idle = 0;
        ssize_t got = read(fd, buf + len, cap - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    free(buf);
    close(fd);
}

static void *run_conn(void *ud)
{
    conn_arg a = *(conn_arg *)ud;
    free(ud);
    serve(a.r, a.fd);
    pthread_mutex_lock(&a.r->mu);
    a.r->conns--;
    pthread_cond_broadcast(&a.r->cv);
    pthread_mutex_unlock(&a.r->mu);
    return NULL;
}

static void *run(void *ud)
{
    rc_whrecv *r = ud;
    while (!r->stop) {
        struct pollfd pf = {.fd = r->fd, .events = POLLIN};
        if (poll(&pf, 1, 100) <= 0)
            continue;
        int c = accept(r->fd, NULL, NULL);
        conn_arg *a = c >= 0 ? malloc(sizeof *a) : NULL;
        pthread_t th;
        if (!a) {
            if (c >= 0)
                close(c);
            continue;
        }
        *a = (conn_arg){r, c};
        pthread_mutex_lock(&r->mu);
        r->conns++;
        pthread_mutex_unlock(&r->mu);
        if (pthread_create(&th, NULL, run_conn, a) != 0) {
            run_conn(a);
            continue;
        }
        pthread_detach(th);
    }
    return NULL;
}

rc_whrecv *rc_whrecv_start(const char *host, int port, char *err, size_t errlen)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        snprintf(err, errlen, "--webhook-listen: %s is not an IPv4 address", host);
        return NULL;
    }
    rc_whrecv *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int one = 1;
    r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    socklen_t alen = sizeof a;
    if (r->fd < 0 || setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(r->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(r->fd, 16) != 0 ||
        getsockname(r->fd, (struct sockaddr *)&a, &alen) != 0) {
        snprintf(err, errlen, "--webhook-listen %s:%d: %s", host, port, strerror(errno));
        if (r->fd >= 0)
            close(r->fd);
        free(r);
        return NULL;
    }
    r->port = ntohs(a.sin_port);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->th, NULL, run, r) != 0) {
        snprintf(err, errlen, "--webhook-listen: cannot start the receiver thread");
        close(r->fd);
        free(r);
        return NULL;
    }
    return r;
}

int rc_whrecv_port(const rc_whrecv *r)
{
    return r->port;
}

void rc_whrecv_stop(rc_whrecv *r)
{
    if (!r)
        return;
    r->stop = 1;
    pthread_join(r->th, NULL);
    close(r->fd);
    pthread_mutex_lock(&r->mu);
    while (r->conns > 0) /* each notices stop within 100 ms (or after its hold) */
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < r->n; i++)
        free(r->log[i].body);
    free(r->log);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

void rc_whrecv_fail(rc_whrecv *r, const char *needle, int count, int status)
{
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < MAX_FAILS; i++) {
        if (r->fails[i].left <= 0) {
            snprintf(r->fails[i].needle, sizeof r->fails[i].needle, "%s", needle);
            r->fails[i].left = count;
            r->fails[i].status = status;
            break;
        }
    }
    pthread_mutex_unlock(&r->mu);
}

void rc_whrecv_hold(rc_whrecv *r, const char *needle, int ms)
{
    pthread_mutex_lock(&r->mu);
    snprintf(r->hold.needle, sizeof r->hold.needle, "%s", needle);
    r->hold.left = 1;
    r->hold.status = ms;
    pthread_mutex_unlock(&r->mu);
}

size_t rc_whrecv_count(rc_whrecv *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

size_t rc_whrecv_wait(rc_whrecv *r, size_t have, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->mu);
    while (r->n <= have && timeout_ms > 0)
        if (pthread_cond_timedwait(&r->cv, &r->mu, &until) == ETIMEDOUT)
            break;
    size_t n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

int rc_whrecv_get(rc_whrecv *r, size_t i, rc_whpost *out)
{
    int rc = -1;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&r->mu);
    if (i < r->n) {
        *out = r->log[i];
        out->body = malloc(r->log[i].body_len + 1);
        if (out->body) {
            memcpy(out->body, r->log[i].body, r->log[i].body_len + 1);
            rc = 0;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

void rc_whpost_clear(rc_whpost *p)
{
    free(p->body);
    memset(p, 0, sizeof *p);
}
