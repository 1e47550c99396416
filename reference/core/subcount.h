/* rh_subcount: pusher_internal:subscription_count, Pusher's opt-in per app
 * (cfg app.subscription_count): the number of connections subscribed to a non-presence
 * channel, sent to its subscribers when it changes. With a bus that keeps channel state the
 * count is the total over every live node (rh_bus.node_sum), published on the bus so every
 * node's subscribers get the same frame.
 *
 * Debouncing (docs/protocol.md 21): a channel with at most RH_SUBCOUNT_SMALL subscribers on
 * this node gets every change at once; a larger one at most one count per
 * RH_SUBCOUNT_PERIOD_MS, the last change flushed by rh_subcount_tick. On several nodes each
 * change is also re-counted once by the next tick, so the last count sent is the settled total
 * even when two nodes' sums crossed on the bus. No ownership passes; channel names are
 * copied. */
#ifndef RH_SUBCOUNT_H
#define RH_SUBCOUNT_H

#include "srv.h"

#define RH_SUBCOUNT_SMALL     100
#define RH_SUBCOUNT_PERIOD_MS 5000

struct rh_chan;
/* ch's subscriptions on this node changed (ch->nsubs already updated; it may be 0, and ch
 * is freed after the call then). joined: 1 for a subscribe, 0 for a leave. */
void rh_subcount_changed(rh_srv *srv, const rh_cfg_app *app, struct rh_chan *ch, int joined);
/* Once a second: flushes throttled and unsettled counts. */
void rh_subcount_tick(rh_srv *srv);

#endif
