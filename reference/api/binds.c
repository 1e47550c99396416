/* The authorizer's answers held until their binding came back through the bus (api/ owns
 * them; docs/protocol.md 19.2). A signature is answered only once this node has delivered
 * its own "bnd" message: every membership change published before it has then been applied
 * here too, so a user revoked on another node a moment ago is refused (403), and a
 * revocation published after it finds the binding on whichever node the socket lives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

#define BIND_WAIT_MS 5000 /* a "bnd" not back after this long: the bus lost it (503) */

typedef struct rh_api_bwait {
    struct rh_api_bwait *next;
    rh_srv *srv;
    uint64_t nonce, since_ms;
    int answered, acked;
    rh_http_done done;
    void *ud;
    cJSON *body;
    const rh_cfg_user *user;
    char ws[RH_CHAN_ID_MAX + 1];
} rh_api_bwait;

static void unlink_free(rh_srv *srv, rh_api_bwait *w)
{
    for (rh_api_bwait **p = &srv->api->bwaits; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    cJSON_Delete(w->body);
    free(w);
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
    w->acked = 1;
    if (!ok && !w->answered)
        answer(w, 503, err ? err : "bus unavailable");
    if (w->answered)
        unlink_free(w->srv, w);
}

void rh_api_bind_back(rh_srv *srv, uint64_t nonce)
{
    rh_api_bwait *w = srv->api->bwaits;
    while (w && w->nonce != nonce)
        w = w->next;
    if (!w || w->answered)
        return;
    /* ws "": a channel only a fault switch lets through; the fault signs for non-members */
    int member = !w->ws[0] || rh_fault_on(srv, RH_FAULT_AUTHZ_NON_MEMBER) ||
                 rh_api_is_member(srv, &srv->cfg->apps[0], w->user, w->ws);
    answer(w, member ? 200 : 403, NULL);
    if (w->acked)
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
        cJSON_Delete(w->body);
        free(w);
    }
}

/* protocol §19.2: the signature is answered once every node can learn whose it is */
void rh_api_answer_bound(const rh_api_call *c, cJSON *body, const rh_cfg_user *user, const char *ws,
                         const char *socket_id, const char *channel)
{
    rh_srv *srv = c->srv;
    if (!body || !user) { /* out of memory (500), or the no-token fault: nobody to bind */
        rh_api_reply_json(c->done, c->ud, 200, body);
        return;
    }
    rh_api_bwait *w = calloc(1, sizeof *w);
    if (!w) {
        cJSON_Delete(body);
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return;
    }
    *w = (rh_api_bwait){.srv = srv,
                        .nonce = ++srv->api->bind_nonce,
                        .since_ms = srv->io.now_ms(srv->io.ud),
                        .done = c->done,
                        .ud = c->ud,
                        .body = body,
                        .user = user};
    snprintf(w->ws, sizeof w->ws, "%s", ws);
    w->next = srv->api->bwaits;
    srv->api->bwaits = w;
    char nonce[24];
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long)w->nonce);
    rh_busmsg m = {0};
    const char *f[] = {"bnd",         srv->cfg->apps[0].id, socket_id, channel,
                       user->user_id, srv->node_id,         nonce};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        rh_busmsg_add_str(&m, f[i]);
    if (m.failed || !srv->bus.publish) { /* no bus: the HTTP side alone, in tests */
        int status = m.failed ? 503 : 200;
        rh_busmsg_free(&m);
        w->acked = 1;
        answer(w, status, "out of memory");
        unlink_free(srv, w);
        return;
    }
    srv->bus.publish(srv->bus.ud, m.p, m.len, acked, w);
    rh_busmsg_free(&m);
}
