/* rc_ (cases/pusher_http): run functions of the 6.4 and 6.6 cases (pusher_http_query.c) and of
 * the info case (pusher_http_info.c), listed
 * in the table of pusher_http_api.c (one table for section 6). Owner: pushercases. */
#ifndef RC_CASES_PUSHER_HTTP_H
#define RC_CASES_PUSHER_HTTP_H

#include "runner/case.h"

void rc_run_trigger_info(rc_ctx *ctx); /* pusher_http_info.c */
void rc_run_channels_occupied(rc_ctx *ctx);
void rc_run_channels_prefix(rc_ctx *ctx);
void rc_run_channel_count(rc_ctx *ctx);
void rc_run_presence_user_count(rc_ctx *ctx);
void rc_run_presence_users(rc_ctx *ctx);
void rc_run_too_many_channels(rc_ctx *ctx);
void rc_run_batch_too_large(rc_ctx *ctx);
void rc_run_data_too_large(rc_ctx *ctx);
void rc_run_data_not_string(rc_ctx *ctx);

#endif
