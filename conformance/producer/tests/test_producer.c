/* Unit tests of the producer driver: the translation of control API requests into driver
 * operations, the answer parser, and drivers that answer out of order, die or send garbage
 * (harness ERROR with a clear message, never a server verdict). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "producer/producer.h"
#include "producer/proto.h"
#include "proto/httpsig.h"
#include "runner/internal.h"

static char *signed_pq(const char *method, const char *path, const char *body, const char *extra)
{
    char *q = rh_httpsig_build_query("app-key", "app-secret", method, path, (long)time(NULL), body,
                                     body ? strlen(body) : 0, extra);
    char *pq = NULL;
    assert_non_null(q);
    assert_true(asprintf(&pq, "%s?%s", path, q) > 0);
    free(q);
    return pq;
}

static cJSON *tr(const char *method, const char *path, const char *body, const char *extra)
{
    char *pq = signed_pq(method, path, body, extra);
    cJSON *op = NULL;
    int rv = rc_pp_translate("app-id", "app-key", "app-secret", (long)time(NULL), method, pq, body,
                             body ? strlen(body) : 0, &op);
    free(pq);
    assert_int_equal(rv, op != NULL);
    return op;
}

static const char *opname(const cJSON *op)
{
    return cJSON_GetObjectItem(op, "op")->valuestring;
}

static void test_translate(void **state)
{
    (void)state;
    cJSON *op = tr(
        "POST", "/apps/app-id/streams",
        "{\"workspace_id\":\"w\",\"thread_id\":\"t\",\"run_id\":\"r\",\"stream_id\":\"s\"}", NULL);
    assert_string_equal(opname(op), "start");
    assert_string_equal(cJSON_GetObjectItem(op, "thread_id")->valuestring, "t");
    cJSON_Delete(op);
    op = tr("POST", "/apps/app-id/streams/s%2D1/tokens", "{\"tokens\":[\"a\",\"b\"]}", NULL);
    assert_string_equal(opname(op), "append");
    assert_string_equal(cJSON_GetObjectItem(op, "stream_id")->valuestring, "s-1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(op, "tokens")), 2);
    cJSON_Delete(op);
    op = tr("POST", "/apps/app-id/streams/s/end", NULL, NULL);
    assert_string_equal(opname(op), "end");
    assert_null(cJSON_GetObjectItem(op, "reason"));
    cJSON_Delete(op);
    op = tr("GET", "/apps/app-id/streams/s", NULL, NULL);
    assert_string_equal(opname(op), "state");
    cJSON_Delete(op);
    op = tr("GET", "/apps/app-id/streams/s/tokens", NULL, "after_seq=3&limit=2");
    assert_string_equal(opname(op), "replay");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(op, "query"), "after_seq")->valuestring, "3");
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(op, "query"), "auth_key"));
    cJSON_Delete(op);
}

static void test_not_translated(void **state)
{
    (void)state;
    cJSON *op = NULL;
    /* requests probing the HTTP surface go to the control API itself */
    assert_null(tr("POST", "/apps/app-id/streams/s/tokens", "{\"token\":5}", NULL));
    assert_null(
        tr("POST", "/apps/app-id/streams/s/tokens", "{\"token\":\"a\",\"tokens\":[]}", NULL));
    assert_null(tr("POST", "/apps/app-id/streams/s/tokens", "not json", NULL));
    assert_null(tr("POST", "/apps/app-id/streams/s/tokens", "{\"token\":\"\\u0000\"}", NULL));
    assert_null(tr("POST", "/apps/app-id/streams/s/tokens", "{\"token\":\"\xff\"}", NULL));
    assert_null(tr("POST", "/apps/app-id/streams", "{\"extra\":\"x\"}", NULL));
    assert_null(tr("DELETE", "/apps/app-id/streams/s", NULL, NULL));
    assert_null(tr("POST", "/apps/app-id/events", "{}", NULL));
    /* unsigned or signed with another secret */
    const char *b = "{\"token\":\"a\"}";
    assert_int_equal(rc_pp_translate("app-id", "app-key", "app-secret", (long)time(NULL), "POST",
                                     "/apps/app-id/streams/s/tokens", b, strlen(b), &op),
                     0);
    char *pq = signed_pq("POST", "/apps/app-id/streams/s/tokens", b, NULL);
    assert_int_equal(rc_pp_translate("app-id", "app-key", "other", (long)time(NULL), "POST", pq, b,
                                     strlen(b), &op),
                     0);
    free(pq);
}

static void test_answers(void **state)
{
    (void)state;
    rc_pp_answer a;
    char err[300];
    assert_int_equal(rc_pp_parse_answer("{\"id\":3,\"status\":201,\"body\":{\"last_seq\":0}}", &a,
                                        err, sizeof err),
                     0);
    assert_int_equal(a.id, 3);
    assert_int_equal(a.status, 201);
    assert_string_equal(a.body, "{\"last_seq\":0}");
    rc_pp_answer_free(&a);
    assert_int_equal(rc_pp_parse_answer("{\"id\":4,\"error\":\"db down\"}", &a, err, sizeof err),
                     0);
    assert_string_equal(a.error, "db down");
    rc_pp_answer_free(&a);
    assert_int_equal(rc_pp_parse_answer("{\"id\":5,\"status\":\"200\"}", &a, err, sizeof err), -2);
    assert_int_equal(a.id, 5);
    assert_int_equal(rc_pp_parse_answer("{\"id\":5,\"status\":700}", &a, err, sizeof err), -2);
    assert_int_equal(rc_pp_parse_answer("hello", &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a protocol answer"));
    assert_int_equal(rc_pp_parse_answer("{\"id\":1.5,\"status\":200}", &a, err, sizeof err), -1);
    cJSON *op = cJSON_Parse("{\"op\":\"state\"}");
    char *line = rc_pp_request_line(7, op);
    cJSON_Delete(op);
    assert_non_null(strstr(line, "\"id\":7"));
    assert_int_equal(line[strlen(line) - 1], '\n');
    free(line);
    assert_int_equal(rc_pp_check_hello("{\"protocol\":\"rehome-producer/1\"}", err, sizeof err), 0);
    assert_int_equal(rc_pp_check_hello("{\"protocol\":\"rehome-producer/2\"}", err, sizeof err),
                     -1);
}

static void nop(rc_ctx *ctx)
{
    (void)ctx;
}

static const rc_case the_case = {.id = "stream/9/x",
                                 .section = "9",
                                 .level = RC_MUST,
                                 .basis = RC_CONTRACT,
                                 .title = "t",
                                 .requirement = "r",
                                 .tags = "",
                                 .timeout_ms = 5000,
                                 .run = nop};

/* One state request through a driver given as a shell script; the verdict it leaves. */
static rc_verdict through(const char *script, int *status, char *msg, size_t msglen)
{
    static rc_rng rng;
    char err[1200];
    rc_target t = {.app_id = "app-id", .app_key = "app-key", .app_secret = "app-secret"};
    rc_ctx ctx;
    rc_result res;
    rc_http_resp r = {0};
    rc_producer *p = rc_prod_start(script, err, sizeof err);
    if (!p) {
        snprintf(msg, msglen, "%s", err);
        return RC__VERDICTS;
    }
    rc_rng_init(&rng, 1);
    rc_ctx_init(&ctx, &the_case, &t, &rng, 3000, 10);
    char *pq = signed_pq("GET", "/apps/app-id/streams/s", NULL, NULL);
    int rv = rc_prod_http(&ctx, p, "GET", pq, NULL, 0, &r);
    free(pq);
    *status = rv == 0 ? r.status : -1;
    rc_http_resp_free(&r);
    rc_ctx_finish(&ctx, &res);
    snprintf(msg, msglen, "%s", res.message ? res.message : "");
    rc_verdict v = res.verdict;
    rc_result_free(&res);
    rc_prod_stop(p);
    return v;
}

#define HELLO                                                                                      \
    "read l; echo '{\"id\":1,\"status\":200,\"body\":{\"protocol\":\"rehome-producer/1\"}}'; "

static void test_driver_processes(void **state)
{
    (void)state;
    char msg[1200];
    int st;
    assert_int_equal(
        through(HELLO "read l; echo '{\"id\":2,\"status\":404,\"body\":{}}'", &st, msg, sizeof msg),
        RC_PASS);
    assert_int_equal(st, 404);
    assert_int_equal(through(HELLO "exit 0", &st, msg, sizeof msg), RC_ERROR);
    assert_non_null(strstr(msg, "producer driver"));
    assert_int_equal(
        through(HELLO "read l; echo 'Traceback (most recent call last)'", &st, msg, sizeof msg),
        RC_ERROR);
    assert_non_null(strstr(msg, "broke the protocol"));
    assert_int_equal(
        through(HELLO "read l; echo '{\"id\":2,\"error\":\"no db\"}'", &st, msg, sizeof msg),
        RC_ERROR);
    assert_non_null(strstr(msg, "no db"));
    assert_int_equal(through(HELLO "read l; sleep 5", &st, msg, sizeof msg), RC_ERROR);
    assert_non_null(strstr(msg, "did not answer"));
    /* a driver that does not speak the protocol at start is refused with a message */
    assert_int_equal(
        through("read l; echo '{\"id\":1,\"status\":200,\"body\":{\"protocol\":\"v9\"}}'", &st, msg,
                sizeof msg),
        RC__VERDICTS);
    assert_non_null(strstr(msg, "rehome-producer/1"));
    assert_int_equal(through("exit 3", &st, msg, sizeof msg), RC__VERDICTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translate),
        cmocka_unit_test(test_not_translated),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_driver_processes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
