/* rehome-load abuse: a child process sends hostile input at volume (random frames, huge frames,
 * garbage before the handshake, malformed JSON, half-open sockets, slowloris headers) while
 * the parent acts as a well-behaved client: every 200 ms it publishes an event it must
 * receive, and asks GET /up. Any miss is a failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load.h"
#include "wire/wsframe.h"
#include "wire/wskey.h"

#define HALF_OPEN 200
#define SLOWLORIS 200

typedef struct tally {
    long random_frames, huge_frames, garbage, malformed, reopened_half, reopened_slow;
} tally;

static int connect_blocking(const ld_env *env)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)env->port)};
    inet_pton(AF_INET, env->host, &sa.sin_addr);
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* A blocking WebSocket upgrade; the fd or -1. */
static int ws_blocking(const ld_env *env)
{
    int fd = connect_blocking(env);
    if (fd < 0)
        return -1;
    char req[400], buf[1024], target[200], key[RW_WSKEY_LEN + 1];
    ld_ws_key(key);
    snprintf(target, sizeof target, "/app/%s?protocol=7", env->key);
    int n = (int)rw_wskey_request(req, sizeof req, target, "x", env->port, key, NULL, NULL);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n || recv(fd, buf, sizeof buf, 0) <= 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p = (const char *)p + w;
        n -= (size_t)w;
    }
}

/* One frame with any first byte, any claimed length and n bytes of payload: masked with a
 * fixed key when mask is set, the payload sent as it is (random bytes need no masking). */
static void frame(int fd, int b0, uint64_t claimed, const unsigned char *p, size_t n, int mask)
{
    rw_wsframe f = {.fin = b0 >> 7,
                    .rsv = (b0 >> 4) & 7,
                    .opcode = b0 & 15,
                    .masked = mask,
                    .mask = {0x5a, 0x5a, 0x5a, 0x5a},
                    .len = claimed};
    unsigned char h[RW_WSFRAME_MAX_HEADER];
    send_all(fd, h, rw_wsframe_header(h, &f));
    send_all(fd, p, n);
}

/* A well-formed masked text frame carrying s. */
static void text_frame(int fd, const char *s)
{
    unsigned char buf[RW_WSFRAME_MAX_HEADER + 256];
    rw_wsframe f = {.fin = 1, .opcode = RW_WS_TEXT, .masked = 1, .mask = {0x5a, 0x5a, 0x5a, 0x5a}};
    size_t n = rw_wsframe_encode(buf, sizeof buf, &f, s, strlen(s), NULL, NULL);
    if (n <= sizeof buf)
        send_all(fd, buf, n);
}

static void hostile_round(const ld_env *env, tally *t, unsigned char *junk, size_t junklen)
{
    for (size_t i = 0; i < junklen; i++)
        junk[i] = (unsigned char)rand();
    for (int c = 0; c < 4; c++) { /* random frames: any opcode, flags, mask or none */
        int fd = ws_blocking(env);
        for (int f = 0; fd >= 0 && f < 20; f++, t->random_frames++)
            frame(fd, rand() & 0xff, (uint64_t)(rand() % 2000), junk, (size_t)(rand() % 2000),
                  rand() & 1);
        if (fd >= 0)
            close(fd);
    }
    int fd = ws_blocking(env); /* a frame claiming 1 GiB, then 256 KiB of it */
    if (fd >= 0) {
        frame(fd, 0x81, 1u << 30, junk, junklen, 1);
        t->huge_frames++;
        close(fd);
    }
    fd = ws_blocking(env); /* a complete 200 KB text frame, over max_message_bytes */
    if (fd >= 0) {
        frame(fd, 0x81, 200000, junk, 200000, 1);
        t->huge_frames++;
        close(fd);
    }
    fd = connect_blocking(env); /* garbage instead of an HTTP request */
    if (fd >= 0) {
        send_all(fd, junk, 4096);
        t->garbage++;
        close(fd);
    }
    fd = ws_blocking(env); /* malformed JSON at volume on one connection */
    static const char *bad[] = {"{",
                                "[]",
                                "{\"event\":1}",
                                "{\"event\":\"pusher:subscribe\"}",
                                "\xff\xfe",
                                "{\"event\":\"client-x\",\"channel\":\"a\"}"};
    for (int i = 0; fd >= 0 && i < 200; i++, t->malformed++)
        text_frame(fd, bad[i % 6]);
    if (fd >= 0)
        close(fd);
}

/* 1 when the server has closed fd (read 0 or an error other than "would block"). */
static int peer_closed(int fd)
{
    char b[64];
    ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static void hostile(const ld_env *env, int seconds)
{
    tally t = {0};
    int half[HALF_OPEN], slow[SLOWLORIS];
    for (int i = 0; i < HALF_OPEN; i++)
        half[i] = connect_blocking(env); /* connected, never a byte */
    static const char hdr[] =
        "GET /up HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    size_t pos[SLOWLORIS] = {0};
    for (int i = 0; i < SLOWLORIS; i++)
        slow[i] = connect_blocking(env);
    size_t junklen = 256 * 1024;
    unsigned char *junk = malloc(junklen);
    uint64_t end = ld_now_us() + (uint64_t)seconds * 1000000u;
    while (junk && ld_now_us() < end) {
        hostile_round(env, &t, junk, junklen);
        for (int i = 0; i < SLOWLORIS; i++) { /* one header byte per socket per round */
            if (slow[i] < 0 || peer_closed(slow[i])) {
                if (slow[i] >= 0)
                    close(slow[i]);
                slow[i] = connect_blocking(env);
                pos[i] = 0;
                t.reopened_slow++;
            }
            if (slow[i] >= 0 && send(slow[i], hdr + pos[i] % (sizeof hdr - 1), 1, MSG_NOSIGNAL))
                pos[i]++;
        }
        for (int i = 0; i < HALF_OPEN; i++) {
            if (half[i] < 0 || peer_closed(half[i])) {
                if (half[i] >= 0)
                    close(half[i]);
                half[i] = connect_blocking(env);
                t.reopened_half++;
            }
        }
        usleep(100000);
    }
    printf("hostile_random_frames %ld\nhostile_huge_frames %ld\nhostile_garbage_requests %ld\n"
           "hostile_malformed_messages %ld\n",
           t.random_frames, t.huge_frames, t.garbage, t.malformed);
    printf("half_open_cut_by_server %ld\nslowloris_cut_by_server %ld\n", t.reopened_half,
           t.reopened_slow);
    free(junk);
}

int ld_abuse(const ld_env *env, int seconds)
{
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        hostile(env, seconds);
        fflush(stdout);
        _exit(0);
    }
    ld_loop l;
    if (child < 0 || ld_loop_init(&l, 1) != 0)
        return 2;
    ld_conn *good = &l.conns[0];
    ld_conn_start(&l, env, good, "rh-load-good", 0);
    uint64_t t0 = ld_now_us();
    while (!good->subscribed && good->state != LD_CLOSED && ld_now_us() - t0 < 5000000u)
        ld_loop_run(&l, 20, NULL, NULL);
    long sent = 0, http_fail = 0, up_fail = 0, late = 0;
    uint64_t worst_us = 0, end = ld_now_us() + (uint64_t)seconds * 1000000u;
    while (good->subscribed && good->state == LD_OPEN && ld_now_us() < end) {
        uint64_t tp = ld_now_us();
        if (ld_publish(env, "rh-load-good", "ok") != 200)
            http_fail++;
        sent++;
        /* ld_loop_run's callbacks change good->state, which cppcheck cannot see */
        // cppcheck-suppress knownConditionTrueFalse
        while (good->events < sent - http_fail && good->state == LD_OPEN &&
               ld_now_us() - tp < 2000000u)
            ld_loop_run(&l, 5, NULL, NULL);
        if (good->events < sent - http_fail)
            late++;
        else if (good->last_us - tp > worst_us)
            worst_us = good->last_us - tp;
        if (ld_http_get(env, "/up") != 200)
            up_fail++;
        ld_loop_run(&l, 200, NULL, NULL);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("good_events_sent %ld\ngood_events_received %ld\ngood_publish_failures %ld\n"
           "good_events_late_over_2s %ld\ngood_up_failures %ld\ngood_worst_latency_ms %.1f\n",
           sent, good->events, http_fail, late, up_fail, (double)worst_us / 1000.0);
    int ok = good->state == LD_OPEN && sent > 0 && !http_fail && !late && !up_fail &&
             ld_http_get(env, "/up") == 200;
    ld_loop_free(&l);
    printf("abuse %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
