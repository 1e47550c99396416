// ReHome browser reference client: a small Pusher protocol 7 client over the browser's own
// WebSocket, and a thread view that renders token streams the way ReHome v1's
// <x-realtime-ai-response /> did. No framework, no build step; served by rehome-server at /demo.
//
// Rendering rules: tokens are keyed by (stream_id, seq); a token with a seq already rendered
// or already waiting is dropped; tokens are appended only in seq order (a later seq waits for
// the missing ones) and in one batch per animation frame. On every (re)subscription, and when
// a gap lasts, the missed tokens are fetched from /broadcasting/replay and merged by seq.
'use strict';

(function () {
  const PROTOCOL = 7;
  const GAP_WAIT_MS = 400; // a hole in the seqs this old is fetched rather than awaited
  const PONG_WAIT_MS = 30000; // Pusher clients wait 30 s for a pong before reconnecting

  const params = new URLSearchParams(location.search);
  const cfg = {
    key: params.get('key') || 'app-key',
    token: params.get('token') || '',
    workspace: params.get('workspace') || '',
    thread: params.get('thread') || '',
    stream: params.get('stream') || '', // a stream to load from its start (a late reader)
    authPath: '/broadcasting/auth',
    replayPath: '/broadcasting/replay',
  };

  const stats = { connects: 0, subscribes: 0, replays: 0, replayTokens: 0, duplicates: 0, gaps: 0 };

  // --- a small Pusher client ------------------------------------------------------------------

  class PusherLite {
    constructor(key, handlers) {
      this.key = key;
      this.h = handlers;
      this.ws = null;
      this.socketId = null;
      this.channels = new Set();
      this.retry = 0;
      this.stopped = false;
      this.timer = null;
      this.activity = 120;
    }

    url() {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      return `${scheme}://${location.host}/app/${encodeURIComponent(this.key)}` +
        `?protocol=${PROTOCOL}&client=rehome-demo&version=0.1.0`;
    }

    connect() {
      this.stopped = false;
      this.h.state(this.retry ? 'reconnecting' : 'connecting');
      const ws = new WebSocket(this.url());
      this.ws = ws;
      ws.onmessage = (m) => this.onFrame(ws, m.data);
      ws.onclose = (e) => this.onClose(ws, e);
    }

    disconnect() {
      this.stopped = true;
      clearTimeout(this.timer);
      if (this.ws) this.ws.close(1000);
    }

    send(event, data, channel) {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
      const msg = { event, data };
      if (channel) msg.channel = channel;
      this.ws.send(JSON.stringify(msg));
      return true;
    }

    // Sends pusher:ping after activity_timeout of silence; no answer within 30 s means the
    // connection is dead (a proxy may keep a half-open TCP connection for minutes).
    idle(ws) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        if (ws !== this.ws) return;
        this.send('pusher:ping', {});
        this.timer = setTimeout(() => ws === this.ws && ws.close(4201, 'pong timeout'), PONG_WAIT_MS);
      }, this.activity * 1000);
    }

    onFrame(ws, text) {
      if (ws !== this.ws) return;
      this.idle(ws);
      let msg;
      try {
        msg = JSON.parse(text);
      } catch {
        this.h.log(`unparsable frame dropped: ${String(text).slice(0, 80)}`);
        return;
      }
      let data = msg.data;
      if (typeof data === 'string') {
        try {
          data = JSON.parse(data);
        } catch {
          /* a plain string stays a string */
        }
      }
      switch (msg.event) {
        case 'pusher:connection_established':
          this.socketId = data.socket_id;
          this.activity = Math.max(5, Math.min(Number(data.activity_timeout) || 120, 120));
          this.retry = 0;
          stats.connects++;
          this.h.state('connected');
          for (const ch of this.channels) this.authorize(ch);
          return;
        case 'pusher:ping':
          this.send('pusher:pong', {});
          return;
        case 'pusher:pong':
          return;
        case 'pusher:error':
          this.h.log(`server error ${data && data.code}: ${data && data.message}`);
          return;
        case 'pusher_internal:subscription_succeeded':
          stats.subscribes++;
          this.h.subscribed(msg.channel);
          return;
        case 'pusher:subscription_error':
          this.h.refused(msg.channel, data);
          return;
        default:
          if (msg.channel) this.h.event(msg.channel, msg.event, data);
      }
    }

    // Close codes 4000-4099: do not reconnect (the app or the request is wrong); 4100-4199:
    // reconnect after a pause; anything else: reconnect with a growing backoff.
    onClose(ws, e) {
      if (ws !== this.ws) return;
      clearTimeout(this.timer);
      this.ws = null;
      this.socketId = null;
      if (this.stopped) {
        this.h.state('disconnected');
        return;
      }
      if (e.code >= 4000 && e.code < 4100) {
        this.h.state('failed');
        this.h.log(`connection refused for good (${e.code} ${e.reason})`);
        return;
      }
      const delay = e.code >= 4200 && e.code < 4300 ? 0 : Math.min(10000, 1000 * 2 ** this.retry);
      this.retry++;
      this.h.state('reconnecting');
      this.h.log(`connection closed (${e.code}); reconnecting in ${delay} ms`);
      this.timer = setTimeout(() => this.connect(), delay);
    }

    subscribe(channel) {
      this.channels.add(channel);
      if (this.socketId) this.authorize(channel);
    }

    async authorize(channel) {
      const socketId = this.socketId;
      const body = new URLSearchParams({ socket_id: socketId, channel_name: channel });
      let res;
      try {
        res = await fetch(cfg.authPath, {
          method: 'POST',
          headers: { Authorization: `Bearer ${cfg.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
          body,
        });
      } catch (err) {
        this.h.refused(channel, { status: 0, error: String(err) });
        return;
      }
      const answer = await res.json().catch(() => ({}));
      if (!res.ok) {
        this.h.refused(channel, { status: res.status, error: answer.error || res.statusText });
        return;
      }
      if (socketId !== this.socketId) return; // reconnected meanwhile: a new authorization follows
      this.send('pusher:subscribe', { channel, auth: answer.auth }, null);
    }
  }

  // --- the thread view ----------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);
  const streams = new Map(); // stream_id -> view state
  let channel = null;
  let stickToBottom = true;
  let frameQueued = false;

  function setState(s) {
    const el = $('state');
    el.textContent = s;
    el.dataset.state = s;
  }

  function log(line) {
    const el = $('log');
    const li = document.createElement('li');
    li.textContent = `${new Date().toISOString().slice(11, 23)} ${line}`;
    el.prepend(li);
    while (el.childNodes.length > 50) el.lastChild.remove();
  }

  function streamView(id, run) {
    let s = streams.get(id);
    if (s) return s;
    const box = document.createElement('article');
    box.className = 'stream';
    box.dataset.streamId = id;
    const head = document.createElement('header');
    head.textContent = `stream ${id}${run ? ` · run ${run}` : ''}`;
    const text = document.createElement('div');
    text.className = 'text';
    const node = document.createTextNode('');
    text.append(node);
    const foot = document.createElement('footer');
    box.append(head, text, foot);
    $('out').append(box);
    s = { id, node, foot, box, rendered: 0, pending: new Map(), ended: null, gapSince: 0, fetching: false, stuck: false };
    streams.set(id, s);
    return s;
  }

  // Keeps (seq, token) unless it is already rendered or waiting; 1 when kept.
  function accept(s, seq, token) {
    if (!Number.isSafeInteger(seq) || seq < 1 || typeof token !== 'string') return 0;
    if (seq <= s.rendered || s.pending.has(seq)) {
      stats.duplicates++;
      return 0;
    }
    s.pending.set(seq, token);
    scheduleFlush();
    return 1;
  }

  function scheduleFlush() {
    if (frameQueued) return;
    frameQueued = true;
    requestAnimationFrame(flush);
  }

  // One DOM append per stream per frame, only of the tokens that continue the text in order.
  function flush() {
    frameQueued = false;
    const out = $('out');
    const atBottom = out.scrollHeight - out.scrollTop - out.clientHeight < 8;
    for (const s of streams.values()) {
      let chunk = '';
      while (s.pending.has(s.rendered + 1)) {
        chunk += s.pending.get(s.rendered + 1);
        s.pending.delete(++s.rendered);
      }
      if (chunk) s.node.appendData(chunk);
      if (s.pending.size > 0) {
        if (!s.gapSince) s.gapSince = performance.now();
        else if (performance.now() - s.gapSince > GAP_WAIT_MS) {
          stats.gaps++;
          fetchMissed(s);
        }
        scheduleFlush();
      } else {
        s.gapSince = 0;
      }
      if (s.ended && s.rendered < s.ended.last_seq && s.pending.size === 0) fetchMissed(s);
      updateFooter(s);
    }
    if (stickToBottom || atBottom) out.scrollTop = out.scrollHeight;
  }

  function updateFooter(s) {
    const state = s.ended ? `ended (${s.ended.reason})` : 'streaming';
    s.foot.textContent = `${s.rendered} tokens · ${state}`;
    s.box.dataset.state = s.ended && s.rendered >= s.ended.last_seq ? 'ended' : 'open';
  }

  // Fetches the tokens after the last one rendered, page by page, and merges them by seq.
  async function fetchMissed(s) {
    if (s.fetching || s.stuck || !channel) return;
    s.fetching = true;
    try {
      for (let guard = 0; guard < 1000; guard++) {
        const after = s.rendered + countContiguousPending(s);
        const q = new URLSearchParams({ channel, stream_id: s.id, after_seq: String(after) });
        const res = await fetch(`${cfg.replayPath}?${q}`, { headers: { Authorization: `Bearer ${cfg.token}` } });
        const body = await res.json().catch(() => ({}));
        stats.replays++;
        if (res.status === 410) {
          // The server no longer keeps these tokens: show the hole rather than hide it. A
          // 410 without a usable oldest_seq (the stream's state itself was lost) cannot be
          // stepped over: stop instead of asking again.
          log(`stream ${s.id}: tokens after ${after} are gone (oldest kept ${body.oldest_seq})`);
          s.node.appendData(' […] ');
          if (!(Number.isSafeInteger(body.oldest_seq) && body.oldest_seq - 1 > after)) {
            s.stuck = true;
            break;
          }
          s.rendered = body.oldest_seq - 1;
          for (const k of s.pending.keys()) if (k <= s.rendered) s.pending.delete(k);
          continue;
        }
        if (!res.ok) {
          // Not retried by itself (it would loop); the next subscription tries again.
          s.stuck = true;
          log(`replay of ${s.id} refused: ${res.status} ${body.error || ''}`);
          break;
        }
        for (const t of body.tokens || []) if (accept(s, t.seq, t.token)) stats.replayTokens++;
        if (body.state === 'ended' && !s.ended) s.ended = { last_seq: body.last_seq, reason: 'ended' };
        if (!body.more) break;
      }
    } catch (err) {
      log(`replay of ${s.id} failed: ${err}`);
    } finally {
      s.fetching = false;
      s.gapSince = 0;
      scheduleFlush();
    }
  }

  function countContiguousPending(s) {
    let n = 0;
    while (s.pending.has(s.rendered + n + 1)) n++;
    return n;
  }

  const client = new PusherLite(cfg.key, {
    state: setState,
    log,
    subscribed(ch) {
      setState('subscribed');
      log(`subscribed to ${ch}`);
      // Anything published while we were away: fetch it now that live events flow again.
      for (const s of streams.values()) {
        s.stuck = false;
        fetchMissed(s);
      }
    },
    refused(ch, err) {
      setState('refused');
      log(`subscription to ${ch} refused: ${err.status} ${err.error || err.message || ''}`);
    },
    event(ch, name, d) {
      if (ch !== channel || !d || typeof d !== 'object' || typeof d.stream_id !== 'string') return;
      if (name === 'thread.token.streamed') {
        accept(streamView(d.stream_id, d.run_id), d.seq, d.token);
      } else if (name === 'thread.stream.ended') {
        const s = streamView(d.stream_id, d.run_id);
        s.ended = { last_seq: d.last_seq, reason: d.reason };
        scheduleFlush();
      }
    },
  });

  function start() {
    channel = `private-workspace.${cfg.workspace}.thread.${cfg.thread}`;
    $('channel').textContent = channel;
    $('setup').hidden = true;
    if (cfg.stream) streamView(cfg.stream, '');
    client.subscribe(channel);
    client.connect();
  }

  function init() {
    const out = $('out');
    out.addEventListener('scroll', () => {
      stickToBottom = out.scrollHeight - out.scrollTop - out.clientHeight < 8;
    });
    const form = $('setup');
    for (const k of ['token', 'workspace', 'thread']) form.elements[k].value = cfg[k];
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      for (const k of ['token', 'workspace', 'thread']) cfg[k] = form.elements[k].value.trim();
      if (cfg.token && cfg.workspace && cfg.thread) start();
    });
    setState('idle');
    if (cfg.token && cfg.workspace && cfg.thread) start();
  }

  // For tests and for curious readers in the console.
  window.rehomeDemo = {
    client,
    stats,
    text: (id) => (streams.get(id) ? streams.get(id).node.data : null),
    stream: (id) => streams.get(id),
  };

  document.addEventListener('DOMContentLoaded', init);
})();
