/* rehome-bench internals shared by run.c (the machinery: HTTP publishing, subscribers, phases,
 * token checks), scen.c (what each scenario publishes and when it is done), report.c
 * (figures, console table, JSON) and main.c (command line).
 *
 * One rb_run per process, owned by main; everything runs on its one libuv loop. */
#ifndef RB_BENCH_H
#define RB_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "hist.h"
#include "http.h"
#include "stats.h"
#include "ws.h"

#define RB_RING 4096 /* send times kept per stream, by seq: far above the tokens in flight */

typedef enum { RB_LATENCY, RB_STREAMS, RB_FANOUT, RB_CONNECTIONS, RB_CPU } rb_scenario;

typedef struct rb_opts {
    char url[256];
    char host[128]; /* the WebSocket endpoint */
    int port;
    char http_host[128]; /* the HTTP endpoint of the publish mode (control or Pusher API) */
    int http_port;
    const char *ws_url, *api_url, *control_url; /* NULL: from the positional URL */
    const char *app_id, *key, *secret;
    rb_scenario scenario;
    const char *scenario_name;
    int control; /* publish through the control API (else the Pusher HTTP API) */
    const char *server_name;
    int server_pid;
    int cpu, server_cpu; /* -1: not pinned */
    int streams, subs, rate, conns, tokens, samples, warmup, http_conns, floor_samples;
    double duration_s, warmup_s, hold_s;
    int timeout_s;
    const char *json_out;
    const char *token;
    int quiet;
    rb_ws_client ws_client; /* --ws-client */
    int spin;               /* --spin: the tool's loop and floor reads poll without sleeping */
} rb_opts;

typedef struct rb_sent {
    uint64_t seq;
    uint64_t t;
    int measured;
} rb_sent;

typedef struct rb_stream {
    char sid[72], thread[72], channel[200];
    uint64_t published; /* requests sent; also the last seq assigned */
    uint64_t acked;     /* answers received */
    int in_flight;
    uint64_t delivered; /* tokens received by this stream's subscribers */
    int nsubs;
    uint64_t phase_ns; /* streams: offset of this stream's schedule */
    rb_sent *ring;
} rb_stream;

typedef struct rb_sub {
    int stream;
    rb_seqchk chk;
} rb_sub;

enum { PH_CREATE, PH_SUBSCRIBE, PH_PUBLISH, PH_DRAIN, PH_DONE };

typedef struct rb_run {
    const rb_opts *o;
    uv_loop_t loop;
    uv_timer_t tick;
    rb_http *http;
    rb_ws *ws;
    rb_stream *streams;
    int nstreams;
    rb_sub *subs;
    int nsubs;
    int phase;
    int created, subscribed;
    uint64_t t_begin, t_phase, t_subscribed, t_pub, t_pub_end, t_end, t_last_rss;
    uint64_t first_measured_send, last_measured_delivery;
    uint64_t deliveries, deliveries_measured, untimed, full_checks, published_total;
    uint64_t progress_mark, progress_pub, t_progress;
    rb_hist lat, lag;
    uint64_t errors; /* errors other than the per-subscriber seq checks */
    char first_error[320];
    long rss_idle, rss_before, rss_peak, rss_after;
    double srv_cpu_before, srv_cpu_after, bench_cpu_before, bench_cpu_after;
    int srv_last_cpu;
    char placement_note[200];
} rb_run;

/* run.c */
int rb_run_exec(rb_run *r, const rb_opts *o);
void rb_run_error(rb_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rb_run_publish(rb_run *r, int stream);
void rb_run_drain(rb_run *r);
uint64_t rb_run_seq_errors(const rb_run *r);
double rb_run_bench_cpu(void);

/* scen.c: the scenario's layout and policy. */
void rb_scen_layout(const rb_opts *o, int *nstreams, int *subs_per_stream);
int rb_scen_publishes(const rb_opts *o);
void rb_scen_start(rb_run *r);
void rb_scen_on_ack(rb_run *r, int stream);
void rb_scen_on_delivered(rb_run *r, int stream);
void rb_scen_on_tick(rb_run *r, uint64_t now);
int rb_scen_measured(const rb_run *r, const rb_stream *s, uint64_t now);

/* report.c */
cJSON *rb_report_params(const rb_opts *o);
cJSON *rb_report_figures(const rb_run *r, const rb_hist *floor, const rb_hist *relay);
void rb_report_table(FILE *f, const cJSON *doc);

#endif
