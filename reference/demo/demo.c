/* Asset lookup for the browser reference client (see demo.h). */
#include <string.h>

#include "demo.h"

const rh_demo_asset *rh_demo_find(const char *name)
{
    if (!name)
        return NULL;
    /* Exact match against a fixed table: the request can only ever name one of the
     * compiled-in files, whatever dots or slashes it holds. */
    for (const rh_demo_asset *a = rh_demo_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}
