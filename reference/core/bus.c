/* The fan-out point shared by every event source (core/ owns it): straight to the hub on one
 * node, through the bus (an "evt" message, proto/busmsg.h) on several. */
#include <stdio.h>
#include <string.h>

#include "../proto/busmsg.h"
#include "hub.h"

void rh_srv_set_bus(rh_srv *srv, const rh_bus *bus)
{
    if (bus)
        srv->bus = *bus;
    else
        memset(&srv->bus, 0, sizeof srv->bus);
    uint32_t r[2] = {0, 0};
    srv->io.random(srv->io.ud, r, sizeof r);
    snprintf(srv->node_id, sizeof srv->node_id, "%08x%08x", (unsigned)r[0], (unsigned)r[1]);
}

void rh_srv_bus_head(rh_srv *srv, rh_busmsg *m, const rh_cfg_app *app)
{
    char serial[24];
    snprintf(serial, sizeof serial, "%llu", (unsigned long long)++srv->bus_serial);
    rh_busmsg_add_str(m, "evt");
    rh_busmsg_add_str(m, app->id);
    rh_busmsg_add_str(m, srv->node_id);
    rh_busmsg_add_str(m, serial);
}

int rh_srv_has_bus(const rh_srv *srv)
{
    return srv->bus.publish != NULL;
}

void rh_srv_fanout(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame,
                   const char *except_socket_id, rh_bus_done done, void *ud)
{
    if (!rh_srv_has_bus(srv)) {
        rh_hub_publish(srv, app, channel, frame, except_socket_id);
        if (done)
            done(ud, 1, NULL);
        return;
    }
    rh_busmsg m = {0};
    rh_srv_bus_head(srv, &m, app);
    rh_busmsg_add_str(&m, channel);
    rh_busmsg_add_str(&m, except_socket_id);
    rh_busmsg_add(&m, frame->data, frame->len);
    if (m.failed) {
        rh_busmsg_free(&m);
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory building a bus message");
        if (done)
            done(ud, 0, "out of memory");
        return;
    }
    srv->bus.publish(srv->bus.ud, m.p, m.len, done, ud);
    rh_busmsg_free(&m);
}
