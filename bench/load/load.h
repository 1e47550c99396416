/* rehome-load internals: the epoll WebSocket client (ws.c) and the scenarios (fanout.c,
 * abuse.c). Test tool only; never linked into the server. Every wire format is
 * conformance/wire's; ownership: ld_loop owns its connections and their buffers. */
#ifndef RH_LOAD_H
#define RH_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "wire/wskey.h"
#include "wire/wsmsg.h"

typedef struct ld_env {
    char host[64];
    int port;
    const char *key, *app_id, *secret;
    int pid; /* server pid for RSS, 0: unknown */
} ld_env;

enum { LD_CONNECTING, LD_UPGRADING, LD_OPEN, LD_CLOSED };

typedef struct ld_conn {
    int fd;
    int state;
    int established, subscribed;
    int paused;       /* not read (the slow reader) */
    int error_code;   /* last pusher:error code */
    int close_code;   /* close frame code; 1006 when the socket ended without one */
    long events;      /* channel events received */
    uint64_t last_us; /* when the last event arrived */
    char *in;
    size_t inlen, incap;
    const char *channel;        /* subscribed to this after connection_established */
    char key[RW_WSKEY_LEN + 1]; /* Sec-WebSocket-Key of the upgrade */
    rw_wsmsg msg;               /* fragments being joined */
} ld_conn;

typedef struct ld_loop {
    const ld_env *env; /* of the connections started */
    int ep;
    ld_conn *conns;
    size_t n;
} ld_loop;

int ld_env_init(ld_env *env, const char *url);
/* A fresh random Sec-WebSocket-Key. */
void ld_ws_key(char key[RW_WSKEY_LEN + 1]);
uint64_t ld_now_us(void);
/* Server VmRSS in KiB (0 when unknown). */
long ld_rss_kib(const ld_env *env);

int ld_loop_init(ld_loop *l, size_t n);
void ld_loop_free(ld_loop *l);
/* Starts a non-blocking connect + upgrade of c (rcvbuf > 0: SO_RCVBUF first). 0 or -1. */
int ld_conn_start(ld_loop *l, const ld_env *env, ld_conn *c, const char *channel, int rcvbuf);
/* Runs the loop for up to ms (returns early when done(ud) says 1). */
void ld_loop_run(ld_loop *l, int ms, int (*done)(void *ud), void *ud);
/* Stops or resumes reading c. */
void ld_conn_pause(ld_loop *l, ld_conn *c, int paused);
int ld_conn_send_text(ld_conn *c, const char *s, size_t len);
void ld_conn_close(ld_loop *l, ld_conn *c);

/* Signed POST /apps/{id}/events {"name":"rh-load","channel":ch,"data":data}; the status. */
int ld_publish(const ld_env *env, const char *channel, const char *data);
/* GET path; the status, or -1. */
int ld_http_get(const ld_env *env, const char *path);
/* The value of a metric without labels from GET /metrics, or -1. */
long ld_metric(const ld_env *env, const char *name);

int ld_fanout(const ld_env *env, int conns, int events);
int ld_slow(const ld_env *env, int fast, int events, int size);
int ld_abuse(const ld_env *env, int seconds);
int ld_hold(const ld_env *env, int conns, int seconds);

#endif
