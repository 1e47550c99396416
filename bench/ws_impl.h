/* The two implementations behind rb_ws (ws.h): rb_wsl on libwebsockets (ws.c) and rb_wsr on
 * plain sockets watched by uv_poll_t (ws_raw.c). Same arguments, callbacks and ownership as
 * rb_ws_new, rb_ws_open and rb_ws_free. */
#ifndef RB_WS_IMPL_H
#define RB_WS_IMPL_H

#include "ws.h"

typedef struct rb_wsl rb_wsl;
typedef struct rb_wsr rb_wsr;

rb_wsl *rb_wsl_new(uv_loop_t *loop, const char *host, int port, const char *key, const char *secret,
                   int nsubs, const rb_ws_cbs *cbs, void *ud, char *err, size_t errlen);
int rb_wsl_open(rb_wsl *w, int sub, const char *channel);
void rb_wsl_free(rb_wsl *w);

rb_wsr *rb_wsr_new(uv_loop_t *loop, const char *host, int port, const char *key, const char *secret,
                   int nsubs, const rb_ws_cbs *cbs, void *ud, char *err, size_t errlen);
int rb_wsr_open(rb_wsr *w, int sub, const char *channel);
void rb_wsr_free(rb_wsr *w);

#endif
