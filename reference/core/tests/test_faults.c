/* core/: every WebSocket-side fault switch changes exactly the behaviour it names. Each probe
 * runs twice, without and with its fault, and must see the bug only with it. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th.h"

/* A probe builds its scenario on f and returns 1 when the faulty behaviour shows. */
typedef int (*probe_fn)(fk *f);

static int p_unknown_key(fk *f)
{
    int i = fk_open(f, "nope");
    return strcmp(fk_event(f, i, 0), "pusher:connection_established") == 0 &&
           f->conns[i].close_code == 0;
}

/* fk_open passes no query, as a client that sends no ?protocol=7 would. */
static int p_protocol_required(fk *f)
{
    int i = fk_open(f, "app-key");
    return f->conns[i].close_code == 4008;
}

static int p_established_not_first(fk *f)
{
    int i = fk_open(f, "app-key");
    return strcmp(fk_event(f, i, 0), "pusher:connection_established") != 0;
}

static int p_socket_id_clock(fk *f)
{
    int a = fk_connect(f), b = fk_connect(f);
    return strcmp(f->conns[a].socket_id, f->conns[b].socket_id) == 0;
}

static int p_error_no_code(fk *f)
{
    int i = fk_connect(f);
    fk_clear(f, i);
    fk_msg(f, i, "{not json");
    cJSON *j = fk_json(f, i, 0);
    const cJSON *d = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;
    int missing = cJSON_IsObject(d) && !cJSON_GetObjectItemCaseSensitive(d, "code");
    cJSON_Delete(j);
    return missing;
}

static int p_socket_id_format(fk *f)
{
    int i = fk_connect(f);
    regex_t r;
    regcomp(&r, "^[0-9]+\\.[0-9]+$", REG_EXTENDED | REG_NOSUB);
    int bad = regexec(&r, f->conns[i].socket_id, 0, NULL, 0) != 0;
    regfree(&r);
    return bad;
}

static int p_no_activity_timeout(fk *f)
{
    int i = fk_open(f, "app-key");
    cJSON *d = fk_data(f, i, 0);
    int bad = d && !cJSON_GetObjectItemCaseSensitive(d, "activity_timeout");
    cJSON_Delete(d);
    return bad;
}

static int p_established_object(fk *f)
{
    int i = fk_open(f, "app-key");
    cJSON *j = fk_json(f, i, 0);
    int bad = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "data"));
    cJSON_Delete(j);
    return bad;
}

static int p_no_pong(fk *f)
{
    int i = fk_connect(f);
    fk_msg(f, i, "{\"event\":\"pusher:ping\",\"data\":{}}");
    return fk_count(f, i) == 0;
}

static int p_no_server_ping(fk *f)
{
    int i = fk_connect(f);
    f->now_ms += 120000;
    rh_srv_tick(f->srv);
    f->now_ms += 30000;
    rh_srv_tick(f->srv);
    return fk_count(f, i) == 0 && f->conns[i].close_code == 0;
}

static int p_silent_malformed(fk *f)
{
    int i = fk_connect(f);
    fk_msg(f, i, "{bad");
    fk_msg(f, i, "{\"event\":\"pusher:nope\"}");
    rh_srv_conn_message(f->srv, f->conns[i].c, "{}", 2, 1);
    return fk_count(f, i) == 0;
}

static int p_lax_channel_names(fk *f)
{
    int i = fk_connect(f);
    fk_sub(f, i, "bad name!");
    return strcmp(fk_event(f, i, 0), "pusher_internal:subscription_succeeded") == 0;
}

static int p_auth_none(fk *f)
{
    int i = fk_connect(f);
    fk_sub_auth(f, i, "private-x", NULL, NULL);
    fk_sub_auth(f, i, "presence-x", "app-key:nonsense", "{\"user_id\":\"mallory\"}");
    return fk_count_event(f, i, "pusher_internal:subscription_succeeded") == 2;
}

static int p_auth_any_socket(fk *f)
{
    int victim = fk_connect(f);
    int i = fk_connect(f);
    char auth[200];
    fk_sign("app-key", "app-secret", f->conns[victim].socket_id, "private-x", NULL, auth,
            sizeof(auth));
    fk_sub_auth(f, i, "private-x", auth, NULL);
    /* A signature for a socket that is not connected stays refused even with the fault. */
    fk_sign("app-key", "app-secret", "999.999", "private-y", NULL, auth, sizeof(auth));
    fk_sub_auth(f, i, "private-y", auth, NULL);
    return fk_count_event(f, i, "pusher_internal:subscription_succeeded") == 1 &&
           strcmp(fk_event(f, i, 1), "pusher:subscription_error") == 0;
}

static int p_auth_ignore_key(fk *f)
{
    int i = fk_connect(f);
    char auth[200];
    fk_sign("any-key", "app-secret", f->conns[i].socket_id, "private-x", NULL, auth, sizeof(auth));
    fk_sub_auth(f, i, "private-x", auth, NULL);
    /* The secret is still checked. */
    fk_sign("any-key", "bad-secret", f->conns[i].socket_id, "private-y", NULL, auth, sizeof(auth));
    fk_sub_auth(f, i, "private-y", auth, NULL);
    return fk_count_event(f, i, "pusher_internal:subscription_succeeded") == 1 &&
           strcmp(fk_event(f, i, 1), "pusher:subscription_error") == 0;
}

static int p_leak_refused(fk *f)
{
    int i = fk_connect(f);
    fk_sub_auth(f, i, "private-x", "app-key:bad", NULL);
    int refused = strcmp(fk_event(f, i, 0), "pusher:subscription_error") == 0;
    rh_buf *b = rh_buf_new_str("{\"event\":\"e\",\"channel\":\"private-x\",\"data\":\"s\"}");
    rh_hub_publish(f->srv, &f->apps[0], "private-x", b, NULL);
    rh_buf_unref(b);
    return refused && fk_count(f, i) == 2;
}

static int p_unsubscribe_ignored(fk *f)
{
    int i = fk_connect(f);
    fk_sub(f, i, "news");
    fk_msg(f, i, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"news\"}}");
    return fk_occupied(f, "news");
}

static int p_presence_dup_member(fk *f)
{
    int a = fk_connect(f), b1 = fk_connect(f), b2 = fk_connect(f);
    fk_sub_presence(f, a, "presence-r", "alice", "alice");
    fk_sub_presence(f, b1, "presence-r", "bob", "bob");
    fk_sub_presence(f, b2, "presence-r", "bob", "bob");
    return fk_count_event(f, a, "pusher_internal:member_added") == 2;
}

static int p_presence_no_removed(fk *f)
{
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_presence(f, a, "presence-r", "alice", "alice");
    fk_sub_presence(f, b, "presence-r", "bob", "bob");
    fk_closed(f, b);
    return fk_count_event(f, a, "pusher_internal:member_removed") == 0;
}

static const char *CE = "{\"event\":\"client-x\",\"channel\":\"%s\",\"data\":{}}";

static void send_ce(fk *f, int i, const char *channel)
{
    char m[200];
    snprintf(m, sizeof(m), CE, channel);
    fk_msg(f, i, m);
}

static int p_client_echo(fk *f)
{
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_private(f, a, "private-c");
    fk_sub_private(f, b, "private-c");
    fk_clear(f, a);
    send_ce(f, a, "private-c");
    return fk_count_event(f, a, "client-x") == 1;
}

static int p_client_unsubscribed(fk *f)
{
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_private(f, b, "private-c");
    send_ce(f, a, "private-c");
    return fk_count_event(f, b, "client-x") == 1;
}

static int p_client_public(fk *f)
{
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub(f, a, "news");
    fk_sub(f, b, "news");
    send_ce(f, a, "news");
    return fk_count_event(f, b, "client-x") == 1;
}

/* Twelve client events at once: the eleventh and twelfth must be refused with 4301. */
static int p_client_no_rate_limit(fk *f)
{
    int a = fk_connect(f), b = fk_connect(f);
    fk_sub_private(f, a, "private-r");
    fk_sub_private(f, b, "private-r");
    for (int k = 0; k < 12; k++)
        send_ce(f, a, "private-r");
    return fk_count_event(f, b, "client-x") == 12;
}

typedef struct fault_case {
    rh_fault fault;
    probe_fn probe;
} fault_case;

static const fault_case cases[] = {
    {RH_FAULT_UNKNOWN_KEY_ACCEPTED, p_unknown_key},
    {RH_FAULT_PROTOCOL_REQUIRED, p_protocol_required},
    {RH_FAULT_ESTABLISHED_NOT_FIRST, p_established_not_first},
    {RH_FAULT_SOCKET_ID_CLOCK, p_socket_id_clock},
    {RH_FAULT_ERROR_NO_CODE, p_error_no_code},
    {RH_FAULT_SOCKET_ID_FORMAT, p_socket_id_format},
    {RH_FAULT_NO_ACTIVITY_TIMEOUT, p_no_activity_timeout},
    {RH_FAULT_ESTABLISHED_OBJECT, p_established_object},
    {RH_FAULT_NO_PONG, p_no_pong},
    {RH_FAULT_NO_SERVER_PING, p_no_server_ping},
    {RH_FAULT_SILENT_MALFORMED, p_silent_malformed},
    {RH_FAULT_LAX_CHANNEL_NAMES, p_lax_channel_names},
    {RH_FAULT_AUTH_NONE, p_auth_none},
    {RH_FAULT_AUTH_ANY_SOCKET, p_auth_any_socket},
    {RH_FAULT_AUTH_IGNORE_KEY, p_auth_ignore_key},
    {RH_FAULT_LEAK_REFUSED, p_leak_refused},
    {RH_FAULT_UNSUBSCRIBE_IGNORED, p_unsubscribe_ignored},
    {RH_FAULT_PRESENCE_DUP_MEMBER, p_presence_dup_member},
    {RH_FAULT_PRESENCE_NO_REMOVED, p_presence_no_removed},
    {RH_FAULT_CLIENT_ECHO, p_client_echo},
    {RH_FAULT_CLIENT_UNSUBSCRIBED, p_client_unsubscribed},
    {RH_FAULT_CLIENT_PUBLIC, p_client_public},
    {RH_FAULT_CLIENT_NO_RATE_LIMIT, p_client_no_rate_limit},
};

static int run_probe(const fault_case *c, const char *fault)
{
    const char *faults[] = {fault, NULL};
    fk *f = fk_new(fault ? faults : NULL);
    int shows = c->probe(f);
    fk_free(f);
    return shows;
}

static void test_each_fault(void **state)
{
    (void)state;
    const rh_fault_info *table = rh_fault_table();
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const char *name = table[cases[k].fault].name;
        int off = run_probe(&cases[k], NULL);
        int on = run_probe(&cases[k], name);
        if (off || !on)
            fail_msg("fault %s: bug seen without the fault %d, with it %d", name, off, on);
    }
}

/* Every fault of the WebSocket side has a probe above. */
static void test_all_ws_faults_covered(void **state)
{
    (void)state;
    for (int fl = RH_FAULT_UNKNOWN_KEY_ACCEPTED; fl <= RH_FAULT_CLIENT_NO_RATE_LIMIT; fl++) {
        int found = 0;
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
            found |= cases[k].fault == (rh_fault)fl;
        if (!found)
            fail_msg("no probe for fault %s", rh_fault_table()[fl].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_fault),
        cmocka_unit_test(test_all_ws_faults_covered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
