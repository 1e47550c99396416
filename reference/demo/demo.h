/* rh_demo: the browser reference client (index.html, client.js, style.css in reference/demo),
 * compiled into the binary by embed.py at build time. The table is read-only static data owned by
 * the generated source; lookups return pointers into it (never freed). */
#ifndef RH_DEMO_H
#define RH_DEMO_H

#include <stddef.h>

typedef struct rh_demo_asset {
    const char *name;         /* "client.js": served as /demo/client.js */
    const char *content_type; /* "text/javascript; charset=utf-8" */
    const unsigned char *data;
    size_t len;
} rh_demo_asset;

/* Terminated by an entry with name == NULL. */
extern const rh_demo_asset rh_demo_assets[];

/* The asset called name exactly (no path: a name holding '/' or ".." matches nothing), or
 * NULL. */
const rh_demo_asset *rh_demo_find(const char *name);

#endif
