/* rh_net: libwebsockets context on the caller's libuv loop, the rh_srv_io the core writes
 * through, the tick timer, signals and the graceful stop. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net_int.h"
#include "proto/httpedge.h"

#define TICK_MS      250
#define STOP_POLL_MS 50

/* --- rh_srv_io ------------------------------------------------------------------------ */

uint64_t rh_net_now_ms(void *ud)
{
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t rh_net_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static size_t io_queued_bytes(void *ud)
{
    rh_net *net = ud;
    return net->qbytes;
}

static int64_t io_wall_s(void *ud)
{
    (void)ud;
    return (int64_t)time(NULL);
}

static int io_random(void *ud, void *out, size_t n)
{
    (void)ud;
    unsigned char *p = out;
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void io_log(void *ud, int level, const char *msg)
{
    rh_net *net = ud;
    rh_logf(net->log, level, "%s", msg);
}

/* --- libwebsockets --------------------------------------------------------------------- */

/* A new socket numbered at or over the cap is closed at once: the process is near its
 * open-file limit, and refusing here keeps lws from reaching EMFILE, where 4.1.6 logs
 * "accept: errno 24" and spins on the still-readable listen socket. */
static int filter_accept(rh_net *net, int fd)
{
    if (fd < 0 || (unsigned long)fd < net->fd_cap)
        return 0;
    net->fd_refused++;
    uint64_t now = rh_net_now_ms(net);
    if (!net->fd_cap_log_ms || now - net->fd_cap_log_ms >= 10000) {
        rh_logf(net->log, RH_LOG_WARN,
                "open-file limit nearly reached: refusing new connections (%lu refused; "
                "sockets capped at %lu descriptors)",
                net->fd_refused, net->fd_cap);
        net->fd_cap_log_ms = now;
        net->fd_refused = 0;
    }
    return 1;
}

static int lws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    rh_net *net = ctx ? lws_context_user(ctx) : NULL;
    if (!net)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION)
        return filter_accept(net, (int)(intptr_t)in);
    rh_pss *pss = user;
    rh_net_busy_note(net, (int)reason);
    switch (reason) {
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        return rh_net_http_cb(net, wsi, (int)reason, pss, in, len);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_RECEIVE_PONG:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    case LWS_CALLBACK_CLOSED:
        return rh_net_ws_cb(net, wsi, (int)reason, pss, in, len);
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static void lws_log_emit(int level, const char *line)
{
    (void)level;
    /* lws lines end with a newline already */
    fprintf(stderr, "lws: %s", line);
}

/* --- life cycle ------------------------------------------------------------------------ */

rh_net *rh_net_new(uv_loop_t *loop, const rh_cfg *cfg, rh_store *store, const rh_log *log,
                   char *err, size_t errlen)
{
    rh_net *net = calloc(1, sizeof *net);
    if (!net) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    net->loop = loop;
    net->cfg = cfg;
    net->log = log;
    net->io = (rh_srv_io){
        .ud = net,
        .send = rh_net_ws_send,
        .close = rh_net_ws_close,
        .now_ms = rh_net_now_ms,
        .wall_s = io_wall_s,
        .random = io_random,
        .log = io_log,
        .queued_bytes = io_queued_bytes,
        .wall_ms = rh_net_wall_ms,
        .http_post = rh_net_http_post,
        .http_cancel = rh_net_http_cancel,
    };
    net->srv = rh_srv_new(cfg, &net->io, store, err, errlen);
    if (!net->srv) {
        free(net);
        return NULL;
    }
    return net;
}

rh_srv *rh_net_srv(rh_net *net)
{
    return net->srv;
}

/* Handles never initialised still have data == NULL (net is calloc'ed). */
static void close_handle(uv_handle_t *h)
{
    if (h->data && !uv_is_closing(h))
        uv_close(h, NULL);
}

/* The end of a stop: lws closes its sockets and handles; ours close too, and the loop runs
 * out of work so rh_net_run returns. */
static void finish_stop(rh_net *net)
{
    if (net->destroying)
        return; /* lws is already closing; a second destroy call would cut it short */
    net->destroying = 1;
    rh_net_whc_abort_all(net);
    rh_logf(net->log, RH_LOG_INFO, "stopping (%zu connections left)", rh_srv_conn_count(net->srv));
    close_handle((uv_handle_t *)&net->tick);
    close_handle((uv_handle_t *)&net->busy);
    close_handle((uv_handle_t *)&net->stop_timer);
    close_handle((uv_handle_t *)&net->sigint);
    close_handle((uv_handle_t *)&net->sigterm);
    if (net->ctx)
        lws_context_destroy(net->ctx);
}

/* 1 while an HTTP request is being read or its answer is waiting to be written: a graceful
 * stop lets those finish (requests whose client left are not waited for). */
static int http_in_flight(const rh_net *net)
{
    for (const rh_http_pend *p = net->pend_head; p; p = p->next)
        if (p->wsi)
            return 1;
    return 0;
}

static void on_stop_poll(uv_timer_t *t)
{
    rh_net *net = t->data;
    uint64_t waited = rh_net_now_ms(net) - net->stop_started_ms;
    uint64_t limit = (uint64_t)net->cfg->shutdown_timeout * 1000u;
    int idle = rh_srv_conn_count(net->srv) == 0 && !http_in_flight(net);
    if (idle || waited >= limit) {
        if (!idle)
            rh_logf(net->log, RH_LOG_WARN,
                    "shutdown_timeout (%d s) reached: %zu connections, %zu bytes unsent",
                    net->cfg->shutdown_timeout, rh_srv_conn_count(net->srv), net->qbytes);
        uv_timer_stop(t);
        finish_stop(net);
    }
}

void rh_net_stop(rh_net *net)
{
    if (net->stopping) {
        /* A second signal: no more waiting for slow peers. */
        uv_timer_stop(&net->stop_timer);
        finish_stop(net);
        return;
    }
    net->stopping = 1;
    net->stop_started_ms = rh_net_now_ms(net);
    rh_logf(net->log, RH_LOG_INFO, "shutting down: closing %zu connections",
            rh_srv_conn_count(net->srv));
    rh_srv_shutdown(net->srv);
    if (!net->listening) {
        finish_stop(net);
        return;
    }
    uv_timer_start(&net->stop_timer, on_stop_poll, STOP_POLL_MS, STOP_POLL_MS);
}

static void on_signal(uv_signal_t *s, int signum)
{
    rh_net *net = s->data;
    rh_logf(net->log, RH_LOG_INFO, "signal %d", signum);
    rh_net_stop(net);
}

static void on_tick(uv_timer_t *t)
{
    rh_net *net = t->data;
    rh_srv_tick(net->srv);
    rh_net_http_expire(net, rh_net_now_ms(net));
}

static int init_handles(rh_net *net, char *err, size_t errlen)
{
    int rc = uv_timer_init(net->loop, &net->tick);
    if (!rc) {
        net->tick.data = net;
        rc = uv_timer_init(net->loop, &net->stop_timer);
    }
    if (!rc) {
        net->stop_timer.data = net;
        rc = uv_signal_init(net->loop, &net->sigint);
    }
    if (!rc) {
        net->sigint.data = net;
        rc = uv_signal_init(net->loop, &net->sigterm);
    }
    if (!rc) {
        net->sigterm.data = net;
        rc = uv_signal_start(&net->sigint, on_signal, SIGINT);
    }
    if (!rc)
        rc = uv_signal_start(&net->sigterm, on_signal, SIGTERM);
    if (!rc)
        rc = uv_timer_start(&net->tick, on_tick, TICK_MS, TICK_MS);
    if (!rc)
        rc = rh_net_busy_init(net);
    if (rc) {
        snprintf(err, errlen, "libuv: %s", uv_strerror(rc));
        return -1;
    }
    return 0;
}

/* Binds host:port once and lets go, so a busy port or a foreign address is reported here.
 * lws 4.1 handles both badly on a foreign libuv loop: an address that does not exist is
 * retried forever in the background, and a failed context creation unloads its libuv
 * plugin while close callbacks into it are still queued on our loop. */
static int probe_bind(const char *host, int port, char *numeric, size_t numlen, char *err,
                      size_t errlen)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    close(fd);
    /* lws takes an interface name or a numeric address, not a host name */
    rc = getnameinfo(res->ai_addr, res->ai_addrlen, numeric, (socklen_t)numlen, NULL, 0,
                     NI_NUMERICHOST);
    freeaddrinfo(res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, gai_strerror(rc));
        return -1;
    }
    return 0;
}

/* A missing or unreadable certificate or key is named here: lws would only fail to create
 * its context, which reads like a busy port. */
static int check_readable(const char *what, const char *path, char *err, size_t errlen)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot read %s %s: %s", what, path ? path : "(none)",
                 strerror(errno));
        return -1;
    }
    fclose(f);
    return 0;
}

int rh_net_listen(rh_net *net, const char *host, int port, char *err, size_t errlen)
{
    char numeric[NI_MAXHOST];
    if (net->cfg->tls_cert && (check_readable("tls_cert", net->cfg->tls_cert, err, errlen) != 0 ||
                               check_readable("tls_key", net->cfg->tls_key, err, errlen) != 0))
        return -1;
    if (probe_bind(host, port, numeric, sizeof numeric, err, errlen) != 0)
        return -1;
    host = numeric;
    if (net->log->level >= RH_LOG_DEBUG)
        lws_set_log_level(getenv("RH_LWS_DEBUG") ? 0x7ff : LLL_ERR | LLL_WARN | LLL_NOTICE,
                          lws_log_emit);
    else
        lws_set_log_level(LLL_ERR, lws_log_emit);

    if (init_handles(net, err, errlen) != 0)
        return -1;
    struct rlimit rl;
    unsigned long long nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
    net->fd_cap = rh_httpedge_fd_cap(nofile);
    rh_logf(net->log, RH_LOG_INFO, "connections capped at %lu descriptors (open-file limit %llu)",
            net->fd_cap, nofile);

    net->protocols[0] = (struct lws_protocols){
        .name = "pusher",
        .callback = lws_cb,
        .per_session_data_size = sizeof(rh_pss),
        /* lws allocates this (+ LWS_PRE + 4) per connection; ws.c reassembles messages itself,
         * so a small buffer only means more callbacks for large messages. 128 still holds a
         * whole control frame (at most 125 bytes of payload), so close and ping payloads arrive
         * in one piece. lws also reads at most this + LWS_PRE bytes per read from a WebSocket
         * (clients send little). 16384 cost ~3 KB of RSS per idle connection, 256 128 B more
         * than 128. */
        .rx_buffer_size = 128,
        /* Without it lws 4.1 caps every send() at rx_buffer_size + LWS_PRE + 4 bytes, so any
         * frame or HTTP answer over ~1 KiB would go out in POLLOUT round trips of 1 KiB.
         * It sizes no buffer: only the largest single send. */
        .tx_packet_size = 65536,
    };
    void *foreign[1] = {net->loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = host;
    info.protocols = net->protocols;
    info.options = LWS_SERVER_OPTION_LIBUV;
    /* With IPv6 on, lws 4.1 cannot map an IPv4 address onto its IPv6 socket and silently
     * listens on every interface instead: keep IPv4 hosts on an IPv4 socket. */
    if (!strchr(host, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = foreign;
    info.user = net;
    info.pcontext = &net->ctx;
    info.max_http_header_data = 8192;
    /* Header buffers are allocated on demand; when all are taken lws stops accepting. Half-open
     * and slowloris sockets each hold one, so the cap is high and an idle holder is cut after
     * 5 s (lws' default is 10). ci/soak abuses this with 400 such sockets. */
    info.max_http_header_pool = 1024;
    info.timeout_secs_ah_idle = 5;
    info.server_string = "rehome";
    info.vhost_name = "default";
    if (net->cfg->tls_cert && net->cfg->tls_key) {
        /* One port serves https:// and wss://. ALPN is pinned to HTTP/1.1: the edge speaks
         * HTTP/1 and RFC 6455 upgrades only (no HTTP/2 streams or RFC 8441 WebSockets). */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = net->cfg->tls_cert;
        info.ssl_private_key_filepath = net->cfg->tls_key;
        info.alpn = "http/1.1";
        /* Each read must take a whole TLS record (16 KiB of plaintext): with lws' default 4 KiB
         * the rest of a record waits inside OpenSSL, where poll() cannot see it, and a large
         * request body stalls until some other event wakes the connection. */
        info.pt_serv_buf_size = 32768;
    }

    /* lws only clears *pcontext (when destroyed); set it ourselves. */
    net->ctx = lws_create_context(&info);
    if (!net->ctx) {
        net->lws_failed = 1;
        snprintf(err, errlen, "cannot listen on %s:%d (address in use or not available%s)", host,
                 port, net->cfg->tls_cert ? ", or tls_cert/tls_key not a matching PEM pair" : "");
        return -1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(net->ctx, "default");
    int bound = vh ? lws_get_vhost_listen_port(vh) : -1;
    if (bound <= 0) {
        snprintf(err, errlen, "cannot listen on %s:%d", host, port);
        return -1;
    }
    net->listening = 1;
    return bound;
}

void rh_net_run(rh_net *net)
{
    uv_run(net->loop, UV_RUN_DEFAULT);
    /* With a foreign loop, destruction may need one more call once the loop is idle. */
    if (net->ctx) {
        lws_context_destroy(net->ctx);
        uv_run(net->loop, UV_RUN_DEFAULT);
    }
}

void rh_net_free(rh_net *net)
{
    if (!net)
        return;
    if (net->lws_failed) {
        /* Running the loop now would call into the unloaded lws plugin: leave the loop's
         * remaining handles to process exit. */
        rh_net_ws_free_all(net);
        rh_net_http_free_all(net);
        rh_srv_free(net->srv);
        free(net);
        return;
    }
    if (net->ctx) {
        lws_context_destroy(net->ctx);
        uv_run(net->loop, UV_RUN_DEFAULT);
        if (net->ctx)
            lws_context_destroy(net->ctx);
    }
    rh_net_whc_abort_all(net);
    close_handle((uv_handle_t *)&net->tick);
    close_handle((uv_handle_t *)&net->busy);
    close_handle((uv_handle_t *)&net->stop_timer);
    close_handle((uv_handle_t *)&net->sigint);
    close_handle((uv_handle_t *)&net->sigterm);
    uv_run(net->loop, UV_RUN_DEFAULT);
    rh_net_ws_free_all(net);
    rh_net_http_free_all(net);
    rh_srv_free(net->srv);
    free(net);
}
