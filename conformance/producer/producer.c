/* rc_prod: the producer driver's process, pipes and reader thread. See producer.h. */
#include "producer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "runner/internal.h"

#define PROD_HELLO_MS 10000
#define PROD_MAX_LINE (4 << 20)

typedef struct waiter {
    long long id;
    int done;
    rc_pp_answer a;
    struct waiter *next;
} waiter;

struct rc_producer {
    pid_t pid;
    int in_fd; /* the driver's stdin */
    FILE *out; /* the driver's stdout */
    pthread_t reader;
    int reading;         /* the reader thread was started */
    pthread_mutex_t wmu; /* the writes to in_fd, one line at a time */
    pthread_mutex_t mu;  /* everything below */
    pthread_cond_t cv;
    long long next_id;
    waiter *waiting;
    char dead[1024]; /* "" while usable; else why not */
};

static void set_dead(rc_producer *p, const char *why)
{
    if (!p->dead[0])
        snprintf(p->dead, sizeof p->dead, "%s", why);
    pthread_cond_broadcast(&p->cv);
}

static void deliver(rc_producer *p, rc_pp_answer *a)
{
    for (waiter *w = p->waiting; w; w = w->next)
        if (w->id == a->id && !w->done) {
            w->a = *a;
            w->done = 1;
            pthread_cond_broadcast(&p->cv);
            return;
        }
    rc_pp_answer_free(a); /* an answer to a request that timed out: dropped */
}

static void *reader_main(void *arg)
{
    rc_producer *p = arg;
    char *line = NULL, err[400], why[700];
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, p->out)) > 0) {
        rc_pp_answer a;
        if (n > PROD_MAX_LINE) {
            pthread_mutex_lock(&p->mu);
            set_dead(p, "producer driver sent a line over 4 MiB");
            pthread_mutex_unlock(&p->mu);
            break;
        }
        if (strspn(line, " \t\r\n") == (size_t)n)
            continue;
        int rv = rc_pp_parse_answer(line, &a, err, sizeof err);
        pthread_mutex_lock(&p->mu);
        if (rv == -1) {
            snprintf(why, sizeof why, "producer driver broke the protocol: %s", err);
            set_dead(p, why);
        } else if (rv == -2) {
            a.error = strdup(err);
            deliver(p, &a);
        } else {
            deliver(p, &a);
        }
        pthread_mutex_unlock(&p->mu);
        if (rv == -1)
            break;
    }
    free(line);
    pthread_mutex_lock(&p->mu);
    set_dead(p, "producer driver closed its stdout (exited?)");
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int spawn(rc_producer *p, const char *cmd, char *err, size_t errlen)
{
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    p->pid = fork();
    if (p->pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (p->pid == 0) {
        setpgid(0, 0); /* its own group, so stopping it ends the children it started too */
        dup2(to[0], 0);
        dup2(from[1], 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    p->in_fd = to[1];
    p->out = fdopen(from[0], "r");
    return p->out ? 0 : -1;
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Sends op and waits for its answer. 0 with *a filled, or -1 with err. */
static int call(rc_producer *p, const cJSON *op, int timeout_ms, rc_pp_answer *a, char *line_out,
                size_t line_len, char *err, size_t errlen)
{
    waiter w = {0};
    struct timespec ts;
    int rv = -1;
    pthread_mutex_lock(&p->mu);
    w.id = ++p->next_id;
    char *line = rc_pp_request_line(w.id, op);
    if (line_out)
        snprintf(line_out, line_len, "%s", line ? line : "");
    if (p->dead[0] || !line) {
        snprintf(err, errlen, "%s", p->dead[0] ? p->dead : "out of memory");
        goto out;
    }
    w.next = p->waiting;
    /* w stays on the list only until this function unlinks it below, before returning */
    // cppcheck-suppress autoVariables
    p->waiting = &w;
    /* written without mu, so the reader can deliver answers while a write blocks on a full
     * pipe */
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_lock(&p->wmu);
    size_t len = strlen(line), off = 0;
    int wfail = 0;
    while (off < len) {
        ssize_t k = write(p->in_fd, line + off, len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            wfail = 1;
            break;
        }
        off += (size_t)k;
    }
    pthread_mutex_unlock(&p->wmu);
    pthread_mutex_lock(&p->mu);
    /* a driver that could not take the request may still have answered it (or be about to
     * close its stdout): the reader decides, within a second */
    deadline_in(&ts, wfail && timeout_ms > 1000 ? 1000 : timeout_ms);
    while (!w.done && !p->dead[0])
        if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT)
            break;
    for (waiter **pp = &p->waiting; *pp; pp = &(*pp)->next)
        if (*pp == &w) {
            *pp = w.next;
            break;
        }
    if (w.done && w.a.error)
        snprintf(err, errlen, "producer driver could not perform request %lld: %s", w.id,
                 w.a.error);
    else if (w.done)
        rv = 0;
    else if (p->dead[0])
        snprintf(err, errlen, "%s", p->dead);
    else if (wfail)
        snprintf(err, errlen, "producer driver closed its stdin (exited?)");
    else
        snprintf(err, errlen, "producer driver did not answer request %lld within %d ms", w.id,
                 timeout_ms);
    if (rv == 0)
        *a = w.a;
    else
        rc_pp_answer_free(&w.a);
out:
    pthread_mutex_unlock(&p->mu);
    free(line);
    return rv;
}

rc_producer *rc_prod_start(const char *cmd, char *err, size_t errlen)
{
    rc_producer *p = calloc(1, sizeof *p);
    rc_pp_answer a;
    char sub[1200];
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN); /* a driver gone is an error return, not a signal */
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->wmu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->in_fd = -1;
    err[0] = 0;
    if (spawn(p, cmd, err, errlen) < 0 ||
        !(p->reading = pthread_create(&p->reader, NULL, reader_main, p) == 0)) {
        if (!err[0])
            snprintf(err, errlen, "cannot start the producer driver's reader");
        rc_prod_stop(p);
        return NULL;
    }
    cJSON *hello = cJSON_CreateObject();
    cJSON_AddStringToObject(hello, "op", "hello");
    cJSON_AddStringToObject(hello, "protocol", RC_PP_VERSION);
    int rv = call(p, hello, PROD_HELLO_MS, &a, NULL, 0, sub, sizeof sub);
    cJSON_Delete(hello);
    if (rv == 0) { /* an answer came: judged, then freed whatever it says */
        if (a.status != 200)
            snprintf(sub, sizeof sub, "hello answered status %d, not 200", a.status), rv = -1;
        else
            rv = rc_pp_check_hello(a.body, sub, sizeof sub);
        rc_pp_answer_free(&a);
    }
    if (rv < 0) {
        snprintf(err, errlen, "producer driver \"%s\": %s", cmd, sub);
        rc_prod_stop(p);
        return NULL;
    }
    return p;
}

void rc_prod_stop(rc_producer *p)
{
    if (!p)
        return;
    if (p->in_fd >= 0)
        close(p->in_fd);
    if (p->pid > 0) {
        int st;
        for (int i = 0; i < 40 && waitpid(p->pid, &st, WNOHANG) == 0; i++)
            usleep(25000);
        if (waitpid(p->pid, &st, WNOHANG) == 0) {
            kill(-p->pid, SIGTERM);
            waitpid(p->pid, &st, 0);
        }
    }
    if (p->pid > 0)
        kill(-p->pid, SIGTERM); /* what the driver left running may still hold its stdout */
    if (p->reading)
        pthread_join(p->reader, NULL);
    if (p->out)
        fclose(p->out);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->wmu);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int rc_prod_http(rc_ctx *ctx, rc_producer *p, const char *method, const char *pq, const char *body,
                 size_t body_len, rc_http_resp *resp)
{
    const rc_target *t = rc_target_of(ctx);
    cJSON *op;
    rc_pp_answer a;
    char err[1200], line[2048];
    if (!rc_pp_translate(t->app_id, t->app_key, t->app_secret, (long)time(NULL), method, pq, body,
                         body_len, &op))
        return 1;
    int rv = call(p, op, rc__timeout(ctx, RC_DEFAULT_TIMEOUT_MS * 2), &a, line, sizeof line, err,
                  sizeof err);
    cJSON_Delete(op);
    rc__wire(ctx, "out", "producer> ", line, strlen(line), 0);
    if (rv < 0) {
        rc_error(ctx, "%s", err);
        return -1;
    }
    snprintf(err, sizeof err, "%d %s", a.status, a.body);
    rc__wire(ctx, "in", "producer< ", err, strlen(err), 0);
    memset(resp, 0, sizeof *resp);
    resp->status = a.status;
    resp->headers = strdup("");
    resp->body = a.body;
    resp->body_len = strlen(a.body);
    resp->json = cJSON_Parse(a.body);
    a.body = NULL;
    rc_pp_answer_free(&a);
    return 0;
}
