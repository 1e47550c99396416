/* What each scenario publishes, when, and when it is done.
 *
 * latency      one stream, sequential: publish, wait for the answer and for every subscriber
 *              to receive the token, publish the next. Warm-up tokens are not timed.
 * streams      S streams x K subscribers, each stream publishing at a fixed rate on its own
 *              schedule (open loop, spread evenly); at most one request per stream in flight,
 *              so a slow server shows up as send lag (reported), not as silent omission.
 * fanout       one channel, M subscribers; the next publish goes out as soon as the previous
 *              one is answered, without waiting for the deliveries: deliveries per second.
 * connections  N idle subscribed connections (10 per channel); server RSS before and after.
 * cpu          S streams x K subscribers, T tokens each as fast as answers come back; server
 *              CPU seconds per delivered token. */
#include "bench.h"
#include "wire/clock.h"

void rb_scen_layout(const rb_opts *o, int *nstreams, int *per)
{
    switch (o->scenario) {
    case RB_LATENCY:
    case RB_FANOUT:
        *nstreams = 1;
        *per = o->subs;
        break;
    case RB_CONNECTIONS:
        *per = o->conns < 10 ? o->conns : 10;
        *nstreams = (o->conns + *per - 1) / *per;
        break;
    default:
        *nstreams = o->streams;
        *per = o->subs;
        break;
    }
}

int rb_scen_publishes(const rb_opts *o)
{
    return o->scenario != RB_CONNECTIONS;
}

static uint64_t total_tokens(const rb_opts *o)
{
    return (uint64_t)o->warmup + (uint64_t)o->samples;
}

int rb_scen_measured(const rb_run *r, const rb_stream *s, uint64_t now)
{
    const rb_opts *o = r->o;
    switch (o->scenario) {
    case RB_LATENCY:
    case RB_FANOUT:
        return s->published + 1 > (uint64_t)o->warmup;
    case RB_STREAMS:
        return now >= r->t_pub + (uint64_t)(o->warmup_s * 1e9);
    default:
        return 1;
    }
}

static int stream_idle(const rb_stream *s)
{
    return !s->in_flight && s->delivered >= s->published * (uint64_t)s->nsubs;
}

/* Streams: when token n (from 1) of stream s is due. */
static uint64_t due_at(const rb_run *r, const rb_stream *s, uint64_t n)
{
    return r->t_pub + s->phase_ns + (n - 1) * (1000000000ull / (uint64_t)r->o->rate);
}

static void streams_step(rb_run *r, int si, uint64_t now)
{
    rb_stream *s = &r->streams[si];
    if (s->in_flight || now >= r->t_pub + (uint64_t)(r->o->duration_s * 1e9))
        return;
    uint64_t due = due_at(r, s, s->published + 1);
    if (now < due)
        return;
    if (rb_scen_measured(r, s, now))
        rb_hist_add(&r->lag, now - due);
    rb_run_publish(r, si);
}

void rb_scen_start(rb_run *r)
{
    const rb_opts *o = r->o;
    switch (o->scenario) {
    case RB_LATENCY:
    case RB_FANOUT:
        rb_run_publish(r, 0);
        break;
    case RB_STREAMS: {
        uint64_t period = 1000000000ull / (uint64_t)o->rate;
        for (int i = 0; i < r->nstreams; i++)
            r->streams[i].phase_ns = period * (uint64_t)i / (uint64_t)r->nstreams;
        rb_scen_on_tick(r, (uint64_t)rw_now_ns());
        break;
    }
    case RB_CPU:
        for (int i = 0; i < r->nstreams; i++)
            rb_run_publish(r, i);
        break;
    case RB_CONNECTIONS:
        break; /* the tick ends the hold */
    }
}

static void latency_next(rb_run *r)
{
    rb_stream *s = &r->streams[0];
    if (!stream_idle(s))
        return;
    if (s->published >= total_tokens(r->o))
        rb_run_drain(r);
    else
        rb_run_publish(r, 0);
}

void rb_scen_on_ack(rb_run *r, int si)
{
    const rb_opts *o = r->o;
    rb_stream *s = &r->streams[si];
    switch (o->scenario) {
    case RB_LATENCY:
        latency_next(r);
        break;
    case RB_FANOUT:
        if (s->published >= total_tokens(o))
            rb_run_drain(r);
        else
            rb_run_publish(r, 0);
        break;
    case RB_STREAMS:
        streams_step(r, si, (uint64_t)rw_now_ns());
        break;
    case RB_CPU:
        if (s->published < (uint64_t)o->tokens) {
            rb_run_publish(r, si);
        } else {
            for (int i = 0; i < r->nstreams; i++)
                if (r->streams[i].published < (uint64_t)o->tokens || r->streams[i].in_flight)
                    return;
            rb_run_drain(r);
        }
        break;
    case RB_CONNECTIONS:
        break;
    }
}

void rb_scen_on_delivered(rb_run *r, int si)
{
    (void)si;
    if (r->o->scenario == RB_LATENCY)
        latency_next(r);
}

void rb_scen_on_tick(rb_run *r, uint64_t now)
{
    const rb_opts *o = r->o;
    if (o->scenario == RB_CONNECTIONS) {
        if (now >= r->t_pub + (uint64_t)(o->hold_s * 1e9))
            rb_run_drain(r);
        return;
    }
    if (o->scenario != RB_STREAMS)
        return;
    if (now >= r->t_pub + (uint64_t)(o->duration_s * 1e9)) {
        for (int i = 0; i < r->nstreams; i++)
            if (r->streams[i].in_flight)
                return;
        rb_run_drain(r);
        return;
    }
    for (int i = 0; i < r->nstreams; i++)
        streams_step(r, i, now);
}
