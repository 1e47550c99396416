/* rc_ helpers shared by the section-2 case files (s02_connection.c defines them;
 * s02_heartbeat.c and s02_input.c use them). Case-file internal; no ownership passes. */
#ifndef RC_PUSHER_COMMON_H
#define RC_PUSHER_COMMON_H

#include "client/client.h"

/* pusher:error code from data given as an object or as a JSON string (R); 1 found. */
int rc_error_code_of(const rc_pmsg *m, long long *code);
/* Sends pusher:ping and waits for pusher:pong (3 s). 1 alive; 0 after rc_fail naming when. */
int rc_alive(rc_ctx *ctx, rc_pconn *pc, const char *when);
/* Sends one text frame of bad input, then a pusher:ping, and reads until the pong:
 * a pusher:error (or a pusher:subscription_error when also_sub_error) before it is the
 * expected answer (SHOULD: rc_fail_should when missing); the pong proves the connection is
 * still usable (MUST). Returns 1 when the case may go on. */
int rc_bad_input(rc_ctx *ctx, rc_pconn *pc, const char *input, size_t len, int also_sub_error);

#endif
