/* GET /demo: the browser reference client compiled into the binary (api/ owns the route,
 * demo/ the files). Off (404, as if absent) when config demo is false, so a production
 * deployment can hide it. */
#include <string.h>

#include "api_int.h"
#include "demo/demo.h"

void rh_api_demo(const rh_api_call *c, const char *name)
{
    if (!c->srv->cfg->demo) {
        rh_api_error(c->done, c->ud, 404, "not found");
        return;
    }
    if (strcmp(c->req->method, "GET") != 0 && strcmp(c->req->method, "HEAD") != 0) {
        rh_api_error(c->done, c->ud, 405, "method not allowed: use GET");
        return;
    }
    const rh_demo_asset *a = rh_demo_find(name ? name : "index.html");
    if (!a) {
        rh_api_error(c->done, c->ud, 404, "not found");
        return;
    }
    rh_http_resp r = {.status = 200,
                      .content_type = a->content_type,
                      .body = (const char *)a->data,
                      .body_len = a->len,
                      .retry_after = NULL};
    c->done(c->ud, &r);
}
