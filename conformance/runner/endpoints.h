/* rc_ep: the endpoint of each role of a deployment (WebSocket, Pusher HTTP API, authorizer,
 * control API) from the command line, and which role a request goes to. Pure functions (no
 * I/O), owned by the runner; the endpoints live in the caller's rc_target. */
#ifndef RC_ENDPOINTS_H
#define RC_ENDPOINTS_H

#include <stddef.h>

#include "case.h"

/* "ws", "api", "auth", "control". */
const char *rc_role_name(rc_role r);
/* http[s]://host[:port] plus, when with_path, a path (required, starting with '/'; a query is
 * kept in it); without with_path only "" or "/" may follow the port. 0, or -1 with a message
 * in err. */
int rc_ep_parse(const char *url, int with_path, rc_role_ep *e, char *err, size_t errlen);
/* Fills ep[] from the role options (urls[r] NULL: not given) and the positional URL (NULL:
 * absent, allowed only when all four are given). A defaulted role takes the positional URL;
 * the authorizer's default path is auth_path (--auth-path, default "/broadcasting/auth"), and
 * --auth-path together with --auth-url is refused. 0, or -1 with a message in err. */
int rc_ep_resolve(const char *positional, const char *const urls[RC_ROLES], const char *auth_path,
                  int auth_path_given, rc_role_ep ep[RC_ROLES], char *err, size_t errlen);
/* The role of an HTTP request: the control API for /apps/{app_id}/streams and below, the
 * authorizer for its own path (query ignored), the Pusher HTTP API for everything else. */
rc_role rc_ep_route(const char *app_id, const char *auth_path, const char *path_and_query);

#endif
