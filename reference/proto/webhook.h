/* rh_wh: webhooks as pure functions (protocol section 20): the event types, one event's
 * fields, the signed body {time_ms, events:[...]}, the batching rule, the retry schedule and
 * the delayed-vacate rule. No I/O and no clock: the caller passes the times.
 *
 * Ownership: rh_wh_event_new copies every string it is given into one heap event, freed by
 * rh_wh_event_free. rh_wh_body answers a new rh_buf (rh_buf_unref). */
#ifndef RH_WEBHOOK_H
#define RH_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sign.h"

typedef enum {
    RH_WH_CHANNEL_OCCUPIED = 0,
    RH_WH_CHANNEL_VACATED,
    RH_WH_MEMBER_ADDED,
    RH_WH_MEMBER_REMOVED,
    RH_WH_CLIENT_EVENT,
    RH_WH_CACHE_MISS,
    RH_WH_SUBSCRIPTION_COUNT,
    RH_WH__COUNT
} rh_wh_type;

#define RH_WH_ALL ((1u << RH_WH__COUNT) - 1u)

/* The retry window Pusher documents: a batch is retried for up to five minutes. */
#define RH_WH_RETRY_LIMIT_MS (300u * 1000u)

/* "channel_occupied", ...; NULL for a value out of range. */
const char *rh_wh_type_name(rh_wh_type t);
/* The type named s[0..n), or -1. */
int rh_wh_type_by_name(const char *s, size_t n);

typedef struct rh_wh_event {
    rh_wh_type type;
    char *channel;
    char *user_id;   /* member_added/removed; client_event on a presence channel; else NULL */
    char *event;     /* client_event: the event name; else NULL */
    char *data;      /* client_event: the data string as the client sent it; else NULL */
    char *socket_id; /* client_event: the sender; else NULL */
    long long subscription_count; /* subscription_count only */
    uint64_t due_ms;              /* delayed types: when it may go out */
} rh_wh_event;

/* A heap event with copies of the strings (each may be NULL); NULL when out of memory or
 * channel is NULL. */
rh_wh_event *rh_wh_event_new(rh_wh_type type, const char *channel, const char *user_id,
                             const char *event, const char *data, const char *socket_id);
rh_wh_event *rh_wh_event_dup(const rh_wh_event *e);
void rh_wh_event_free(rh_wh_event *e);

/* The body {"time_ms":T,"events":[...]} with the fields Pusher documents for each type. */
rh_buf *rh_wh_body(uint64_t time_ms, rh_wh_event *const *events, size_t n);
/* X-Pusher-Signature: hex HMAC-SHA256 of the body with the app secret. */
void rh_wh_signature(const char *secret, const char *body, size_t len, char out[RH_SIGN_HEX]);

/* Batching: how many of the queued events to send now. All of them (at most max) once the
 * oldest has waited window_ms or max are queued; 0 while the window is still open. */
size_t rh_wh_batch_take(size_t queued, uint64_t oldest_ms, uint64_t now_ms, uint64_t window_ms,
                        size_t max);

/* Retry schedule: the wait before attempt (2 = the first retry) after a failure: 1 s doubling,
 * capped at 60 s. */
uint64_t rh_wh_retry_delay_ms(unsigned attempt);
/* 1 when a batch first tried at first_ms and failed at now_ms gets another attempt: the next
 * one would start within limit_ms of the first. */
int rh_wh_retry_allowed(uint64_t first_ms, uint64_t now_ms, unsigned attempt, uint64_t limit_ms);
/* 1 for a status that acknowledges the delivery (2xx); no answer is -1. */
int rh_wh_acked(int status);

/* A target URL "http://HOST[:PORT][/PATH]" (HOST letters, digits, '.', '-'; PORT 1-65535,
 * default 80; PATH printable ASCII without spaces, default "/"). Fills host (NUL-terminated,
 * at most hostlen - 1 bytes), *port and *path (pointing into url). 0, or -1 with a reason in
 * *why. https is refused: the reference server's client speaks plain HTTP only. */
int rh_wh_url_parse(const char *url, char *host, size_t hostlen, int *port, const char **path,
                    const char **why);

/* The delayed-vacate rule: channel_vacated and member_removed wait delay_ms; an occupied
 * (added) that arrives for the same channel (and user) while one waits cancels both. */
int rh_wh_is_delayed(rh_wh_type t);
/* 1 when the new event (type, channel, user_id) cancels the waiting event pending. */
int rh_wh_cancels(const rh_wh_event *pending, rh_wh_type type, const char *channel,
                  const char *user_id);

#endif
