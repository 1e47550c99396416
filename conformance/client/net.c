/* rc_net: blocking TCP/TLS with deadlines. See net.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "net.h"
#include "wire/clock.h"

/* 1 ready, 0 deadline, -1 error. */
static int wait_fd(int fd, short ev, int64_t deadline_ns)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = ev};
        int r = poll(&p, 1, rw_left_ms(deadline_ns));
        if (r > 0)
            return 1;
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

static int tcp_connect(const char *host, int port, int64_t deadline_ns, char *err, size_t errlen)
{
    char ps[16];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    snprintf(ps, sizeof ps, "%d", port);
    int gr = getaddrinfo(host, ps, &hints, &ai);
    if (gr != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(gr));
        return -1;
    }
    int fd = -1;
    snprintf(err, errlen, "cannot connect to %s:%d", host, port);
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        int r = connect(fd, a->ai_addr, a->ai_addrlen);
        if (r != 0 && errno == EINPROGRESS) {
            int w = wait_fd(fd, POLLOUT, deadline_ns);
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                r = 0;
            else
                errno = w == 0 ? ETIMEDOUT : soerr;
        }
        if (r == 0)
            break;
        snprintf(err, errlen, "cannot connect to %s:%d: %s", host, port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

/* Pins the peer check to ca_file and host. 0 or -1. */
static int tls_verify_setup(rc_net *n, const char *host, const char *ca_file)
{
    if (SSL_CTX_load_verify_locations(n->sslctx, ca_file, NULL) != 1)
        return -1;
    SSL_set_verify(n->ssl, SSL_VERIFY_PEER, NULL);
    X509_VERIFY_PARAM *vp = SSL_get0_param(n->ssl);
    /* An address literal is matched against the certificate's IP SANs, a name against DNS. */
    if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1)
        return 0;
    return SSL_set1_host(n->ssl, host) == 1 ? 0 : -1;
}

int rc_net_connect(rc_net *n, const char *host, int port, int tls, const char *ca_file,
                   int64_t deadline_ns, char *err, size_t errlen)
{
    memset(n, 0, sizeof *n);
    n->fd = tcp_connect(host, port, deadline_ns, err, errlen);
    if (n->fd < 0)
        return -1;
    if (!tls)
        return 0;
    n->sslctx = SSL_CTX_new(TLS_client_method());
    if (!n->sslctx)
        goto tls_fail;
    SSL_CTX_set_verify(n->sslctx, SSL_VERIFY_NONE, NULL);
    n->ssl = SSL_new(n->sslctx);
    if (!n->ssl)
        goto tls_fail;
    if (ca_file && tls_verify_setup(n, host, ca_file) != 0)
        goto tls_fail;
    SSL_set_fd(n->ssl, n->fd);
    SSL_set_tlsext_host_name(n->ssl, host);
    for (;;) {
        int r = SSL_connect(n->ssl);
        if (r == 1)
            return 0;
        int e = SSL_get_error(n->ssl, r);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev || wait_fd(n->fd, ev, deadline_ns) != 1)
            break;
    }
tls_fail:;
    unsigned long e = ERR_get_error();
    long vr = n->ssl ? SSL_get_verify_result(n->ssl) : X509_V_OK;
    snprintf(err, errlen, "TLS handshake with %s:%d failed: %s%s%s", host, port,
             e ? ERR_error_string(e, NULL) : "timeout or connection closed",
             vr != X509_V_OK ? ": " : "", vr != X509_V_OK ? X509_verify_cert_error_string(vr) : "");
    rc_net_close(n);
    return -1;
}

int rc_net_write(rc_net *n, const void *buf, size_t len, int64_t deadline_ns)
{
    const char *p = buf;
    while (len > 0) {
        if (n->fd < 0)
            return -1;
        long w;
        short ev = POLLOUT;
        if (n->ssl) {
            int r = SSL_write(n->ssl, p, (int)(len > 1 << 30 ? 1 << 30 : len));
            if (r > 0) {
                w = r;
            } else {
                int e = SSL_get_error(n->ssl, r);
                if (e == SSL_ERROR_WANT_READ)
                    ev = POLLIN;
                else if (e != SSL_ERROR_WANT_WRITE)
                    return -1;
                w = -1;
            }
        } else {
            w = send(n->fd, p, len, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return -1;
        }
        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (wait_fd(n->fd, ev, deadline_ns) != 1)
            return -1;
    }
    return 0;
}

long rc_net_read(rc_net *n, void *buf, size_t cap, int64_t deadline_ns)
{
    if (n->fd < 0)
        return -1;
    for (;;) {
        short ev = POLLIN;
        if (n->ssl) {
            int r = SSL_read(n->ssl, buf, (int)(cap > 1 << 30 ? 1 << 30 : cap));
            if (r > 0)
                return r;
            int e = SSL_get_error(n->ssl, r);
            if (e == SSL_ERROR_ZERO_RETURN)
                return 0;
            if (e == SSL_ERROR_WANT_WRITE)
                ev = POLLOUT;
            else if (e != SSL_ERROR_WANT_READ)
                return e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? 0 : -1;
        } else {
            long r = recv(n->fd, buf, cap, 0);
            if (r >= 0)
                return r;
            if (errno == ECONNRESET)
                return 0;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return -1;
        }
        int w = wait_fd(n->fd, ev, deadline_ns);
        if (w == 0)
            return -2;
        if (w < 0)
            return -1;
    }
}

void rc_net_close(rc_net *n)
{
    if (n->ssl) {
        SSL_free(n->ssl);
        n->ssl = NULL;
    }
    if (n->sslctx) {
        SSL_CTX_free(n->sslctx);
        n->sslctx = NULL;
    }
    if (n->fd >= 0)
        close(n->fd);
    n->fd = -1;
}
