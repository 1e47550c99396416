/* rc_wh (cases/webhook_common): what the webhook cases (docs/protocol.md section 20) share:
 * the receiver of --webhook-listen, the waits the server's profile allows, and finding one
 * event in what the receiver got.
 *
 * Ownership: rc_wh_find hands out a copy of the event (cJSON_Delete) and of the request
 * (rc_whpost_clear). */
#ifndef RC_WEBHOOK_COMMON_H
#define RC_WEBHOOK_COMMON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "client/whrecv.h"
#include "runner/case.h"

/* The receiver, or NULL after rc_skip (no --webhook-listen). */
rc_whrecv *rc_wh_recv(rc_ctx *ctx);
/* How long an event due at once may take: the declared batch window plus RC_WAIT_MS. */
int rc_wh_due_ms(rc_ctx *ctx);
/* The delay of channel_vacated and member_removed: declared, or Pusher's 3000 ms; 0 when the
 * server declares none. */
int rc_wh_delay_ms(rc_ctx *ctx);

/* Looks, in the requests from index from on, for an event name on channel (and with user_id
 * when non-NULL), waiting up to ms for it. The index of the request that holds it, with *ev
 * (may be NULL) a copy of the event and *post (may be NULL) of the request; -1 when none came
 * in time. A request naming channel whose body is not a webhook body fails the case. */
long rc_wh_find(rc_ctx *ctx, size_t from, const char *name, const char *channel,
                const char *user_id, int ms, cJSON **ev, rc_whpost *post);
/* How many events name on channel the requests from index from on hold, now. */
int rc_wh_count(rc_ctx *ctx, size_t from, const char *name, const char *channel);
/* rc_wh_find that fails the case (expected vs seen) when nothing comes: 1 found. */
int rc_wh_expect(rc_ctx *ctx, size_t from, const char *name, const char *channel,
                 const char *user_id, int ms, cJSON **ev, rc_whpost *post);

#endif
