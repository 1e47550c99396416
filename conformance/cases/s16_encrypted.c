/* Section 16: end-to-end encrypted channels (private-encrypted-). The server never sees the
 * plaintext: it authorizes the subscription like a private one, relays the {nonce,
 * ciphertext} data byte for byte and relays no client events there; the authorizer hands out
 * the channel's shared_secret. The suite does not know the app's master key, so it checks the
 * secret's shape, that it differs per channel and that it is stable, not its value (ci/node
 * checks the value against the pusher SDK's derivation). */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "stream_common.h"

/* protocol §16.2: an encrypted channel needs the same auth as a private one */
static void run_auth_required(rc_ctx *ctx)
{
    char ch[64], other[64], auth[256];
    rc_chan(ctx, "private-encrypted-ar-", ch, sizeof ch);
    snprintf(other, sizeof other, "private-%s", ch + strlen("private-encrypted-"));
    rc_pconn *pc = rc_conn(ctx);
    if (!pc)
        return;
    /* no auth at all */
    if (!rc_send_subscribe(ctx, pc, ch, NULL, NULL) ||
        !rc_await_refusal(ctx, pc, "subscriber without auth", ch))
        return;
    /* a valid signature for the private channel of the same suffix is not one for ch */
    if (!rc_sign_auth(ctx, NULL, NULL, pc->socket_id, other, NULL, auth, sizeof auth) ||
        !rc_send_subscribe(ctx, pc, ch, auth, NULL) ||
        !rc_await_refusal(ctx, pc, "subscriber with the private channel's signature", ch))
        return;
    /* the right signature subscribes */
    rc_subscribe_expect_ok(ctx, pc, "subscriber with a valid signature", ch, NULL, NULL);
}

/* protocol §16.4: the encrypted payload is relayed byte for byte. Server SDKs that format
 * JSON with spaces (Python's json.dumps) produce data like this one. */
static void run_relay(rc_ctx *ctx)
{
    static const char *const data =
        "{\"nonce\": \"Pkl7jK1gyQ0V/0Qd+Yg5Lx7Pb6h3pd2T\", "
        "\"ciphertext\": \"7hJc9Zl0Zr8b0q/T4+uXyCw3Y2o0mH2rW3tBl2+Vw0HNdQ==\"}";
    char ch[64];
    rc_chan(ctx, "private-encrypted-rl-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!b || !rc_publish(ctx, ch, "secret-message", data))
        return;
    rc_pconn *rx[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        const rc_pmsg *m;
        const char *who = i ? "second subscriber" : "first subscriber";
        if (!rc_await(ctx, rx[i], who, "secret-message", ch, &m) ||
            !rc_check_event(ctx, m, who, "secret-message", ch, data))
            return;
    }
}

/* protocol §16.4: client events are not relayed on encrypted channels */
static void run_no_client_events(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "private-encrypted-ce-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!b || rc_pusher_send(a, "client-typing", ch, "{\"plain\":\"text\"}") != 0)
        return;
    if (!rc_next_is_probe(ctx, b, "other subscriber", ch))
        return;
    /* the sender learns why: pusher:error 4009 before its pong */
    long long code = -1;
    if (rc_pusher_send(a, "pusher:ping", NULL, "{}") != 0) {
        rc_fail(ctx, "sender: connection closed (code %d)", rc_ws_close_code(a->ws));
        return;
    }
    for (;;) {
        const rc_pmsg *m;
        if (rc_pusher_next(a, RC_WAIT_MS, &m) != 1) {
            rc_fail(ctx, "sender: no pusher:pong after the refused client event");
            return;
        }
        if (m->event && strcmp(m->event, "pusher:pong") == 0)
            break;
        if (m->event && strcmp(m->event, "pusher:error") == 0 && code == -1 &&
            !rc_error_code(m, &code))
            code = 0;
    }
    if (code != 4009) {
        char seen[64] = "no pusher:error";
        if (code >= 0)
            snprintf(seen, sizeof seen, "pusher:error %lld", code);
        rc_expect_seen(ctx, "pusher:error 4009", seen);
        rc_fail(ctx, "the refused client event was not answered with pusher:error 4009");
    }
}

/* 1 when s is the base64 of exactly 32 bytes: 43 characters of the alphabet and one '='. */
static int is_b64_32(const char *s)
{
    if (!s || strlen(s) != 44 || s[43] != '=' || s[42] == '=')
        return 0;
    for (int i = 0; i < 43; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", s[i]))
            return 0;
    return 1;
}

/* Asks the authorizer as the member for channel: 1 with auth and shared_secret copied (the
 * secret may be ""), 0 after a verdict (rc_unsupported, rc_fail), -1 after rc_error. */
static int authorize(rc_ctx *ctx, const char *socket_id, const char *channel, char *auth,
                     size_t authlen, char *secret, size_t secretlen)
{
    const rc_target *t = rc_target_of(ctx);
    rc_http_resp r = {0};
    if (rc_authorize(ctx, t->member.token, socket_id, channel, &r) < 0)
        return -1;
    int st = r.status;
    const char *a = st == 200 ? rc_json_str(r.json, "auth") : NULL;
    const char *s = st == 200 ? rc_json_str(r.json, "shared_secret") : NULL;
    snprintf(auth, authlen, "%s", a ? a : "");
    snprintf(secret, secretlen, "%s", s ? s : "");
    rc_http_resp_free(&r);
    if (st != 200 && t->server.caps[RC_CAP_ENCRYPTED] != RC_CAP_YES) {
        rc_unsupported(ctx,
                       "the authorizer answers %d for the encrypted twin %s: no encrypted "
                       "channels (declare encrypted-channels to have this judged)",
                       st, channel);
        return 0;
    }
    if (st != 200 || !auth[0]) {
        rc_fail(ctx, "authorizer: %d%s for the member's encrypted channel %s", st,
                auth[0] ? "" : " without auth", channel);
        return 0;
    }
    if (!is_b64_32(secret)) {
        rc_expect_seen(ctx, "shared_secret: the base64 of 32 bytes",
                       secret[0] ? secret : "(absent)");
        rc_fail(ctx,
                "authorizer: no usable shared_secret for %s (pusher-js then refuses the "
                "channel)",
                channel);
        return 0;
    }
    return 1;
}

/* protocol §16.3: the authorizer's shared_secret: 32 bytes, one per channel, stable */
static void run_shared_secret(rc_ctx *ctx)
{
    rc_sc_stream s1, s2;
    rc_sc_new(ctx, &s1);
    rc_sc_new(ctx, &s2);
    char ch1[RC_SC_CHAN + 16], ch2[RC_SC_CHAN + 16];
    snprintf(ch1, sizeof ch1, "private-encrypted-%s", s1.channel + strlen("private-"));
    snprintf(ch2, sizeof ch2, "private-encrypted-%s", s2.channel + strlen("private-"));
    rc_pconn *pc = rc_conn(ctx);
    char auth[256], sec1[128], sec2[128], again[128];
    if (!pc || authorize(ctx, pc->socket_id, ch1, auth, sizeof auth, sec1, sizeof sec1) != 1 ||
        authorize(ctx, pc->socket_id, ch2, auth, sizeof auth, sec2, sizeof sec2) != 1 ||
        authorize(ctx, pc->socket_id, ch1, auth, sizeof auth, again, sizeof again) != 1)
        return;
    if (strcmp(sec1, sec2) == 0) {
        rc_expect_seen(ctx, "a different shared_secret per channel", sec1);
        rc_fail(ctx, "authorizer: %s and %s got the same shared_secret", ch1, ch2);
        return;
    }
    if (strcmp(sec1, again) != 0) {
        rc_expect_seen(ctx, sec1, again);
        rc_fail(ctx, "authorizer: the shared_secret of %s changed between two requests", ch1);
        return;
    }
    /* and its auth subscribes */
    if (!rc_send_subscribe(ctx, pc, ch1, auth, NULL))
        return;
    rc_await(ctx, pc, "member with the authorizer's signature",
             "pusher_internal:subscription_succeeded", ch1, NULL);
}

const rc_case rc_cases_s16_encrypted[] = {
    /* protocol §16.2: an encrypted channel needs the same auth as a private one */
    {
        .id = "pusher/16.2/auth-required",
        .section = "16.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "encrypted channels need a private channel's auth signature",
        .requirement = "A private-encrypted- channel is a private channel: a subscription without "
                       "auth, or with a signature made for another channel, is refused; a valid "
                       "signature subscribes.",
        .tags = "",
        .run = run_auth_required,
    },
    /* protocol §16.4: the encrypted payload is relayed byte for byte */
    {
        .id = "pusher/16.4/relay-byte-for-byte",
        .section = "16.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "the {nonce, ciphertext} data of an encrypted channel is relayed byte for byte",
        .requirement = "An HTTP API event on a private-encrypted- channel reaches every "
                       "subscriber with its data string unchanged, byte for byte (the server "
                       "cannot and must not re-encode it).",
        .tags = "needs:http-api",
        .run = run_relay,
    },
    /* protocol §16.4: client events are not relayed on encrypted channels */
    {
        .id = "pusher/16.4/no-client-events",
        .section = "16.4",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "client events on encrypted channels are refused",
        .requirement = "A client event on a private-encrypted- channel is not relayed (its data "
                       "would be a client's plaintext) and the sender gets pusher:error 4009 "
                       "(SHOULD).",
        .tags = "needs:client-events needs:http-api",
        .run = run_no_client_events,
    },
    /* protocol §16.3: the authorizer's shared_secret */
    {
        .id = "stream/16.3/authorizer-shared-secret",
        .section = "16.3",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "the authorizer hands out a per-channel shared_secret for encrypted twins",
        .requirement = "For the member's private-encrypted-workspace.W.thread.T the authorizer "
                       "answers auth and shared_secret, the base64 of 32 bytes, the same on every "
                       "request and different for another channel; its auth subscribes.",
        .tags = "needs:authorizer needs:encrypted-channels",
        .run = run_shared_secret,
    },
    {0},
};
