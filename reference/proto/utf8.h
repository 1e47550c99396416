/* rh_utf8: strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef RH_UTF8_H
#define RH_UTF8_H

#include <stddef.h>

/* 1 when s[0..len) is valid UTF-8. */
int rh_utf8_valid(const char *s, size_t len);

#endif
