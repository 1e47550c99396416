/* rc_hooks: how the suite's transport (net.c, ws.c, ws_handshake.c, http.c, http_resp.c)
 * reports without knowing the runner: a wire-log callback, a deadline, and findings. The
 * transport says what it saw (a FAIL finding: the server broke a rule of RFC 6455 or HTTP;
 * an ERROR: network or harness trouble); the caller turns findings into verdicts (ctx.c does
 * it for a case's rc_ctx). Any callback may be NULL.
 *
 * Ownership: the hooks are copied by value into each connection; ud is the caller's and must
 * outlive the connection. */
#ifndef RC_HOOKS_H
#define RC_HOOKS_H

#include <stddef.h>

typedef enum { RC_HOOK_FAIL = 1, RC_HOOK_ERROR = 2 } rc_hook_kind;

typedef struct rc_hooks {
    void *ud;
    /* One wire-log entry: dir "in", "out" or "note"; binary data is logged as hex. */
    void (*wire)(void *ud, const char *dir, const char *prefix, const void *data, size_t len,
                 int binary);
    /* ms clipped to what is left before the caller's deadline (negative ms: all of it). */
    int (*timeout)(void *ud, int ms);
    /* A finding, with expected and seen values when there are (else NULL). */
    void (*report)(void *ud, rc_hook_kind kind, const char *msg, const char *expected,
                   const char *seen);
} rc_hooks;

void rc_hooks_wire(const rc_hooks *h, const char *dir, const char *prefix, const void *data,
                   size_t len, int binary);
/* ms unchanged when there is no timeout hook (negative ms: 0). */
int rc_hooks_timeout(const rc_hooks *h, int ms);
void rc_hooks_report(const rc_hooks *h, rc_hook_kind kind, const char *expected, const char *seen,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define rc_hooks_fail(h, ...)  rc_hooks_report((h), RC_HOOK_FAIL, NULL, NULL, __VA_ARGS__)
#define rc_hooks_error(h, ...) rc_hooks_report((h), RC_HOOK_ERROR, NULL, NULL, __VA_ARGS__)

#endif
