/* Target msg: a client frame through rh_msg_decode and the subscribe/unsubscribe/signin
 * decoders (and a signin's user_data through rh_msg_user_id and rh_watch_parse).
 * Oracle: what decodes re-encodes (rh_msg_encode / rh_msg_encode_raw) into a frame that
 * decodes to the same event, channel and data. */
#include <string.h>

#include "fuzz.h"
#include "proto/message.h"
#include "proto/watchlist.h"

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void roundtrip(const rh_msg *m)
{
    rh_buf *b = m->data_is_string || !m->data
                    ? rh_msg_encode(m->event, m->channel, m->data, m->data_len)
                    : rh_msg_encode_raw(m->event, m->channel, m->data, NULL);
    FZ_CHECK(b);
    rh_msg again = {0};
    char err[128];
    int rc = rh_msg_decode(b->data, b->len, &again, err, sizeof err);
    if (rc != RH_MSG_OK)
        fprintf(stderr, "re-decoding %s: %s\n", b->data, err);
    FZ_CHECK(rc == RH_MSG_OK);
    FZ_CHECK(strcmp(again.event, m->event) == 0);
    FZ_CHECK(same(again.channel, m->channel));
    FZ_CHECK(same(again.data, m->data));
    FZ_CHECK(again.data_len == m->data_len);
    FZ_CHECK(!m->data || again.data_is_string == m->data_is_string);
    rh_msg_clear(&again);
    rh_buf_unref(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rh_msg m = {0};
    char err[128];
    int rc = rh_msg_decode((const char *)data, size, &m, err, sizeof err);
    if (rc != RH_MSG_OK) {
        FZ_CHECK(rc < 0 && err[0]);
        FZ_CHECK(!m.event && !m.channel && !m.data);
        return 0;
    }
    FZ_CHECK(m.event && m.event[0]);
    FZ_CHECK(!m.data || strlen(m.data) == m.data_len);
    roundtrip(&m);

    rh_msg_subscribe s = {0};
    if (rh_msg_decode_subscribe(&m, &s, err, sizeof err) == 0)
        FZ_CHECK(s.channel);
    rh_msg_subscribe_clear(&s);
    rh_msg_subscribe_clear(&s); /* documented as safe on a cleared struct */
    char *ch = NULL;
    if (rh_msg_decode_unsubscribe(&m, &ch, err, sizeof err) == 0)
        FZ_CHECK(ch);
    free(ch);
    char *auth = NULL, *ud = NULL;
    if (rh_msg_decode_signin(&m, &auth, &ud, err, sizeof err) == 0) {
        char id[129];
        FZ_CHECK(auth && ud);
        if (rh_msg_user_id(ud, strlen(ud), id, err, sizeof err) == 0)
            FZ_CHECK(id[0] && strlen(id) <= 128);
        rh_watch w;
        if (rh_watch_parse(ud, strlen(ud), &w, err, sizeof err) == RH_WATCH_OK) {
            FZ_CHECK(w.n <= RH_WATCH_MAX);
            for (size_t i = 0; i < w.n; i++)
                FZ_CHECK(rh_watch_has(&w, w.ids[i]) && w.ids[i][0] && strlen(w.ids[i]) <= 128);
            char *ev = rh_watch_event("online", (const char *const *)w.ids, w.n);
            FZ_CHECK(ev != NULL);
            free(ev);
        } else {
            FZ_CHECK(w.n == 0 && !w.ids);
        }
        rh_watch_clear(&w);
    } else {
        FZ_CHECK(!auth && !ud);
    }
    free(auth);
    free(ud);
    rh_msg_clear(&m);
    rh_msg_clear(&m);
    return 0;
}
