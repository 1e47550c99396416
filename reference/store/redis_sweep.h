/* The sweep of dead nodes (store/ owns it), shared by the scripts of redis_nodes.c that run it:
 * the node refresh and the channel sums. Internal to store/.
 *
 * A node whose registry entry expired (it stopped refreshing: killed, stopped, cut off) is
 * dropped from the registry with its hashes, and for each field of its share that no live
 * node holds (nor a dead node swept after it) the bus gets what the dead node would have
 * sent when that share went (docs/protocol.md 15.10):
 *   "p\n{app}\n{channel}\n{user}"  member_removed to the channel's subscribers ("evt");
 *   "u\n{app}\n{user}"             the user offline for the watchlists ("onl", 18.5);
 *   "o\n{app}\n{channel}"          the channel_vacated webhook ("whk", 20.6), and
 *   "m\n{app}\n{channel}\n{user}"  the member_removed webhook, both addressed to the
 *                                  sweeping node, which sends them once for the deployment,
 *                                  held like its own (RR_HOLD_LUA) when hold is given.
 * Scripts are atomic, so one sweeper finds a dead node and the others none. sweep(reg, hp,
 * bus, now, me, hold, wh): the registry, the node hash prefix, the bus channel, Redis's clock
 * in ms, the sweeper's bus node id, the hold key prefix ("" none) and "1" when the webhook
 * notices are due ("0": the fault webhook-sweep-silent). */
#ifndef RR_SWEEP_H
#define RR_SWEEP_H

#include "redis_int.h"

/* How long a held webhook's key outlives its hold at most: webhook_delay_ms (at most
 * 60000, config_parse.c) plus the time its node takes to claim it. */
#define RR_HOLD_TTL_MS "90000"

/* The hold key {hold}{fld} of a held webhook holds its token (a number the whole deployment
 * draws from), "x" once a return cancelled it, "s" once its holder claimed it (sent).
 * hold_new(hold, fld): a new hold on fld, replacing any earlier one, and its token; the holder
 * claims it when its delay is over (redis_online.c claim_lua). hold_end(hold, fld): a return
 * (a join's 0 -> 1): true when it cancelled a hold (then nothing is to be published); hold ""
 * holds nothing. */
#define RR_HOLD_LUA                                                                                \
    "local function hold_new(hold, fld)\n"                                                         \
    "  local tok = tostring(redis.call('INCR', hold .. 'seq'))\n"                                  \
    "  redis.call('SET', hold .. fld, tok, 'PX', " RR_HOLD_TTL_MS ")\n"                            \
    "  return tok\n"                                                                               \
    "end\n"                                                                                        \
    "local function hold_end(hold, fld)\n"                                                         \
    "  if #hold == 0 then return false end\n"                                                      \
    "  local v = redis.call('GET', hold .. fld)\n"                                                 \
    "  if not v or not tonumber(v) then return false end\n"                                        \
    "  redis.call('SET', hold .. fld, 'x', 'PX', " RR_HOLD_TTL_MS ")\n"                            \
    "  return true\n"                                                                              \
    "end\n"

/* The types of proto/webhook.h: RH_WH_CHANNEL_VACATED and RH_WH_MEMBER_REMOVED
 * (redis_online.c checks them). */
#define RR_WH_VACATED "1"
#define RR_WH_REMOVED "3"

#define RR_SWEEP_LUA                                                                               \
    "local function f(s) return #s .. ':' .. s end\n" RR_HOLD_LUA                                  \
    "local function held(hp, nodes, fld)\n"                                                        \
    "  for _, n in ipairs(nodes) do\n"                                                             \
    "    if tonumber(redis.call('HGET', hp .. n, fld) or '0') > 0 then return true end\n"          \
    "  end\n"                                                                                      \
    "  return false\n"                                                                             \
    "end\n"                                                                                        \
    "local function gone(fld, d, me, hold, wh)\n"                                                  \
    "  local _, _, k, app, rest = string.find(fld, '^([pumo])\\n([^\\n]*)\\n(.*)$')\n"             \
    "  if not k then return nil end\n"                                                             \
    "  if k == 'u' then return f('onl') .. f(app) .. f(me) .. f('0') .. f(rest) end\n"             \
    "  local _, _, ch, user = string.find(rest, '^([^\\n]*)\\n(.*)$')\n"                           \
    "  if k == 'p' then\n"                                                                         \
    "    if not ch then return nil end\n"                                                          \
    "    local frame = cjson.encode({event = 'pusher_internal:member_removed',\n"                  \
    "      channel = ch, data = cjson.encode({user_id = user})})\n"                                \
    "    return table.concat({f('evt'), f(app), f(d), f('0'), f(ch), f(''), f(frame)})\n"          \
    "  end\n"                                                                                      \
    "  if wh ~= '1' or #me == 0 then return nil end\n"                                             \
    "  local t = '" RR_WH_REMOVED "'\n"                                                            \
    "  if k == 'o' then ch, user, t = rest, '', '" RR_WH_VACATED "' end\n"                         \
    "  if not ch then return nil end\n"                                                            \
    "  local m = table.concat({f('whk'), f(app), f(me), f(t), f(ch), f(user)})\n"                  \
    "  if #hold > 0 then m = m .. f(hold_new(hold, fld)) end\n"                                    \
    "  return m\n"                                                                                 \
    "end\n"                                                                                        \
    "local function sweep(reg, hp, bus, now, me, hold, wh)\n"                                      \
    "  local dead = redis.call('ZRANGEBYSCORE', reg, '-inf', now)\n"                               \
    "  local live = redis.call('ZRANGEBYSCORE', reg, '(' .. now, '+inf')\n"                        \
    "  for i, d in ipairs(dead) do\n"                                                              \
    "    local later = {unpack(dead, i + 1)}\n"                                                    \
    "    local h = redis.call('HGETALL', hp .. d)\n"                                               \
    "    for j = 1, #h, 2 do\n"                                                                    \
    "      if tonumber(h[j + 1]) > 0 and not held(hp, live, h[j])\n"                               \
    "         and not held(hp, later, h[j]) then\n"                                                \
    "        local m = gone(h[j], d, me, hold, wh)\n"                                              \
    "        if m then " RR_LUA_PUB("bus",                                                         \
                                    "m") "        end\n"                                           \
                                         "      end\n"                                             \
                                         "    end\n"                                               \
                                         "    redis.call('DEL', hp .. d, hp .. d .. ':info')\n"    \
                                         "  end\n"                                                 \
                                         "  redis.call('ZREMRANGEBYSCORE', reg, '-inf', now)\n"    \
                                         "end\n"

#endif
