#include "faults.h"

#include <string.h>

static const rh_fault_info table[RH_FAULT__COUNT] = {
    [RH_FAULT_UNKNOWN_KEY_ACCEPTED] = {"unknown-key-accepted",
                                       "unknown app key gets connection_established"},
    [RH_FAULT_PROTOCOL_REQUIRED] = {"protocol-required",
                                    "connections without ?protocol=7 refused with 4008"},
    [RH_FAULT_ESTABLISHED_NOT_FIRST] = {"established-not-first",
                                        "a pusher:ping is sent before connection_established"},
    [RH_FAULT_SOCKET_ID_CLOCK] = {"socket-id-clock",
                                  "socket_id derived from the clock: same minute, same id"},
    [RH_FAULT_ERROR_NO_CODE] = {"error-no-code", "pusher:error data carries no code"},
    [RH_FAULT_SOCKET_ID_FORMAT] = {"socket-id-format", "socket_id not ^\\d+\\.\\d+$"},
    [RH_FAULT_NO_ACTIVITY_TIMEOUT] = {"no-activity-timeout",
                                      "connection_established without activity_timeout"},
    [RH_FAULT_ESTABLISHED_OBJECT] = {"established-object",
                                     "connection_established data not double-encoded"},
    [RH_FAULT_NO_PONG] = {"no-pong", "pusher:ping not answered"},
    [RH_FAULT_NO_SERVER_PING] = {"no-server-ping",
                                 "silent clients never pinged nor closed with 4201"},
    [RH_FAULT_SILENT_MALFORMED] = {"silent-malformed",
                                   "malformed messages ignored without pusher:error"},
    [RH_FAULT_LAX_CHANNEL_NAMES] = {"lax-channel-names",
                                    "subscribe does not validate channel names"},
    [RH_FAULT_AUTH_NONE] = {"auth-none",
                            "private/presence subscribe accepted without checking auth"},
    [RH_FAULT_AUTH_ANY_SOCKET] = {"auth-any-socket",
                                  "a signature made for another connected socket is accepted"},
    [RH_FAULT_AUTH_IGNORE_KEY] = {"auth-ignore-key",
                                  "the key part of auth is not checked (Reverb does this)"},
    [RH_FAULT_LEAK_REFUSED] = {"leak-refused",
                               "a refused subscriber still receives the channel's events"},
    [RH_FAULT_UNSUBSCRIBE_IGNORED] = {"unsubscribe-ignored",
                                      "pusher:unsubscribe does not stop delivery"},
    [RH_FAULT_PRESENCE_DUP_MEMBER] = {"presence-dup-member",
                                      "member_added sent again for a user already present"},
    [RH_FAULT_PRESENCE_NO_REMOVED] = {"presence-no-removed", "member_removed never sent"},
    [RH_FAULT_CLIENT_ECHO] = {"client-echo", "client events echoed to the sender"},
    [RH_FAULT_CLIENT_UNSUBSCRIBED] = {"client-unsubscribed",
                                      "client events relayed from a connection not subscribed"},
    [RH_FAULT_CLIENT_PUBLIC] = {"client-public", "client events relayed on public channels"},
    [RH_FAULT_CLIENT_NO_RATE_LIMIT] = {"client-no-rate-limit", "client events never rate-limited"},
    [RH_FAULT_HTTPSIG_SKIP] = {"httpsig-skip", "HTTP API and control API skip the signature check"},
    [RH_FAULT_UNKNOWN_APP_ACCEPTED] =
        {"unknown-app-accepted", "an unknown app id in an HTTP path is served as the first app"},
    [RH_FAULT_DATA_TYPE_UNCHECKED] = {"data-type-unchecked",
                                      "event data that is not a string is accepted (re-encoded)"},
    [RH_FAULT_HTTPSIG_NO_BODY_MD5] = {"httpsig-no-body-md5", "body_md5 not checked"},
    [RH_FAULT_HTTPSIG_NO_TIMESTAMP] = {"httpsig-no-timestamp", "auth_timestamp window not checked"},
    [RH_FAULT_SOCKET_EXCLUSION] = {"socket-exclusion", "socket_id exclusion ignored"},
    [RH_FAULT_EVENTS_REORDER] = {"events-reorder",
                                 "consecutive HTTP API events on a channel delivered swapped"},
    [RH_FAULT_EVENT_DATA_REENCODED] = {"event-data-reencoded",
                                       "event data re-encoded (string turned into object)"},
    [RH_FAULT_NO_PAYLOAD_LIMIT] = {"no-payload-limit",
                                   "event data over the limit accepted (no 413)"},
    [RH_FAULT_BATCH_LIMIT] = {"batch-limit", "batch over 10 items and over 100 channels accepted"},
    [RH_FAULT_CHANNELS_INFO] = {"channels-info", "channel queries report wrong occupancy/counts"},
    [RH_FAULT_AUTHZ_NON_MEMBER] = {"authz-non-member",
                                   "authorizer signs for users outside the workspace"},
    [RH_FAULT_AUTHZ_NO_TOKEN] = {"authz-no-token", "authorizer signs without a bearer token"},
    [RH_FAULT_AUTHZ_LAX_CHANNEL] = {"authz-lax-channel",
                                    "authorizer signs malformed channel names"},
    [RH_FAULT_SEQ_GAP] = {"seq-gap", "the 5th token of a stream gets seq 6 (a gap)"},
    [RH_FAULT_SEQ_DUP] = {"seq-dup", "the 3rd token of a stream is broadcast twice"},
    [RH_FAULT_SEQ_SWAP] = {"seq-swap", "tokens 3 and 4 of a stream are broadcast swapped"},
    [RH_FAULT_SEQ_PER_REQUEST] = {"seq-per-request",
                                  "a tokens batch reuses the seq of the request (repeats)"},
    [RH_FAULT_DOUBLE_END] = {"double-end", "a second end broadcasts thread.stream.ended again"},
    [RH_FAULT_END_ALREADY_FALSE] = {"end-already-false",
                                    "a repeated end answers already_ended: false"},
    [RH_FAULT_END_LAST_SEQ] = {"end-last-seq",
                               "ended last_seq is one less than the last token's seq"},
    [RH_FAULT_END_REASON_OVERWRITE] = {"end-reason-overwrite",
                                       "a repeated end replaces the first reason"},
    [RH_FAULT_TOKEN_AFTER_END] = {"token-after-end",
                                  "tokens after the end are accepted and broadcast"},
    [RH_FAULT_MISSING_FIELD] = {"missing-field", "token events lack run_id"},
    [RH_FAULT_WRONG_TYPE] = {"wrong-type", "token events carry seq as a string"},
    [RH_FAULT_STREAM_NO_EXPIRY] = {"stream-no-expiry", "ended state never expires"},
    [RH_FAULT_STREAM_EARLY_EXPIRY] = {"stream-early-expiry", "ended state removed at once"},
    [RH_FAULT_STREAM_LAX_IDS] = {"stream-lax-ids",
                                 "control API accepts ids outside [A-Za-z0-9_-]{1,64}"},
    [RH_FAULT_START_CONFLICT] = {"start-conflict",
                                 "same stream_id with other ids answered 200, not 409"},
    [RH_FAULT_UTF8_UNCHECKED] = {"utf8-unchecked", "tokens with invalid UTF-8 accepted"},
    [RH_FAULT_TOKEN_LIMIT] = {"token-limit", "tokens over the size limit accepted (no 413)"},
    [RH_FAULT_REPLAY_INCLUSIVE] = {"replay-inclusive",
                                   "replay answers from after_seq itself (a duplicate)"},
    [RH_FAULT_REPLAY_SKIP] = {"replay-skip", "replay leaves out the first token after after_seq"},
    [RH_FAULT_REPLAY_NO_GONE] = {"replay-no-gone",
                                 "replay past the kept window answers 200, not 410"},
    [RH_FAULT_RESERVED_NAMES] = {"reserved-names",
                                 "HTTP API publishes pusher:/pusher_internal: event names"},
    [RH_FAULT_STREAM_EVENTS_VIA_API] = {"stream-events-via-api",
                                        "HTTP API publishes stream event names on stream channels"},
    [RH_FAULT_NO_OPEN_STREAM_CAP] = {"no-open-stream-cap", "max_open_streams not enforced"},
    [RH_FAULT_IDEM_IGNORED] =
        {"idem-ignored", "the Idempotency-Key of an append is ignored (a retry appends again)"},
    [RH_FAULT_BUS_GAP_IGNORED] = {"bus-gap-ignored",
                                  "after the bus subscription was lost, subscribers are not "
                                  "closed: they miss the events published meanwhile"},
    [RH_FAULT_PRESENCE_LIST_LOCAL] = {"presence-list-local",
                                      "with Redis, a presence subscription_succeeded lists the "
                                      "members on the subscriber's node only"},
    [RH_FAULT_PRESENCE_LIMIT_LOCAL] = {"presence-limit-local",
                                       "with Redis, max_presence_members is checked against "
                                       "the members on the subscriber's node only"},
    [RH_FAULT_IDEM_NODE_LOCAL] = {"idem-node-local",
                                  "an Idempotency-Key is honoured only on the node it came to"},
    [RH_FAULT_NO_CONN_QUOTA] = {"no-conn-quota", "max_connections not enforced (no 4004)"},
    [RH_FAULT_NO_SUB_LIMIT] = {"no-sub-limit", "max_subscriptions not enforced"},
    [RH_FAULT_NO_HTTP_RATE] = {"no-http-rate", "http_requests_per_sec not enforced (no 429)"},
    [RH_FAULT_ORIGIN_UNCHECKED] = {"origin-unchecked", "allowed_origins not checked (no 4009)"},
    [RH_FAULT_REVOKE_KEEPS_SUBSCRIPTION] = {"revoke-keeps-subscription",
                                            "a revoked member's live subscriptions keep running"},
    [RH_FAULT_REVOKE_SIGNS_ANYWAY] = {"revoke-signs-anyway",
                                      "the authorizer still signs for a revoked member"},
    [RH_FAULT_REVOKE_OLD_SIGNATURE] = {"revoke-old-signature",
                                       "a signature given before a revocation subscribes again"},
    [RH_FAULT_SIGNIN_UNCHECKED] = {"signin-unchecked",
                                   "pusher:signin is accepted whatever its signature"},
    [RH_FAULT_USER_EVENTS_TO_ALL] = {"user-events-to-all",
                                     "#server-to-user-{id} events reach every signed-in user"},
    [RH_FAULT_TERMINATE_IGNORED] = {"terminate-ignored", "terminate_connections closes nothing"},
    [RH_FAULT_WATCHLIST_NO_OFFLINE] = {"watchlist-no-offline",
                                       "a watched user going offline is never announced"},
    [RH_FAULT_HTTP_PIPELINE_FREEZE] =
        {"http-pipeline-freeze",
         "a pipelined request with a body is read as lws 4.1 offers it (the server spins)"},
    [RH_FAULT_HTTP_CL_OVER_TE] = {"http-cl-over-te",
                                  "Content-Length wins when Transfer-Encoding is sent too"},
    [RH_FAULT_HTTP_PIPELINE_UNANSWERED] =
        {"http-pipeline-unanswered",
         "a pipelined request with a body is dropped unanswered (no 503 before the close)"},
    [RH_FAULT_SUBCOUNT_NO_LEAVE] = {"subcount-no-leave",
                                    "subscription_count not sent when a subscriber leaves"},
    [RH_FAULT_SUBCOUNT_PRESENCE] = {"subcount-presence",
                                    "subscription_count sent on presence channels too"},
    [RH_FAULT_DROP_NO_REMOVED] = {"drop-no-removed",
                                  "a connection gone without a close frame: no member_removed"},
    [RH_FAULT_NUMERIC_USER_ID] = {"numeric-user-id", "a numeric presence user_id is refused"},
    [RH_FAULT_USER_INFO_REQUIRED] = {"user-info-required",
                                     "presence channel_data without user_info is refused"},
    [RH_FAULT_PRESENCE_SIZE_OFF_BY_ONE] =
        {"presence-size-off-by-one", "a user_id or user_info of exactly its limit is refused"},
    [RH_FAULT_NO_PRESENCE_LIMIT] = {"no-presence-limit", "max_presence_members not enforced"},
    [RH_FAULT_WS_ANY_PATH] = {"ws-any-path",
                              "WebSocket upgrades accepted at any path ending in a key"},
    [RH_FAULT_SLOW_DROP_FRAMES] = {"slow-drop-frames",
                                   "a full send queue drops the frame and keeps the connection"},
    [RH_FAULT_WS_CLOSE_UTF8] = {"ws-close-utf8",
                                "a client close whose reason is not UTF-8 is echoed, not 1007"},
    [RH_FAULT_ENCRYPTED_CLIENT_EVENTS] = {"encrypted-client-events",
                                          "client events are relayed on encrypted channels"},
    [RH_FAULT_ENCRYPTED_NO_AUTH] = {"encrypted-no-auth",
                                    "encrypted channels are subscribed without an auth signature"},
    [RH_FAULT_ENCRYPTED_NO_SECRET] = {"encrypted-no-secret",
                                      "the authorizer signs encrypted channels without "
                                      "shared_secret"},
    [RH_FAULT_ENCRYPTED_SECRET_FIXED] = {"encrypted-secret-fixed",
                                         "the authorizer hands out one shared_secret for every "
                                         "encrypted channel"},
    [RH_FAULT_CACHE_NONE] = {"cache-none",
                             "cache channels keep nothing: every subscriber gets cache_miss"},
    [RH_FAULT_CACHE_NO_MISS] = {"cache-no-miss",
                                "no pusher:cache_miss when a cache channel has nothing cached"},
    [RH_FAULT_CACHE_NO_EXPIRY] = {"cache-no-expiry", "cached events never expire"},
    [RH_FAULT_CACHE_FIRST_EVENT] = {"cache-first-event",
                                    "a cache channel keeps its first event instead of its last"},
    [RH_FAULT_PATH_DOUBLE_DECODE] = {"path-double-decode",
                                     "the path is percent-decoded again when routed"},
    [RH_FAULT_WEBHOOK_BAD_SIGNATURE] = {"webhook-bad-signature",
                                        "X-Pusher-Signature made with an empty secret"},
    [RH_FAULT_WEBHOOK_NO_RETRY] = {"webhook-no-retry",
                                   "a webhook POST answered non-2xx is dropped, never retried"},
    [RH_FAULT_WEBHOOK_NO_BATCH] = {"webhook-no-batch", "every webhook event in a POST of its own"},
    [RH_FAULT_WEBHOOK_NO_DELAY] = {"webhook-no-delay",
                                   "channel_vacated/member_removed sent at once, never cancelled"},
    [RH_FAULT_WEBHOOK_NO_OCCUPIED] = {"webhook-no-occupied", "channel_occupied never sent"},
    [RH_FAULT_WEBHOOK_NO_VACATED] = {"webhook-no-vacated", "channel_vacated never sent"},
    [RH_FAULT_WEBHOOK_MEMBER_NO_USER] = {"webhook-member-no-user",
                                         "member_added/removed webhooks carry an empty user_id"},
    [RH_FAULT_WEBHOOK_CLIENT_NO_DATA] = {"webhook-client-no-data",
                                         "client_event webhooks carry empty data, no socket_id"},
    [RH_FAULT_WEBHOOK_BLOCKING] = {"webhook-blocking",
                                   "the webhook POST waits for its answer, blocking the loop"},
    [RH_FAULT_WEBHOOK_NO_CACHE_MISS] = {"webhook-no-cache-miss", "cache_miss never sent"},
    [RH_FAULT_WEBHOOK_NO_SUBCOUNT] = {"webhook-no-subscription-count",
                                      "subscription_count webhooks never sent"},
    [RH_FAULT_ALLOW_EMPTY_END_400] = {"allow-empty-end-400",
                                      "allowance: an end with an empty body is answered 400"},
    [RH_FAULT_ALLOW_NO_EXPIRES_IN] = {"allow-no-expires-in",
                                      "allowance: end and state answers carry no expires_in"},
    [RH_FAULT_ALLOW_NO_REPLAY] = {"allow-no-replay", "allowance: no replay endpoint (405)"},
    [RH_FAULT_ALLOW_NUL_ROUNDTRIP] = {"allow-nul-roundtrip",
                                      "allowance: U+0000 in a token is accepted and kept"},
    [RH_FAULT_ALLOW_OTHER_SIZE_LIMIT] = {"allow-other-size-limit",
                                         "allowance: tokens and event data limited to 4000 bytes"},
    [RH_FAULT_ALLOW_ERROR_BODY_SHAPE] = {"allow-error-body-shape",
                                         "allowance: HTTP error bodies are {\"message\": ...}"},
    [RH_FAULT_FUZZ_PRESENCE_INFO_ABORT] = {"fuzz-presence-info-abort",
                                           "presence user_info that is not an object aborts"},
    [RH_FAULT_FUZZ_CLIENT_ARRAY_ABORT] = {"fuzz-client-array-abort",
                                          "a client event whose data is an array aborts"},
    [RH_FAULT_FUZZ_BATCH_NULL_HANG] = {"fuzz-batch-null-hang",
                                       "a batch with a null item stops the server serving"},
    [RH_FAULT_FUZZ_DEEP_ENVELOPE_LEAK] = {"fuzz-deep-envelope-leak",
                                          "a message nested deeper than 12 leaks 32 MiB"},
    [RH_FAULT_FUZZ_LONG_CHANNEL_SLOW] = {"fuzz-long-channel-slow",
                                         "subscribing to a name over 100 bytes stalls 1.5 s"},
    [RH_FAULT_REDIS_NO_FENCE] = {"redis-no-fence",
                                 "behind Sentinel, events are published and appends answered "
                                 "before a replica acknowledged them"},
};

int rh_fault_json_depth(const char *s, size_t len)
{
    int depth = 0, max = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max)
                max = depth;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}

const rh_fault_info *rh_fault_table(void)
{
    return table;
}

int rh_fault_by_name(const char *name)
{
    for (int i = 0; i < RH_FAULT__COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return i;
    return -1;
}
