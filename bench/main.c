/* rehome-bench: latency, throughput, memory and CPU of any Pusher-protocol server.
 * Command line, CPU pinning, the loopback floor, the run, the table and the JSON file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "wire/url.h"
#include "result.h"
#include "sys.h"

static rb_run run; /* large (histograms): not on the stack */
static rb_hist floor_h;
static rb_hist relay_h;

static void usage(FILE *f)
{
    fprintf(f, "usage: rehome-bench [options] [URL]    (URL: http://HOST:PORT of a Pusher server)\n"
               "  --scenario NAME     latency (default), streams, fanout, connections, cpu\n"
               "  --publish MODE      control (the reference server's control API, default) or\n"
               "                      http (the Pusher HTTP API events call: any Pusher server)\n"
               "  --app-id ID --key K --secret S   app (default app-id, app-key, app-secret)\n"
               "  --server-name NAME  label for the results (default: server)\n"
               "  --server-pid PID    read the server's RSS and CPU time from /proc/PID\n"
               "  --cpu N             pin rehome-bench to CPU N\n"
               "  --server-cpu N      CPU of the floor's echo process (default: the server's CPU\n"
               "                      when --server-pid is pinned to one, else unpinned)\n"
               "  --streams S         streams (streams: 100, cpu: 10)\n"
               "  --subs K            subscribers per stream (latency 1, fanout 1000, others 10)\n"
               "  --rate R            tokens per second per stream (streams; default 20)\n"
               "  --duration S        publishing time in seconds (streams; default 5)\n"
               "  --warmup-s S        untimed start of that time (streams; default 1)\n"
               "  --samples N         timed tokens (latency 5000, fanout 2000)\n"
               "  --warmup N          untimed tokens first (latency 500, fanout 200)\n"
               "  --tokens T          tokens per stream (cpu; default 1000)\n"
               "  --conns N           idle connections (connections; default 1000)\n"
               "  --hold S            seconds to hold them (connections; default 1)\n"
               "  --http-conns P      keep-alive HTTP connections for publishing (default 8)\n"
               "  --floor-samples N   samples of the relay floor and of the ping-pong floor\n"
               "                      (default 10000 each; 0: none)\n"
               "  --timeout S         limit for connecting and for draining (default 20)\n"
               "  --token TEXT        token text (default \"tok\"; JSON-safe characters only)\n"
               "  --ws-url URL        the WebSocket server (default: URL)\n"
               "  --control-url URL   the control API (--publish control; default: URL)\n"
               "  --api-url URL       the Pusher HTTP API (--publish http; default: URL)\n"
               "  --ws-client C       subscriber client: lws (libwebsockets, default) or raw\n"
               "                      (plain sockets on the loop, cheaper per delivery)\n"
               "  --spin              the tool never sleeps: its loop and its side of the floors\n"
               "                      poll, so its own wake-up is in no figure (give it a CPU\n"
               "                      of its own: --cpu)\n"
               "  --json FILE         write the result document\n"
               "  --quiet             no table\n"
               "Exit: 0 no error, 1 the server lost, repeated, reordered or mangled a token (or\n"
               "refused a request), 2 bad usage or the run could not be made.\n");
}

/* http://HOST:PORT (or ws://) into host and port. 0, or -1. */
static int host_port(const char *url, char *host, size_t hostlen, int *port)
{
    rw_url u;
    char err[160];
    /* No TLS here: the bench measures the server, not a TLS library. */
    if (rw_url_parse(url, &u, err, sizeof(err)) != 0 || u.tls ||
        snprintf(host, hostlen, "%s", u.host) >= (int)hostlen)
        return -1;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, hostlen, "127.0.0.1");
    *port = u.port;
    return 0;
}

/* The positional URL (may be NULL) and --ws-url / --api-url / --control-url: the WebSocket
 * endpoint and the HTTP endpoint the publish mode uses (the control API, or the Pusher HTTP
 * API with --publish http). Each defaults from the positional URL. 0, or -1. */
static int parse_urls(rb_opts *o, const char *url)
{
    const char *http = o->control ? o->control_url : o->api_url;
    const char *ws = o->ws_url ? o->ws_url : url;
    if (!http)
        http = url;
    if (!ws || !http)
        return -1;
    snprintf(o->url, sizeof(o->url), "%s", url ? url : ws);
    if (host_port(ws, o->host, sizeof o->host, &o->port) != 0)
        return -1;
    return host_port(http, o->http_host, sizeof o->http_host, &o->http_port);
}

static int set_scenario(rb_opts *o, const char *n)
{
    static const struct {
        const char *name;
        rb_scenario s;
    } tab[] = {{"latency", RB_LATENCY},
               {"streams", RB_STREAMS},
               {"fanout", RB_FANOUT},
               {"connections", RB_CONNECTIONS},
               {"cpu", RB_CPU}};
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strcmp(n, tab[i].name) == 0) {
            o->scenario = tab[i].s;
            o->scenario_name = tab[i].name;
            return 0;
        }
    return -1;
}

static void defaults(rb_opts *o)
{
    int lat = o->scenario == RB_LATENCY, fan = o->scenario == RB_FANOUT;
    if (o->subs < 0)
        o->subs = lat ? 1 : fan ? 1000 : 10;
    if (o->streams < 0)
        o->streams = o->scenario == RB_CPU ? 10 : 100;
    if (o->samples < 0)
        o->samples = fan ? 2000 : 5000;
    if (o->warmup < 0)
        o->warmup = fan ? 200 : 500;
}

static int token_ok(const char *t)
{
    for (; *t; t++)
        if (*t == '"' || *t == '\\' || (unsigned char)*t < 0x20)
            return 0;
    return 1;
}

static int parse_args(int argc, char **argv, rb_opts *o)
{
    static const struct option lo[] = {
        {"scenario", 1, 0, 's'},     {"publish", 1, 0, 'p'},
        {"app-id", 1, 0, 'A'},       {"key", 1, 0, 'K'},
        {"secret", 1, 0, 'S'},       {"server-name", 1, 0, 'n'},
        {"server-pid", 1, 0, 'P'},   {"cpu", 1, 0, 'c'},
        {"server-cpu", 1, 0, 'C'},   {"streams", 1, 0, 1},
        {"subs", 1, 0, 2},           {"rate", 1, 0, 3},
        {"duration", 1, 0, 4},       {"warmup-s", 1, 0, 5},
        {"samples", 1, 0, 6},        {"warmup", 1, 0, 7},
        {"tokens", 1, 0, 8},         {"conns", 1, 0, 9},
        {"hold", 1, 0, 10},          {"http-conns", 1, 0, 11},
        {"floor-samples", 1, 0, 12}, {"timeout", 1, 0, 13},
        {"token", 1, 0, 14},         {"json", 1, 0, 'j'},
        {"quiet", 0, 0, 'q'},        {"help", 0, 0, 'h'},
        {"ws-url", 1, 0, 15},        {"api-url", 1, 0, 16},
        {"control-url", 1, 0, 17},   {"ws-client", 1, 0, 18},
        {"spin", 0, 0, 19},          {0, 0, 0, 0},
    };
    *o = (rb_opts){.app_id = "app-id",
                   .key = "app-key",
                   .secret = "app-secret",
                   .scenario = RB_LATENCY,
                   .scenario_name = "latency",
                   .control = 1,
                   .server_name = "server",
                   .cpu = -1,
                   .server_cpu = -1,
                   .streams = -1,
                   .subs = -1,
                   .rate = 20,
                   .conns = 1000,
                   .tokens = 1000,
                   .samples = -1,
                   .warmup = -1,
                   .http_conns = 8,
                   .floor_samples = 10000,
                   .duration_s = 5,
                   .warmup_s = 1,
                   .hold_s = 1,
                   .timeout_s = 20,
                   .token = "tok"};
    int c;
    while ((c = getopt_long(argc, argv, "hq", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            if (set_scenario(o, optarg) != 0) {
                fprintf(stderr, "rehome-bench: unknown scenario '%s'\n", optarg);
                return -1;
            }
            break;
        case 'p':
            if (strcmp(optarg, "control") != 0 && strcmp(optarg, "http") != 0) {
                fprintf(stderr, "rehome-bench: --publish is control or http\n");
                return -1;
            }
            o->control = strcmp(optarg, "control") == 0;
            break;
        case 'A':
            o->app_id = optarg;
            break;
        case 'K':
            o->key = optarg;
            break;
        case 'S':
            o->secret = optarg;
            break;
        case 'n':
            o->server_name = optarg;
            break;
        case 'P':
            o->server_pid = atoi(optarg);
            break;
        case 'c':
            o->cpu = atoi(optarg);
            break;
        case 'C':
            o->server_cpu = atoi(optarg);
            break;
        case 1:
            o->streams = atoi(optarg);
            break;
        case 2:
            o->subs = atoi(optarg);
            break;
        case 3:
            o->rate = atoi(optarg);
            break;
        case 4:
            o->duration_s = atof(optarg);
            break;
        case 5:
            o->warmup_s = atof(optarg);
            break;
        case 6:
            o->samples = atoi(optarg);
            break;
        case 7:
            o->warmup = atoi(optarg);
            break;
        case 8:
            o->tokens = atoi(optarg);
            break;
        case 9:
            o->conns = atoi(optarg);
            break;
        case 10:
            o->hold_s = atof(optarg);
            break;
        case 11:
            o->http_conns = atoi(optarg);
            break;
        case 12:
            o->floor_samples = atoi(optarg);
            break;
        case 13:
            o->timeout_s = atoi(optarg);
            break;
        case 14:
            o->token = optarg;
            break;
        case 'j':
            o->json_out = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 15:
            o->ws_url = optarg;
            break;
        case 16:
            o->api_url = optarg;
            break;
        case 17:
            o->control_url = optarg;
            break;
        case 18:
            if (strcmp(optarg, "lws") != 0 && strcmp(optarg, "raw") != 0) {
                fprintf(stderr, "rehome-bench: --ws-client is lws or raw\n");
                return -1;
            }
            o->ws_client = strcmp(optarg, "raw") == 0 ? RB_WS_RAW : RB_WS_LWS;
            break;
        case 19:
            o->spin = 1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            return -1;
        }
    }
    if (optind < argc - 1 || parse_urls(o, optind < argc ? argv[optind] : NULL) != 0) {
        fprintf(stderr, "rehome-bench: give one server URL, http://HOST:PORT (or --ws-url and "
                        "the --control-url or --api-url the publish mode uses)\n");
        return -1;
    }
    defaults(o);
    if (o->subs < 1 || o->streams < 1 || o->rate < 1 || o->conns < 1 || o->tokens < 1 ||
        o->samples < 1 || o->warmup < 0 || o->http_conns < 1 || o->floor_samples < 0 ||
        o->timeout_s < 1 || o->duration_s <= 0 || o->warmup_s < 0 || o->warmup_s >= o->duration_s ||
        strlen(o->token) > 200 || !token_ok(o->token)) {
        fprintf(stderr, "rehome-bench: a numeric option is out of range, or the token is not "
                        "plain text (see --help)\n");
        return -1;
    }
    return 0;
}

static cJSON *placement(const rb_opts *o, int bench_pinned, int echo_cpu)
{
    char mine[64], srv[64] = "", note[240];
    rb_sys_affinity_list(0, mine, sizeof(mine));
    int now = rb_sys_cpu_now();
    if (o->server_pid > 0)
        rb_sys_affinity_list(o->server_pid, srv, sizeof(srv));
    snprintf(note, sizeof(note),
             "bench %s CPU %s (on %d at the end); server allowed on %s; floor echo %s%d",
             bench_pinned ? "pinned to" : "unpinned, allowed on", mine, now,
             srv[0] ? srv : "unknown (no --server-pid)", echo_cpu >= 0 ? "pinned to CPU " : "",
             echo_cpu);
    if (echo_cpu < 0)
        snprintf(note + strlen(note) - 2, sizeof(note) - strlen(note) + 2, "unpinned");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "bench_cpus", mine);
    cJSON_AddNumberToObject(p, "bench_cpu_at_end", now);
    cJSON_AddBoolToObject(p, "bench_pinned", bench_pinned);
    cJSON_AddStringToObject(p, "server_cpus", srv);
    cJSON_AddNumberToObject(p, "floor_echo_cpu", echo_cpu);
    cJSON_AddStringToObject(p, "note", note);
    return p;
}

int main(int argc, char **argv)
{
    rb_opts o;
    if (parse_args(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    if (o.cpu >= 0 && rb_sys_pin(o.cpu) != 0) {
        fprintf(stderr, "rehome-bench: cannot pin to CPU %d: %s\n", o.cpu, strerror(errno));
        return 2;
    }
    int echo_cpu = o.server_cpu;
    if (echo_cpu < 0 && o.server_pid > 0)
        echo_cpu = rb_sys_single_cpu(o.server_pid);
    char err[256];
    rb_hist_init(&floor_h);
    if (o.floor_samples > 0 && rb_sys_floor(echo_cpu, o.floor_samples, o.floor_samples / 10, o.spin,
                                            &floor_h, err, sizeof(err)) != 0) {
        fprintf(stderr, "rehome-bench: %s\n", err);
        return 2;
    }
    rb_hist_init(&relay_h);
    if (o.floor_samples > 0 && rb_sys_relay_floor(echo_cpu, o.floor_samples, o.floor_samples / 10,
                                                  o.spin, &relay_h, err, sizeof(err)) != 0) {
        fprintf(stderr, "rehome-bench: %s\n", err);
        return 2;
    }
    int rc = rb_run_exec(&run, &o);
    char cpu_model[128], kernel[128], date[32];
    int ncpu = 0;
    rb_sys_machine(cpu_model, sizeof(cpu_model), kernel, sizeof(kernel), &ncpu);
    time_t t = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    rb_result_meta m = {.version = RH_VERSION,
                        .date = date,
                        .cpu_model = cpu_model,
                        .ncpu = ncpu,
                        .kernel = kernel,
                        .server_name = o.server_name,
                        .server_url = o.url,
                        .server_pid = o.server_pid,
                        .scenario = o.scenario_name,
                        .publish = o.control ? "control" : "http"};
    unsigned long long errors = run.errors + rb_run_seq_errors(&run);
    cJSON *doc = rb_result_doc(&m, rb_report_params(&o), placement(&o, o.cpu >= 0, echo_cpu),
                               floor_h.count ? rb_result_hist(&floor_h) : NULL,
                               rb_report_figures(&run, &floor_h, &relay_h), errors);
    if (doc && relay_h.count)
        cJSON_AddItemToObject(doc, "relay_floor", rb_result_hist(&relay_h));
    if (!o.quiet && doc)
        rb_report_table(stdout, doc);
    if (o.json_out && doc) {
        char *txt = cJSON_Print(doc);
        FILE *f = fopen(o.json_out, "w");
        if (!f || !txt || fputs(txt, f) < 0 || fputc('\n', f) < 0) {
            fprintf(stderr, "rehome-bench: cannot write %s: %s\n", o.json_out, strerror(errno));
            rc = -1;
        }
        if (f)
            fclose(f);
        cJSON_free(txt);
    }
    cJSON_Delete(doc);
    for (int i = 0; i < run.nstreams; i++)
        free(run.streams[i].ring);
    free(run.streams);
    free(run.subs);
    if (rc != 0)
        return 2;
    return errors ? 1 : 0;
}
