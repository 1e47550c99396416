/* rc_sc: helpers shared by the stream-profile cases (s07_*.c to s12_*.c).
 *
 * They wrap the steps every stream case repeats: start a stream with fresh random ids, subscribe
 * a member through the target's authorizer, append tokens, and read the stream's events while
 * checking each one against the contract (section 9 of docs/protocol.md). Server behaviour that
 * breaks the contract is reported with rc_fail (the case's verdict), network trouble with
 * rc_error (already done by conformance/client). All functions are safe to call from a case's
 * own threads as long as one connection is used by one thread at a time. */
#ifndef RC_STREAM_COMMON_H
#define RC_STREAM_COMMON_H

#include <stddef.h>

#include "client/client.h"
#include "runner/case.h"

#define RC_SC_ID              65  /* ids are [A-Za-z0-9_-]{1,64} */
#define RC_SC_CHAN            200 /* a stream channel is at most 164 bytes */
#define RC_SC_LISTEN_MS       400 /* quiet window for "received nothing" checks */
#define RC_SC_MAX_TOKEN_BYTES 10240

typedef struct rc_sc_stream {
    char workspace[RC_SC_ID];
    char thread[RC_SC_ID];
    char run[RC_SC_ID];
    char stream[RC_SC_ID];
    char channel[RC_SC_CHAN];
} rc_sc_stream;

/* Fresh random thread, run and stream ids in the member's workspace; channel filled in. */
void rc_sc_new(rc_ctx *ctx, rc_sc_stream *s);
/* rc_sc_new, then start it: checks 201 and the answer (stream_id, channel, state, last_seq 0).
 * 1 ok, 0 after rc_fail / rc_error. */
int rc_sc_start(rc_ctx *ctx, rc_sc_stream *s);

/* Asks the authorizer (form-encoded) as `bearer` for (socket_id, channel). Returns the status
 * (-1 on network trouble) and, on 200 with a string "auth", copies it into auth. */
int rc_sc_authorize(rc_ctx *ctx, const char *bearer, const char *socket_id, const char *channel,
                    char *auth, size_t authlen);
/* Sends pusher:subscribe (auth may be NULL) and waits for the server's answer for channel:
 * 1 subscription_succeeded, 0 refused (subscription_error, or pusher:error), -1 no answer
 * within 2 s or the connection closed. errtype (may be NULL) gets data.type of the refusal. */
int rc_sc_try_subscribe(rc_pconn *pc, const char *channel, const char *auth, char *errtype,
                        size_t errlen);
/* Connects, asks the authorizer as user u for channel and subscribes with that auth. NULL
 * after rc_fail (refused by authorizer or server) or rc_error. */
rc_pconn *rc_sc_member_sub(rc_ctx *ctx, const char *channel, const rc_user *u);

/* rc_sc_start, then rc_sc_member_sub as the target's member: the setup most cases share.
 * The subscriber, or NULL after a report. */
rc_pconn *rc_sc_start_sub(rc_ctx *ctx, rc_sc_stream *s);

/* One token; checks 200 and first_seq == last_seq. Returns the seq, or -1 after a report. */
long long rc_sc_token(rc_ctx *ctx, const char *stream, const char *token);
/* rc_sc_token for each of tokens[0..n-1], one request each, stopping at the first failure.
 * 1 ok, 0 after a report. */
int rc_sc_send_each(rc_ctx *ctx, const char *stream, const char *const *tokens, size_t n);
/* rc_sc_token n times with the same token. 1 ok, 0 after a report. */
int rc_sc_send_same(rc_ctx *ctx, const char *stream, const char *token, int n);
/* POST tokens with {"tokens":[...]} (n may be 0). Fills resp (caller frees). 0 / -1 as rc_http. */
int rc_sc_tokens_req(rc_ctx *ctx, const char *stream, const char *const *tokens, size_t n,
                     rc_http_resp *resp);
/* rc_sc_tokens_req and checks 200 and last_seq - first_seq + 1 == n. 1 ok, 0 after rc_fail. */
int rc_sc_tokens(rc_ctx *ctx, const char *stream, const char *const *tokens, size_t n,
                 long long *first, long long *last);
/* POST .../end with {"reason": reason}, or {} for NULL: the contract makes reason optional
 * but says nothing of an empty body (docs/protocol.md accepts one; only end-default-reason
 * sends it, as a SHOULD). Fills resp (caller frees). 0 / -1 as rc_http. */
int rc_sc_end_req(rc_ctx *ctx, const char *stream, const char *reason, rc_http_resp *resp);
/* rc_sc_end_req (NULL reason: {}); checks 200 and the answer's types. Fills the answer's
 * already_ended, last_seq and reason (any may be NULL). 1 ok, 0 after a report. */
int rc_sc_end(rc_ctx *ctx, const char *stream, const char *reason, int *already,
              long long *last_seq, char *reason_out, size_t reason_len);
/* A signed control API request with a raw body (path relative: "/streams/..."). */
int rc_sc_ctl(rc_ctx *ctx, const char *method, const char *subpath, const char *body,
              rc_http_resp *resp);
/* Status of a response as text for messages: "201 {...}" (truncated). */
const char *rc_sc_desc(const rc_http_resp *resp, char *buf, size_t len);
/* Checks resp->status == want; on mismatch rc_fail with what was sent. 1 ok. */
int rc_sc_status(rc_ctx *ctx, const rc_http_resp *resp, int want, const char *what);

/* What a subscriber received of one stream. */
typedef struct rc_sc_tok {
    long long seq;
    char *token;
} rc_sc_tok;

typedef struct rc_sc_recv {
    rc_sc_tok *toks;
    size_t n, cap;
    int ends;               /* thread.stream.ended events received */
    long long end_last_seq; /* of the first end event */
    char end_reason[32];
    size_t toks_before_end; /* tokens received before the first end event */
    int foreign;            /* events on another channel */
    int bad;                /* malformed stream events (only the first few are reported) */
} rc_sc_recv;

/* Reads pc until r holds want_tokens tokens in total and, with want_end, an end event; or until
 * timeout_ms. Every event on s's channel is checked (envelope, double-encoded data, the fields
 * and their JSON types, ids equal to s's) with rc_fail naming `who`. want_tokens 0 and
 * want_end 0: listens for the whole timeout. 1 goal reached, 0 timeout, -1 closed. */
int rc_sc_read(rc_ctx *ctx, rc_pconn *pc, const rc_sc_stream *s, const char *who, rc_sc_recv *r,
               size_t want_tokens, int want_end, int timeout_ms);
/* rc_sc_read that reports a failure when the goal is not reached. 1 ok. */
int rc_sc_expect(rc_ctx *ctx, rc_pconn *pc, const rc_sc_stream *s, const char *who, rc_sc_recv *r,
                 size_t want_tokens, int want_end, int timeout_ms);
/* Checks r's tokens are exactly seqs first, first+1, ... first+n-1 in that order (no gap, no
 * repeat, no reordering) and, when expect is non-NULL, that token i is byte-equal to expect[i].
 * 1 ok, 0 after rc_fail. */
int rc_sc_check_seqs(rc_ctx *ctx, const char *who, const rc_sc_recv *r, long long first, size_t n,
                     const char *const *expect);
/* Listens RC_SC_LISTEN_MS (or ms) and fails when any event of s arrives. 1 ok. */
int rc_sc_expect_silence(rc_ctx *ctx, rc_pconn *pc, const rc_sc_stream *s, const char *who, int ms);
void rc_sc_recv_free(rc_sc_recv *r);

/* 1 when r is completed, cancelled or failed. */
int rc_sc_valid_reason(const char *r);
/* JSON-escaped copy of s into out ("..." with quotes). 0 ok, -1 too small. */
int rc_sc_json_str(const char *s, char *out, size_t outlen);
/* The HTTP status of GET .../streams/{stream} (the body dropped); -1 after rc_error. */
int rc_sc_get_status(rc_ctx *ctx, const char *stream);

#endif
