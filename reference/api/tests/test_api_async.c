/* The HTTP path with a store that answers later (as the Redis store will): a wrapper around
 * the memory store that queues every operation until the test flushes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"

#define CH "private-workspace.acme.thread.t1"
#define START                                                                                      \
    "{\"workspace_id\":\"acme\",\"thread_id\":\"t1\",\"run_id\":\"r1\",\"stream_id\":\"s1\"}"
#define TOKENS "/apps/app-id/streams/s1/tokens"

enum { OP_START, OP_APPEND, OP_END, OP_GET, OP_REPLAY };

typedef struct pending {
    struct pending *next;
    int op;
    char app[64], sid[RH_STORE_ID_MAX + 1];
    char ws[RH_STORE_ID_MAX + 1], th[RH_STORE_ID_MAX + 1], run[RH_STORE_ID_MAX + 1];
    size_t n;
    rh_store_tok *toks; /* copies, as a real asynchronous store must make */
    uint64_t after;
    int reason;
    uint64_t now;
    rh_store_cb cb;
    void *ud;
} pending;

typedef struct defer_store {
    rh_store base;
    rh_store *mem;
    pending *head, *tail;
} defer_store;

static pending *push(rh_store *st, int op, const char *app, const char *sid, rh_store_cb cb,
                     void *ud)
{
    defer_store *d = (defer_store *)st;
    pending *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->op = op;
    snprintf(p->app, sizeof p->app, "%s", app);
    snprintf(p->sid, sizeof p->sid, "%s", sid);
    p->cb = cb;
    p->ud = ud;
    if (d->tail)
        d->tail->next = p;
    else
        d->head = p;
    d->tail = p;
    return p;
}

static void d_start(rh_store *st, const char *app, const rh_store_ids *ids, rh_store_cb cb,
                    void *ud)
{
    pending *p = push(st, OP_START, app, ids->stream_id, cb, ud);
    snprintf(p->ws, sizeof p->ws, "%s", ids->workspace_id);
    snprintf(p->th, sizeof p->th, "%s", ids->thread_id);
    snprintf(p->run, sizeof p->run, "%s", ids->run_id);
}

static void d_append(rh_store *st, const char *app, const char *sid, const rh_store_tok *toks,
                     size_t n, rh_store_cb cb, void *ud)
{
    pending *p = push(st, OP_APPEND, app, sid, cb, ud);
    p->n = n;
    if (toks) {
        p->toks = calloc(n, sizeof *p->toks);
        assert_non_null(p->toks);
        for (size_t i = 0; i < n; i++) {
            char *c = malloc(toks[i].len + 1);
            assert_non_null(c);
            memcpy(c, toks[i].s, toks[i].len);
            p->toks[i] = (rh_store_tok){c, toks[i].len};
        }
    }
}

static void free_toks(pending *p)
{
    for (size_t i = 0; p->toks && i < p->n; i++)
        free((char *)p->toks[i].s);
    free(p->toks);
}

static void d_replay(rh_store *st, const char *app, const char *sid, uint64_t after, size_t limit,
                     rh_store_cb cb, void *ud)
{
    pending *p = push(st, OP_REPLAY, app, sid, cb, ud);
    p->after = after;
    p->n = limit;
}

static void d_end(rh_store *st, const char *app, const char *sid, int reason, uint64_t now,
                  rh_store_cb cb, void *ud)
{
    pending *p = push(st, OP_END, app, sid, cb, ud);
    p->reason = reason;
    p->now = now;
}

static void d_get(rh_store *st, const char *app, const char *sid, rh_store_cb cb, void *ud)
{
    push(st, OP_GET, app, sid, cb, ud);
}

static void d_expire(rh_store *st, uint64_t now, uint64_t ttl, rh_store_cb cb, void *ud)
{
    rh_store_expire(((defer_store *)st)->mem, now, ttl, cb, ud);
}

/* Runs every queued operation, in order. Returns how many ran. */
static size_t flush(rh_store *st)
{
    defer_store *d = (defer_store *)st;
    size_t n = 0;
    while (d->head) {
        pending *p = d->head;
        d->head = p->next;
        if (!d->head)
            d->tail = NULL;
        rh_store_ids ids = {p->ws, p->th, p->run, p->sid, 0};
        if (p->op == OP_START)
            rh_store_start(d->mem, p->app, &ids, p->cb, p->ud);
        else if (p->op == OP_APPEND)
            rh_store_append(d->mem, p->app, p->sid, p->toks, p->n, p->cb, p->ud);
        else if (p->op == OP_END)
            rh_store_end(d->mem, p->app, p->sid, p->reason, p->now, p->cb, p->ud);
        else if (p->op == OP_REPLAY)
            rh_store_replay(d->mem, p->app, p->sid, p->after, p->n, p->cb, p->ud);
        else
            rh_store_get(d->mem, p->app, p->sid, p->cb, p->ud);
        free_toks(p);
        free(p);
        n++;
    }
    return n;
}

static void d_destroy(rh_store *st)
{
    defer_store *d = (defer_store *)st;
    while (d->head) {
        pending *p = d->head;
        d->head = p->next;
        rh_store_reply r = {.status = RH_STORE_ERROR, .error = "store closed"};
        if (p->cb)
            p->cb(p->ud, &r);
        free_toks(p);
        free(p);
    }
    rh_store_free(d->mem);
    free(d);
}

static const rh_store_ops defer_ops = {
    .start = d_start,
    .append = d_append,
    .end = d_end,
    .get = d_get,
    .replay = d_replay,
    .expire = d_expire,
    .destroy = d_destroy,
};

static rh_store *defer_new(void)
{
    defer_store *d = calloc(1, sizeof *d);
    d->base.ops = &defer_ops;
    d->mem = rh_store_memory_new(NULL);
    return &d->base;
}

static int setup(void **state)
{
    fx *f = fx_new_with(NULL, defer_new());
    char sid[64];
    if (!f || !fx_connect(f, 1, sid, sizeof sid) || !fx_subscribe(f, 1, sid, CH))
        return -1;
    f->async = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

static void test_answers_after_flush(void **state)
{
    fx *f = *state;
    fx_http(f, "POST", "/apps/app-id/streams", NULL, START);
    assert_int_equal(f->calls, 0);
    assert_int_equal(flush(f->store), 1);
    assert_int_equal(f->calls, 1);
    assert_int_equal(f->status, 201);

    /* two token requests and two ends in flight at once */
    size_t base = f->nframes;
    f->nanswers = 0;
    fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"a\",\"b\"]}");
    fx_http(f, "POST", TOKENS, NULL, "{\"tokens\":[\"c\",\"d\",\"e\"]}");
    fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, "{\"reason\":\"failed\"}");
    fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, NULL);
    fx_http(f, "POST", TOKENS, NULL, "{\"token\":\"late\"}");
    assert_int_equal(f->nanswers, 0);
    assert_int_equal(f->nframes, base);
    fx_forget_answer(f);
    assert_int_equal(flush(f->store), 5);
    assert_int_equal(f->nanswers, 5);
    int want[] = {200, 200, 200, 200, 409};
    for (int i = 0; i < 5; i++)
        assert_int_equal(f->answers[i], want[i]);
    /* each answer after its own broadcasts: 2 tokens, 3 tokens, the end, nothing more */
    assert_int_equal(f->answer_frames[0], base + 2);
    assert_int_equal(f->answer_frames[1], base + 5);
    assert_int_equal(f->answer_frames[2], base + 6);
    assert_int_equal(f->answer_frames[3], base + 6);
    assert_int_equal(f->answer_frames[4], base + 6);
    cJSON *fr[16];
    size_t n = fx_frames(f, 1, NULL, fr, 16);
    assert_int_equal(n, 8);
    for (int i = 0; i < 5; i++) {
        cJSON *d = fx_data(fr[2 + i]);
        assert_int_equal(fx_num(d, "seq"), i + 1);
        cJSON_Delete(d);
    }
    cJSON *d = fx_data(fr[7]);
    assert_int_equal(fx_num(d, "last_seq"), 5);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(d, "reason")), "failed");
    cJSON_Delete(d);
    fx_delete_all(fr, n);
    /* the last answer was the 409; the second end said already_ended with the first reason */
    fx_http(f, "POST", "/apps/app-id/streams/s1/end", NULL, NULL);
    flush(f->store);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "already_ended")));
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "reason")), "failed");
    fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL);
    flush(f->store);
    assert_int_equal(f->status, 200);
}

/* Operations still pending when the server goes away are answered (500) by the store, and
 * the api touches nothing of the freed server then. */
static void test_pending_at_shutdown(void **state)
{
    fx *f = *state;
    fx_http(f, "POST", "/apps/app-id/streams", NULL, START);
    flush(f->store);
    fx_http(f, "POST", TOKENS, NULL, "{\"token\":\"a\"}");
    fx_http(f, "GET", "/apps/app-id/streams/s1", NULL, NULL);
    f->nanswers = 0;
    rh_srv_free(f->srv);
    f->srv = NULL;
    rh_store_free(f->store);
    f->store = NULL;
    assert_int_equal(f->nanswers, 2);
    assert_int_equal(f->answers[0], 500);
    assert_int_equal(f->answers[1], 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_answers_after_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_at_shutdown, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
