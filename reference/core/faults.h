/* rh_fault: test-only fault switches that make the reference server deliberately wrong, so
 * the conformance suite can show each case catches a real bug (its "teeth").
 *
 * Compiled in only with -Dfaults=true (RH_WITH_FAULTS); otherwise rh_fault_on is constant 0
 * and the compiler drops every faulty branch. The set of active faults lives in rh_srv, one
 * byte per fault (no global state; the bound below only keeps the array and the table small). Each
 * fault has a stable name used by --fault NAME and by the kill matrix.
 *
 * Where the code has a seam a fault is a decorator swapped in by rh_srv_set_fault (the control
 * API's parsers and the outgoing stream frames: api/faults.c; the store's answers:
 * api/faults_store.c); the others are inline checks
 * `if (rh_fault_on(srv, RH_FAULT_X))` at the one place the bug would be. To add a fault: an
 * enum value here, its name and description in faults.c, the check or the decorator, and the
 * kill matrix re-run for it (ci/killmatrix --write --fault NAME). */
#ifndef RH_FAULTS_H
#define RH_FAULTS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    /* WebSocket side (core/) */
    RH_FAULT_UNKNOWN_KEY_ACCEPTED,  /* unknown app key gets connection_established */
    RH_FAULT_PROTOCOL_REQUIRED,     /* connections without ?protocol=7 refused with 4008 */
    RH_FAULT_ESTABLISHED_NOT_FIRST, /* a pusher:ping is sent before connection_established */
    RH_FAULT_SOCKET_ID_CLOCK,       /* socket_id derived from the clock: same minute, same id */
    RH_FAULT_ERROR_NO_CODE,         /* pusher:error data carries no code */
    RH_FAULT_SOCKET_ID_FORMAT,      /* socket_id not ^\d+\.\d+$ */
    RH_FAULT_NO_ACTIVITY_TIMEOUT,   /* connection_established without activity_timeout */
    RH_FAULT_ESTABLISHED_OBJECT,    /* connection_established data not double-encoded */
    RH_FAULT_NO_PONG,               /* pusher:ping not answered */
    RH_FAULT_NO_SERVER_PING,        /* silent clients never pinged nor closed with 4201 */
    RH_FAULT_SILENT_MALFORMED,      /* malformed messages ignored without pusher:error */
    RH_FAULT_LAX_CHANNEL_NAMES,     /* subscribe does not validate channel names */
    RH_FAULT_AUTH_NONE,             /* private/presence subscribe accepted without checking auth */
    RH_FAULT_AUTH_ANY_SOCKET,       /* a signature made for another connected socket is accepted */
    RH_FAULT_AUTH_IGNORE_KEY,       /* the key part of auth is not checked (Reverb does this) */
    RH_FAULT_LEAK_REFUSED,          /* a refused subscriber still receives the channel's events */
    RH_FAULT_UNSUBSCRIBE_IGNORED,   /* pusher:unsubscribe does not stop delivery */
    RH_FAULT_PRESENCE_DUP_MEMBER,   /* member_added sent again for a user already present */
    RH_FAULT_PRESENCE_NO_REMOVED,   /* member_removed never sent */
    RH_FAULT_CLIENT_ECHO,           /* client events echoed to the sender */
    RH_FAULT_CLIENT_UNSUBSCRIBED,   /* client events relayed from a connection not subscribed */
    RH_FAULT_CLIENT_PUBLIC,         /* client events relayed on public channels */
    RH_FAULT_CLIENT_NO_RATE_LIMIT,  /* client events never rate-limited */
    RH_FAULT_SUBCOUNT_NO_LEAVE,     /* subscription_count not sent when a subscriber leaves */
    RH_FAULT_SUBCOUNT_PRESENCE,     /* subscription_count sent on presence channels too */
    RH_FAULT_DROP_NO_REMOVED,       /* a connection gone without a close frame: no member_removed */
    RH_FAULT_NUMERIC_USER_ID,       /* a numeric presence user_id is refused */
    RH_FAULT_USER_INFO_REQUIRED,    /* presence channel_data without user_info is refused */
    RH_FAULT_NO_PRESENCE_LIMIT,     /* max_presence_members not enforced */
    RH_FAULT_PRESENCE_SIZE_OFF_BY_ONE, /* a user_id or user_info of exactly its limit is refused */
    RH_FAULT_WS_ANY_PATH,              /* WebSocket upgrades accepted at any path ending in a key */
    RH_FAULT_SLOW_DROP_FRAMES, /* a full send queue drops the frame and keeps the connection */
    /* HTTP / stream side (api/, store/) */
    RH_FAULT_HTTPSIG_SKIP,          /* HTTP API and control API skip the signature check */
    RH_FAULT_UNKNOWN_APP_ACCEPTED,  /* an unknown app id in an HTTP path is served as the first app
                                     */
    RH_FAULT_DATA_TYPE_UNCHECKED,   /* event data that is not a string is accepted (re-encoded) */
    RH_FAULT_HTTPSIG_NO_BODY_MD5,   /* body_md5 not checked */
    RH_FAULT_HTTPSIG_NO_TIMESTAMP,  /* auth_timestamp window not checked */
    RH_FAULT_SOCKET_EXCLUSION,      /* socket_id exclusion ignored */
    RH_FAULT_EVENTS_REORDER,        /* consecutive HTTP API events on a channel delivered swapped */
    RH_FAULT_EVENT_DATA_REENCODED,  /* event data re-encoded (string turned into object) */
    RH_FAULT_NO_PAYLOAD_LIMIT,      /* event data over the limit accepted (no 413) */
    RH_FAULT_BATCH_LIMIT,           /* batch over 10 items and over 100 channels accepted */
    RH_FAULT_CHANNELS_INFO,         /* channel queries report wrong occupancy/counts */
    RH_FAULT_AUTHZ_NON_MEMBER,      /* authorizer signs for users outside the workspace */
    RH_FAULT_AUTHZ_NO_TOKEN,        /* authorizer signs without a bearer token */
    RH_FAULT_AUTHZ_LAX_CHANNEL,     /* authorizer signs malformed channel names */
    RH_FAULT_SEQ_GAP,               /* the 5th token of a stream gets seq 6 (a gap) */
    RH_FAULT_SEQ_DUP,               /* the 3rd token of a stream is broadcast twice */
    RH_FAULT_SEQ_SWAP,              /* tokens 3 and 4 of a stream are broadcast swapped */
    RH_FAULT_SEQ_PER_REQUEST,       /* a tokens batch reuses the seq of the request (repeats) */
    RH_FAULT_DOUBLE_END,            /* a second end broadcasts thread.stream.ended again */
    RH_FAULT_END_ALREADY_FALSE,     /* a repeated end answers already_ended: false */
    RH_FAULT_END_LAST_SEQ,          /* ended last_seq is one less than the last token's seq */
    RH_FAULT_END_REASON_OVERWRITE,  /* a repeated end replaces the first reason */
    RH_FAULT_TOKEN_AFTER_END,       /* tokens after the end are accepted and broadcast */
    RH_FAULT_MISSING_FIELD,         /* token events lack run_id */
    RH_FAULT_WRONG_TYPE,            /* token events carry seq as a string */
    RH_FAULT_STREAM_NO_EXPIRY,      /* ended state never expires */
    RH_FAULT_STREAM_EARLY_EXPIRY,   /* ended state removed at once */
    RH_FAULT_STREAM_LAX_IDS,        /* control API accepts ids outside [A-Za-z0-9_-]{1,64} */
    RH_FAULT_START_CONFLICT,        /* same stream_id with other ids answered 200, not 409 */
    RH_FAULT_UTF8_UNCHECKED,        /* tokens with invalid UTF-8 accepted */
    RH_FAULT_TOKEN_LIMIT,           /* tokens over the size limit accepted (no 413) */
    RH_FAULT_REPLAY_INCLUSIVE,      /* replay answers from after_seq itself (a duplicate) */
    RH_FAULT_REPLAY_SKIP,           /* replay leaves out the first token after after_seq */
    RH_FAULT_REPLAY_NO_GONE,        /* replay past the kept window answers 200, not 410 */
    RH_FAULT_RESERVED_NAMES,        /* HTTP API publishes pusher:/pusher_internal: event names */
    RH_FAULT_STREAM_EVENTS_VIA_API, /* HTTP API publishes stream event names on stream channels */
    RH_FAULT_NO_OPEN_STREAM_CAP,    /* max_open_streams not enforced */
    RH_FAULT_IDEM_IGNORED,          /* the Idempotency-Key of an append is ignored */
    RH_FAULT_IDEM_NODE_LOCAL,       /* an Idempotency-Key is honoured on the node it came to only */
    RH_FAULT_BUS_GAP_IGNORED,       /* after a bus gap, subscribers are left silently behind */
    RH_FAULT_PRESENCE_LIST_LOCAL,   /* subscription_succeeded lists this node's members only */
    RH_FAULT_PRESENCE_LIMIT_LOCAL,  /* max_presence_members counts this node's members only */
    /* limits */
    RH_FAULT_NO_CONN_QUOTA,    /* max_connections not enforced */
    RH_FAULT_NO_SUB_LIMIT,     /* max_subscriptions not enforced */
    RH_FAULT_NO_HTTP_RATE,     /* http_requests_per_sec not enforced */
    RH_FAULT_ORIGIN_UNCHECKED, /* allowed_origins not checked */
    /* revocation of workspace access (docs/protocol.md section 19) */
    RH_FAULT_REVOKE_KEEPS_SUBSCRIPTION, /* a revocation leaves live subscriptions running */
    RH_FAULT_REVOKE_SIGNS_ANYWAY,       /* the authorizer still signs for a revoked member */
    RH_FAULT_REVOKE_OLD_SIGNATURE,      /* a signature given before a revocation subscribes */
    /* user authentication (docs/protocol.md section 18) */
    RH_FAULT_SIGNIN_UNCHECKED,     /* pusher:signin accepted whatever its signature */
    RH_FAULT_USER_EVENTS_TO_ALL,   /* #server-to-user-{id} events reach every signed-in user */
    RH_FAULT_TERMINATE_IGNORED,    /* terminate_connections closes nothing */
    RH_FAULT_WATCHLIST_NO_OFFLINE, /* a watched user going offline is never announced */
    /* HTTP edge (net/, api/router.c) */
    RH_FAULT_HTTP_PIPELINE_FREEZE, /* a pipelined request with a body is read as lws 4.1 offers it
                                    */
    RH_FAULT_HTTP_CL_OVER_TE,      /* Content-Length wins over Transfer-Encoding when both come */
    RH_FAULT_HTTP_PIPELINE_UNANSWERED, /* a pipelined request with a body lws cannot read is
                                        * dropped without its 503 */
    RH_FAULT_PATH_DOUBLE_DECODE,       /* the path is percent-decoded a second time when routed */
    RH_FAULT_WS_CLOSE_UTF8,            /* a close reason that is not UTF-8 is echoed, not 1007 */
    /* encrypted and cache channels (core/, api/) */
    RH_FAULT_ENCRYPTED_CLIENT_EVENTS, /* client events relayed on private-encrypted- channels */
    RH_FAULT_ENCRYPTED_NO_AUTH,       /* private-encrypted- subscriptions accepted without auth */
    RH_FAULT_ENCRYPTED_NO_SECRET,     /* the authorizer leaves shared_secret out */
    RH_FAULT_ENCRYPTED_SECRET_FIXED,  /* the authorizer's shared_secret ignores the channel */
    RH_FAULT_CACHE_NONE,              /* cache channels keep nothing: always pusher:cache_miss */
    RH_FAULT_CACHE_NO_MISS,           /* no pusher:cache_miss when nothing is cached */
    RH_FAULT_CACHE_NO_EXPIRY,         /* cached events never expire (cache_ttl ignored) */
    RH_FAULT_CACHE_FIRST_EVENT,       /* the first event of a cache channel is kept, not the last */
    /* Webhooks (api/webhooks.c, core/webhooks.c) */
    RH_FAULT_WEBHOOK_BAD_SIGNATURE,  /* X-Pusher-Signature made with an empty secret */
    RH_FAULT_WEBHOOK_NO_RETRY,       /* a POST answered non-2xx is dropped, never retried */
    RH_FAULT_WEBHOOK_NO_BATCH,       /* every event in a POST of its own */
    RH_FAULT_WEBHOOK_NO_DELAY,       /* channel_vacated/member_removed at once, never cancelled */
    RH_FAULT_WEBHOOK_NO_OCCUPIED,    /* channel_occupied never sent */
    RH_FAULT_WEBHOOK_NO_VACATED,     /* channel_vacated never sent */
    RH_FAULT_WEBHOOK_MEMBER_NO_USER, /* member_added/removed carry an empty user_id */
    RH_FAULT_WEBHOOK_CLIENT_NO_DATA, /* client_event carries empty data and no socket_id */
    RH_FAULT_WEBHOOK_BLOCKING,       /* the webhook POST waits for its answer on the loop */
    RH_FAULT_WEBHOOK_NO_CACHE_MISS,  /* cache_miss never sent */
    RH_FAULT_WEBHOOK_NO_SUBCOUNT,    /* subscription_count never sent */
    /* Allowances, named allow-*: not faults but behaviours the contract allows and
     * docs/protocol.md does not choose. The suite must never FAIL them (ci/killmatrix checks
     * that every case ends PASS, NON-STRICT or UNSUPPORTED with each one). */
    RH_FAULT_ALLOW_EMPTY_END_400,    /* an end request with an empty body is answered 400 */
    RH_FAULT_ALLOW_NO_EXPIRES_IN,    /* end and state answers carry no expires_in */
    RH_FAULT_ALLOW_NO_REPLAY,        /* no replay endpoint: GET .../tokens answers 405 */
    RH_FAULT_ALLOW_NUL_ROUNDTRIP,    /* U+0000 in a token is accepted and broadcast as sent */
    RH_FAULT_ALLOW_OTHER_SIZE_LIMIT, /* tokens and event data limited to 4000 bytes a request */
    RH_FAULT_ALLOW_ERROR_BODY_SHAPE, /* HTTP error bodies are {"message": ...} (no error, code) */
    /* Fuzzer-only teeth (ci/fuzz-net): crashes, hangs and leaks on deep inputs that no
     * conformance case sends; fixtures/killmatrix.json lists them under "fuzzer_only". */
    RH_FAULT_FUZZ_PRESENCE_INFO_ABORT, /* presence user_info that is not an object: abort */
    RH_FAULT_FUZZ_CLIENT_ARRAY_ABORT,  /* a relayed client event whose data is an array: abort */
    RH_FAULT_FUZZ_BATCH_NULL_HANG,     /* a batch holding a null item: the server stops serving */
    RH_FAULT_FUZZ_DEEP_ENVELOPE_LEAK,  /* a message nested deeper than 12: 32 MiB leaked */
    RH_FAULT_FUZZ_LONG_CHANNEL_SLOW,   /* subscribe to a name over 100 bytes: 1.5 s stall */
    /* Chaos-only teeth (ci/chaos): failures of several nodes on Redis behind Sentinel. */
    RH_FAULT_REDIS_NO_FENCE, /* behind Sentinel, publish and answer before a replica has it */
    RH_FAULT__COUNT
} rh_fault;

/* rh_srv keeps one byte per fault; the bound only keeps that array and the table small. */
_Static_assert(RH_FAULT__COUNT <= 128, "too many fault switches");

typedef struct rh_fault_info {
    const char *name;        /* "seq-gap" */
    const char *description; /* one line */
} rh_fault_info;

/* Nesting depth of the JSON text s[0..len) (brackets outside strings; 0 for a scalar):
 * what RH_FAULT_FUZZ_DEEP_ENVELOPE_LEAK looks at. */
int rh_fault_json_depth(const char *s, size_t len);

/* Static table indexed by rh_fault. */
const rh_fault_info *rh_fault_table(void);
/* rh_fault for a name, or -1. */
int rh_fault_by_name(const char *name);

#ifdef RH_WITH_FAULTS
#define rh_fault_on(srv, f) ((srv)->faults[(f)])
#else
/* Still "uses" srv, so a function whose only use of srv is a fault check builds warning-free
 * without faults. */
#define rh_fault_on(srv, f) ((void)(srv), 0)
#endif

#endif
