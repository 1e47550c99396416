/* Target trig: HTTP API trigger bodies (events and batch_events). Oracles: accepted events
 * stay within the limits, every channel is a valid name (or a user's #server-to-user-{id}), a
 * socket_id is well-formed. */
#include <string.h>

#include "fuzz.h"
#include "proto/channel.h"
#include "proto/sign.h"
#include "proto/trigger.h"

static const rh_trig_limits lim = {4, 3, 256, 0, 0}; /* small, so every limit is reachable */

static void check_event(const rh_trig_event *e, int batch)
{
    FZ_CHECK(e->name && e->name[0] && strlen(e->name) <= RH_TRIG_NAME_MAX);
    FZ_CHECK(e->data && strlen(e->data) == e->data_len && e->data_len <= lim.max_data_bytes);
    FZ_CHECK(e->nchannels >= 1 && e->nchannels <= (batch ? 1 : lim.max_channels));
    char err[128];
    for (size_t i = 0; i < e->nchannels; i++) {
        /* a user's channel (18.2) is the prefix and an id that follows the name rules */
        const char *c = e->channels[i];
        if (strncmp(c, "#server-to-user-", 16) == 0)
            c += 16;
        FZ_CHECK(rh_chan_validate(c, strlen(c), err, sizeof err) == 0);
    }
    FZ_CHECK(!e->socket_id || rh_sign_valid_socket_id(e->socket_id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    char err[256];
    rh_trig_event e;
    memset(&e, 0, sizeof e);
    int rc = rh_trig_parse_event(body, size, &lim, &e, err, sizeof err);
    FZ_CHECK(rh_trig_strerror(rc));
    if (rc == 0)
        check_event(&e, 0);
    rh_trig_clear(&e);
    rh_trig_clear(&e);

    rh_trig_batch b;
    memset(&b, 0, sizeof b);
    rc = rh_trig_parse_batch(body, size, &lim, &b, err, sizeof err);
    if (rc == 0) {
        FZ_CHECK(b.n >= 1 && b.n <= lim.max_batch);
        for (size_t i = 0; i < b.n; i++)
            check_event(&b.items[i], 1);
    }
    rh_trig_batch_clear(&b);
    rh_trig_batch_clear(&b);
    return 0;
}
