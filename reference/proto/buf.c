#include "buf.h"

#include <stdlib.h>
#include <string.h>

rh_buf *rh_buf_alloc(size_t len)
{
    rh_buf *b = malloc(sizeof(*b) + RH_BUF_PRE + len + 1);
    if (!b)
        return NULL;
    b->refs = 1;
    b->len = len;
    b->stamp_us = 0;
    b->data = b->storage + RH_BUF_PRE;
    b->data[len] = '\0';
    return b;
}

rh_buf *rh_buf_new(const char *src, size_t len)
{
    rh_buf *b = rh_buf_alloc(len);
    if (!b)
        return NULL;
    if (len)
        memcpy(b->data, src, len);
    b->data[len] = '\0';
    return b;
}

rh_buf *rh_buf_new_str(const char *s)
{
    return rh_buf_new(s, strlen(s));
}

rh_buf *rh_buf_ref(rh_buf *b)
{
    if (b)
        b->refs++;
    return b;
}

void rh_buf_unref(rh_buf *b)
{
    if (b && --b->refs == 0)
        free(b);
}
