#include "uring/pairs.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys.h"

#define RU_READ_CHUNK  65536
#define RU_EPOLL_BATCH 256

static int set_opts(int fd)
{
    int one = 1;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int listen_lo(int backlog, struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    socklen_t alen = sizeof(*addr);
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 || listen(fd, backlog) < 0 ||
        getsockname(fd, (struct sockaddr *)addr, &alen) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One pair: a blocking connect, then the accept of that same connection (the backlog holds
 * only it, so the accepted socket is its peer). */
static int connect_pair(int lfd, const struct sockaddr_in *addr, int *tx, int *rx)
{
    *rx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*rx < 0 || connect(*rx, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
        return -1;
    *tx = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (*tx < 0)
        return -1;
    return set_opts(*tx) < 0 || set_opts(*rx) < 0 ? -1 : 0;
}

/* Reads fd until it would block: the bytes read, or -1 when the peer closed or failed. */
static long drain(int fd, char *buf)
{
    long total = 0;
    for (;;) {
        ssize_t k = recv(fd, buf, RU_READ_CHUNK, 0);
        if (k > 0) {
            total += k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return total;
        return -1;
    }
}

static void *reader_main(void *arg)
{
    ru_pairs *p = arg;
    if (p->reader_cpu >= 0)
        rb_sys_pin(p->reader_cpu);
    char *buf = malloc(RU_READ_CHUNK);
    struct epoll_event ev[RU_EPOLL_BATCH];
    uint64_t signalled = 0;
    while (buf && !atomic_load(&p->stop)) {
        int k = epoll_wait(p->epfd, ev, RU_EPOLL_BATCH, 50);
        if (k < 0 && errno != EINTR) {
            atomic_store(&p->failed, errno);
            break;
        }
        for (int i = 0; i < k; i++) {
            long got = drain(ev[i].data.fd, buf);
            if (got < 0) {
                atomic_store(&p->failed, ECONNRESET);
                goto out;
            }
            atomic_fetch_add(&p->got, (uint64_t)got);
        }
        uint64_t t = atomic_load(&p->target);
        if (t != signalled && atomic_load(&p->got) >= t) {
            signalled = t;
            uint64_t one = 1;
            if (write(p->evfd, &one, sizeof(one)) != sizeof(one)) {
                atomic_store(&p->failed, errno ? errno : EIO);
                break;
            }
        }
    }
out:
    if (!buf)
        atomic_store(&p->failed, ENOMEM);
    free(buf);
    return NULL;
}

static int add_pairs(ru_pairs *p, char *err, size_t errlen)
{
    struct sockaddr_in addr;
    int lfd = listen_lo(16, &addr);
    if (lfd < 0) {
        snprintf(err, errlen, "listen on 127.0.0.1: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < p->n; i++) {
        if (connect_pair(lfd, &addr, &p->tx[i], &p->rx[i]) < 0) {
            snprintf(err, errlen, "connection %d of %d: %s", i + 1, p->n, strerror(errno));
            close(lfd);
            return -1;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = p->rx[i]};
        if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->rx[i], &ev) < 0) {
            snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
            close(lfd);
            return -1;
        }
    }
    close(lfd);
    return 0;
}

int ru_pairs_open(ru_pairs *p, int n, int reader_cpu, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->n = n;
    p->reader_cpu = reader_cpu;
    p->epfd = p->evfd = -1;
    p->tx = malloc(sizeof(int) * (size_t)n);
    p->rx = malloc(sizeof(int) * (size_t)n);
    if (!p->tx || !p->rx) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++)
        p->tx[i] = p->rx[i] = -1;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    p->evfd = eventfd(0, EFD_CLOEXEC);
    if (p->epfd < 0 || p->evfd < 0) {
        snprintf(err, errlen, "epoll/eventfd: %s", strerror(errno));
        return -1;
    }
    if (add_pairs(p, err, errlen) < 0)
        return -1;
    int rc = pthread_create(&p->reader, NULL, reader_main, p);
    if (rc != 0) {
        snprintf(err, errlen, "reader thread: %s", strerror(rc));
        return -1;
    }
    p->reader_on = 1;
    rc = pthread_getcpuclockid(p->reader, &p->reader_clock);
    if (rc != 0) {
        snprintf(err, errlen, "reader clock: %s", strerror(rc));
        return -1;
    }
    return 0;
}

void ru_pairs_close(ru_pairs *p)
{
    if (p->reader_on) {
        atomic_store(&p->stop, 1);
        pthread_join(p->reader, NULL);
        p->reader_on = 0;
    }
    for (int i = 0; i < p->n && p->tx && p->rx; i++) {
        if (p->tx[i] >= 0)
            close(p->tx[i]);
        if (p->rx[i] >= 0)
            close(p->rx[i]);
    }
    free(p->tx);
    free(p->rx);
    p->tx = p->rx = NULL;
    if (p->epfd >= 0)
        close(p->epfd);
    if (p->evfd >= 0)
        close(p->evfd);
    p->epfd = p->evfd = -1;
}

int ru_pairs_wait(ru_pairs *p, int timeout_ms, char *err, size_t errlen)
{
    struct pollfd pfd = {.fd = p->evfd, .events = POLLIN};
    int k;
    do
        k = poll(&pfd, 1, timeout_ms);
    while (k < 0 && errno == EINTR);
    int failed = atomic_load(&p->failed);
    if (failed) {
        snprintf(err, errlen, "reader stopped: %s", strerror(failed));
        return -1;
    }
    if (k <= 0) {
        snprintf(err, errlen, "%llu of %llu bytes arrived within %d ms",
                 (unsigned long long)atomic_load(&p->got),
                 (unsigned long long)atomic_load(&p->target), timeout_ms);
        return -1;
    }
    uint64_t v;
    if (read(p->evfd, &v, sizeof(v)) != sizeof(v)) {
        snprintf(err, errlen, "eventfd read: %s", strerror(errno));
        return -1;
    }
    return 0;
}
