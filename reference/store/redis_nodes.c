/* Per-node channel state in Redis (store/ owns it), for the HTTP API queries of several
 * nodes: a registry {prefix}nodes (ZSET node id -> expiry ms on Redis's clock, refreshed
 * every second) and one hash per node {prefix}node:{id} (field -> count) that expires 10 s
 * after its node's last refresh, so a node's share dies with it. Beside it,
 * {prefix}node:{id}:info holds, for each presence field of the node, "{join ms}\n{user_info}"
 * (Redis's clock; user_info "" for none), expiring and rewritten with the node's hash: the
 * member lists of presence subscriptions (docs/protocol.md 15.4) are read from it. Queries
 * sum the hashes of the live nodes in one script. Updates are fire-and-forget: while Redis is
 * down they are dropped, and the node rewrites its whole hash when the connection is back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_int.h"

#define NODE_TTL_MS "5000"
#define HASH_TTL_MS "10000"

/* The nodes whose registry entry expired (they stopped refreshing: killed, stopped, cut off):
 * each is dropped from the registry with its hash, and for every presence member it held
 * whose user has no connection left on a live node (nor on a dead node swept after it),
 * member_removed is published on the bus as the dead node would have: protocol §15.10.
 * Run by the refresh of every live node and by every sum, so within about a second after
 * the entry expired; scripts are atomic, so one sweeper finds a dead node, the others none.
 * The fields are "p\n{app}\n{channel}\n{user}" (rh_srv_bus_field). */
#define SWEEP_LUA                                                                                  \
    "local function f(s) return #s .. ':' .. s end\n"                                              \
    "local function held(hp, nodes, fld)\n"                                                        \
    "  for _, n in ipairs(nodes) do\n"                                                             \
    "    if tonumber(redis.call('HGET', hp .. n, fld) or '0') > 0 then return true end\n"          \
    "  end\n"                                                                                      \
    "  return false\n"                                                                             \
    "end\n"                                                                                        \
    "local function sweep(reg, hp, bus, now)\n"                                                    \
    "  local dead = redis.call('ZRANGEBYSCORE', reg, '-inf', now)\n"                               \
    "  local live = redis.call('ZRANGEBYSCORE', reg, '(' .. now, '+inf')\n"                        \
    "  for i, d in ipairs(dead) do\n"                                                              \
    "    local later = {unpack(dead, i + 1)}\n"                                                    \
    "    local h = redis.call('HGETALL', hp .. d)\n"                                               \
    "    for j = 1, #h, 2 do\n"                                                                    \
    "      local _, _, app, ch, user = string.find(h[j], '^p\\n([^\\n]*)\\n([^\\n]*)\\n(.*)$')\n"  \
    "      if app and tonumber(h[j + 1]) > 0 and not held(hp, live, h[j])\n"                       \
    "         and not held(hp, later, h[j]) then\n"                                                \
    "        local frame = cjson.encode({event = 'pusher_internal:member_removed',\n"              \
    "          channel = ch, data = cjson.encode({user_id = user})})\n"                            \
    "        local m = table.concat({f('evt'), f(app), f(d), f('0'), f(ch), f(''), f(frame)})\n"   \
    "        " RR_LUA_PUB("bus", "m") "      end\n"                                                \
                                      "    end\n"                                                  \
                                      "    redis.call('DEL', hp .. d, hp .. d .. ':info')\n"       \
                                      "  end\n"                                                    \
                                      "  redis.call('ZREMRANGEBYSCORE', reg, '-inf', now)\n"       \
                                      "end\n"

/* KEYS[1] the registry, KEYS[2] this node's hash; ARGV: node id, registry ttl, hash ttl, node
 * hash prefix, bus channel. */
/* Answers 1 when this node was still live in the registry, 0 when it was absent or expired
 * (then the others may have swept it: its members were removed). */
static const char refresh_lua[] =
    SWEEP_LUA "local t = redis.call('TIME')\n"
              "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
              "local was = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')\n"
              "sweep(KEYS[1], ARGV[4], ARGV[5], now)\n"
              "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])\n"
              "redis.call('PEXPIRE', KEYS[2], ARGV[3])\n"
              "redis.call('PEXPIRE', KEYS[2] .. ':info', ARGV[3])\n"
              "if was > now then return 1 end\n"
              "return 0\n";

static const char delta_lua[] = "local v = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])\n"
                                "if v <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end\n"
                                "redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
                                "return v\n";

/* KEYS[1] this node's hash; ARGV[1] the hash ttl, then per field: field, count, and "" or
 * "=" followed by the member's user_info (a presence field; "=" alone: none). The join time
 * of a rewritten member is the rewrite's. */
static const char replace_lua[] =
    "local ik = KEYS[1] .. ':info'\n"
    "local t = redis.call('TIME')\n"
    "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
    "redis.call('DEL', KEYS[1], ik)\n"
    "for i = 2, #ARGV, 3 do\n"
    "  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])\n"
    "  if #ARGV[i + 2] > 0 then\n"
    "    redis.call('HSET', ik, ARGV[i], now .. '\\n' .. string.sub(ARGV[i + 2], 2))\n"
    "  end\n"
    "end\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
    "redis.call('PEXPIRE', ik, ARGV[1])\n"
    "return 1\n";

/* Presence join (delta 1) or leave (-1) of a user on this node, and the cluster-wide
 * decision in the same step: the message (member_added/removed) is published only when the
 * user's total over the live nodes went 0 -> 1 or 1 -> 0. The leave of a field this node does
 * not hold (a join the store refused, join_lua, left before the node learnt it) changes and
 * publishes nothing. KEYS[1] the registry, KEYS[2] this node's hash; ARGV: node hash prefix,
 * field, delta, bus channel, message, hash ttl. */
static const char presence_lua[] =
    "local v = redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[3])\n"
    "if v <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]); "
    "redis.call('HDEL', KEYS[2] .. ':info', ARGV[2]) end\n"
    "if v < 0 then return 0 end\n"
    "redis.call('PEXPIRE', KEYS[2], ARGV[6])\n"
    "local t = redis.call('TIME')\n"
    "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
    "local total = 0\n"
    "for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do\n"
    "  local c = tonumber(redis.call('HGET', ARGV[1] .. n, ARGV[2]) or '0')\n"
    "  if c > 0 then total = total + c end\n"
    "end\n"
    "local d = tonumber(ARGV[3])\n"
    "if #ARGV[5] > 0 and ((d > 0 and total == d) or (d < 0 and total == 0)) then\n"
    "  " RR_LUA_PUB("ARGV[4]", "ARGV[5]") "end\n"
                                          "return total\n";

/* join_lua's first part: the channel's members over the live nodes and this one (fields
 * starting with ARGV[9], read from the nodes' :info hashes): users in the order met, and
 * best[user] = {join ms, info, node} of its earliest join (ties: the lowest node id). */
#define JOIN_SCAN_LUA                                                                              \
    "local function f(s) return #s .. ':' .. s end\n"                                              \
    "local ik = KEYS[2] .. ':info'\n"                                                              \
    "local t = redis.call('TIME')\n"                                                               \
    "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"                                          \
    "local live, self = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf'), false\n"                \
    "for _, n in ipairs(live) do if n == ARGV[10] then self = true end end\n"                      \
    "if not self then live[#live + 1] = ARGV[10] end\n"                                            \
    "local pre, best, users = ARGV[9], {}, {}\n"                                                   \
    "local function seen(u, at, info, n)\n"                                                        \
    "  local b = best[u]\n"                                                                        \
    "  if not b then users[#users + 1] = u end\n"                                                  \
    "  if not b or at < b[1] or (at == b[1] and n < b[3]) then best[u] = {at, info, n} end\n"      \
    "end\n"                                                                                        \
    "for _, n in ipairs(live) do\n"                                                                \
    "  local h = redis.call('HGETALL', ARGV[1] .. n .. ':info')\n"                                 \
    "  for i = 1, #h, 2 do\n"                                                                      \
    "    local nl = string.find(h[i + 1], '\\n', 1, true)\n"                                       \
    "    if nl and #h[i] > #pre and string.sub(h[i], 1, #pre) == pre then\n"                       \
    "      seen(string.sub(h[i], #pre + 1), tonumber(string.sub(h[i + 1], 1, nl - 1)),\n"          \
    "           string.sub(h[i + 1], nl + 1), n)\n"                                                \
    "    end\n"                                                                                    \
    "  end\n"                                                                                      \
    "end\n"

/* join_lua's publish on the bus (ARGV[4]). */
#define JOIN_PUB_LUA "local function pub(m)\n" RR_LUA_PUB("ARGV[4]", "m") "end\n"

/* join_lua's second part: the limit, then the join (field, user_info, member_added when the
 * user is new over the live nodes, the member webhook field and its "whk" notice when its
 * total went 0 -> 1: core/webhooks.c). A refusal changes nothing and answers "0". */
#define JOIN_ADMIT_LUA                                                                             \
    "local me = string.sub(ARGV[2], #pre + 1)\n"                                                   \
    "local here = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0') > 0\n"                     \
    "local limit = tonumber(ARGV[3])\n"                                                            \
    "if not here and limit > 0 and not best[me] and #users >= limit then\n"                        \
    "  if #ARGV[8] > 0 then pub(ARGV[8] .. f('0')) end\n"                                          \
    "  return -1\n"                                                                                \
    "end\n"                                                                                        \
    "if not here then\n"                                                                           \
    "  redis.call('HSET', KEYS[2], ARGV[2], 1)\n"                                                  \
    "  redis.call('HSET', ik, ARGV[2], now .. '\\n' .. ARGV[7])\n"                                 \
    "  if not best[me] and #ARGV[5] > 0 then pub(ARGV[5]) end\n"                                   \
    "  seen(me, now, ARGV[7], ARGV[10])\n"                                                         \
    "  local wh = ARGV[11]\n"                                                                      \
    "  if #wh > 0 and redis.call('HINCRBY', KEYS[2], wh, 1) == 1 then\n"                           \
    "    local total = 0\n"                                                                        \
    "    for _, n in ipairs(live) do\n"                                                            \
    "      local c = tonumber(redis.call('HGET', ARGV[1] .. n, wh) or '0')\n"                      \
    "      if c > 0 then total = total + c end\n"                                                  \
    "    end\n"                                                                                    \
    "    if total == 1 then pub(ARGV[12]) end\n"                                                   \
    "  end\n"                                                                                      \
    "end\n"                                                                                        \
    "redis.call('PEXPIRE', KEYS[2], ARGV[6])\n"                                                    \
    "redis.call('PEXPIRE', ik, ARGV[6])\n"

/* join_lua's last part: the member list, published as the "lst" answer "1". */
#define JOIN_LIST_LUA                                                                              \
    "if #ARGV[8] == 0 then return 1 end\n"                                                         \
    "table.sort(users, function(a, b)\n"                                                           \
    "  if best[a][1] ~= best[b][1] then return best[a][1] < best[b][1] end\n"                      \
    "  return a < b\n"                                                                             \
    "end)\n"                                                                                       \
    "local parts = {ARGV[8], f('1')}\n"                                                            \
    "for _, u in ipairs(users) do parts[#parts + 1] = f(u) .. f(best[u][2]) end\n"                 \
    "pub(table.concat(parts))\n"                                                                   \
    "return 1\n"

/* A presence subscription on this node: the limit, the join and its member list in one
 * atomic step (docs/protocol.md 15.4). When the user has no field on this node yet and is not
 * among the channel's members over the live nodes while ARGV[3] (max_presence_members, 0
 * none) of them are, the join is refused: nothing is written and the "lst" answer is "0".
 * Otherwise a user not yet here joins (field, user_info, member_added ARGV[5] when new over
 * the live nodes, the webhook field ARGV[11] with its notice ARGV[12]); a user already here
 * changes nothing. Then, when ARGV[8] (the "lst" head, proto/buslst.h) is given, the
 * channel's members over the live nodes and this one are published after it as one "lst"
 * message: each user once, with the user_info of its earliest join (ties: the lowest node
 * id), in the order of those joins. KEYS[1] the registry, KEYS[2] this node's hash; ARGV: node
 * hash prefix, field, limit, bus channel, member_added message, hash ttl, user_info ("" none),
 * lst head, channel field prefix, this node's id, webhook field ("" none), whk message.
 * Answers 1 admitted, -1 refused. */
static const char join_lua[] = JOIN_PUB_LUA JOIN_SCAN_LUA JOIN_ADMIT_LUA JOIN_LIST_LUA;

/* KEYS[1] the registry; ARGV[1] the node hash prefix, ARGV[2..] field prefixes. Answers
 * {field, sum, ...} over the live nodes, dropping dead ones from the registry. */
static const char sum_lua[] = SWEEP_LUA
    "local t = redis.call('TIME')\n"
    "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
    "sweep(KEYS[1], ARGV[1], KEYS[2], now)\n"
    "local acc, order = {}, {}\n"
    "for _, n in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do\n"
    "  local h = redis.call('HGETALL', ARGV[1] .. n)\n"
    "  for i = 1, #h, 2 do\n"
    "    local f = h[i]\n"
    "    for j = 2, #ARGV do\n"
    "      if string.sub(f, 1, #ARGV[j]) == ARGV[j] then\n"
    "        if not acc[f] then acc[f] = 0; order[#order + 1] = f end\n"
    "        acc[f] = acc[f] + tonumber(h[i + 1])\n"
    "        break\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local out = {}\n"
    "for _, f in ipairs(order) do out[#out + 1] = f; out[#out + 1] = tostring(acc[f]) end\n"
    "return out\n";

static void ignore(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    (void)reply;
    rr_store *rs = priv;
    const redisReply *r = reply;
    if (rs->pending)
        rs->pending--;
    if (r && r->type == REDIS_REPLY_ERROR)
        rr_log(rs, 1, "Redis refused a channel-state update: %s", r->str);
    if (r)
        rr_got_reply(rs);
}

/* Sends a fire-and-forget command when up. Counted in pending like every other command: the
 * node refresh sent each tick then lets the stall watchdog notice a Redis that hangs (stopped,
 * or a network path that drops packets) even while no request waits, so /up and /metrics
 * report it within seconds instead of at the next producer request. */
static void fire_cb(rr_store *rs, int argc, const char **argv, const size_t *lens,
                    redisCallbackFn *cb)
{
    if (!rr_is_up(rs) && !(rs->cmd.up && rs->cmd.ac))
        return;
    if (redisAsyncCommandArgv(rs->cmd.ac, cb, rs, argc, argv, lens) == REDIS_OK &&
        rs->pending++ == 0)
        rr_got_reply(rs); /* the stall clock starts with the first reply owed */
}

static void fire(rr_store *rs, int argc, const char **argv, const size_t *lens)
{
    fire_cb(rs, argc, argv, lens, ignore);
}

/* A node the others took for dead (stopped longer than the registry's time to live) had its
 * members removed for everybody: its subscribers are closed with 4200 so their clients join
 * again (member_added), as after a bus gap, and its hash is rewritten. */
static void on_refresh(redisAsyncContext *ac, void *reply, void *priv)
{
    rr_store *rs = priv;
    const redisReply *r = reply;
    ignore(ac, reply, priv);
    if (!r || r->type != REDIS_REPLY_INTEGER || rs->destroying)
        return;
    if (r->integer == 0 && rs->registered) {
        rr_log(rs, 1, "this node was taken for dead by the others (registry entry expired)");
        if (rs->on_gap)
            rs->on_gap(rs->on_gap_ud);
        if (rs->on_up)
            rs->on_up(rs->on_up_ud); /* rewrites this node's hash */
    }
    rs->registered = 1;
}

void rr_nodes_refresh(rr_store *rs)
{
    if (!rs->cmd.up || !rs->cmd.ac)
        return;
    const char *argv[] = {"EVAL",      refresh_lua, "2",         rs->nodes_key,   rs->node_key,
                          rs->node_id, NODE_TTL_MS, HASH_TTL_MS, rs->node_prefix, rs->bus};
    fire_cb(rs, 10, argv, NULL, on_refresh);
}

void rh_store_redis_node_delta(rh_store *st, const char *field, long delta)
{
    if (!rh_store_is_redis(st))
        return;
    rr_store *rs = (rr_store *)st;
    char d[24];
    snprintf(d, sizeof d, "%ld", delta);
    const char *argv[] = {"EVAL", delta_lua, "1", rs->node_key, field, d, HASH_TTL_MS};
    fire(rs, 7, argv, NULL);
}

/* "=" followed by info (the replace script's form of a presence field's user_info; "=" alone
 * for none), or "" for a field without one. Heap; NULL out of memory. */
static char *info_arg(const char *const *infos, size_t i, const char *field)
{
    if (field[0] != 'p')
        return strdup("");
    const char *info = infos && infos[i] ? infos[i] : "";
    size_t n = strlen(info);
    char *a = malloc(n + 2);
    if (a) {
        a[0] = '=';
        memcpy(a + 1, info, n + 1);
    }
    return a;
}

void rh_store_redis_node_replace(rh_store *st, const char *const *fields, const long *values,
                                 const char *const *infos, size_t n)
{
    if (!rh_store_is_redis(st))
        return;
    rr_store *rs = (rr_store *)st;
    size_t argc = 5 + 3 * n;
    const char **argv = calloc(argc, sizeof *argv);
    char(*nums)[24] = calloc(n ? n : 1, sizeof *nums);
    char **inf = calloc(n ? n : 1, sizeof *inf);
    int ok = argv && nums && inf;
    if (ok) {
        argv[0] = "EVAL";
        argv[1] = replace_lua;
        argv[2] = "1";
        argv[3] = rs->node_key;
        argv[4] = HASH_TTL_MS;
        for (size_t i = 0; i < n && ok; i++) {
            snprintf(nums[i], sizeof nums[i], "%ld", values[i]);
            inf[i] = info_arg(infos, i, fields[i]);
            ok = inf[i] != NULL;
            argv[5 + 3 * i] = fields[i];
            argv[6 + 3 * i] = nums[i];
            argv[7 + 3 * i] = inf[i];
        }
    }
    if (ok) {
        fire(rs, (int)argc, argv, NULL);
        rr_nodes_refresh(rs);
    } else {
        rr_log(rs, 0, "out of memory rewriting this node's channel state in Redis");
    }
    for (size_t i = 0; inf && i < n; i++)
        free(inf[i]);
    free(inf);
    free(argv);
    free(nums);
}

typedef struct sum_op {
    rr_store *rs;
    rh_store_redis_sum_cb cb;
    void *ud;
} sum_op;

static void on_sum(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    sum_op *op = priv;
    rr_store *rs = op->rs;
    if (rs->pending)
        rs->pending--;
    const redisReply *r = reply;
    if (r)
        rr_got_reply(rs);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements % 2) {
        op->cb(op->ud, 0, NULL, NULL, 0);
        free(op);
        return;
    }
    size_t n = r->elements / 2;
    const char **fields = calloc(n ? n : 1, sizeof *fields);
    long long *sums = calloc(n ? n : 1, sizeof *sums);
    if (!fields || !sums) {
        op->cb(op->ud, 0, NULL, NULL, 0);
    } else {
        for (size_t i = 0; i < n; i++) {
            fields[i] = r->element[2 * i]->str ? r->element[2 * i]->str : "";
            sums[i] = r->element[2 * i + 1]->str ? strtoll(r->element[2 * i + 1]->str, NULL, 10)
                                                 : r->element[2 * i + 1]->integer;
        }
        op->cb(op->ud, 1, fields, sums, n);
    }
    free(fields);
    free(sums);
    free(op);
}

void rh_store_redis_node_sum(rh_store *st, const char *const *prefixes, size_t n,
                             rh_store_redis_sum_cb cb, void *ud)
{
    rr_store *rs = rh_store_is_redis(st) ? (rr_store *)st : NULL;
    sum_op *op = rs && rr_is_up(rs) ? malloc(sizeof *op) : NULL;
    const char **argv = op ? calloc(n + 6, sizeof *argv) : NULL;
    if (!argv) {
        free(op);
        cb(ud, 0, NULL, NULL, 0);
        return;
    }
    *op = (sum_op){rs, cb, ud};
    argv[0] = "EVAL";
    argv[1] = sum_lua;
    argv[2] = "2";
    argv[3] = rs->nodes_key;
    argv[4] = rs->bus;
    argv[5] = rs->node_prefix;
    for (size_t i = 0; i < n; i++)
        argv[6 + i] = prefixes[i];
    if (redisAsyncCommandArgv(rs->cmd.ac, on_sum, op, (int)n + 6, argv, NULL) != REDIS_OK) {
        free(op);
        cb(ud, 0, NULL, NULL, 0);
    } else if (rs->pending++ == 0) {
        rr_got_reply(rs);
    }
    free(argv);
}

void rh_store_redis_presence(rh_store *st, const char *field, long delta, const char *msg,
                             size_t len)
{
    if (!rh_store_is_redis(st))
        return;
    rr_store *rs = (rr_store *)st;
    char d[24];
    snprintf(d, sizeof d, "%ld", delta);
    const char *argv[] = {"EVAL",       presence_lua,    "2",        rs->nodes_key,
                          rs->node_key, rs->node_prefix, field,      d,
                          rs->bus,      msg ? msg : "",  HASH_TTL_MS};
    size_t lens[11];
    for (int i = 0; i < 11; i++)
        lens[i] = i == 9 ? (msg ? len : 0) : strlen(argv[i]); /* msg is not NUL-terminated */
    fire(rs, 11, argv, lens);
}

int rh_store_redis_presence_join(rh_store *st, const rh_store_redis_join *j)
{
    rr_store *rs = rh_store_is_redis(st) ? (rr_store *)st : NULL;
    if (!rs || !rr_is_up(rs) || !rs->cmd.ac)
        return -1;
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", j->limit);
    const char *msg = j->msg ? j->msg : "", *head = j->head ? j->head : "";
    const char *wh = j->wh_field ? j->wh_field : "", *whk = j->wh_msg ? j->wh_msg : "";
    const char *argv[] = {"EVAL",       join_lua,
                          "2",          rs->nodes_key,
                          rs->node_key, rs->node_prefix,
                          j->field,     limit,
                          rs->bus,      msg,
                          HASH_TTL_MS,  j->info ? j->info : "",
                          head,         j->field,
                          rs->node_id,  wh,
                          whk};
    size_t lens[17];
    for (int i = 0; i < 17; i++) /* the messages and the head are not NUL-terminated */
        lens[i] = i == 9 || i == 12 || i == 16 ? 0 : strlen(argv[i]);
    lens[9] = j->msg ? j->msg_len : 0;
    lens[12] = j->head ? j->head_len : 0;
    lens[13] = j->prefix_len;
    lens[16] = j->wh_msg ? j->wh_msg_len : 0;
    if (redisAsyncCommandArgv(rs->cmd.ac, ignore, rs, 17, argv, lens) != REDIS_OK)
        return -1;
    if (rs->pending++ == 0)
        rr_got_reply(rs);
    return 0;
}
