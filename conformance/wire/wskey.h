/* rw_wskey: the opening handshake of RFC 6455 (4.1, 4.2.2) from the client's side: the
 * Sec-WebSocket-Key from 16 random bytes, the Sec-WebSocket-Accept it calls for, the upgrade
 * request, and the check of the server's answer.
 *
 * Ownership: every output goes to the caller's buffers; the random bytes are the caller's
 * (the library draws none). Pure: no I/O (OpenSSL's SHA-1 and base64 only). */
#ifndef RW_WSKEY_H
#define RW_WSKEY_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define RW_WSKEY_LEN    24 /* base64 of 16 bytes */
#define RW_WSACCEPT_LEN 28 /* base64 of a SHA-1 */

/* key: room for RW_WSKEY_LEN + 1. */
void rw_wskey_make(const uint8_t nonce[16], char *key);
/* accept: room for RW_WSACCEPT_LEN + 1; base64(SHA-1(key + the RFC's GUID)). */
void rw_wskey_accept(const char *key, char *accept);

/* The GET upgrade request for target ("/app/KEY?..."), with Host host:port, the key,
 * User-Agent (NULL: none) and extra raw header lines (NULL: none), into out when it fits;
 * its length either way (like snprintf). */
size_t rw_wskey_request(char *out, size_t cap, const char *target, const char *host, int port,
                        const char *key, const char *user_agent, const char *headers);

typedef enum {
    RW_WSKEY_OK = 0,
    RW_WSKEY_NOT_101 = 1,    /* the server refused the upgrade (head->status) */
    RW_WSKEY_NO_UPGRADE = 2, /* 101 without Upgrade: websocket and Connection: Upgrade */
    RW_WSKEY_BAD_ACCEPT = 3, /* Sec-WebSocket-Accept missing or wrong */
} rw_wskey_result;

/* Checks a parsed 101 answer to key. seen (room for seenlen) gets the Accept value the
 * server sent ("" when none), want the expected one (RW_WSACCEPT_LEN + 1); both may be
 * NULL. */
rw_wskey_result rw_wskey_check(const rw_http_head *head, const char *key, char *want, char *seen,
                               size_t seenlen);

#endif
