/* Figures of a finished run as JSON, and the console table printed from that JSON (so the
 * two never disagree). */
#include "bench.h"

#include <string.h>

#include "result.h"

cJSON *rb_report_params(const rb_opts *o)
{
    cJSON *p = cJSON_CreateObject();
    int ns = 0, per = 0;
    rb_scen_layout(o, &ns, &per);
    cJSON_AddNumberToObject(p, "streams", ns);
    cJSON_AddNumberToObject(p, "subscribers_per_stream", per);
    cJSON_AddNumberToObject(p, "connections", ns * per);
    switch (o->scenario) {
    case RB_LATENCY:
    case RB_FANOUT:
        cJSON_AddNumberToObject(p, "warmup_tokens", o->warmup);
        cJSON_AddNumberToObject(p, "measured_tokens", o->samples);
        break;
    case RB_STREAMS:
        cJSON_AddNumberToObject(p, "rate_per_stream", o->rate);
        cJSON_AddNumberToObject(p, "duration_s", o->duration_s);
        cJSON_AddNumberToObject(p, "warmup_s", o->warmup_s);
        break;
    case RB_CPU:
        cJSON_AddNumberToObject(p, "tokens_per_stream", o->tokens);
        break;
    case RB_CONNECTIONS:
        cJSON_AddNumberToObject(p, "hold_s", o->hold_s);
        break;
    }
    cJSON_AddNumberToObject(p, "http_connections", o->http_conns);
    cJSON_AddStringToObject(p, "token", o->token);
    cJSON_AddStringToObject(p, "ws_client", o->ws_client == RB_WS_RAW ? "raw" : "lws");
    cJSON_AddBoolToObject(p, "spin", o->spin);
    cJSON_AddNumberToObject(p, "floor_samples", o->floor_samples);
    return p;
}

static double secs(uint64_t a, uint64_t b)
{
    return b > a ? (double)(b - a) / 1e9 : 0.0;
}

cJSON *rb_report_figures(const rb_run *r, const rb_hist *floor, const rb_hist *relay)
{
    const rb_opts *o = r->o;
    cJSON *f = cJSON_CreateObject();
    double wall = secs(r->t_pub, r->t_end);
    if (rb_scen_publishes(o)) {
        cJSON_AddItemToObject(f, "latency", rb_result_hist(&r->lat));
        if (floor->count)
            cJSON_AddItemToObject(f, "above_floor", rb_result_above_floor(&r->lat, floor));
        if (relay->count)
            cJSON_AddItemToObject(f, "above_relay", rb_result_above_floor(&r->lat, relay));
        if (o->scenario == RB_STREAMS)
            cJSON_AddItemToObject(f, "send_lag", rb_result_hist(&r->lag));
        double mt = secs(r->first_measured_send, r->last_measured_delivery);
        cJSON_AddNumberToObject(f, "tokens_published", (double)r->published_total);
        cJSON_AddNumberToObject(f, "deliveries", (double)r->deliveries);
        cJSON_AddNumberToObject(f, "deliveries_measured", (double)r->deliveries_measured);
        cJSON_AddNumberToObject(f, "measured_s", mt);
        cJSON_AddNumberToObject(f, "deliveries_per_s",
                                mt > 0 ? (double)r->deliveries_measured / mt : 0);
        cJSON_AddNumberToObject(f, "untimed", (double)r->untimed);
        cJSON_AddNumberToObject(f, "full_checks", (double)r->full_checks);
    } else {
        cJSON_AddNumberToObject(f, "connections", r->subscribed);
        cJSON_AddNumberToObject(f, "connect_s", secs(r->t_phase, r->t_subscribed));
    }
    cJSON_AddNumberToObject(f, "wall_s", wall);
    cJSON_AddNumberToObject(f, "bench_cpu_pct",
                            wall > 0 ? 100.0 * (r->bench_cpu_after - r->bench_cpu_before) / wall
                                     : 0);
    if (o->server_pid > 0) {
        cJSON *s = cJSON_AddObjectToObject(f, "server");
        double cpu = r->srv_cpu_after - r->srv_cpu_before;
        cJSON_AddNumberToObject(s, "rss_idle_kb", (double)r->rss_idle);
        cJSON_AddNumberToObject(s, "rss_loaded_kb", (double)r->rss_before);
        cJSON_AddNumberToObject(s, "rss_peak_kb", (double)r->rss_peak);
        cJSON_AddNumberToObject(s, "rss_after_kb", (double)r->rss_after);
        cJSON_AddNumberToObject(s, "rss_above_idle_kb", (double)(r->rss_peak - r->rss_idle));
        cJSON_AddNumberToObject(s, "cpu_s", cpu);
        cJSON_AddNumberToObject(s, "cpu_pct", wall > 0 ? 100.0 * cpu / wall : 0);
        if (r->deliveries)
            cJSON_AddNumberToObject(s, "cpu_us_per_delivery", 1e6 * cpu / (double)r->deliveries);
        if (r->published_total)
            cJSON_AddNumberToObject(s, "cpu_us_per_publish",
                                    1e6 * cpu / (double)r->published_total);
        if (o->scenario == RB_CONNECTIONS && r->subscribed > 0) {
            /* RSS after the connections minus RSS before them: user and kernel-accounted
             * memory the server process holds per idle subscribed connection. */
            cJSON_AddNumberToObject(s, "bytes_per_connection",
                                    1024.0 * (double)(r->rss_after - r->rss_idle) / r->subscribed);
        }
        cJSON_AddNumberToObject(s, "last_cpu", r->srv_last_cpu);
    }
    cJSON_AddNumberToObject(f, "seq_errors", (double)rb_run_seq_errors(r));
    cJSON_AddNumberToObject(f, "other_errors", (double)r->errors);
    if (r->first_error[0])
        cJSON_AddStringToObject(f, "first_error", r->first_error);
    else
        cJSON_AddNullToObject(f, "first_error");
    return f;
}

static double num(const cJSON *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
    return cJSON_IsNumber(cur) ? cur->valuedouble : -1;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "-";
}

static void hist_row(FILE *f, const char *label, const cJSON *h)
{
    if (!h)
        return;
    fprintf(f, "  %-24s %9.1f %9.1f %9.1f %9.1f %9.1f  (%.0f samples)\n", label, num(h, "p50_us"),
            num(h, "p90_us"), num(h, "p99_us"), num(h, "p999_us"), num(h, "max_us"),
            num(h, "count"));
}

void rb_report_table(FILE *f, const cJSON *doc)
{
    const cJSON *fig = cJSON_GetObjectItemCaseSensitive(doc, "figures");
    const cJSON *srv = cJSON_GetObjectItemCaseSensitive(doc, "server");
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(doc, "placement");
    fprintf(f, "rehome-bench %s: scenario %s, server %s (%s), publish %s\n", str(doc, "version"),
            str(doc, "scenario"), str(srv, "name"), str(srv, "url"), str(doc, "publish"));
    if (pl)
        fprintf(f, "  placement: %s\n", str(pl, "note"));
    fprintf(f, "  %-24s %9s %9s %9s %9s %9s\n", "microseconds", "p50", "p90", "p99", "p99.9",
            "max");
    hist_row(f, "loopback floor (RTT)", cJSON_GetObjectItemCaseSensitive(doc, "floor"));
    hist_row(f, "relay floor (one way)", cJSON_GetObjectItemCaseSensitive(doc, "relay_floor"));
    hist_row(f, "latency end to end", cJSON_GetObjectItemCaseSensitive(fig, "latency"));
    const cJSON *ab = cJSON_GetObjectItemCaseSensitive(fig, "above_floor");
    if (ab)
        fprintf(f, "  %-24s %9.1f %9.1f %9.1f %9.1f\n", "server-added (- floor)", num(ab, "p50_us"),
                num(ab, "p90_us"), num(ab, "p99_us"), num(ab, "p999_us"));
    const cJSON *ar = cJSON_GetObjectItemCaseSensitive(fig, "above_relay");
    if (ar)
        fprintf(f, "  %-24s %9.1f %9.1f %9.1f %9.1f\n", "server-added (- relay)", num(ar, "p50_us"),
                num(ar, "p90_us"), num(ar, "p99_us"), num(ar, "p999_us"));
    hist_row(f, "send lag (open loop)", cJSON_GetObjectItemCaseSensitive(fig, "send_lag"));
    if (num(fig, "deliveries") >= 0)
        fprintf(f, "  deliveries: %.0f (%.0f timed) in %.2f s = %.0f per second\n",
                num(fig, "deliveries"), num(fig, "deliveries_measured"), num(fig, "measured_s"),
                num(fig, "deliveries_per_s"));
    if (num(fig, "connections") >= 0)
        fprintf(f, "  connections: %.0f subscribed in %.2f s\n", num(fig, "connections"),
                num(fig, "connect_s"));
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(fig, "server");
    if (s) {
        fprintf(f,
                "  server: RSS idle %.0f kB, loaded %.0f kB, peak %.0f kB (+%.0f kB); CPU %.2f s "
                "(%.0f %% of one core)",
                num(s, "rss_idle_kb"), num(s, "rss_loaded_kb"), num(s, "rss_peak_kb"),
                num(s, "rss_above_idle_kb"), num(s, "cpu_s"), num(s, "cpu_pct"));
        if (num(s, "cpu_us_per_delivery") >= 0)
            fprintf(f, ", %.2f us per delivery", num(s, "cpu_us_per_delivery"));
        if (num(s, "bytes_per_connection") >= 0)
            fprintf(f, ", %.0f bytes per connection", num(s, "bytes_per_connection"));
        fprintf(f, "\n");
    }
    fprintf(f,
            "  bench CPU %.0f %% of one core (near 100 %%: the tool, not the server, was the "
            "limit)\n",
            num(fig, "bench_cpu_pct"));
    fprintf(f, "  errors: %.0f (seq errors %.0f, other %.0f)%s%s\n", num(doc, "errors"),
            num(fig, "seq_errors"), num(fig, "other_errors"),
            cJSON_IsString(cJSON_GetObjectItem(fig, "first_error")) ? "; first: " : "",
            cJSON_IsString(cJSON_GetObjectItem(fig, "first_error")) ? str(fig, "first_error") : "");
}
