/* The hub's answers to the HTTP API's channel queries (hub.h): channel info, channels,
 * members. A presence subscription still waiting for the store's answer is not counted
 * (rh_sub.counted): a refused one never was. */
#include <string.h>

#include "conn.h"
#include "hub.h"

static void fill_info(const rh_chan *ch, rh_hub_chan_info *out)
{
    out->occupied = ch->ncounted > 0;
    out->subscription_count = ch->ncounted;
    out->user_count = ch->type == RH_CHAN_PRESENCE ? ch->members.n : 0;
}

void rh_hub_channel_info(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                         rh_hub_chan_info *out)
{
    memset(out, 0, sizeof(*out));
    rh_chan *ch = channel ? rh_hub_chan(srv, app, channel) : NULL;
    if (ch)
        fill_info(ch, out);
}

void rh_hub_foreach_channel(rh_srv *srv, const rh_cfg_app *app, const char *prefix,
                            rh_hub_chan_cb cb, void *ud)
{
    rh_htab *t = rh_hub_app_chans(srv, app);
    if (!t)
        return;
    size_t plen = prefix ? strlen(prefix) : 0;
    const char *name;
    void *v;
    for (size_t pos = 0; rh_htab_next(t, &pos, &name, &v);) {
        rh_chan *ch = v;
        if (ch->ncounted == 0 || (plen && strncmp(name, prefix, plen) != 0))
            continue;
        rh_hub_chan_info info;
        fill_info(ch, &info);
        cb(ud, name, &info);
    }
}

void rh_hub_foreach_member(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                           rh_hub_member_cb cb, void *ud)
{
    rh_chan *ch = channel ? rh_hub_chan(srv, app, channel) : NULL;
    if (!ch)
        return;
    for (rh_member *m = ch->mhead; m; m = m->next)
        cb(ud, m->user_id, m->user_info);
}

typedef struct user_only {
    rh_hub_user_cb cb;
    void *ud;
} user_only;

static void user_of_member(void *ud, const char *user_id, const char *user_info)
{
    (void)user_info;
    const user_only *u = ud;
    u->cb(u->ud, user_id);
}

void rh_hub_foreach_user(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_hub_user_cb cb,
                         void *ud)
{
    user_only u = {cb, ud};
    rh_hub_foreach_member(srv, app, channel, user_of_member, &u);
}
