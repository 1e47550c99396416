/* The run's machinery: creates streams (control API), opens subscribers, publishes through
 * the HTTP pool, checks and times every received token, and moves through the phases. What
 * to publish and when is scen.c's. */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "wire/clock.h"
#include "wire/proc.h"
#include "wire/pscan.h"
#include "sys.h"

#define TICK_MS 1

double rb_run_bench_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void rb_run_error(rb_run *r, const char *fmt, ...)
{
    r->errors++;
    if (r->first_error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->first_error, sizeof(r->first_error), fmt, ap);
    va_end(ap);
}

uint64_t rb_run_seq_errors(const rb_run *r)
{
    uint64_t e = 0;
    for (int i = 0; i < r->nsubs; i++)
        e += rb_seqchk_errors(&r->subs[i].chk, r->streams[r->subs[i].stream].published);
    return e;
}

static void finish(rb_run *r)
{
    if (r->phase == PH_DONE)
        return;
    r->phase = PH_DONE;
    r->t_end = (uint64_t)rw_now_ns();
    if (r->o->server_pid > 0) {
        r->rss_after = rw_proc_rss_kb(r->o->server_pid);
        rw_proc_cpu_seconds(r->o->server_pid, &r->srv_cpu_after, &r->srv_last_cpu);
    }
    r->bench_cpu_after = rb_run_bench_cpu();
    uv_stop(&r->loop);
}

static int all_delivered(const rb_run *r)
{
    for (int i = 0; i < r->nstreams; i++) {
        const rb_stream *s = &r->streams[i];
        if (s->in_flight || s->delivered < s->published * (uint64_t)s->nsubs)
            return 0;
    }
    return 1;
}

void rb_run_drain(rb_run *r)
{
    if (r->phase != PH_PUBLISH)
        return;
    r->phase = PH_DRAIN;
    r->t_pub_end = (uint64_t)rw_now_ns();
    if (all_delivered(r))
        finish(r);
}

static void start_publishing(rb_run *r)
{
    r->phase = PH_PUBLISH;
    r->t_subscribed = (uint64_t)rw_now_ns();
    if (r->o->server_pid > 0) {
        r->rss_before = r->rss_peak = rw_proc_rss_kb(r->o->server_pid);
        rw_proc_cpu_seconds(r->o->server_pid, &r->srv_cpu_before, &r->srv_last_cpu);
    }
    r->bench_cpu_before = rb_run_bench_cpu();
    r->t_pub = r->t_progress = (uint64_t)rw_now_ns();
    rb_scen_start(r);
}

/* --- publishing ---------------------------------------------------------------------- */

typedef struct pub_ctx {
    rb_run *r;
    int stream;
    uint64_t seq;
} pub_ctx;

static void on_published(void *ud, int status, const char *body, size_t len)
{
    pub_ctx *p = ud;
    rb_run *r = p->r;
    rb_stream *s = &r->streams[p->stream];
    s->in_flight = 0;
    s->acked++;
    if (status != 200) {
        rb_run_error(r, "publish on %s answered %d: %.*s", s->channel, status,
                     (int)(len > 200 ? 200 : len), body);
    } else if (r->o->control) {
        /* The server numbers tokens; the bench's expectation must agree with it. */
        char want[48];
        int wl = snprintf(want, sizeof(want), "\"first_seq\":%llu", (unsigned long long)p->seq);
        const char *at = memmem(body, len, want, (size_t)wl);
        size_t end = at ? (size_t)(at - body) + (size_t)wl : 0;
        /* a whole number: "first_seq":1 must not match "first_seq":12 */
        if (!at || (end < len && body[end] >= '0' && body[end] <= '9'))
            rb_run_error(r, "tokens answer for seq %llu of %s: %.*s", (unsigned long long)p->seq,
                         s->sid, (int)(len > 200 ? 200 : len), body);
    }
    free(p);
    if (r->phase == PH_PUBLISH)
        rb_scen_on_ack(r, (int)(s - r->streams));
    if (r->phase == PH_DRAIN && all_delivered(r))
        finish(r);
}

void rb_run_publish(rb_run *r, int si)
{
    rb_stream *s = &r->streams[si];
    const rb_opts *o = r->o;
    uint64_t seq = s->published + 1;
    char path[256], body[1024], key[200] = "";
    int n;
    if (o->control) {
        snprintf(path, sizeof(path), "/apps/%s/streams/%s/tokens", o->app_id, s->sid);
        n = snprintf(body, sizeof(body), "{\"token\":\"%s\"}", o->token);
        /* as a producer that retries safely would (docs/protocol.md 12.7) */
        snprintf(key, sizeof(key), "Idempotency-Key: %s-%llu\r\n", s->sid, (unsigned long long)seq);
    } else {
        /* The same event the control API would publish, numbered by the bench. */
        snprintf(path, sizeof(path), "/apps/%s/events", o->app_id);
        n = snprintf(body, sizeof(body),
                     "{\"name\":\"thread.token.streamed\",\"channel\":\"%s\",\"data\":"
                     "\"{\\\"workspace_id\\\":\\\"bench\\\",\\\"thread_id\\\":\\\"%s\\\","
                     "\\\"run_id\\\":\\\"r1\\\",\\\"stream_id\\\":\\\"%s\\\",\\\"seq\\\":%llu,"
                     "\\\"token\\\":\\\"%s\\\"}\"}",
                     s->channel, s->thread, s->sid, (unsigned long long)seq, o->token);
    }
    pub_ctx *p = malloc(sizeof(*p));
    if (!p || n <= 0 || (size_t)n >= sizeof(body)) {
        free(p);
        rb_run_error(r, "cannot build the publish request");
        return;
    }
    *p = (pub_ctx){r, si, seq};
    uint64_t now = (uint64_t)rw_now_ns();
    rb_sent *e = &s->ring[seq % RB_RING];
    e->seq = seq;
    e->t = now;
    e->measured = rb_scen_measured(r, s, now);
    if (e->measured && !r->first_measured_send)
        r->first_measured_send = now;
    s->published = seq;
    s->in_flight = 1;
    r->published_total++;
    if (rb_http_post_hdr(r->http, path, key[0] ? key : NULL, body, (size_t)n, on_published, p) !=
        0) {
        free(p);
        s->in_flight = 0;
        rb_run_error(r, "out of memory queueing a publish");
    }
}

/* --- subscribers --------------------------------------------------------------------- */

static void on_subscribed(void *ud, int idx)
{
    rb_run *r = ud;
    (void)idx;
    r->subscribed++;
    if (r->phase == PH_SUBSCRIBE && r->subscribed == r->nsubs)
        start_publishing(r);
}

static void on_token(void *ud, int idx, uint64_t seq, uint64_t now, const char *frame, size_t len)
{
    rb_run *r = ud;
    rb_sub *sb = &r->subs[idx];
    rb_stream *s = &r->streams[sb->stream];
    uint64_t last = sb->chk.last;
    if (rb_seqchk_accept(&sb->chk, seq) != RB_SEQ_OK && !r->first_error[0])
        snprintf(r->first_error, sizeof(r->first_error), "subscriber %d on %s: seq %llu after %llu",
                 idx, s->channel, (unsigned long long)seq, (unsigned long long)last);
    if ((seq & 15) == 1) {
        /* The scanner is fast but shallow: check one frame in 16 completely. */
        char err[160];
        uint64_t fseq = 0;
        r->full_checks++;
        if (rw_pscan_token_full(frame, len, s->channel, s->sid, &fseq, err, sizeof(err)) != 0 ||
            fseq != seq)
            rb_run_error(r, "subscriber %d: bad token frame (%s): %.*s", idx, err,
                         (int)(len > 200 ? 200 : len), frame);
    }
    r->deliveries++;
    /* Counted even when wrong (already an error), so a sequential scenario moves on. */
    s->delivered++;
    if (seq == 0 || seq > s->published)
        return;
    rb_sent *e = &s->ring[seq % RB_RING];
    if (e->seq != seq) {
        r->untimed++;
    } else if (e->measured) {
        rb_hist_add(&r->lat, now - e->t);
        r->deliveries_measured++;
        r->last_measured_delivery = now;
    }
    if (r->phase == PH_PUBLISH)
        rb_scen_on_delivered(r, sb->stream);
    if (r->phase == PH_DRAIN && all_delivered(r))
        finish(r);
}

static void on_ws_error(void *ud, int idx, const char *msg)
{
    rb_run *r = ud;
    if (r->phase == PH_DONE)
        return;
    rb_run_error(r, "subscriber %d: %s", idx, msg);
    /* A subscriber that cannot subscribe would keep the run waiting: give up now. */
    if (r->phase <= PH_SUBSCRIBE)
        finish(r);
}

static void begin_subscribing(rb_run *r)
{
    if (r->errors) {
        finish(r);
        return;
    }
    r->phase = PH_SUBSCRIBE;
    r->t_phase = (uint64_t)rw_now_ns();
    for (int i = 0; i < r->nsubs; i++)
        rb_ws_open(r->ws, i, r->streams[r->subs[i].stream].channel);
}

static void on_created(void *ud, int status, const char *body, size_t len)
{
    rb_run *r = ud;
    if (status != 201)
        rb_run_error(r, "stream start answered %d: %.*s", status, (int)(len > 200 ? 200 : len),
                     body);
    if (++r->created == r->nstreams && r->phase == PH_CREATE)
        begin_subscribing(r);
}

static void on_tick(uv_timer_t *t)
{
    rb_run *r = t->data;
    uint64_t now = (uint64_t)rw_now_ns();
    uint64_t limit = (uint64_t)r->o->timeout_s * 1000000000ull;
    if (r->o->server_pid > 0 && now - r->t_last_rss > 100000000ull && r->phase >= PH_PUBLISH) {
        long rss = rw_proc_rss_kb(r->o->server_pid);
        if (rss > r->rss_peak)
            r->rss_peak = rss;
        r->t_last_rss = now;
    }
    if (r->phase == PH_CREATE && now - r->t_phase > limit) {
        rb_run_error(r, "streams not started within %d s (%d of %d): %s", r->o->timeout_s,
                     r->created, r->nstreams, rb_http_error(r->http));
        finish(r);
    } else if (r->phase == PH_SUBSCRIBE && now - r->t_phase > limit) {
        rb_run_error(r, "only %d of %d subscribers subscribed within %d s", r->subscribed, r->nsubs,
                     r->o->timeout_s);
        finish(r);
    } else if (r->phase == PH_PUBLISH) {
        /* A lost answer or token would stall a sequential scenario forever. */
        if (r->deliveries != r->progress_mark || r->published_total != r->progress_pub) {
            r->progress_mark = r->deliveries;
            r->progress_pub = r->published_total;
            r->t_progress = now;
        } else if (now - r->t_progress > limit && r->o->scenario != RB_CONNECTIONS) {
            rb_run_error(r, "no progress for %d s while publishing (%s)", r->o->timeout_s,
                         rb_http_error(r->http)[0] ? rb_http_error(r->http) : "no error seen");
            finish(r);
            return;
        }
        rb_scen_on_tick(r, now);
    } else if (r->phase == PH_DRAIN && now - r->t_pub_end > limit) {
        rb_run_error(r, "tokens still missing %d s after the last publish", r->o->timeout_s);
        finish(r);
    }
}

static int setup(rb_run *r, const rb_opts *o)
{
    int per = 1;
    rb_scen_layout(o, &r->nstreams, &per);
    r->nsubs = r->nstreams * per;
    r->streams = calloc((size_t)r->nstreams, sizeof(rb_stream));
    r->subs = calloc((size_t)r->nsubs, sizeof(rb_sub));
    if (!r->streams || !r->subs)
        return -1;
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "b%dx%lx", (int)getpid(),
             (long)((uint64_t)rw_now_ns() >> 20) & 0xfffff);
    for (int i = 0; i < r->nstreams; i++) {
        rb_stream *s = &r->streams[i];
        snprintf(s->sid, sizeof(s->sid), "%ss%d", prefix, i);
        snprintf(s->thread, sizeof(s->thread), "%st%d", prefix, i);
        /* Through the control API tokens go to the stream channel; through the Pusher HTTP
         * API to a plain private channel, since a server that numbers its own streams refuses
         * stream events published by anyone else on a stream channel (protocol §9.3). */
        if (o->control)
            snprintf(s->channel, sizeof(s->channel), "private-workspace.bench.thread.%s",
                     s->thread);
        else
            snprintf(s->channel, sizeof(s->channel), "private-bench.%s", s->thread);
        s->nsubs = per;
        if (rb_scen_publishes(o) && !(s->ring = calloc(RB_RING, sizeof(rb_sent))))
            return -1;
    }
    for (int i = 0; i < r->nsubs; i++) {
        r->subs[i].stream = i / per;
        rb_seqchk_init(&r->subs[i].chk);
    }
    return 0;
}

int rb_run_exec(rb_run *r, const rb_opts *o)
{
    char err[256];
    r->o = o;
    r->phase = PH_CREATE;
    rb_hist_init(&r->lat);
    rb_hist_init(&r->lag);
    r->rss_idle = r->rss_before = r->rss_peak = r->rss_after = -1;
    if (setup(r, o) != 0) {
        rb_run_error(r, "out of memory");
        return -1;
    }
    uv_loop_init(&r->loop);
    static const rb_ws_cbs cbs = {on_subscribed, on_token, on_ws_error};
    r->http = rb_http_new(&r->loop, o->http_host, o->http_port, o->http_conns, o->key, o->secret);
    r->ws = rb_ws_new(&r->loop, o->ws_client, o->host, o->port, o->key, o->secret, r->nsubs, &cbs,
                      r, err, sizeof(err));
    if (!r->http || !r->ws) {
        rb_run_error(r, "%s", r->ws ? "cannot create the HTTP client" : err);
        return -1;
    }
    if (o->server_pid > 0)
        r->rss_idle = rw_proc_rss_kb(o->server_pid);
    uv_timer_init(&r->loop, &r->tick);
    r->tick.data = r;
    uv_timer_start(&r->tick, on_tick, TICK_MS, TICK_MS);
    r->t_begin = r->t_phase = (uint64_t)rw_now_ns();
    if (o->control && rb_scen_publishes(o)) {
        for (int i = 0; i < r->nstreams; i++) {
            rb_stream *s = &r->streams[i];
            char path[128], body[512];
            snprintf(path, sizeof(path), "/apps/%s/streams", o->app_id);
            int n = snprintf(body, sizeof(body),
                             "{\"workspace_id\":\"bench\",\"thread_id\":\"%s\",\"run_id\":\"r1\","
                             "\"stream_id\":\"%s\"}",
                             s->thread, s->sid);
            rb_http_post(r->http, path, body, (size_t)n, on_created, r);
        }
    } else {
        begin_subscribing(r);
    }
    if (o->spin) {
        /* Poll instead of sleeping in epoll_wait: the wake-up of an idle CPU (tens of us on
         * a VM) is then the server's alone, not also the tool's. */
        while (r->phase != PH_DONE && uv_run(&r->loop, UV_RUN_NOWAIT))
            ;
    } else {
        uv_run(&r->loop, UV_RUN_DEFAULT);
    }
    finish(r);
    uv_timer_stop(&r->tick);
    uv_close((uv_handle_t *)&r->tick, NULL);
    /* HTTP first: rb_ws_free runs the loop until no handle is left. */
    rb_http_free(r->http);
    r->http = NULL;
    rb_ws_free(r->ws);
    r->ws = NULL;
    uv_run(&r->loop, UV_RUN_DEFAULT);
    uv_loop_close(&r->loop);
    return 0;
}
