/* The Lua scripts of the Redis store (store/ owns them). Each runs atomically in Redis, so a
 * seq range, the kept tokens and the PUBLISH of the tokens on the bus are one step: two nodes
 * appending at once get disjoint ranges and every node receives them in seq order.
 *
 * Keys: KEYS[1] the stream hash {prefix}{app}:stream:{sid} (fields ws th run sid last ended
 * reason rbytes), KEYS[2] the replay list {prefix}{app}:replay:{sid} (the kept token texts,
 * consecutive seqs ending at last), KEYS[3] the app's open streams {prefix}{app}:open (a
 * sorted set of stream ids scored by the time of their last start or append in ms on
 * Redis's clock (TIME, shared by all nodes): ZCARD is the open-stream count the start cap checks,
 * and the lowest scores are the streams end_idle ends), KEYS[4] the stream's recorded
 * idempotency keys {prefix}{app}:idem:{sid} (a hash key -> "digest first last") and KEYS[5]
 * their times {prefix}{app}:idemt:{sid} (a sorted set key -> ms on Redis's clock); both expire
 * a window after the last keyed append and a new start deletes them. Scripts answer {code, ws, th,
 * run, last, ended, reason, pttl, first[, oldest, tokens...]} or {-2} for an unknown stream; codes
 * are rh_store_status. Bus messages are length-prefixed fields "<len>:<bytes>" (see README.md). */
#include "redis_int.h"

#define PRELUDE                                                                                    \
    "local K, L, O, H, T = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]\n"                          \
    "local function st(code, first)\n"                                                             \
    "  local h = redis.call('HMGET', K, 'ws', 'th', 'run', 'last', 'ended', 'reason')\n"           \
    "  return {code, h[1] or '', h[2] or '', h[3] or '', h[4] or '0', h[5] or '0',\n"              \
    "          h[6] or '0', redis.call('PTTL', K), first or 0}\n"                                  \
    "end\n"                                                                                        \
    "local function f(s) return #s .. ':' .. s end\n"                                              \
    "local function now() local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / "    \
    "1000) end\n"                                                                                  \
    "local function fin(k, l, app, bus, reason, ttl)\n"                                            \
    "  redis.call('HSET', k, 'ended', 1, 'reason', reason)\n"                                      \
    "  if ttl > 0 then redis.call('PEXPIRE', k, ttl); redis.call('PEXPIRE', l, ttl) end\n"         \
    "  local h = redis.call('HMGET', k, 'ws', 'th', 'run', 'sid', 'last')\n"                       \
    "  redis.call('ZREM', O, h[4])\n"                                                              \
    "  local m = table.concat({f('end'), f(app), f(h[1]),\n"                                       \
    "                         f(h[2]), f(h[3]), f(h[4]), f(h[5]), f(reason)})\n"                   \
    "  " RR_LUA_PUB("bus", "m") "end\n"

/* protocol §12.2: start: created, same ids, other ids */
static const char start_lua[] =
    PRELUDE "if redis.call('EXISTS', K) == 1 then\n"
            "  local h = redis.call('HMGET', K, 'ws', 'th', 'run')\n"
            "  if h[1] == ARGV[1] and h[2] == ARGV[2] and h[3] == ARGV[3] then return st(1) end\n"
            "  return st(-1)\n"
            "end\n"
            "local cap = tonumber(ARGV[5])\n"
            "if cap > 0 and redis.call('ZCARD', O) >= cap then return {-8, cap} end\n"
            "redis.call('DEL', L, H, T)\n"
            "redis.call('HSET', K, 'ws', ARGV[1], 'th', ARGV[2], 'run', ARGV[3], 'sid', ARGV[4],\n"
            "           'last', 0, 'ended', 0, 'reason', 0, 'rbytes', 0)\n"
            "redis.call('ZADD', O, now(), ARGV[4])\n"
            "return st(0)\n";

/* ARGV: app, bus channel, replay_tokens, replay_bytes, have_text (1/0), n, idempotency key
 * ('' for none), body digest, window ms, keys kept, tokens... */
/* protocol §10: seqs are consecutive, strictly increasing, assigned atomically per stream;
 * §12.7: a key recorded in the window answers its first answer, and it is recorded in the
 * same step as the append, so no interleaving appends twice */
static const char append_lua[] = PRELUDE
    "if redis.call('EXISTS', K) == 0 then return {-2} end\n"
    "local ik, win = ARGV[7], tonumber(ARGV[9])\n"
    "if ik ~= '' then\n"
    "  local cut = now() - win\n"
    "  for _, k in ipairs(redis.call('ZRANGEBYSCORE', T, '-inf', cut)) do\n"
    "    redis.call('HDEL', H, k)\n"
    "  end\n"
    "  redis.call('ZREMRANGEBYSCORE', T, '-inf', cut)\n"
    "  local rec = redis.call('HGET', H, ik)\n"
    "  if rec then\n"
    "    local d, a, b = string.match(rec, '^(%S*) (%d+) (%d+)$')\n"
    "    if d ~= ARGV[8] then return {-9} end\n"
    "    local r = st(3, a)\n"
    "    r[10] = b\n"
    "    return r\n"
    "  end\n"
    "end\n"
    "if redis.call('HGET', K, 'ended') == '1' then return st(-3) end\n"
    "local n = tonumber(ARGV[6])\n"
    "local last = redis.call('HINCRBY', K, 'last', n)\n"
    "local first = last - n + 1\n"
    "if ik ~= '' then\n"
    "  redis.call('HSET', H, ik, string.format('%s %d %d', ARGV[8], first, last))\n"
    "  redis.call('ZADD', T, now(), ik)\n"
    "  local over = redis.call('ZCARD', T) - tonumber(ARGV[10])\n"
    "  if over > 0 then\n"
    "    for _, k in ipairs(redis.call('ZRANGE', T, 0, over - 1)) do\n"
    "      redis.call('HDEL', H, k)\n"
    "    end\n"
    "    redis.call('ZREMRANGEBYRANK', T, 0, over - 1)\n"
    "  end\n"
    "  redis.call('PEXPIRE', H, win)\n"
    "  redis.call('PEXPIRE', T, win)\n"
    "end\n"
    "redis.call('ZADD', O, 'XX', now(), redis.call('HGET', K, 'sid'))\n"
    "if ARGV[5] ~= '1' then\n"
    "  redis.call('DEL', L)\n"
    "  redis.call('HSET', K, 'rbytes', 0)\n"
    "  return st(0, first)\n"
    "end\n"
    "local maxt, maxb = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "if maxt == 0 then\n"
    "  redis.call('DEL', L)\n"
    "else\n"
    "  local rb = tonumber(redis.call('HGET', K, 'rbytes') or '0')\n"
    "  local s = 1\n"
    "  if n > maxt then s = n - maxt + 1; redis.call('DEL', L); rb = 0 end\n"
    "  for i = s, n do local t = ARGV[10 + i]; redis.call('RPUSH', L, t); rb = rb + #t end\n"
    "  local len = redis.call('LLEN', L)\n"
    "  while len > 1 and (len > maxt or rb > maxb) do\n"
    "    rb = rb - #redis.call('LPOP', L); len = len - 1\n"
    "  end\n"
    "  redis.call('HSET', K, 'rbytes', rb)\n"
    "end\n"
    "local h = redis.call('HMGET', K, 'ws', 'th', 'run', 'sid')\n"
    "local m = {f('tok'), f(ARGV[1]), f(h[1]), f(h[2]), f(h[3]), f(h[4]),\n"
    "           f(string.format('%d', first))}\n"
    "for i = 1, n do m[#m + 1] = f(ARGV[10 + i]) end\n" RR_LUA_PUB(
        "ARGV[2]", "table.concat(m)") "return st(0, first)\n";

/* ARGV: app, bus channel, reason, ended_ttl_ms. The first end wins; it alone publishes. */
/* protocol §11: the first end is recorded; every later end answers that record unchanged */
static const char end_lua[] =
    PRELUDE "if redis.call('EXISTS', K) == 0 then return {-2} end\n"
            "if redis.call('HGET', K, 'ended') == '1' then return st(2) end\n"
            "local ttl = tonumber(ARGV[4])\n"
            "fin(K, L, ARGV[1], ARGV[2], ARGV[3], ttl)\n"
            "local r = st(0)\n"
            "if ttl <= 0 then redis.call('DEL', K, L) end\n"
            "return r\n";

static const char get_lua[] = PRELUDE "if redis.call('EXISTS', K) == 0 then return {-2} end\n"
                                      "return st(0)\n";

/* ARGV: after_seq, limit. Answers first (r[9]) = the seq of the first token given. */
/* protocol §12.6: the kept tokens after after_seq, consecutive, in seq order */
static const char replay_lua[] =
    PRELUDE "if redis.call('EXISTS', K) == 0 then return {-2} end\n"
            "local r = st(0)\n"
            "local last = tonumber(r[5])\n"
            "local len = redis.call('LLEN', L)\n"
            "local oldest = last - len + 1\n"
            "local from = tonumber(ARGV[1]) + 1\n"
            "if from < oldest then from = oldest end\n"
            "r[9] = string.format('%d', from)\n"
            "r[10] = string.format('%d', oldest)\n"
            "if from <= last then\n"
            "  local a = from - oldest\n"
            "  local t = redis.call('LRANGE', L, a, a + tonumber(ARGV[2]) - 1)\n"
            "  for i = 1, #t do r[10 + i] = t[i] end\n"
            "end\n"
            "return r\n";

/* ARGV: app, bus channel, reason, ended_ttl_ms, idle_ms, stream key prefix, replay key
 * prefix. Ends (as end_lua would: the first end wins) up to 100 open streams of the app idle
 * for idle_ms or longer; drops entries of streams gone or already ended.
 * Answers {number ended}. */
static const char idle_lua[] = PRELUDE
    "local n = 0\n"
    "local cut = now() - tonumber(ARGV[5])\n"
    "for _, sid in ipairs(redis.call('ZRANGEBYSCORE', O, '-inf', cut, 'LIMIT', 0, 100)) do\n"
    "  local k, l = ARGV[6] .. sid, ARGV[7] .. sid\n"
    "  if redis.call('EXISTS', k) == 1 and redis.call('HGET', k, 'ended') ~= '1' then\n"
    "    fin(k, l, ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]))\n"
    "    if tonumber(ARGV[4]) <= 0 then redis.call('DEL', k, l) end\n"
    "    n = n + 1\n"
    "  else\n"
    "    redis.call('ZREM', O, sid)\n"
    "  end\n"
    "end\n"
    "return {n}\n";

/* KEYS[1] the epoch key, ARGV[1] a fresh random marker: the marker now in force. */
static const char epoch_lua[] = "redis.call('SET', KEYS[1], ARGV[1], 'NX')\n"
                                "return redis.call('GET', KEYS[1])\n";

const char *rr_script(int id)
{
    switch (id) {
    case RR_START:
        return start_lua;
    case RR_APPEND:
        return append_lua;
    case RR_END:
        return end_lua;
    case RR_GET:
        return get_lua;
    case RR_REPLAY:
        return replay_lua;
    case RR_IDLE:
        return idle_lua;
    case RR_EPOCH:
        return epoch_lua;
    }
    return "";
}
