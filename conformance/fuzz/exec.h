/* nf_exec: runs a script against a live server over the suite's transport (rc_io, rc_net)
 * and says what came back: the shape of every answer, the first malformed one, whether the
 * port refused connections, and what each step put on the wire.
 *
 * A WebSocket step is followed by a pusher:ping when it leaves no fragmented message open;
 * the server answers in order, so its pong marks the end of the step's answers (no fixed
 * wait). Otherwise the step waits until the connection is quiet.
 *
 * Ownership: nf_answers owns its sent[] strings (nf_answers_free). */
#ifndef NF_EXEC_H
#define NF_EXEC_H

#include <stddef.h>

#include "client/io.h"
#include "script.h"
#include "shape.h"

#define NF_MAX_ANS 96

typedef struct nf_target {
    rc_endpoint ep;
    const char *ws_path; /* /app/KEY?protocol=7&... */
    const char *app_id, *key, *secret;
    int step_ms; /* longest wait for one step's answers */
} nf_target;

typedef struct nf_answers {
    char shapes[NF_MAX_ANS][NF_SHAPE_MAX];
    size_t n;
    char malformed[512]; /* "" when every answer was well-formed */
    char last[2048];     /* the last answers, one a line */
    int refused;         /* a connection was refused: the port stopped accepting */
    char *sent[NF_MAX_STEPS];
} nf_answers;

/* 0 when the script ran (whatever the server did), -1 on harness trouble (out of memory). */
int nf_exec(const nf_target *t, const nf_script *sc, nf_answers *a);
void nf_answers_free(nf_answers *a);

#endif
