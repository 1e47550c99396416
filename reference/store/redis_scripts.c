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
 * are rh_store_status. Bus messages are length-prefixed fields "<len>:<bytes>" (see README.md).
 *
 * After those five, in fenced mode (behind Sentinel), KEYS[6] is the stream's pending list
 * {prefix}{app}:pend:{sid}, and the last key is always the watermark {prefix}wm: start, append
 * and end INCR it and answer its value as r[10] (r[11] for an append answered from its
 * idempotency record, whose r[10] is the recorded last seq), so a node knows how far the state
 * it was answered goes (a Redis that comes back below it lost acknowledged writes;
 * redis_conn.c).
 *
 * Fenced mode: a script does not PUBLISH; it queues "<order> <message>" in the pending list
 * (order 2*seq for the tokens ending at seq, 2*last+1 for the end), and commit_lua publishes
 * the queue in order, each message numbered on the bus then (INCR {prefix}busseq), once WAIT
 * saw a replica acknowledge it; the hash's `pub` is the last seq published, and replay and get
 * never show a seq beyond it. Without the pending list the scripts publish at once. */
#include "redis_int.h"

/* Queues msg in the pending list p (fenced mode) or publishes it with its bus number. */
#define OUT                                                                                        \
    "local function out(p, bus, order, msg)\n"                                                     \
    "  if p then redis.call('RPUSH', p, order .. ' ' .. msg) return end\n"                         \
    "  " RR_LUA_PUB("bus", "msg") "end\n"

#define PRELUDE                                                                                    \
    "local K, L, O, H, T = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]\n"                          \
    "local P, W = KEYS[7] and KEYS[6], KEYS[#KEYS]\n"                                              \
    "local function wm(r) r[10] = redis.call('INCR', W) return r end\n"                            \
    "local function st(code, first)\n"                                                             \
    "  local h = redis.call('HMGET', K, 'ws', 'th', 'run', 'last', 'ended', 'reason')\n"           \
    "  return {code, h[1] or '', h[2] or '', h[3] or '', h[4] or '0', h[5] or '0',\n"              \
    "          h[6] or '0', redis.call('PTTL', K), first or 0}\n"                                  \
    "end\n"                                                                                        \
    "local function f(s) return #s .. ':' .. s end\n"                                              \
    "local function now() local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / "    \
    "1000) end\n" OUT "local function fin(k, l, p, app, bus, reason, ttl)\n"                       \
    "  redis.call('HSET', k, 'ended', 1, 'reason', reason)\n"                                      \
    "  if ttl > 0 then redis.call('PEXPIRE', k, ttl); redis.call('PEXPIRE', l, ttl) end\n"         \
    "  local h = redis.call('HMGET', k, 'ws', 'th', 'run', 'sid', 'last')\n"                       \
    "  if not p then redis.call('ZREM', O, h[4]) end\n"                                            \
    "  out(p, bus, string.format('%d', 2 * tonumber(h[5]) + 1), table.concat({f('end'), f(app),\n" \
    "      f(h[1]), f(h[2]), f(h[3]), f(h[4]), f(h[5]), f(reason)}))\n"                            \
    "end\n"

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
            "if P then redis.call('DEL', P); redis.call('HSET', K, 'pub', 0) end\n"
            "return wm(st(0))\n";

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
    "    r[11] = redis.call('INCR', W)\n"
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
    "  return wm(st(0, first))\n"
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
    "for i = 1, n do m[#m + 1] = f(ARGV[10 + i]) end\n"
    "out(P, ARGV[2], string.format('%d', 2 * last), table.concat(m))\n"
    "return wm(st(0, first))\n";

/* ARGV: app, bus channel, reason, ended_ttl_ms. The first end wins; it alone publishes. */
/* protocol §11: the first end is recorded; every later end answers that record unchanged */
static const char end_lua[] =
    PRELUDE "if redis.call('EXISTS', K) == 0 then return {-2} end\n"
            "if redis.call('HGET', K, 'ended') == '1' then return st(2) end\n"
            "local ttl = tonumber(ARGV[4])\n"
            "fin(K, L, P, ARGV[1], ARGV[2], ARGV[3], ttl)\n"
            "local r = wm(st(0))\n"
            "if ttl <= 0 then redis.call('DEL', K, L) end\n"
            "return r\n";

/* The last seq subscribers may have seen: `pub` in fenced mode (see above). */
#define TOP                                                                                        \
    "local function top(last)\n"                                                                   \
    "  local p = redis.call('HGET', K, 'pub')\n"                                                   \
    "  if p and tonumber(p) < last then return tonumber(p) end\n"                                  \
    "  return last\n"                                                                              \
    "end\n"

static const char get_lua[] = PRELUDE TOP "if redis.call('EXISTS', K) == 0 then return {-2} end\n"
                                          "local r = st(0)\n"
                                          "r[5] = string.format('%d', top(tonumber(r[5])))\n"
                                          "return r\n";

/* ARGV: after_seq, limit. Answers first (r[9]) = the seq of the first token given. */
/* protocol §12.6: the kept tokens after after_seq, consecutive, in seq order */
static const char replay_lua[] =
    PRELUDE TOP "if redis.call('EXISTS', K) == 0 then return {-2} end\n"
                "local r = st(0)\n"
                "local last = tonumber(r[5])\n"
                "local len = redis.call('LLEN', L)\n"
                "local oldest = last - len + 1\n"
                "local from = tonumber(ARGV[1]) + 1\n"
                "if from < oldest then from = oldest end\n"
                "local upto = top(last)\n"
                "r[5] = string.format('%d', upto)\n"
                "r[9] = string.format('%d', from)\n"
                "r[10] = string.format('%d', oldest)\n"
                "if from <= upto then\n"
                "  local a = from - oldest\n"
                "  local b = math.min(a + tonumber(ARGV[2]) - 1, upto - oldest)\n"
                "  local t = redis.call('LRANGE', L, a, b)\n"
                "  for i = 1, #t do r[10 + i] = t[i] end\n"
                "end\n"
                "return r\n";

/* ARGV: app, bus channel, reason, ended_ttl_ms, idle_ms, stream key prefix, replay key
 * prefix[, pending key prefix (fenced mode)]. Ends (as end_lua would: the first end wins) up to
 * 100 open streams of the app idle for idle_ms or longer; drops entries of streams gone or
 * already ended. Answers {number ended, sid, last, sid, last...}. In fenced mode an ended
 * stream stays in the open set until its queue is published, and one whose queue is still
 * there (its commit failed, nobody retried) is answered again with last 2^52-1: commit all,
 * nothing can follow an end. */
static const char idle_lua[] = PRELUDE
    "local n, done = 0, {}\n"
    "local cut = now() - tonumber(ARGV[5])\n"
    "for _, sid in ipairs(redis.call('ZRANGEBYSCORE', O, '-inf', cut, 'LIMIT', 0, 100)) do\n"
    "  local k, l, p = ARGV[6] .. sid, ARGV[7] .. sid, ARGV[8] and ARGV[8] .. sid\n"
    "  if redis.call('EXISTS', k) == 1 and redis.call('HGET', k, 'ended') ~= '1' then\n"
    "    fin(k, l, p, ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]))\n"
    "    done[#done + 1] = sid\n"
    "    done[#done + 1] = redis.call('HGET', k, 'last')\n"
    "    if tonumber(ARGV[4]) <= 0 then redis.call('DEL', k, l) end\n"
    "    n = n + 1\n"
    "  elseif p and redis.call('EXISTS', p) == 1 then\n"
    "    done[#done + 1] = sid\n"
    "    done[#done + 1] = '4503599627370495'\n"
    "  else\n"
    "    redis.call('ZREM', O, sid)\n"
    "  end\n"
    "end\n"
    "table.insert(done, 1, n)\n"
    "return done\n";

/* KEYS: the stream hash, its pending list, the app's open set. ARGV: bus channel, order,
 * stream id. Publishes (each with the next bus number, taken now and not when the message was
 * queued, so the bus has no gap while messages wait) the queued messages of order <= ARGV[2]
 * (fenced mode: WAIT said a replica has them), records the last seq published, and takes an ended
 * stream whose queue is empty out of the open set. Answers the number published. */
static const char commit_lua[] = "local function pub(m) " RR_LUA_PUB(
    "ARGV[1]", "m") "end\n"
                    "local upto, n = tonumber(ARGV[2]), 0\n"
                    "while true do\n"
                    "  local e = redis.call('LINDEX', KEYS[2], 0)\n"
                    "  if not e then break end\n"
                    "  local sp = string.find(e, ' ', 1, true)\n"
                    "  local order = tonumber(string.sub(e, 1, sp - 1))\n"
                    "  if order > upto then break end\n"
                    "  redis.call('LPOP', KEYS[2])\n"
                    "  pub(string.sub(e, sp + 1))\n"
                    "  if redis.call('EXISTS', KEYS[1]) == 1 then\n"
                    "    redis.call('HSET', KEYS[1], 'pub', math.floor(order / 2))\n"
                    "  end\n"
                    "  n = n + 1\n"
                    "end\n"
                    "if redis.call('EXISTS', KEYS[2]) == 0 and\n"
                    "   (redis.call('EXISTS', KEYS[1]) == 0 or\n"
                    "    redis.call('HGET', KEYS[1], 'ended') == '1') then\n"
                    "  redis.call('ZREM', KEYS[3], ARGV[3])\n"
                    "end\n"
                    "return n\n";

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
    case RR_COMMIT:
        return commit_lua;
    case RR_EPOCH:
        return epoch_lua;
    }
    return "";
}
