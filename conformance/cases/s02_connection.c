/* Section 2 of docs/protocol.md: the URL and app key (2.1), connection_established (2.2) and
 * error shapes (2.5) (profile pusher); the helpers of pusher_common.h. Divergences the suite
 * accepts (pusher-protocol.md section 10): pusher:error data as an object or a string; pong
 * with or without data; 4001 and 4201 sent as a close code, or as pusher:error followed by
 * a TCP close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pusher_common.h"

#define QUICK_MS 3000

int rc_error_code_of(const rc_pmsg *m, long long *code)
{
    if (!m->event || strcmp(m->event, "pusher:error") != 0)
        return 0;
    const cJSON *d = m->data_parsed ? m->data_parsed : m->data;
    return rc_json_int(d, "code", code);
}

int rc_alive(rc_ctx *ctx, rc_pconn *pc, const char *when)
{
    const rc_pmsg *m;
    if (rc_pusher_send(pc, "pusher:ping", NULL, "{}") < 0) {
        rc_fail(ctx, "connection unusable %s: cannot send pusher:ping", when);
        return 0;
    }
    int r = rc_pusher_wait(pc, "pusher:pong", NULL, QUICK_MS, &m);
    if (r != 1) {
        rc_fail(ctx, "connection unusable %s: pusher:ping got %s", when,
                r == 0 ? "no pusher:pong" : "the connection closed");
        rc_expect_seen(ctx, "pusher:pong", r == 0 ? "nothing within 3 s" : "connection closed");
        return 0;
    }
    return 1;
}

int rc_bad_input(rc_ctx *ctx, rc_pconn *pc, const char *input, size_t len, int also_sub_error)
{
    if (rc_ws_send_text(pc->ws, input, len) < 0 ||
        rc_pusher_send(pc, "pusher:ping", NULL, "{}") < 0) {
        rc_fail(ctx, "connection closed while sending bad input %.80s", input);
        return 0;
    }
    int answered = 0;
    for (;;) {
        const rc_pmsg *m;
        int r = rc_pusher_next(pc, QUICK_MS, &m);
        if (r != 1) {
            rc_fail(ctx, "after the bad input %.80s the connection %s", input,
                    r == 0 ? "stopped answering pusher:ping" : "was closed");
            char seen[64];
            snprintf(seen, sizeof seen, "%s (close code %d)", r == 0 ? "no pusher:pong" : "closed",
                     rc_ws_close_code(pc->ws));
            rc_expect_seen(ctx, "pusher:error, then pusher:pong to the next ping", seen);
            return 0;
        }
        if (!m->event)
            continue;
        if (strcmp(m->event, "pusher:error") == 0 ||
            (also_sub_error && strcmp(m->event, "pusher:subscription_error") == 0))
            answered = 1;
        if (strcmp(m->event, "pusher:pong") == 0)
            break;
    }
    if (!answered) {
        rc_fail_should(ctx, "bad input %.80s was not answered with pusher:error", input);
        rc_expect_seen(ctx, "pusher:error (code 4200)", "no error before the next pusher:pong");
    }
    return 1;
}

/* Opens a raw WebSocket and returns its first message parsed, or NULL after a report. */
static cJSON *first_message(rc_ctx *ctx, rc_ws **wsp)
{
    rc_ws *ws = rc_ws_open(ctx, NULL, 0, NULL);
    if (!ws)
        return NULL;
    if (wsp)
        *wsp = ws;
    rc_ws_msg m;
    int r = rc_ws_recv(ws, QUICK_MS, &m);
    if (r != 1) {
        rc_fail(ctx, "no first message after the upgrade (%s)", r == 0 ? "timeout" : "closed");
        rc_expect_seen(ctx, "pusher:connection_established", r == 0 ? "nothing" : "close");
        return NULL;
    }
    if (m.opcode != RC_WS_TEXT) {
        rc_fail(ctx, "first message is not a text frame (opcode %d)", m.opcode);
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength(m.data, m.len);
    if (!cJSON_IsObject(root)) {
        rc_fail(ctx, "first message is not a JSON object");
        rc_expect_seen(ctx, "{\"event\":\"pusher:connection_established\",...}", m.data);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static void first_frame(rc_ctx *ctx)
{
    cJSON *root = first_message(ctx, NULL);
    if (!root)
        return;
    const char *ev = rc_json_str(root, "event");
    if (!ev || strcmp(ev, "pusher:connection_established") != 0) {
        rc_fail(ctx, "first event is %s", ev ? ev : "(none)");
        rc_expect_seen(ctx, "pusher:connection_established", ev ? ev : "(no event)");
    }
    cJSON_Delete(root);
}

/* The connection_established payload, parsed from its string data; NULL after a report. */
static cJSON *established_data(rc_ctx *ctx)
{
    cJSON *root = first_message(ctx, NULL);
    if (!root)
        return NULL;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
    cJSON *out = NULL;
    if (!cJSON_IsString(d)) {
        rc_fail(ctx, "connection_established data is not a string holding JSON");
        rc_expect_seen(ctx, "a JSON string", cJSON_IsObject(d) ? "an object" : "other/absent");
    } else if (!cJSON_IsObject(out = cJSON_Parse(d->valuestring))) {
        rc_fail(ctx, "connection_established data string does not hold a JSON object");
        rc_expect_seen(ctx, "{\"socket_id\":..,\"activity_timeout\":..}", d->valuestring);
        cJSON_Delete(out);
        out = NULL;
    }
    cJSON_Delete(root);
    return out;
}

static void data_double_encoded(rc_ctx *ctx)
{
    cJSON_Delete(established_data(ctx));
}

static int socket_id_ok(const char *s)
{
    size_t a = strspn(s, "0123456789");
    if (a == 0 || s[a] != '.')
        return 0;
    size_t b = strspn(s + a + 1, "0123456789");
    return b > 0 && s[a + 1 + b] == '\0';
}

static void socket_id_format(rc_ctx *ctx)
{
    cJSON *d = established_data(ctx);
    if (!d)
        return;
    const char *sid = rc_json_str(d, "socket_id");
    if (!sid || !socket_id_ok(sid)) {
        rc_fail(ctx, "socket_id does not match ^\\d+\\.\\d+$");
        rc_expect_seen(ctx, "a string like \"123.456\"", sid ? sid : "(missing or not a string)");
    }
    cJSON_Delete(d);
}

static void socket_id_unique(rc_ctx *ctx)
{
    enum { N = 8 };
    char ids[N][64];
    for (int i = 0; i < N; i++) {
        rc_pconn *pc = rc_pusher_connect(ctx);
        if (!pc)
            return;
        snprintf(ids[i], sizeof ids[i], "%s", pc->socket_id);
        for (int k = 0; k < i; k++)
            RC_CHECK(ctx, strcmp(ids[k], ids[i]) != 0,
                     "connections %d and %d got the same socket_id %s", k, i, ids[i]);
    }
}

static void activity_timeout(rc_ctx *ctx)
{
    cJSON *d = established_data(ctx);
    if (!d)
        return;
    long long at = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, "activity_timeout");
    if (!rc_json_int(d, "activity_timeout", &at) || at <= 0) {
        char *s = v ? cJSON_PrintUnformatted(v) : NULL;
        rc_fail(ctx, "activity_timeout is not a positive integer");
        rc_expect_seen(ctx, "a positive integer (seconds)", s ? s : "(missing)");
        free(s);
    }
    cJSON_Delete(d);
}

static void unknown_app_key(rc_ctx *ctx)
{
    char key[13], path[128];
    int status = 0;
    rc_random_id(ctx, key);
    snprintf(path, sizeof path, "/app/no-such-key-%s?protocol=7&client=rehome-conform", key);
    rc_ws *ws = rc_ws_open(ctx, path, 1, &status);
    if (!ws) {
        RC_TRY(ctx, status != 0, "cannot connect to the target");
        rc_fail_should(ctx, "upgrade refused with HTTP %d instead of pusher:error / close 4001",
                       status);
        rc_expect_seen(ctx, "WebSocket, then pusher:error 4001 or close 4001", "HTTP refusal");
        return;
    }
    int got_error = 0;
    for (;;) {
        rc_ws_msg m;
        int r = rc_ws_recv(ws, QUICK_MS, &m);
        if (r == 0) {
            RC_CHECK(ctx, got_error, "no pusher:error 4001 and no close 4001 within 3 s");
            rc_fail_should(ctx, "connection left open after pusher:error 4001");
            rc_expect_seen(ctx, "close (code 4001)", "still open 3 s later");
            return;
        }
        if (r < 0) {
            int code = rc_ws_close_code(ws);
            if (code == 4001 || (got_error && (code == 1006 || code == 1000 || code == 1005)))
                return;
            char seen[48];
            snprintf(seen, sizeof seen, "close code %d%s", code, got_error ? " after error" : "");
            rc_fail(ctx, "unknown app key: connection closed with %d", code);
            rc_expect_seen(ctx, "pusher:error 4001 and/or close code 4001", seen);
            return;
        }
        if (m.opcode != RC_WS_TEXT)
            continue;
        cJSON *root = cJSON_ParseWithLength(m.data, m.len);
        const char *ev = rc_json_str(root, "event");
        rc_pmsg pm = {
            .root = root, .event = ev, .data = cJSON_GetObjectItemCaseSensitive(root, "data")};
        if (cJSON_IsString(pm.data))
            pm.data_parsed = cJSON_Parse(pm.data->valuestring);
        long long code = 0;
        int is4001 = rc_error_code_of(&pm, &code) && code == 4001;
        cJSON_Delete(pm.data_parsed);
        cJSON_Delete(root);
        if (!is4001 || got_error) {
            rc_fail(ctx, "unknown app key answered with %s", m.data);
            rc_expect_seen(ctx, "pusher:error 4001 then close", m.data);
            return;
        }
        got_error = 1;
    }
}

static void query_params_ignored(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    const char *fmts[] = {"/app/%s", "/app/%s?protocol=7&client=js&version=8.4.0&flash=false",
                          "/app/%s?protocol=7&client=js&version=8.4.0&x-unknown=%%20z"};
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, fmts[i], t->app_key);
        rc_ws *ws = rc_ws_open(ctx, path, 1, NULL);
        RC_CHECK(ctx, ws, "no WebSocket at %s", path);
        rc_ws_msg m;
        int r = rc_ws_recv(ws, QUICK_MS, &m);
        RC_CHECK(ctx, r == 1 && strstr(m.data, "pusher:connection_established"),
                 "no pusher:connection_established at %s", path);
        rc_ws_close(ws);
    }
}

static void error_shape(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    RC_TRY(ctx, rc_pusher_send(pc, "pusher:rc-no-such-event", NULL, "{}") == 0, "send failed");
    const rc_pmsg *m;
    int r = rc_pusher_wait(pc, "pusher:error", NULL, QUICK_MS, &m);
    if (r != 1) {
        rc_skip(ctx, "the server sent no pusher:error to check (an unknown pusher: event)");
        return;
    }
    const cJSON *d = m->data_parsed ? m->data_parsed : m->data;
    RC_CHECK(ctx, cJSON_IsObject(d),
             "pusher:error data is neither an object nor a JSON string "
             "of one: %s",
             m->raw);
    long long code = 0;
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(d, "code");
    if (cJSON_IsNull(cv)) {
        rc_fail_should(ctx, "pusher:error code is null (accepted from Pusher; spec: 4200)");
    } else {
        RC_CHECK(ctx, rc_json_int(d, "code", &code) && code >= 4000 && code <= 4999,
                 "pusher:error code is not an integer in 4000..4999: %s", m->raw);
        if (code != 4200)
            rc_fail_should(ctx, "unknown pusher: event answered with code %lld, spec says 4200",
                           code);
    }
    RC_CHECK(ctx, rc_json_str(d, "message"), "pusher:error without a string message: %s", m->raw);
    if (!cJSON_IsObject(m->data))
        rc_log(ctx, "data is a JSON string (Reverb form); accepted");
}

const rc_case rc_cases_s02_connection[] = {
    /* protocol §2.1: An unknown app key is refused with 4001 */
    {
        .id = "pusher/2.1/unknown-app-key",
        .section = "2.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "An unknown app key is refused with 4001",
        .requirement =
            "A connection to /app/{key} with a key the server does not know receives pusher:error "
            "4001 and/or close code 4001, and nothing else (no connection_established).",
        .tags = "",
        .run = unknown_app_key,
    },
    /* protocol §2.1: Query parameters do not matter */
    {
        .id = "pusher/2.1/query-params-ignored",
        .section = "2.1",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "Query parameters do not matter",
        .requirement =
            "The server accepts /app/{key} with or without protocol, client, version and unknown "
            "query parameters.",
        .tags = "",
        .run = query_params_ignored,
    },
    /* protocol §2.2: First frame is pusher:connection_established */
    {
        .id = "pusher/2.2/first-frame",
        .section = "2.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "First frame is pusher:connection_established",
        .requirement =
            "After the upgrade the first message is a text frame holding a JSON object with event "
            "pusher:connection_established.",
        .tags = "",
        .run = first_frame,
    },
    /* protocol §2.2: connection_established data is a string */
    {
        .id = "pusher/2.2/data-double-encoded",
        .section = "2.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "connection_established data is a string",
        .requirement =
            "The data of pusher:connection_established is a string holding a JSON object "
            "(double encoding).",
        .tags = "",
        .run = data_double_encoded,
    },
    /* protocol §2.2: socket_id matches ^\\d+\\.\\d+$ */
    {
        .id = "pusher/2.2/socket-id-format",
        .section = "2.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "socket_id matches ^\\d+\\.\\d+$",
        .requirement = "socket_id is a string of two decimal integers joined by a dot.",
        .tags = "",
        .run = socket_id_format,
    },
    /* protocol §2.2: socket_id differs per connection */
    {
        .id = "pusher/2.2/socket-id-unique",
        .section = "2.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "socket_id differs per connection",
        .requirement = "Every connection gets its own socket_id.",
        .tags = "",
        .run = socket_id_unique,
    },
    /* protocol §2.2: activity_timeout is a positive integer */
    {
        .id = "pusher/2.2/activity-timeout",
        .section = "2.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "activity_timeout is a positive integer",
        .requirement = "connection_established carries activity_timeout, a positive integer number "
                       "of seconds.",
        .tags = "",
        .run = activity_timeout,
    },
    /* protocol §2.5: pusher:error carries an integer code and message */
    {
        .id = "pusher/2.5/error-shape",
        .section = "2.5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "pusher:error carries an integer code and message",
        .requirement = "pusher:error data holds an integer code in 4000-4999 and a string message "
                       "(as an object, or a JSON string of one).",
        .tags = "",
        .run = error_shape,
    },
    {0},
};
