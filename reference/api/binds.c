/* The authorizer's answers held until their binding came back through the bus (api/ owns
 * them; docs/protocol.md 19.2). A signature is answered only once this node has delivered
 * its own "bnd" message: every membership change published before it has then been applied
 * here too, so a user revoked on another node a moment ago is refused (403), and a
 * revocation published after it finds the binding on whichever node the socket lives.
 * A refusal on a shared bus waits the same way, with a "bnd" that names no socket (a probe,
 * which binds nothing): a grant made through another node before the request is applied
 * here by then, and the user is signed for after all, with a real "bnd" (19.4 point 3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

#define BIND_WAIT_MS 5000 /* a "bnd" not back after this long: the bus lost it (503) */

typedef struct rh_api_bwait {
    struct rh_api_bwait *next;
    rh_srv *srv;
    uint64_t nonce, since_ms;
    int answered;
    int acks_due; /* publishes the bus has not answered yet: w lives until they are in */
    int probe;    /* the user was no member when asked: the "bnd" out names no socket */
    rh_http_done done;
    void *ud;
    cJSON *body;
    const rh_cfg_user *user;
    const char *socket_id, *channel; /* copies in the same block, after the struct */
    char ws[RH_CHAN_ID_MAX + 1];
} rh_api_bwait;

static void bwait_free(rh_api_bwait *w)
{
    cJSON_Delete(w->body);
    free(w);
}

static void unlink_free(rh_srv *srv, rh_api_bwait *w)
{
    for (rh_api_bwait **p = &srv->api->bwaits; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    bwait_free(w);
}

static void answer(rh_api_bwait *w, int status, const char *why)
{
    w->answered = 1;
    if (status == 200) {
        rh_api_reply_json(w->done, w->ud, 200, w->body);
        w->body = NULL;
    } else if (status == 403) {
        w->srv->metrics.auth_failures[RH_AUTH_FAIL_AUTHORIZER]++;
        rh_api_error(w->done, w->ud, 403, "user %s is not a member of workspace %s",
                     w->user->user_id, w->ws);
    } else {
        rh_api_error(w->done, w->ud, 503, "could not record the authorization: %s", why);
    }
}

static void acked(void *ud, int ok, const char *err)
{
    rh_api_bwait *w = ud;
    w->acks_due--;
    if (!ok && !w->answered)
        answer(w, 503, err ? err : "bus unavailable");
    if (w->answered && w->acks_due == 0)
        unlink_free(w->srv, w);
}

/* Publishes w's "bnd" under a new number (no socket for a probe). 0, or -1 when it could
 * not be built (nothing published). */
static int publish_bnd(rh_api_bwait *w)
{
    rh_srv *srv = w->srv;
    char nonce[24];
    w->nonce = ++srv->api->bind_nonce;
    w->since_ms = srv->io.now_ms(srv->io.ud);
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long)w->nonce);
    rh_busmsg m = {0};
    const char *f[] = {"bnd",      srv->cfg->apps[0].id, w->probe ? "" : w->socket_id,
                       w->channel, w->user->user_id,     srv->node_id,
                       nonce};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        rh_busmsg_add_str(&m, f[i]);
    if (m.failed) {
        rh_busmsg_free(&m);
        return -1;
    }
    w->acks_due++;
    srv->bus.publish(srv->bus.ud, m.p, m.len, acked, w);
    rh_busmsg_free(&m);
    return 0;
}

void rh_api_bind_back(rh_srv *srv, uint64_t nonce)
{
    rh_api_bwait *w = srv->api->bwaits;
    while (w && w->nonce != nonce)
        w = w->next;
    if (!w || w->answered)
        return;
    int member = rh_api_signs_for(srv, w->user, w->ws);
    if (member && w->probe) { /* granted meanwhile: bind it, and check again when back */
        w->probe = 0;
        if (publish_bnd(w) == 0)
            return;
        answer(w, 503, "out of memory");
    } else {
        answer(w, member ? 200 : 403, NULL);
    }
    if (w->acks_due == 0)
        unlink_free(srv, w);
}

void rh_api_binds_tick(rh_srv *srv)
{
    uint64_t now = srv->io.now_ms(srv->io.ud);
    for (rh_api_bwait *w = srv->api->bwaits; w; w = w->next)
        if (!w->answered && now - w->since_ms >= BIND_WAIT_MS)
            answer(w, 503, "the bus did not deliver it back within 5 s");
}

void rh_api_binds_free(rh_srv *srv)
{
    while (srv->api->bwaits) {
        rh_api_bwait *w = srv->api->bwaits;
        srv->api->bwaits = w->next;
        bwait_free(w);
    }
}

/* protocol §19.2: the signature is answered once every node can learn whose it is */
void rh_api_answer_bound(const rh_api_call *c, cJSON *body, const rh_cfg_user *user, const char *ws,
                         const char *socket_id, const char *channel, int member)
{
    rh_srv *srv = c->srv;
    /* body NULL: out of memory (500); user NULL: the no-token fault, nobody to bind; no bus:
     * the HTTP side alone, in tests */
    if (!body || !user || !srv->bus.publish) {
        rh_api_reply_json(c->done, c->ud, 200, body);
        return;
    }
    size_t sl = strlen(socket_id) + 1, cl = strlen(channel) + 1;
    rh_api_bwait *w = malloc(sizeof *w + sl + cl);
    if (!w) {
        cJSON_Delete(body);
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return;
    }
    char *strs = (char *)(w + 1);
    memcpy(strs, socket_id, sl);
    memcpy(strs + sl, channel, cl);
    *w = (rh_api_bwait){.srv = srv,
                        .probe = !member,
                        .done = c->done,
                        .ud = c->ud,
                        .body = body,
                        .user = user,
                        .socket_id = strs,
                        .channel = strs + sl};
    snprintf(w->ws, sizeof w->ws, "%s", ws);
    w->next = srv->api->bwaits;
    srv->api->bwaits = w;
    if (publish_bnd(w) != 0) {
        answer(w, 503, "out of memory");
        unlink_free(srv, w);
    }
}
