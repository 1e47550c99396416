/* rb_http: a keep-alive HTTP/1.1 client pool on the bench's libuv loop, for signed Pusher
 * HTTP API and control API requests (POST with a JSON body).
 *
 * Our own rather than libwebsockets' client HTTP so that each of a few long-lived connections
 * carries one request after another with no per-request connect. Requests wait in one FIFO
 * queue and go to the first idle connection; a connection the server closes is reopened. The
 * callback gets status -1 and a message when a request could not be completed.
 * Ownership: the pool copies what it needs; the body passed to the callback is valid only
 * during the call. rb_http_free closes every connection; the pool's memory goes when libuv has
 * closed the last of them, so run the loop afterwards. */
#ifndef RB_HTTP_H
#define RB_HTTP_H

#include <stddef.h>

#include <uv.h>

typedef struct rb_http rb_http;
typedef void (*rb_http_cb)(void *ud, int status, const char *body, size_t len);

rb_http *rb_http_new(uv_loop_t *loop, const char *host, int port, int nconns, const char *key,
                     const char *secret);
/* Queues a signed POST of body to path. 0, or -1 when out of memory. */
int rb_http_post(rb_http *h, const char *path, const char *body, size_t len, rb_http_cb cb,
                 void *ud);
/* rb_http_post with extra raw header lines ("K: v\r\n...", NULL: none). */
int rb_http_post_hdr(rb_http *h, const char *path, const char *headers, const char *body,
                     size_t len, rb_http_cb cb, void *ud);
/* Requests queued but not yet sent. */
size_t rb_http_queued(const rb_http *h);
/* The last transport error ("" when none). */
const char *rb_http_error(const rb_http *h);
void rb_http_free(rb_http *h);

#endif
