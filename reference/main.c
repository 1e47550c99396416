/* rehome-server: command line, configuration, start and stop. Everything else lives in
 * net/ (sockets, loop), server/ over core/ and api/ (logic), store/ (stream state); the
 * layers are described in docs/architecture.md. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "config/config.h"
#include "core/faults.h"
#include "server/server.h"
#include "net/net.h"
#include "store/redis.h"
#include "store/store.h"

#define EXIT_USAGE 2
#define MAX_FAULTS 64

static void usage(FILE *f)
{
    fprintf(f, "usage: rehome-server [options]\n"
               "  --config FILE      JSON config (default: built-in demo app and users)\n"
               "  --host H           address to listen on (default 127.0.0.1)\n"
               "  --port P           port to listen on, 0 for a free one (default 8080)\n"
               "  --port-file FILE   write the port actually bound to FILE\n"
               "  --redis URL        redis://host[:port][/db]: stream state and fan-out in Redis,\n"
               "                     for several servers on one Redis (config redis_url);\n"
               "                     redis+sentinel://H:P[,H:P...]/MASTER[/db] behind Sentinel\n"
               "  --log-level L      error, warn, info or debug (default info)\n"
               "  --busy-poll US     after I/O, poll without sleeping for US microseconds\n"
               "                     (0-10000; lower wake-up latency for CPU; default 0: off)\n"
               "  --fault NAME       enable a test-only fault (repeatable; faults builds only)\n"
               "  --list-faults      list the fault names and exit\n"
               "  --help             this text\n"
               "  --version          print the version\n");
}

static void list_faults(void)
{
    const rh_fault_info *t = rh_fault_table();
    for (int i = 0; i < RH_FAULT__COUNT; i++)
        printf("%-28s %s\n", t[i].name, t[i].description);
#ifndef RH_WITH_FAULTS
    fprintf(stderr, "note: this build has no fault switches (configure with -Dfaults=true)\n");
#endif
}

/* Whole file into a heap buffer; NULL with errno set on failure. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        if (cap >= 16u * 1024 * 1024) { /* no sane config is this large */
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (buf && bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    if (buf)
        *len = n;
    return buf;
}

static int parse_port(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 0 || v > 65535)
        return -1;
    *out = (int)v;
    return 0;
}

/* Written to a temporary name and renamed, so a reader never sees a partial port. */
static int write_port_file(const char *path, int port)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int ok = fprintf(f, "%d\n", port) > 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

typedef struct opts {
    const char *config, *host, *redis, *log_level, *port_file;
    int port, have_port;
    int busy_poll_us, have_busy_poll;
    const char *faults[MAX_FAULTS];
    int nfaults;
} opts;

/* 0: run; 1: exit 0 (help, version, list); 2: usage error (message printed). */
static int parse_args(int argc, char **argv, opts *o)
{
    enum {
        O_CONFIG = 256,
        O_HOST,
        O_PORT,
        O_REDIS,
        O_FAULT,
        O_LIST,
        O_LEVEL,
        O_PFILE,
        O_BUSY,
        O_HELP,
        O_VER
    };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, O_CONFIG},
        {"host", required_argument, NULL, O_HOST},
        {"port", required_argument, NULL, O_PORT},
        {"redis", required_argument, NULL, O_REDIS},
        {"fault", required_argument, NULL, O_FAULT},
        {"list-faults", no_argument, NULL, O_LIST},
        {"log-level", required_argument, NULL, O_LEVEL},
        {"port-file", required_argument, NULL, O_PFILE},
        {"busy-poll", required_argument, NULL, O_BUSY},
        {"help", no_argument, NULL, O_HELP},
        {"version", no_argument, NULL, O_VER},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_CONFIG:
            o->config = optarg;
            break;
        case O_HOST:
            o->host = optarg;
            break;
        case O_PORT:
            if (parse_port(optarg, &o->port) != 0) {
                fprintf(stderr, "rehome-server: --port: \"%s\" is not a port (0-65535)\n", optarg);
                return 2;
            }
            o->have_port = 1;
            break;
        case O_REDIS:
            o->redis = optarg;
            break;
        case O_FAULT:
            if (o->nfaults == MAX_FAULTS) {
                fprintf(stderr, "rehome-server: too many --fault options\n");
                return 2;
            }
            o->faults[o->nfaults++] = optarg;
            break;
        case O_LIST:
            list_faults();
            return 1;
        case O_LEVEL:
            if (rh_log_level_by_name(optarg) < 0) {
                fprintf(stderr,
                        "rehome-server: --log-level: \"%s\" is not one of error, warn, "
                        "info, debug\n",
                        optarg);
                return 2;
            }
            o->log_level = optarg;
            break;
        case O_PFILE:
            o->port_file = optarg;
            break;
        case O_BUSY: {
            char err[128];
            if (rh_cfg_parse_busy_poll(optarg, &o->busy_poll_us, err, sizeof err) != 0) {
                fprintf(stderr, "rehome-server: --busy-poll: %s\n", err);
                return 2;
            }
            o->have_busy_poll = 1;
            break;
        }
        case O_HELP:
            usage(stdout);
            return 1;
        case O_VER:
            printf("rehome-server %s\n", RH_VERSION);
            return 1;
        default:
            if (optopt)
                fprintf(stderr, "rehome-server: option %s needs an argument\n", argv[optind - 1]);
            else
                fprintf(stderr, "rehome-server: unknown option %s\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rehome-server: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    return 0;
}

static int load_config(const opts *o, rh_cfg *cfg)
{
    if (!o->config)
        return rh_cfg_defaults(cfg) == 0 ? 0 : (fprintf(stderr, "out of memory\n"), -1);
    size_t len = 0;
    char *text = read_file(o->config, &len);
    if (!text) {
        fprintf(stderr, "rehome-server: config %s: %s\n", o->config, strerror(errno));
        return -1;
    }
    char err[256];
    int rc = rh_cfg_parse(text, len, cfg, err, sizeof err);
    free(text);
    if (rc != 0) {
        fprintf(stderr, "rehome-server: config %s: %s\n", o->config, err);
        return -1;
    }
    return 0;
}

/* Command-line values win over the file. */
static int apply_overrides(const opts *o, rh_cfg *cfg)
{
    if (o->host) {
        char *h = strdup(o->host);
        if (!h)
            return -1;
        free(cfg->host);
        cfg->host = h;
    }
    if (o->have_port)
        cfg->port = o->port;
    if (o->have_busy_poll)
        cfg->busy_poll_us = o->busy_poll_us;
    if (o->log_level) {
        char *l = strdup(o->log_level);
        if (!l)
            return -1;
        free(cfg->log_level);
        cfg->log_level = l;
    }
    return 0;
}

static int check_faults(const opts *o)
{
#ifndef RH_WITH_FAULTS
    if (o->nfaults) {
        fprintf(stderr,
                "rehome-server: --fault %s: this build has no fault switches "
                "(configure with -Dfaults=true)\n",
                o->faults[0]);
        return -1;
    }
#endif
    for (int i = 0; i < o->nfaults; i++) {
        if (rh_fault_by_name(o->faults[i]) < 0) {
            fprintf(stderr, "rehome-server: --fault %s: unknown fault (see --list-faults)\n",
                    o->faults[i]);
            return -1;
        }
    }
    return 0;
}

/* --- several nodes: the Redis store doubles as the bus ----------------------------------- */

static void store_log(void *ud, int level, const char *msg)
{
    rh_logf(ud, level, "%s", msg);
}

static void bus_publish(void *ud, const char *msg, size_t len, rh_bus_done done, void *dud)
{
    rh_store_redis_publish(ud, msg, len, done, dud);
}

static int bus_up(void *ud)
{
    return rh_store_redis_up(ud);
}

static void bus_sink(void *ud, const char *msg, size_t len)
{
    rh_srv_bus_deliver(ud, msg, len);
}

static void node_delta(void *ud, const char *field, long delta)
{
    rh_store_redis_node_delta(ud, field, delta);
}

static void node_replace(void *ud, const char *const *fields, const long *values,
                         const char *const *infos, size_t n)
{
    rh_store_redis_node_replace(ud, fields, values, infos, n);
}

static void node_sum(void *ud, const char *const *prefixes, size_t n, rh_bus_sum_cb cb, void *cud)
{
    rh_store_redis_node_sum(ud, prefixes, n, cb, cud);
}

static void presence(void *ud, const char *field, long delta, const char *msg, size_t len)
{
    rh_store_redis_presence(ud, field, delta, msg, len);
}

static int presence_join(void *ud, const rh_bus_join *j)
{
    rh_store_redis_join rj = {.field = j->field,
                              .prefix_len = j->prefix_len,
                              .limit = j->limit,
                              .msg = j->msg,
                              .msg_len = j->msg_len,
                              .info = j->info,
                              .head = j->head,
                              .head_len = j->head_len,
                              .wh_field = j->wh_field,
                              .wh_msg = j->wh_msg,
                              .wh_msg_len = j->wh_msg_len};
    return rh_store_redis_presence_join(ud, &rj);
}

static void store_up(void *ud)
{
    rh_srv_bus_resync(ud);
}

/* 1 when --fault name was given (the store's faults act before the server exists). */
static int has_fault(const opts *o, const char *name)
{
    for (int i = 0; i < o->nfaults; i++)
        if (strcmp(o->faults[i], name) == 0)
            return 1;
    return 0;
}

static void bus_gap(void *ud)
{
    rh_srv_bus_gap(ud);
}

static rh_store *make_store(uv_loop_t *loop, const rh_cfg *cfg, const char *url, int no_fence,
                            rh_log *log)
{
    rh_store_limits lim = {cfg->replay_tokens, cfg->replay_bytes};
    if (!url)
        return rh_store_memory_new(&lim);
    rh_store_redis_opts ro = {.url = url,
                              .prefix = cfg->redis_prefix,
                              .limits = lim,
                              .ended_ttl_ms =
                                  cfg->ended_ttl > 0 ? (uint64_t)cfg->ended_ttl * 1000u : 0,
                              .log = store_log,
                              .log_ud = log,
                              .no_fence = no_fence};
    char err[256] = "";
    rh_store *st = rh_store_redis_new(loop, &ro, err, sizeof err);
    if (!st)
        rh_logf(log, RH_LOG_ERROR, "--redis %s: %s", url, err);
    return st;
}

/* Every event to subscribers goes through Redis pub/sub and comes back to this node. */
static void wire_bus(rh_store *store, rh_srv *srv)
{
    if (!rh_store_is_redis(store))
        return;
    rh_bus bus = {.ud = store,
                  .publish = bus_publish,
                  .up = bus_up,
                  .node_delta = node_delta,
                  .node_replace = node_replace,
                  .node_sum = node_sum,
                  .presence = presence,
                  .presence_join = presence_join,
                  .store_name = "redis"};
    rh_srv_set_bus(srv, &bus);
    rh_store_redis_set_sink(store, bus_sink, srv);
    rh_store_redis_set_on_up(store, store_up, srv);
    rh_store_redis_set_on_bus_gap(store, bus_gap, srv);
    if (rh_store_redis_up(store))
        rh_srv_bus_resync(srv);
}

int main(int argc, char **argv)
{
    opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : EXIT_USAGE;
    if (check_faults(&o) != 0)
        return EXIT_USAGE;

    rh_cfg cfg;
    if (load_config(&o, &cfg) != 0)
        return EXIT_USAGE;
    if (apply_overrides(&o, &cfg) != 0) {
        rh_cfg_clear(&cfg);
        return 1;
    }
    rh_log log = {.level = rh_log_level_by_name(cfg.log_level)};
    if (log.level < 0)
        log.level = RH_LOG_INFO;

    signal(SIGPIPE, SIG_IGN);
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "rehome-server: cannot create the event loop\n");
        rh_cfg_clear(&cfg);
        return 1;
    }
    int status = 1;
    char err[256] = "";
    rh_net *net = NULL;
    const char *redis_url = o.redis ? o.redis : cfg.redis_url;
    rh_store *store = make_store(&loop, &cfg, redis_url, has_fault(&o, "redis-no-fence"), &log);
    if (!store) {
        if (!redis_url)
            rh_logf(&log, RH_LOG_ERROR, "out of memory creating the store");
        status = redis_url ? EXIT_USAGE : 1;
        goto out;
    }
    net = rh_net_new(&loop, &cfg, store, &log, err, sizeof err);
    if (!net) {
        rh_logf(&log, RH_LOG_ERROR, "cannot create the server: %s", err);
        goto out;
    }
    wire_bus(store, rh_net_srv(net));
    for (int i = 0; i < o.nfaults; i++) {
        if (rh_srv_set_fault(rh_net_srv(net), o.faults[i]) != 0) {
            rh_logf(&log, RH_LOG_ERROR, "--fault %s: refused by the server", o.faults[i]);
            status = EXIT_USAGE;
            goto out;
        }
        rh_logf(&log, RH_LOG_WARN, "fault %s is ON: this server is deliberately wrong",
                o.faults[i]);
    }
    int port = rh_net_listen(net, cfg.host, cfg.port, err, sizeof err);
    if (port < 0) {
        rh_logf(&log, RH_LOG_ERROR, "%s", err);
        goto out;
    }
    int v6 = strchr(cfg.host, ':') != NULL;
    fprintf(stderr, "rehome-server listening on http://%s%s%s:%d\n", v6 ? "[" : "", cfg.host,
            v6 ? "]" : "", port);
    if (o.port_file && write_port_file(o.port_file, port) != 0) {
        rh_logf(&log, RH_LOG_ERROR, "cannot write port file %s: %s", o.port_file, strerror(errno));
        rh_net_stop(net);
        rh_net_run(net);
        goto out;
    }
    rh_net_run(net);
    status = 0;
    rh_logf(&log, RH_LOG_INFO, "stopped");
out:
    rh_net_free(net);
    rh_store_free(store);
    uv_run(&loop, UV_RUN_DEFAULT); /* the store's handles close */
    if (uv_loop_close(&loop) != 0)
        rh_logf(&log, RH_LOG_WARN, "event loop closed with handles still open");
    rh_cfg_clear(&cfg);
    return status;
}
