/* Shared by the section-2 case files (pusher_connection.c holds the table and the helpers,
 * pusher_heartbeat.c the ping/pong and close cases, pusher_connection_input.c the framing
 * and malformed-input cases). Owned by the runner
 * helper; case-file internal. */
#ifndef RC_PUSHER_CONNECTION_H
#define RC_PUSHER_CONNECTION_H

#include "client/client.h"

/* pusher:error code from data given as an object or as a JSON string (R); 1 found. */
int pc_error_code(const rc_pmsg *m, long long *code);
/* Sends pusher:ping and waits for pusher:pong (3 s). 1 alive; 0 after rc_fail naming when. */
int pc_alive(rc_ctx *ctx, rc_pconn *pc, const char *when);
/* Sends one text frame of bad input, then a pusher:ping, and reads until the pong:
 * a pusher:error (or a pusher:subscription_error when also_sub_error) before it is the
 * expected answer (SHOULD: rc_fail_should when missing); the pong proves the connection is
 * still usable (MUST). Returns 1 when the case may go on. */
int pc_bad_input(rc_ctx *ctx, rc_pconn *pc, const char *input, size_t len, int also_sub_error);

void pc_ping_pong(rc_ctx *ctx);
void pc_ping_data_forms(rc_ctx *ctx);
void pc_ws_ping_frame(rc_ctx *ctx);
void pc_server_ping(rc_ctx *ctx);
void pc_pong_timeout(rc_ctx *ctx);
void pc_close_echo(rc_ctx *ctx);
void pc_malformed_json(rc_ctx *ctx);
void pc_non_object_json(rc_ctx *ctx);
void pc_missing_event(rc_ctx *ctx);
void pc_wrong_typed_fields(rc_ctx *ctx);
void pc_duplicate_keys(rc_ctx *ctx);
void pc_unknown_pusher_event(rc_ctx *ctx);
void pc_unknown_event_name(rc_ctx *ctx);
void pc_binary_frame(rc_ctx *ctx);
void pc_oversized_message(rc_ctx *ctx);
void pc_garbage_barrage(rc_ctx *ctx);
void pc_fragmented_message(rc_ctx *ctx);

#endif
