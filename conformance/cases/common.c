/* rc_ (cases/common): shared steps of the pusher-profile cases. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/sign.h"

long long rc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A wait never runs past the case's own deadline, so a slow server yields a clear FAIL
 * from the check rather than a runner timeout. */
static int clamp_wait(rc_ctx *ctx, int ms)
{
    int left = rc_remaining_ms(ctx) - 50;
    if (left < 0)
        left = 0;
    return ms < left ? ms : left;
}

static int is_heartbeat(const rc_pmsg *m)
{
    return m->event &&
           (strcmp(m->event, "pusher:ping") == 0 || strcmp(m->event, "pusher:pong") == 0);
}

void rc_chan(rc_ctx *ctx, const char *prefix, char *out, size_t outlen)
{
    char id[13];
    rc_random_id(ctx, id);
    snprintf(out, outlen, "%s%s", prefix, id);
}

int rc_sign_auth(rc_ctx *ctx, const char *key, const char *secret, const char *socket_id,
                 const char *channel, const char *channel_data, char *out, size_t outlen)
{
    const rc_target *t = rc_target_of(ctx);
    int rc = rh_sign_channel(key ? key : t->app_key, secret ? secret : t->app_secret, socket_id,
                             channel, channel_data, out, outlen);
    if (rc != 0) {
        rc_error(ctx, "signing auth for %s failed: %s", channel, rh_sign_strerror(rc));
        return 0;
    }
    return 1;
}

char *rc_presence_data(const char *user_id, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *info = cJSON_CreateObject();
    char *s = NULL;
    if (o && info) {
        cJSON_AddStringToObject(info, "name", name);
        cJSON_AddStringToObject(o, "user_id", user_id);
        cJSON_AddItemToObject(o, "user_info", info);
        info = NULL;
        s = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(info);
    cJSON_Delete(o);
    return s;
}

char *rc_presence_user(rc_ctx *ctx, const char *name, char *id, size_t idlen)
{
    char rid[13];
    rc_random_id(ctx, rid);
    snprintf(id, idlen, "u-%s", rid);
    char *data = rc_presence_data(id, name);
    if (!data)
        rc_error(ctx, "out of memory");
    return data;
}

/* Sends event with data {"channel", "auth"?, "channel_data"?}; `what` names the message in
 * the out-of-memory error. 1 sent, 0 after rc_error / rc_fail. */
static int send_channel_event(rc_ctx *ctx, rc_pconn *pc, const char *event, const char *what,
                              const char *channel, const char *auth, const char *channel_data)
{
    cJSON *d = cJSON_CreateObject();
    char *txt = NULL;
    if (d) {
        cJSON_AddStringToObject(d, "channel", channel);
        if (auth)
            cJSON_AddStringToObject(d, "auth", auth);
        if (channel_data)
            cJSON_AddStringToObject(d, "channel_data", channel_data);
        txt = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
    }
    if (!txt) {
        rc_error(ctx, "out of memory building %s", what);
        return 0;
    }
    int rc = rc_pusher_send(pc, event, NULL, txt);
    free(txt);
    if (rc != 0) {
        rc_fail(ctx, "sending %s failed (connection closed, code %d)", event,
                rc_ws_close_code(pc->ws));
        return 0;
    }
    return 1;
}

int rc_send_subscribe(rc_ctx *ctx, rc_pconn *pc, const char *channel, const char *auth,
                      const char *channel_data)
{
    return send_channel_event(ctx, pc, "pusher:subscribe", "a subscribe message", channel, auth,
                              channel_data);
}

int rc_send_unsubscribe(rc_ctx *ctx, rc_pconn *pc, const char *channel)
{
    return send_channel_event(ctx, pc, "pusher:unsubscribe", "an unsubscribe message", channel,
                              NULL, NULL);
}

static int needs_auth(const char *channel)
{
    return strncmp(channel, "private-", 8) == 0 || strncmp(channel, "presence-", 9) == 0;
}

int rc_subscribe_expect_ok(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel,
                           const char *channel_data, const rc_pmsg **out)
{
    char auth[256];
    if (needs_auth(channel) &&
        !rc_sign_auth(ctx, NULL, NULL, pc->socket_id, channel, channel_data, auth, sizeof auth))
        return 0;
    if (!rc_send_subscribe(ctx, pc, channel, needs_auth(channel) ? auth : NULL, channel_data))
        return 0;
    long long end = rc_now_ms() + clamp_wait(ctx, RC_WAIT_MS);
    for (;;) {
        long long left = end - rc_now_ms();
        const rc_pmsg *m = NULL;
        int rc = left > 0 ? rc_pusher_next(pc, (int)left, &m) : 0;
        if (rc != 1) {
            rc_expect_seen(ctx, "pusher_internal:subscription_succeeded",
                           rc == 0 ? "nothing (timeout)" : "connection closed");
            rc_fail(ctx, "%s: no subscription_succeeded for %s (%s)", who, channel,
                    rc == 0 ? "timeout" : "connection closed");
            return 0;
        }
        if (m->event && strcmp(m->event, "pusher_internal:subscription_succeeded") == 0 &&
            m->channel && strcmp(m->channel, channel) == 0) {
            if (out)
                *out = m;
            return 1;
        }
        if (rc_is_refusal(m, channel)) {
            rc_expect_seen(ctx, "pusher_internal:subscription_succeeded", m->raw);
            rc_fail(ctx, "%s: valid subscription to %s was refused", who, channel);
            return 0;
        }
    }
}

rc_pconn *rc_conn(rc_ctx *ctx)
{
    return rc_pusher_connect(ctx);
}

static rc_pconn *conn_sub(rc_ctx *ctx, const char *who, const char *channel,
                          const char *channel_data, int counted, const rc_pmsg **out)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return NULL;
    if (counted)
        rc_pusher_show_counts(pc, 1);
    if (!rc_subscribe_expect_ok(ctx, pc, who, channel, channel_data, out))
        return NULL;
    return pc;
}

rc_pconn *rc_conn_sub(rc_ctx *ctx, const char *channel, const char *channel_data)
{
    return conn_sub(ctx, "subscriber", channel, channel_data, 0, NULL);
}

rc_pconn *rc_conn_sub_as(rc_ctx *ctx, const char *who, const char *channel,
                         const char *channel_data, const rc_pmsg **out)
{
    return conn_sub(ctx, who, channel, channel_data, 0, out);
}

rc_pconn *rc_conn_sub_counted(rc_ctx *ctx, const char *who, const char *channel,
                              const char *channel_data)
{
    return conn_sub(ctx, who, channel, channel_data, 1, NULL);
}

int rc_error_code(const rc_pmsg *m, long long *code)
{
    const cJSON *d = m->data;
    if (d && cJSON_IsString(d))
        d = m->data_parsed;
    if (!d || !cJSON_IsObject(d))
        return 0;
    return rc_json_int(d, "code", code);
}

int rc_is_refusal(const rc_pmsg *m, const char *channel)
{
    if (!m->event)
        return 0;
    if (strcmp(m->event, "pusher:subscription_error") == 0)
        return !m->channel || strcmp(m->channel, channel) == 0;
    if (strcmp(m->event, "pusher:error") != 0)
        return 0;
    if (m->channel && strcmp(m->channel, channel) != 0)
        return 0;
    long long code;
    /* Pusher itself sends code null for a bad signature; Reverb 4009. */
    return !rc_error_code(m, &code) || code == 4009;
}

int rc_await(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *event, const char *channel,
             const rc_pmsg **out)
{
    const rc_pmsg *m = NULL;
    int rc = rc_pusher_wait(pc, event, channel, clamp_wait(ctx, RC_WAIT_MS), &m);
    if (rc == 1) {
        if (out)
            *out = m;
        return 1;
    }
    char exp[512];
    snprintf(exp, sizeof exp, "%s%s%s", event, channel ? " on " : "", channel ? channel : "");
    rc_expect_seen(ctx, exp, rc == 0 ? "nothing (timeout)" : "connection closed");
    rc_fail(ctx, "%s: no %s%s%s within %d ms (%s)", who, event, channel ? " on " : "",
            channel ? channel : "", RC_WAIT_MS, rc == 0 ? "timeout" : "connection closed");
    return 0;
}

int rc_next(rc_ctx *ctx, rc_pconn *pc, const char *who, const rc_pmsg **out)
{
    long long end = rc_now_ms() + clamp_wait(ctx, RC_WAIT_MS);
    for (;;) {
        long long left = end - rc_now_ms();
        const rc_pmsg *m = NULL;
        int rc = left > 0 ? rc_pusher_next(pc, (int)left, &m) : 0;
        if (rc == 1 && is_heartbeat(m))
            continue;
        if (rc == 1) {
            *out = m;
            return 1;
        }
        rc_expect_seen(ctx, "a message", rc == 0 ? "nothing (timeout)" : "connection closed");
        rc_fail(ctx, "%s: nothing received within %d ms (%s)", who, RC_WAIT_MS,
                rc == 0 ? "timeout" : "connection closed");
        return 0;
    }
}

/* soft: an accepted subscription is a SHOULD-level slip (2) instead of a FAIL (0). */
static int await_refusal(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel, int soft)
{
    long long end = rc_now_ms() + clamp_wait(ctx, RC_WAIT_MS);
    for (;;) {
        long long left = end - rc_now_ms();
        const rc_pmsg *m = NULL;
        int rc = left > 0 ? rc_pusher_next(pc, (int)left, &m) : 0;
        if (rc == 1) {
            if (rc_is_refusal(m, channel))
                return 1;
            if (m->event && strcmp(m->event, "pusher_internal:subscription_succeeded") == 0 &&
                m->channel && strcmp(m->channel, channel) == 0) {
                rc_expect_seen(ctx, "pusher:subscription_error or pusher:error 4009", m->raw);
                if (soft) {
                    rc_fail_should(ctx, "%s: subscription to %s was accepted", who, channel);
                    return 2;
                }
                rc_fail(ctx, "%s: subscription to %s was accepted", who, channel);
                return 0;
            }
            /* Any error refuses (the callers prove "not subscribed" themselves); only its
             * form is off (docs/protocol.md 3.1.3, 4.2.5: SHOULD). */
            if (m->event && strcmp(m->event, "pusher:error") == 0 &&
                (!m->channel || strcmp(m->channel, channel) == 0)) {
                rc_expect_seen(ctx, "pusher:subscription_error (or pusher:error 4009)", m->raw);
                rc_fail_should(ctx,
                               "%s: the subscription to \"%s\" was refused with another "
                               "error than pusher:subscription_error",
                               who, channel);
                return 1;
            }
            rc_log(ctx, "%s: skipping %s while waiting for the refusal", who, m->raw);
            continue;
        }
        rc_expect_seen(ctx, "pusher:subscription_error or pusher:error 4009",
                       rc == 0 ? "nothing (timeout)" : "connection closed");
        rc_fail(ctx, "%s: subscription to %s neither refused nor accepted (%s)", who, channel,
                rc == 0 ? "timeout" : "connection closed");
        return 0;
    }
}

int rc_await_refusal(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel)
{
    return await_refusal(ctx, pc, who, channel, 0);
}

int rc_await_refusal_should(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel)
{
    return await_refusal(ctx, pc, who, channel, 1);
}

static int about(const rc_pmsg *m, const char *channel)
{
    if (is_heartbeat(m))
        return 0;
    if (!channel)
        return 1;
    return m->channel && strcmp(m->channel, channel) == 0;
}

int rc_quiet(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel, int ms)
{
    long long end = rc_now_ms() + clamp_wait(ctx, ms);
    for (;;) {
        long long left = end - rc_now_ms();
        if (left <= 0)
            return 1;
        const rc_pmsg *m = NULL;
        int rc = rc_pusher_next(pc, (int)left, &m);
        if (rc == 0)
            return 1;
        if (rc < 0) {
            rc_fail(ctx, "%s: connection closed (code %d) while it should stay open", who,
                    rc_ws_close_code(pc->ws));
            return 0;
        }
        if (about(m, channel)) {
            rc_expect_seen(ctx, "nothing", m->raw);
            rc_fail(ctx, "%s: received %s although it should receive nothing%s%s", who,
                    m->event ? m->event : "a message", channel ? " on " : "",
                    channel ? channel : "");
            return 0;
        }
    }
}

int rc_sync(rc_ctx *ctx, rc_pconn *pc, const char *who)
{
    if (rc_pusher_send(pc, "pusher:ping", NULL, "{}") != 0) {
        rc_fail(ctx, "%s: could not send pusher:ping (connection closed?)", who);
        return 0;
    }
    return rc_await(ctx, pc, who, "pusher:pong", NULL, NULL);
}

int rc_barrier(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel)
{
    if (rc_pusher_send(pc, "pusher:ping", NULL, "{}") != 0) {
        rc_fail(ctx, "%s: could not send pusher:ping (connection closed?)", who);
        return 0;
    }
    long long end = rc_now_ms() + clamp_wait(ctx, RC_WAIT_MS);
    for (;;) {
        long long left = end - rc_now_ms();
        const rc_pmsg *m = NULL;
        int rc = left > 0 ? rc_pusher_next(pc, (int)left, &m) : 0;
        if (rc != 1) {
            rc_expect_seen(ctx, "pusher:pong", rc == 0 ? "nothing (timeout)" : "connection closed");
            rc_fail(ctx, "%s: no pusher:pong (%s)", who, rc == 0 ? "timeout" : "connection closed");
            return 0;
        }
        if (m->event && strcmp(m->event, "pusher:pong") == 0)
            return 1;
        if (about(m, channel)) {
            rc_expect_seen(ctx, "pusher:pong and nothing before it", m->raw);
            rc_fail(ctx, "%s: received %s before pusher:pong although nothing else was due%s%s",
                    who, m->event ? m->event : "a message", channel ? " on " : "",
                    channel ? channel : "");
            return 0;
        }
    }
}

const cJSON *rc_payload(const rc_pmsg *m)
{
    if (m->data_parsed)
        return m->data_parsed;
    return m->data && cJSON_IsObject(m->data) ? m->data : NULL;
}

int rc_data_is(const rc_pmsg *m, const char *want)
{
    return m->data && cJSON_IsString(m->data) && m->data->valuestring &&
           strcmp(m->data->valuestring, want) == 0;
}

int rc_check_event(rc_ctx *ctx, const rc_pmsg *m, const char *who, const char *name,
                   const char *channel, const char *data)
{
    if (!m->event || strcmp(m->event, name) != 0 || !m->channel ||
        strcmp(m->channel, channel) != 0) {
        rc_expect_seen(ctx, name, m->raw);
        rc_fail(ctx, "%s: expected event %s on %s", who, name, channel);
        return 0;
    }
    if (!rc_data_is(m, data)) {
        char *want = NULL;
        cJSON *s = cJSON_CreateString(data);
        if (s)
            want = cJSON_PrintUnformatted(s);
        rc_expect_seen(ctx, want ? want : data, m->raw);
        free(want);
        cJSON_Delete(s);
        rc_fail(ctx, "%s: %s data is not the string published, byte for byte", who, name);
        return 0;
    }
    return 1;
}

int rc_publish_reaches(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel,
                       const char *name, const char *data)
{
    const rc_pmsg *m;
    return rc_publish(ctx, channel, name, data) && rc_await(ctx, pc, who, name, channel, &m) &&
           rc_check_event(ctx, m, who, name, channel, data);
}

int rc_only_control_gets(rc_ctx *ctx, const char *channel, rc_pconn *control,
                         rc_pconn *const *victims, size_t n)
{
    if (!rc_publish_reaches(ctx, control, "control subscriber", channel, "probe",
                            "{\"probe\":\"only-subscribers\"}"))
        return 0;
    long long end = rc_now_ms() + RC_QUIET_MS;
    for (size_t i = 0; i < n; i++) {
        long long left = end - rc_now_ms();
        if (!rc_quiet(ctx, victims[i], "refused connection", channel, left > 20 ? (int)left : 20))
            return 0;
    }
    return 1;
}

int rc_next_is_probe(rc_ctx *ctx, rc_pconn *rx, const char *who, const char *ch)
{
    if (!rc_publish(ctx, ch, "probe", "after"))
        return 0;
    const rc_pmsg *m;
    if (!rc_next(ctx, rx, who, &m))
        return 0;
    if (!m->event || strcmp(m->event, "probe") != 0) {
        rc_expect_seen(ctx, "the HTTP API probe event, nothing before it", m->raw);
        rc_fail(ctx, "%s: received %s, which must not have been delivered", who,
                m->event ? m->event : "a message");
        return 0;
    }
    return rc_check_event(ctx, m, who, "probe", ch, "after");
}
