/* rw_wsmsg: see wsmsg.h. */
#include "wsmsg.h"

#include <stdlib.h>
#include <string.h>

void rw_wsmsg_init(rw_wsmsg *m, size_t max)
{
    memset(m, 0, sizeof *m);
    m->max = max;
}

void rw_wsmsg_free(rw_wsmsg *m)
{
    free(m->buf);
    m->buf = NULL;
    m->len = m->cap = 0;
    m->opcode = 0;
}

int rw_wsmsg_close_code(const char *p, size_t len)
{
    return len >= 2 ? (((unsigned char)p[0] << 8) | (unsigned char)p[1]) : 1005;
}

const char *rw_wsmsg_strerror(int why)
{
    switch (why) {
    case RW_WSMSG_E_CONT_NO_START:
        return "continuation frame with no message started";
    case RW_WSMSG_E_NEW_IN_FRAG:
        return "new message started inside a fragmented one";
    case RW_WSMSG_E_OPCODE:
        return "frame with a reserved opcode";
    case RW_WSMSG_E_TOO_LARGE:
        return "fragmented message too large";
    case RW_WSMSG_E_NOMEM:
        return "out of memory";
    default:
        return "no error";
    }
}

static int out(rw_wsmsg_event *ev, int kind, int op, const char *p, size_t len)
{
    ev->kind = kind;
    ev->opcode = op;
    ev->data = p;
    ev->len = len;
    return kind;
}

static int error(rw_wsmsg_event *ev, int why)
{
    ev->why = why;
    return out(ev, RW_WSMSG_ERROR, 0, NULL, 0);
}

static int append(rw_wsmsg *m, const char *p, size_t len)
{
    if (m->len + len > m->max)
        return RW_WSMSG_E_TOO_LARGE;
    if (m->len + len + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->len + len + 1)
            cap *= 2;
        char *n = realloc(m->buf, cap);
        if (!n)
            return RW_WSMSG_E_NOMEM;
        m->buf = n;
        m->cap = cap;
    }
    if (len)
        memcpy(m->buf + m->len, p, len);
    m->len += len;
    m->buf[m->len] = '\0';
    return 0;
}

int rw_wsmsg_frame(rw_wsmsg *m, const rw_wsframe *f, const char *p, size_t len, rw_wsmsg_event *ev)
{
    memset(ev, 0, sizeof *ev);
    switch (f->opcode) {
    case RW_WS_PING:
    case RW_WS_PONG:
        return out(ev, RW_WSMSG_CONTROL, f->opcode, p, len);
    case RW_WS_CLOSE:
        ev->close_code = rw_wsmsg_close_code(p, len);
        return out(ev, RW_WSMSG_CONTROL, f->opcode, p, len);
    case RW_WS_CONT:
        if (!m->opcode)
            return error(ev, RW_WSMSG_E_CONT_NO_START);
        break;
    case RW_WS_TEXT:
    case RW_WS_BINARY:
        if (m->opcode)
            return error(ev, RW_WSMSG_E_NEW_IN_FRAG);
        if (f->fin)
            return out(ev, RW_WSMSG_MESSAGE, f->opcode, p, len);
        m->opcode = f->opcode;
        m->len = 0;
        break;
    default:
        return error(ev, RW_WSMSG_E_OPCODE);
    }
    int e = append(m, p, len);
    if (e)
        return error(ev, e);
    if (!f->fin)
        return out(ev, RW_WSMSG_NONE, 0, NULL, 0);
    int op = m->opcode;
    m->opcode = 0;
    return out(ev, RW_WSMSG_MESSAGE, op, m->buf, m->len);
}
