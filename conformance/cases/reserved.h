/* rc_ (cases/reserved): the check shared by the reserved-event-name cases of both profiles
 * (pusher_reserved.c, stream_http_api.c). */
#ifndef RC_CASES_RESERVED_H
#define RC_CASES_RESERVED_H

#include "client/client.h"
#include "runner/case.h"

/* Publishes event `name` (data `data`, a JSON string's text) on ch through POST .../events
 * and then as a one-item POST .../batch_events. Each must be refused: not 2xx (rc_fail),
 * and 400 (rc_fail_should otherwise). Afterwards sub's next event on ch must be the HTTP API
 * probe: nothing of the refused requests may have been delivered. 1 ok. */
int rc_reserved_refused(rc_ctx *ctx, rc_pconn *sub, const char *ch, const char *name,
                        const char *data);

#endif
