/* Shared includes for core/ tests. */
#ifndef RH_CORE_TH_H
#define RH_CORE_TH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_io.h"

/* 1 when channel of app 0 has subscribers. */
static inline int fk_occupied(fk *f, const char *channel)
{
    rh_hub_chan_info ci;
    rh_hub_channel_info(f->srv, &f->apps[0], channel, &ci);
    return ci.occupied;
}

/* Asserts that frame n of connection i is exactly expected. */
#define assert_frame(f, i, n, expected) assert_string_equal(fk_frame((f), (i), (n)), (expected))

#endif
