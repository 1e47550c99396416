/* Shared includes for the proto unit tests (CMocka needs this include order). */
#ifndef RH_PROTO_TH_H
#define RH_PROTO_TH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define S(lit) (lit), (sizeof(lit) - 1)

#endif
