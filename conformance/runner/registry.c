/* The list of case tables, in run order.
 *
 * To add a file of cases: write cases/<file>.c exporting
 *     const rc_case rc_cases_<file>[] = { {...}, ..., {0} };
 * add it to cases/meson.build, and make sure its name is in the list below (the names of
 * the planned files are already there). The declarations are weak so that a table whose
 * file is not written or not built yet is simply absent (NULL) instead of breaking the link. */
#include <stddef.h>

#include "runner.h"

#define RC_TABLE(name) extern const rc_case rc_cases_##name[] __attribute__((weak));
#define RC_TABLES(X)                                                                               \
    X(pusher_connection)                                                                           \
    X(pusher_channels)                                                                             \
    X(pusher_subscribe)                                                                            \
    X(pusher_presence)                                                                             \
    X(pusher_client_events)                                                                        \
    X(pusher_http_api)                                                                             \
    X(pusher_limits)                                                                               \
    X(pusher_reserved)                                                                             \
    X(stream_naming)                                                                               \
    X(stream_authz)                                                                                \
    X(stream_events)                                                                               \
    X(stream_sequence)                                                                             \
    X(stream_end)                                                                                  \
    X(stream_control)                                                                              \
    X(stream_replay)                                                                               \
    X(stream_http_api)                                                                             \
    X(pusher_edge)

RC_TABLES(RC_TABLE)

#define RC_ENTRY(name) rc_cases_##name,
static const rc_case *const tables[] = {RC_TABLES(RC_ENTRY)};

const rc_case *const *rc_registry_tables(size_t *n)
{
    *n = sizeof tables / sizeof tables[0];
    return tables;
}
