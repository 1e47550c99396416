/* rc_net: one blocking TCP or TLS stream with poll()-based deadlines (suite-internal).
 * Ownership: rc_net is the caller's value; rc_net_close frees its socket and TLS state.
 *
 * Deadlines are absolute CLOCK_MONOTONIC nanoseconds (rw_deadline_ns, wire/clock.h) so one
 * request can span several reads without ever outliving its case. Certificates are not
 * verified unless a CA file is given (--ca): the suite tests protocol behaviour against test
 * servers, often self-signed, and checks the chain only when asked. */
#ifndef RC_NET_H
#define RC_NET_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

typedef struct rc_net {
    int fd;
    SSL_CTX *sslctx;
    SSL *ssl;
} rc_net;

/* 0 or -1 with a message in err. With tls and ca_file (PEM), the server's certificate must
 * chain to ca_file and name host (DNS name or IP address); with tls alone it is not checked. */
int rc_net_connect(rc_net *n, const char *host, int port, int tls, const char *ca_file,
                   int64_t deadline_ns, char *err, size_t errlen);
/* Writes everything: 0, or -1 (error or deadline). */
int rc_net_write(rc_net *n, const void *buf, size_t len, int64_t deadline_ns);
/* Reads some bytes: >0 count, 0 end of stream, -1 error, -2 deadline. */
long rc_net_read(rc_net *n, void *buf, size_t cap, int64_t deadline_ns);
void rc_net_close(rc_net *n);
#endif
