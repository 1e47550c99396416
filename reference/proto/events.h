/* rh_evt: the two stream events of contract section 5, encoded as whole Pusher frames
 * (envelope + double-encoded data), once per event, to be shared by every subscriber.
 * Pure. Returns a new rh_buf (one reference, caller's) or NULL when out of memory. */
#ifndef RH_EVT_H
#define RH_EVT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define RH_EVT_TOKEN "thread.token.streamed"
#define RH_EVT_END   "thread.stream.ended"

typedef struct rh_evt_ids {
    const char *workspace_id;
    const char *thread_id;
    const char *run_id;
    const char *stream_id;
} rh_evt_ids;

rh_buf *rh_evt_encode_token(const char *channel, const rh_evt_ids *ids, uint64_t seq,
                            const char *token, size_t token_len);
/* reason: "completed", "cancelled" or "failed". */
rh_buf *rh_evt_encode_end(const char *channel, const rh_evt_ids *ids, uint64_t last_seq,
                          const char *reason);

#endif
