/* rc_prod: a producer driver program (--producer exec:'CMD ARGS') the stream cases drive
 * instead of the HTTP control API. The suite starts CMD once (/bin/sh -c) and speaks
 * rehome-producer/1 (proto.h, docs/producer-driver.md) over its stdin and stdout; CMD's stderr
 * is the suite's. Requests from several threads are in flight at once: a reader thread
 * matches each answer line to the request with its id, so a driver may answer out of order.
 *
 * A driver that exits, closes its stdout, sends a line that is no answer, or does not answer
 * in time is harness trouble (rc_error, verdict ERROR), never a finding about the server.
 *
 * Ownership: rc_prod_start returns an object the caller stops with rc_prod_stop (which ends
 * the driver: stdin closed, then SIGTERM after a grace period). rc_prod_call is thread-safe. */
#ifndef RC_PROD_H
#define RC_PROD_H

#include <stddef.h>

#include "client/client.h"
#include "runner/case.h"

/* Starts cmd and exchanges hello. NULL with a message in err. */
rc_producer *rc_prod_start(const char *cmd, char *err, size_t errlen);
void rc_prod_stop(rc_producer *p);

/* rc_producer_http_fn, for the target's producer_http (conformance/client's rc_http): when the
 * request is a producer operation (rc_pp_translate) it is sent to the driver and answered in resp
 * as the control API would (status, body, json; the exchange in the case's wire log): returns 0, or
 * -1 after rc_error. Returns 1 when the request is no producer operation and must go over HTTP. */
int rc_prod_http(rc_ctx *ctx, rc_producer *p, const char *method, const char *path_and_query,
                 const char *body, size_t body_len, rc_http_resp *resp);

#endif
