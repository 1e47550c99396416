/* Transitions over the live nodes that are not presence members (store/ owns them): the users
 * signed in (the watchlists' online status, docs/protocol.md 18.5.5) and the webhook
 * transitions with their held events (20.6). Each node counts its share in its hash
 * {prefix}node:{id} (redis_nodes.c), a script adds this node's change and sums the live
 * nodes in one atomic step, and only the run that moves the total between 0 and 1 publishes
 * a notice on the bus, numbered like every bus message (RR_LUA_PUB).
 *
 * Held webhooks: channel_vacated and member_removed wait webhook_delay_ms on the node that
 * sends them, and are dropped with the channel_occupied / member_added that ends them when
 * the channel (the member) is back within that time. Across nodes the end may happen on
 * another node, so the hold is kept in the store: the leave's script sets {prefix}hold:{field}
 * to a new token (carried by its "whk" notice), the join's script that finds a token there
 * marks the key cancelled and publishes no notice, and the holder, when its delay is over,
 * claims the key: still its token, it is marked sent and the event is sent; cancelled (or
 * another leave's token), it is dropped. The claim and the join are both scripts, so exactly
 * one of them wins (RR_HOLD_LUA). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/webhook.h"
#include "redis_int.h"
#include "redis_sweep.h"

_Static_assert(RH_WH_CHANNEL_VACATED == 1 && RH_WH_MEMBER_REMOVED == 3,
               "RR_WH_VACATED and RR_WH_REMOVED are the types of proto/webhook.h");

#define HASH_TTL_MS "10000" /* as redis_nodes.c */

/* The publish on the bus ARGV[4] of the scripts below. */
#define PUB_LUA "local function pub(m)\n" RR_LUA_PUB("ARGV[4]", "m") "end\n"

/* The common start: this node's change of field ARGV[2] by ARGV[3] (a leave of a field it
 * does not hold changes nothing), the live nodes with this one (ARGV[7]) and total(fld) over
 * them. KEYS[1] the registry, KEYS[2] this node's hash; ARGV[1] the node hash prefix, ARGV[4]
 * the bus, ARGV[6] the hash ttl. */
#define COUNT_LUA                                                                                  \
    "local function f(s) return #s .. ':' .. s end\n"                                              \
    "local v = redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[3])\n"                                 \
    "if v <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end\n"                                    \
    "if v < 0 then return 0 end\n"                                                                 \
    "redis.call('PEXPIRE', KEYS[2], ARGV[6])\n"                                                    \
    "local t = redis.call('TIME')\n"                                                               \
    "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"                                          \
    "local live, self = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf'), false\n"                \
    "for _, n in ipairs(live) do if n == ARGV[7] then self = true end end\n"                       \
    "if not self then live[#live + 1] = ARGV[7] end\n"                                             \
    "local function total(fld)\n"                                                                  \
    "  local s = 0\n"                                                                              \
    "  for _, n in ipairs(live) do\n"                                                              \
    "    local c = tonumber(redis.call('HGET', ARGV[1] .. n, fld) or '0')\n"                       \
    "    if c > 0 then s = s + c end\n"                                                            \
    "  end\n"                                                                                      \
    "  return s\n"                                                                                 \
    "end\n"                                                                                        \
    "local d = tonumber(ARGV[3])\n"                                                                \
    "local all = total(ARGV[2])\n"

/* A user's sign-in (+1) or gone (-1) here: the "onl" notice ARGV[5] at the transition, then,
 * when ARGV[8] (the "wls" head) is given, the ids ARGV[10..] online over the live nodes (their
 * fields ARGV[9] .. id) published after it as one message. */
static const char user_lua[] =
    PUB_LUA COUNT_LUA "if (d > 0 and all == d) or (d < 0 and all == 0) then pub(ARGV[5]) end\n"
                      "if #ARGV[8] == 0 then return all end\n"
                      "local parts = {ARGV[8]}\n"
                      "for i = 10, #ARGV do\n"
                      "  if total(ARGV[9] .. ARGV[i]) > 0 then parts[#parts + 1] = f(ARGV[i]) end\n"
                      "end\n"
                      "pub(table.concat(parts))\n"
                      "return all\n";

/* A webhook transition field's change here: the "whk" notice ARGV[5] at the transition; with
 * a hold prefix ARGV[8], a leave holds (the token appended to the notice) and a join that
 * ends a hold publishes nothing. */
static const char wh_lua[] = PUB_LUA COUNT_LUA RR_HOLD_LUA
    "if d > 0 and all == d then\n"
    "  if not hold_end(ARGV[8], ARGV[2]) then pub(ARGV[5]) end\n"
    "elseif d < 0 and all == 0 then\n"
    "  local m = ARGV[5]\n"
    "  if #ARGV[8] > 0 then m = m .. f(hold_new(ARGV[8], ARGV[2])) end\n"
    "  pub(m)\n"
    "end\n"
    "return all\n";

/* KEYS[1] the hold key, ARGV[1] the holder's token: 1 (marked sent) when it is still there;
 * 1 too when the key is gone (expired: its holder claims late, or Redis lost it): nothing
 * says a return cancelled it. 0 when a return cancelled it, or another leave holds it now. */
static const char claim_lua[] = "local v = redis.call('GET', KEYS[1])\n"
                                "if v == ARGV[1] then\n"
                                "  redis.call('SET', KEYS[1], 's', 'PX', " RR_HOLD_TTL_MS ")\n"
                                "end\n"
                                "if not v or v == ARGV[1] then return 1 end\n"
                                "return 0\n";

static void done(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    rr_store *rs = priv;
    const redisReply *r = rr_arrived(rs, reply);
    if (r && r->type == REDIS_REPLY_ERROR)
        rr_log(rs, 1, "Redis refused an online or webhook update: %s", r->str);
}

int rh_store_redis_user(rh_store *st, const rh_store_redis_online *u)
{
    rr_store *rs = rh_store_is_redis(st) ? (rr_store *)st : NULL;
    if (!rs || !rr_is_up(rs))
        return -1;
    size_t argc = 14 + u->nids;
    const char **argv = calloc(argc, sizeof *argv);
    size_t *lens = calloc(argc, sizeof *lens);
    int rc = -1;
    if (argv && lens) {
        char d[24];
        snprintf(d, sizeof d, "%ld", u->delta);
        const char *head[] = {"EVAL",
                              user_lua,
                              "2",
                              rs->nodes_key,
                              rs->node_key,
                              rs->node_prefix,
                              u->field,
                              d,
                              rs->bus,
                              u->msg,
                              HASH_TTL_MS,
                              rs->node_id,
                              u->head ? u->head : "",
                              u->id_prefix ? u->id_prefix : ""};
        memcpy(argv, head, sizeof head);
        for (size_t i = 0; i < u->nids; i++)
            argv[14 + i] = u->ids[i];
        for (size_t i = 0; i < argc; i++) /* the messages are not NUL-terminated */
            lens[i] = i == 9 ? u->msg_len : i == 12 ? (u->head ? u->head_len : 0) : strlen(argv[i]);
        rc = rr_send(rs, done, rs, (int)argc, argv, lens);
    } else {
        rr_log(rs, 0, "out of memory telling Redis of a signed-in user");
    }
    free(argv);
    free(lens);
    return rc;
}

void rh_store_redis_webhook(rh_store *st, const char *field, long delta, const char *msg,
                            size_t len, int hold)
{
    rr_store *rs = rh_store_is_redis(st) ? (rr_store *)st : NULL;
    if (!rs)
        return;
    char d[24];
    snprintf(d, sizeof d, "%ld", delta);
    const char *argv[] = {"EVAL",
                          wh_lua,
                          "2",
                          rs->nodes_key,
                          rs->node_key,
                          rs->node_prefix,
                          field,
                          d,
                          rs->bus,
                          msg,
                          HASH_TTL_MS,
                          rs->node_id,
                          hold ? rs->hold_prefix : ""};
    size_t lens[13];
    for (int i = 0; i < 13; i++)
        lens[i] = i == 9 ? len : strlen(argv[i]); /* msg is not NUL-terminated */
    if (rr_send(rs, done, rs, 13, argv, lens) != 0)
        rr_log(rs, 2, "a webhook transition was not sent to Redis (down)");
}

typedef struct claim_op {
    rr_store *rs;
    void (*cb)(void *ud, int rc);
    void *ud;
} claim_op;

static void on_claim(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    claim_op *op = priv;
    const redisReply *r = rr_arrived(op->rs, reply);
    op->cb(op->ud, r && r->type == REDIS_REPLY_INTEGER ? (r->integer == 1) : -1);
    free(op);
}

void rh_store_redis_wh_claim(rh_store *st, const char *field, unsigned long long token,
                             void (*cb)(void *ud, int rc), void *ud)
{
    rr_store *rs = rh_store_is_redis(st) ? (rr_store *)st : NULL;
    size_t n = rs ? strlen(rs->hold_prefix) + strlen(field) + 1 : 0;
    char *key = rs ? malloc(n) : NULL;
    claim_op *op = key ? malloc(sizeof *op) : NULL;
    char tok[24];
    snprintf(tok, sizeof tok, "%llu", token);
    if (op) {
        snprintf(key, n, "%s%s", rs->hold_prefix, field);
        *op = (claim_op){rs, cb, ud};
        const char *argv[] = {"EVAL", claim_lua, "1", key, tok};
        if (rr_send(rs, on_claim, op, 5, argv, NULL) == 0)
            op = NULL; /* on_claim owns it */
        else
            cb(ud, -1);
    } else {
        cb(ud, -1);
    }
    free(op);
    free(key);
}

void rh_store_redis_set_bus_node(rh_store *st, const char *id)
{
    if (rh_store_is_redis(st))
        snprintf(((rr_store *)st)->bus_node, sizeof((rr_store *)st)->bus_node, "%s", id);
}
