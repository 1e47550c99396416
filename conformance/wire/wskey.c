/* rw_wskey: see wskey.h. */
#include "wskey.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

void rw_wskey_make(const uint8_t nonce[16], char *key)
{
    EVP_EncodeBlock((unsigned char *)key, nonce, 16);
}

void rw_wskey_accept(const char *key, char *accept)
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char dig[SHA_DIGEST_LENGTH];
    char cat[128 + sizeof guid];
    int n = snprintf(cat, sizeof cat, "%.128s%s", key, guid);
    SHA1((const unsigned char *)cat, (size_t)n, dig);
    EVP_EncodeBlock((unsigned char *)accept, dig, sizeof dig);
}

size_t rw_wskey_request(char *out, size_t cap, const char *target, const char *host, int port,
                        const char *key, const char *user_agent, const char *headers)
{
    int n =
        snprintf(out, cap,
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                 "Sec-WebSocket-Version: 13\r\n%s%s%s%s\r\n",
                 target, host, port, key, user_agent ? "User-Agent: " : "",
                 user_agent ? user_agent : "", user_agent ? "\r\n" : "", headers ? headers : "");
    return n < 0 ? 0 : (size_t)n;
}

rw_wskey_result rw_wskey_check(const rw_http_head *head, const char *key, char *want, char *seen,
                               size_t seenlen)
{
    char w[RW_WSACCEPT_LEN + 1], got[128] = "";
    rw_wskey_accept(key, w);
    if (want)
        memcpy(want, w, sizeof w);
    if (seen && seenlen)
        seen[0] = '\0';
    if (head->status != 101)
        return RW_WSKEY_NOT_101;
    char up[64] = "";
    rw_http_header_copy(head, "Upgrade", up, sizeof up);
    if (strcasecmp(up, "websocket") != 0 || !rw_http_has_token(head, "Connection", "upgrade"))
        return RW_WSKEY_NO_UPGRADE;
    int have = rw_http_header_copy(head, "Sec-WebSocket-Accept", got, sizeof got);
    if (seen && seenlen)
        snprintf(seen, seenlen, "%s", got);
    return have && strcmp(got, w) == 0 ? RW_WSKEY_OK : RW_WSKEY_BAD_ACCEPT;
}
