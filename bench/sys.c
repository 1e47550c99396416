#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wire/clock.h"
#include "wire/proc.h"

int rb_sys_pin(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set);
}

int rb_sys_cpu_now(void)
{
    return sched_getcpu();
}

void rb_sys_affinity_list(int pid, char *out, size_t outlen)
{
    cpu_set_t set;
    out[0] = 0;
    if (sched_getaffinity(pid, sizeof(set), &set) != 0)
        return;
    size_t n = 0;
    for (int c = 0; c < CPU_SETSIZE && n + 8 < outlen; c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        int e = c;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set))
            e++;
        n += (size_t)snprintf(out + n, outlen - n, n ? ",%d" : "%d", c);
        if (e > c)
            n += (size_t)snprintf(out + n, outlen - n, "-%d", e);
        c = e;
    }
}

int rb_sys_single_cpu(int pid)
{
    cpu_set_t set;
    if (sched_getaffinity(pid, sizeof(set), &set) != 0 || CPU_COUNT(&set) != 1)
        return -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            return c;
    return -1;
}

void rb_sys_machine(char *cpu_model, size_t cmlen, char *kernel, size_t klen, int *ncpu)
{
    snprintf(cpu_model, cmlen, "unknown");
    char *ci = rw_file_read("/proc/cpuinfo", 65535, NULL);
    const char *p = ci ? strstr(ci, "model name") : NULL;
    if (p && (p = strchr(p, ':'))) {
        p += 2;
        size_t n = strcspn(p, "\n");
        snprintf(cpu_model, cmlen, "%.*s", (int)n, p);
    }
    free(ci);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(kernel, klen, "%s %s %s", u.sysname, u.release, u.machine);
    else
        snprintf(kernel, klen, "unknown");
    *ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* rd: read (2: polling with MSG_DONTWAIT until it comes) or write all n bytes. */
static int full_io(int fd, char *buf, size_t n, int rd)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = rd == 2   ? recv(fd, buf + done, n - done, MSG_DONTWAIT)
                    : rd == 1 ? read(fd, buf + done, n - done)
                              : write(fd, buf + done, n - done);
        if (k <= 0) {
            if (k < 0 && (errno == EINTR || (rd == 2 && (errno == EAGAIN || errno == EWOULDBLOCK))))
                continue;
            return -1;
        }
        done += (size_t)k;
    }
    return 0;
}

static int loopback_listener(struct sockaddr_in *a, char *err, size_t errlen)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    *a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(*a);
    if (ls < 0 || bind(ls, (struct sockaddr *)a, sizeof(*a)) != 0 || listen(ls, 2) != 0 ||
        getsockname(ls, (struct sockaddr *)a, &alen) != 0) {
        snprintf(err, errlen, "floor: cannot listen on loopback: %s", strerror(errno));
        if (ls >= 0)
            close(ls);
        return -1;
    }
    return ls;
}

static int connect_to(const struct sockaddr_in *a)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* The echo side of the ping-pong: the server's stand-in, on the server's CPU. */
static void echo_child(int ls, int cpu)
{
    rb_sys_pin(cpu);
    int c = accept(ls, NULL, NULL);
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char buf[64];
    while (c >= 0 && full_io(c, buf, sizeof(buf), 1) == 0 && full_io(c, buf, sizeof(buf), 0) == 0)
        ;
    _exit(0);
}

/* The relay's side: on the server's CPU, the publisher's socket in an epoll set, and for each
 * message (one blocking epoll_wait, as a server sleeps between requests) the message written
 * to the subscriber first and a 1-byte answer to the publisher after it. */
static void relay_child(int ls, int cpu)
{
    rb_sys_pin(cpu);
    int p = accept(ls, NULL, NULL);
    int s = accept(ls, NULL, NULL);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int one = 1;
    struct epoll_event ev = {.events = EPOLLIN};
    if (p < 0 || s < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p, &ev) != 0)
        _exit(1);
    setsockopt(p, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char buf[64];
    for (;;) {
        int n = epoll_wait(ep, &ev, 1, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1 || full_io(p, buf, sizeof(buf), 1) != 0 ||
            full_io(s, buf, sizeof(buf), 0) != 0 || full_io(p, buf, 1, 0) != 0)
            _exit(0);
    }
}

/* Forks child (pinned to cpu) with a loopback listener, connects nconn sockets to it, and
 * times `samples` messages after `warmup`: 64 bytes written on the first socket until they
 * are read back on the last; with two sockets a 1-byte answer on the first is read after. */
static int run_floor(const char *what, void (*child)(int, int), int cpu, int nconn, int samples,
                     int warmup, int spin, rb_hist *h, char *err, size_t errlen)
{
    int rd = spin ? 2 : 1;
    struct sockaddr_in a;
    int ls = loopback_listener(&a, err, errlen);
    if (ls < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "%s: fork: %s", what, strerror(errno));
        close(ls);
        return -1;
    }
    if (pid == 0)
        child(ls, cpu);
    close(ls);
    int rc = -1;
    int fd[2] = {-1, -1};
    for (int i = 0; i < nconn; i++)
        if ((fd[i] = connect_to(&a)) < 0) {
            snprintf(err, errlen, "%s: connect: %s", what, strerror(errno));
            goto out;
        }
    char msg[64];
    memset(msg, 'x', sizeof(msg));
    for (int i = 0; i < warmup + samples; i++) {
        uint64_t t0 = (uint64_t)rw_now_ns();
        if (full_io(fd[0], msg, sizeof(msg), 0) != 0 ||
            full_io(fd[nconn - 1], msg, sizeof(msg), rd) != 0) {
            snprintf(err, errlen, "%s: no reply: %s", what, strerror(errno));
            goto out;
        }
        uint64_t t1 = (uint64_t)rw_now_ns();
        if (nconn == 2 && full_io(fd[0], msg, 1, rd) != 0) {
            snprintf(err, errlen, "%s: no answer: %s", what, strerror(errno));
            goto out;
        }
        if (i >= warmup)
            rb_hist_add(h, t1 - t0);
    }
    rc = 0;
out:
    for (int i = 0; i < 2; i++)
        if (fd[i] >= 0)
            close(fd[i]);
    int st;
    if (rc != 0)
        kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return rc;
}

int rb_sys_floor(int echo_cpu, int samples, int warmup, int spin, rb_hist *rtt, char *err,
                 size_t errlen)
{
    return run_floor("floor", echo_child, echo_cpu, 1, samples, warmup, spin, rtt, err, errlen);
}

int rb_sys_relay_floor(int relay_cpu, int samples, int warmup, int spin, rb_hist *lat, char *err,
                       size_t errlen)
{
    return run_floor("relay floor", relay_child, relay_cpu, 2, samples, warmup, spin, lat, err,
                     errlen);
}
