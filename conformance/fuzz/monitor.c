/* nf_monitor: canary, liveness and RSS (monitor.h). */
#include "monitor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wire/clock.h"
#include "wire/proc.h"
#include "wire/pscan.h"
#include "wire/pusher.h"

static int wait_event(rc_ws *ws, int kind, const char *event, int64_t dl, char *sid)
{
    for (;;) {
        rc_ws_msg m;
        int left = rw_left_ms(dl);
        if (left <= 0 || rc_ws_recv(ws, left, &m) <= 0)
            return -1;
        rw_pscan p;
        if (m.opcode != RC_WS_TEXT || rw_pscan_frame(m.data, m.len, &p) < 0)
            continue;
        if ((kind && (int)p.kind == kind) ||
            (event && p.event_len == strlen(event) && memcmp(p.event, event, p.event_len) == 0)) {
            if (sid)
                snprintf(sid, 64, "%s", p.socket_id);
            return 0;
        }
    }
}

/* The transport's waits end with the canary's deadline. */
static int clip(void *ud, int ms)
{
    int left = rw_left_ms(*(const int64_t *)ud);
    return ms < 0 || ms > left ? left : ms;
}

int nf_canary_once(const nf_target *t, int *ms, const char **kind, char *why, size_t whylen)
{
    int64_t t0 = rw_now_ns(), dl = rw_deadline_ns(NF_CANARY_MS * 2);
    rc_hooks h = {.ud = &dl, .timeout = clip};
    char sid[64], chan[64];
    snprintf(chan, sizeof chan, "fz-canary-%ld", (long)(t0 % 1000000));
    rc_ws *ws = rc_ws_connect(&h, &t->ep, t->ws_path, NULL, 1, NULL);
    const char *step = "connect";
    int ok = ws != NULL;
    if (ok &&
        (step = "connection_established", wait_event(ws, RW_PSCAN_ESTABLISHED, NULL, dl, sid) < 0))
        ok = 0;
    char *sub = ok ? rw_pusher_subscribe(chan, NULL, NULL) : NULL;
    if (ok && (step = "subscribe", !sub || rc_ws_send_text(ws, sub, strlen(sub)) < 0 ||
                                       wait_event(ws, RW_PSCAN_SUBSCRIBED, NULL, dl, NULL) < 0))
        ok = 0;
    free(sub);
    if (ok) {
        step = "publish";
        char path[300], body[256];
        snprintf(path, sizeof path, "/apps/%s/events", t->app_id);
        snprintf(body, sizeof body, "{\"name\":\"fz-canary\",\"channel\":\"%s\",\"data\":\"1\"}",
                 chan);
        char *target = rw_pusher_api_target(t->key, t->secret, "POST", path, NULL, body,
                                            strlen(body), (long)time(NULL));
        rc_http_resp resp = {0};
        ok = target &&
             rc_http_request(&h, &t->ep, "POST", target, NULL, body, strlen(body), &resp) == 0 &&
             resp.status == 200;
        rc_http_resp_free(&resp);
        free(target);
    }
    /* step names the stage that failed for the message below; each stage sets it */
    // cppcheck-suppress redundantAssignment
    if (ok && (step = "receive", wait_event(ws, 0, "fz-canary", dl, NULL) < 0))
        ok = 0;
    rc_ws_free(ws);
    *ms = (int)((rw_now_ns() - t0) / 1000000);
    if (ok && *ms <= NF_CANARY_MS)
        return 0;
    *kind = ok ? "slow" : "hang";
    if (ok)
        snprintf(why, whylen, "canary took %d ms (limit %d ms)", *ms, NF_CANARY_MS);
    else
        snprintf(why, whylen, "canary failed at %s after %d ms", step, *ms);
    return -1;
}

int nf_pid_alive(int pid)
{
    if (pid <= 0)
        return 1;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    char *st = rw_file_read(path, 512, NULL);
    const char *rp = st ? strrchr(st, ')') : NULL;
    int zombie = rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
    free(st);
    return !zombie;
}

static void fire(nf_monitor *m, const char *oracle, const char *detail)
{
    pthread_mutex_lock(&m->mu);
    if (!m->oracle[0] && !m->paused) {
        snprintf(m->oracle, sizeof m->oracle, "%s", oracle);
        snprintf(m->detail, sizeof m->detail, "%s", detail);
    }
    pthread_mutex_unlock(&m->mu);
}

static void *loop(void *arg)
{
    nf_monitor *m = arg;
    for (;;) {
        pthread_mutex_lock(&m->mu);
        int run = m->running, paused = m->paused, pid = m->pid;
        pthread_mutex_unlock(&m->mu);
        if (!run)
            break;
        int64_t next = rw_deadline_ns(500);
        if (!paused) {
            char why[256], d[300];
            const char *kind = "";
            int ms = 0;
            if (!nf_pid_alive(pid)) {
                snprintf(d, sizeof d, "server process %d died", pid);
                fire(m, "crash", d);
            } else if (nf_canary_once(m->t, &ms, &kind, why, sizeof why) < 0) {
                fire(m, kind, why);
            }
            long rss = pid > 0 ? rw_proc_rss_kb(pid) : -1;
            pthread_mutex_lock(&m->mu);
            m->canary_ms = ms;
            if (rss > 0 && m->rss_base_kb < 0)
                m->rss_base_kb = rss;
            m->rss_kb = rss;
            long base = m->rss_base_kb;
            pthread_mutex_unlock(&m->mu);
            if (rss > 0 && base > 0 && rss - base > m->rss_limit_kb) {
                snprintf(d, sizeof d, "server RSS grew from %ld kB to %ld kB (limit +%ld kB)", base,
                         rss, m->rss_limit_kb);
                fire(m, "leak", d);
            }
        }
        int left = rw_left_ms(next);
        if (left > 0)
            usleep((useconds_t)left * 1000);
    }
    return NULL;
}

void nf_monitor_init(nf_monitor *m, const nf_target *t, int pid, long rss_limit_kb)
{
    memset(m, 0, sizeof *m);
    m->t = t;
    m->pid = pid;
    m->rss_limit_kb = rss_limit_kb;
    m->rss_base_kb = -1;
    pthread_mutex_init(&m->mu, NULL);
}

int nf_monitor_start(nf_monitor *m)
{
    m->running = 1;
    if (pthread_create(&m->th, NULL, loop, m) != 0) {
        m->running = 0;
        return -1;
    }
    return 0;
}

void nf_monitor_stop(nf_monitor *m)
{
    pthread_mutex_lock(&m->mu);
    int was = m->running;
    m->running = 0;
    pthread_mutex_unlock(&m->mu);
    if (was)
        pthread_join(m->th, NULL);
    pthread_mutex_destroy(&m->mu);
}

void nf_monitor_pause(nf_monitor *m, int paused)
{
    pthread_mutex_lock(&m->mu);
    m->paused = paused;
    if (!paused) {
        m->oracle[0] = '\0';
        m->detail[0] = '\0';
        m->rss_base_kb = -1;
    }
    pthread_mutex_unlock(&m->mu);
}

void nf_monitor_fired(nf_monitor *m, char *oracle, size_t olen, char *detail, size_t dlen)
{
    pthread_mutex_lock(&m->mu);
    snprintf(oracle, olen, "%s", m->oracle);
    snprintf(detail, dlen, "%s", m->detail);
    pthread_mutex_unlock(&m->mu);
}
