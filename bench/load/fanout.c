/* rehome-load fanout (many connections, every event to every one) and slow (one subscriber
 * stops reading among fast ones). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define HANDSHAKES_IN_FLIGHT 256

static size_t count_subscribed(const ld_loop *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->conns[i].subscribed && l->conns[i].state == LD_OPEN;
    return n;
}

static size_t count_closed(const ld_loop *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->conns[i].state == LD_CLOSED;
    return n;
}

typedef struct want {
    ld_loop *l;
    size_t from, to; /* conns[from..to) */
    long events;
} want;

static int all_subscribed(void *ud)
{
    want *w = ud;
    for (size_t i = w->from; i < w->to; i++)
        if (!w->l->conns[i].subscribed && w->l->conns[i].state != LD_CLOSED)
            return 0;
    return 1;
}

static int all_received(void *ud)
{
    want *w = ud;
    for (size_t i = w->from; i < w->to; i++)
        if (w->l->conns[i].events < w->events && w->l->conns[i].state == LD_OPEN)
            return 0;
    return 1;
}

/* Opens conns [from, to) on channel, a bounded number of handshakes at a time. */
static void open_all(ld_loop *l, const ld_env *env, size_t from, size_t to, const char *channel,
                     int rcvbuf, int timeout_ms)
{
    uint64_t end = ld_now_us() + (uint64_t)timeout_ms * 1000u;
    size_t started = from;
    while (ld_now_us() < end) {
        size_t pending = 0;
        for (size_t i = from; i < started; i++)
            pending += !l->conns[i].subscribed && l->conns[i].state != LD_CLOSED;
        while (started < to && pending < HANDSHAKES_IN_FLIGHT) {
            ld_conn_start(l, env, &l->conns[started++], channel, rcvbuf);
            pending++;
        }
        ld_loop_run(l, 10, NULL, NULL);
        want w = {l, from, to, 0};
        if (started == to && all_subscribed(&w))
            break;
    }
}

int ld_fanout(const ld_env *env, int conns, int events)
{
    ld_loop l;
    if (conns <= 0 || events <= 0 || ld_loop_init(&l, (size_t)conns) != 0)
        return 2;
    const char *ch = "rh-load-fanout";
    long rss0 = ld_rss_kib(env);
    uint64_t t0 = ld_now_us();
    open_all(&l, env, 0, (size_t)conns, ch, 0, 120000);
    double open_s = (double)(ld_now_us() - t0) / 1e6;
    size_t held = count_subscribed(&l);
    ld_loop_run(&l, 500, NULL, NULL); /* let the server settle before reading its RSS */
    long rss1 = ld_rss_kib(env);
    printf("connections_wanted %d\nconnections_held %zu\nconnect_subscribe_seconds %.2f\n", conns,
           held, open_s);
    printf("server_rss_kib_idle %ld\nserver_rss_kib_loaded %ld\n", rss0, rss1);
    if (held)
        printf("server_rss_bytes_per_connection %.0f\n", (double)(rss1 - rss0) * 1024.0 / held);
    uint64_t tp = ld_now_us();
    int bad_status = 0;
    for (int e = 0; e < events; e++) {
        char data[32];
        snprintf(data, sizeof data, "fan-%d", e);
        if (ld_publish(env, ch, data) != 200)
            bad_status++;
    }
    want w = {&l, 0, (size_t)conns, events};
    ld_loop_run(&l, 60000, all_received, &w);
    long got = 0;
    size_t complete = 0;
    uint64_t last = tp;
    for (size_t i = 0; i < l.n; i++) {
        got += l.conns[i].events;
        complete += l.conns[i].events == events;
        if (l.conns[i].last_us > last)
            last = l.conns[i].last_us;
    }
    printf("events_published %d\nevents_expected %ld\nevents_received %ld\n", events,
           (long)conns * events, got);
    printf("connections_with_every_event %zu\npublish_to_last_receipt_ms %.1f\n", complete,
           (double)(last - tp) / 1000.0);
    printf("connections_closed %zu\npublish_errors %d\n", count_closed(&l), bad_status);
    int ok = held == (size_t)conns && complete == (size_t)conns && !bad_status;
    ld_loop_free(&l);
    printf("fanout %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

int ld_slow(const ld_env *env, int fast, int events, int size)
{
    ld_loop l;
    if (fast <= 0 || events <= 0 || size <= 0 || size > 10000 ||
        ld_loop_init(&l, (size_t)fast + 1) != 0)
        return 2;
    const char *ch = "rh-load-slow";
    ld_conn *slow = &l.conns[fast];
    open_all(&l, env, 0, (size_t)fast, ch, 0, 30000);
    open_all(&l, env, (size_t)fast, (size_t)fast + 1, ch, 4096, 30000);
    if (count_subscribed(&l) != (size_t)fast + 1) {
        printf("slow FAIL: only %zu of %d subscribed\n", count_subscribed(&l), fast + 1);
        ld_loop_free(&l);
        return 1;
    }
    ld_conn_pause(&l, slow, 1);
    long rss0 = ld_rss_kib(env), rss_max = rss0;
    char *data = malloc((size_t)size + 1);
    if (!data)
        return 2;
    memset(data, 'x', (size_t)size);
    data[size] = '\0';
    int bad_status = 0, overflow_at = -1;
    uint64_t tp = 0;
    long ovf0 = ld_metric(env, "rehome_send_queue_overflows_total");
    for (int e = 0; e < events; e++) {
        tp = ld_now_us();
        if (ld_publish(env, ch, data) != 200)
            bad_status++;
        ld_loop_run(&l, 1, NULL, NULL);
        if (e % 20 == 0) {
            long r = ld_rss_kib(env);
            rss_max = r > rss_max ? r : rss_max;
            /* The server gives a peer that stopped reading 5 s to read its 4100: start
             * reading as soon as it has given up on the queue. */
            if (overflow_at < 0 && ld_metric(env, "rehome_send_queue_overflows_total") > ovf0) {
                overflow_at = e;
                ld_conn_pause(&l, slow, 0);
            }
        }
    }
    free(data);
    want w = {&l, 0, (size_t)fast, events};
    ld_loop_run(&l, 30000, all_received, &w);
    size_t complete = 0;
    uint64_t last = tp;
    for (int i = 0; i < fast; i++) {
        complete += l.conns[i].events == events;
        if (l.conns[i].last_us > last)
            last = l.conns[i].last_us;
    }
    long rss1 = ld_rss_kib(env);
    rss_max = rss1 > rss_max ? rss1 : rss_max;
    /* Now the slow reader reads what reached it: then pusher:error 4100 and close 4100. */
    ld_conn_pause(&l, slow, 0);
    uint64_t tr = ld_now_us();
    while (slow->state != LD_CLOSED && ld_now_us() - tr < 15000000u)
        ld_loop_run(&l, 50, NULL, NULL);
    printf("fast_readers %d\nevents_published %d\nevent_bytes %d\n", fast, events, size);
    printf("slow_reader_overflow_seen_after_event %d\n", overflow_at);
    printf("fast_readers_with_every_event %zu\nlast_publish_to_last_fast_receipt_ms %.1f\n",
           complete, (double)(last - tp) / 1000.0);
    printf("slow_reader_events_before_close %ld\nslow_reader_error_code %d\n"
           "slow_reader_close_code %d\n",
           slow->events, slow->error_code, slow->close_code);
    printf("server_rss_kib_before %ld\nserver_rss_kib_max %ld\npublish_errors %d\n", rss0, rss_max,
           bad_status);
    int ok = complete == (size_t)fast && slow->state == LD_CLOSED &&
             (slow->error_code == 4100 || slow->close_code == 4100) && !bad_status;
    ld_loop_free(&l);
    printf("slow %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

int ld_hold(const ld_env *env, int conns, int seconds)
{
    ld_loop l;
    if (conns <= 0 || ld_loop_init(&l, (size_t)conns) != 0)
        return 2;
    open_all(&l, env, 0, (size_t)conns, "rh-load-hold", 0, 30000);
    printf("hold_subscribed %zu\n", count_subscribed(&l));
    fflush(stdout);
    uint64_t end = ld_now_us() + (uint64_t)seconds * 1000000u;
    while (count_closed(&l) < l.n && ld_now_us() < end)
        ld_loop_run(&l, 50, NULL, NULL);
    size_t e4200 = 0, c4200 = 0;
    for (size_t i = 0; i < l.n; i++) {
        e4200 += l.conns[i].error_code == 4200;
        c4200 += l.conns[i].close_code == 4200;
    }
    printf("hold_closed %zu\nhold_error_4200 %zu\nhold_close_4200 %zu\n", count_closed(&l), e4200,
           c4200);
    int ok = e4200 == l.n && c4200 == l.n;
    ld_loop_free(&l);
    return ok ? 0 : 1;
}
