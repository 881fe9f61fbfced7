// The user socket (Web/user-socket.js, docs/signaling.md "User sockets"):
// connects with a fresh access token, hands `notification` frames over,
// heartbeats with `ping`, and reconnects with backoff (at once, with a
// refreshed token, after 4401). Driven by a fake WebSocket and fake timers.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  backoffDelay, CLOSE_TOKEN_EXPIRED, HEARTBEAT_MS, PONG_TIMEOUT_MS, RECONNECT_MAX_MS, RECONNECT_MIN_MS, socketUrl, UserSocket,
} from '../../Web/user-socket.js';

/** Timers run by hand: `advance(ms)` fires what is due, in order. */
class FakeTimers {
  constructor() { this.now = 0; this.next = 1; this.pending = new Map(); }
  setTimeout(fn, ms) { const id = this.next++; this.pending.set(id, { at: this.now + ms, fn }); return id; }
  clearTimeout(id) { this.pending.delete(id); }
  setInterval(fn, ms) { const id = this.next++; this.pending.set(id, { at: this.now + ms, fn, every: ms }); return id; }
  clearInterval(id) { this.pending.delete(id); }
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.now = timer.at;
      if (timer.every) timer.at += timer.every; else this.pending.delete(id);
      timer.fn();
    }
    this.now = end;
  }
  /** Delays of the pending one-shot timers. */
  delays() { return [...this.pending.values()].filter((t) => !t.every).map((t) => t.at - this.now); }
}

function fakeWebSocketClass() {
  const sockets = [];
  class FakeWebSocket {
    constructor(url) { this.url = url; this.sent = []; this.closedByClient = false; sockets.push(this); }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { this.closedByClient = true; }
    // The server's side:
    opened() { this.onopen && this.onopen(); this.frame({ type: 'user-ready', data: {} }); }
    frame(message) { this.onmessage && this.onmessage({ data: JSON.stringify(message) }); }
    closedBy(code) { this.onclose && this.onclose({ code }); }
  }
  return { FakeWebSocket, sockets };
}

function fakeApi() {
  const api = { token: 'tok-1', refreshes: 0, fail: false };
  api.notificationSocket = async () => {
    if (api.fail) throw new Error('network');
    return { wsUrl: 'ws://meet.test/v1/ws/user' };
  };
  api.freshAccessToken = async () => api.token;
  api.refresh = async () => { api.refreshes += 1; api.token = `tok-${api.refreshes + 1}`; };
  return api;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setUp() {
  const timers = new FakeTimers();
  const { FakeWebSocket, sockets } = fakeWebSocketClass();
  const api = fakeApi();
  const pushed = [];
  const states = [];
  const socket = new UserSocket({
    api, WebSocketImpl: FakeWebSocket, timers, random: () => 0.5,
    onNotification: (n) => pushed.push(n), onState: (s) => states.push(s),
  });
  return { timers, sockets, api, pushed, states, socket };
}

test('the backoff doubles from 1 s to a 60 s ceiling, with jitter in its upper half', () => {
  assert.equal(backoffDelay(0, () => 0), RECONNECT_MIN_MS / 2);
  assert.equal(backoffDelay(0, () => 1), RECONNECT_MIN_MS);
  assert.equal(backoffDelay(3, () => 1), 8000);
  assert.equal(backoffDelay(10, () => 1), RECONNECT_MAX_MS);
  assert.equal(backoffDelay(1000, () => 0), RECONNECT_MAX_MS / 2);
});

test('the URL carries the access token as ?token=', () => {
  assert.equal(socketUrl('ws://h:1/v1/ws/user', 'a.b-c'), 'ws://h:1/v1/ws/user?token=a.b-c');
  // A relative URL resolves against the page (browsers take http(s) for ws(s)).
  assert.equal(socketUrl('/v1/ws/user', 'x+y', 'https://meet.test/'), 'https://meet.test/v1/ws/user?token=x%2By');
});

test('pushed notifications reach the bell; the state follows the socket', async () => {
  const { sockets, pushed, states, socket } = setUp();
  socket.start();
  await flush();
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0].url, 'ws://meet.test/v1/ws/user?token=tok-1');
  sockets[0].opened();
  assert.deepEqual(states, ['open']);
  sockets[0].frame({ type: 'notification', data: { id: 'n1', title: 'Invitation: Sync' } });
  sockets[0].frame({ type: 'pong', id: 'hb-1', data: {} });
  sockets[0].frame({ type: 'error', data: { code: 'not_supported', message: '…' } });
  assert.deepEqual(pushed, [{ id: 'n1', title: 'Invitation: Sync' }]);
  socket.stop();
  assert.equal(sockets[0].closedByClient, true);
});

test('a heartbeat ping every 25 s; no answer within 10 s and the socket is replaced', async () => {
  const { timers, sockets, states, socket } = setUp();
  socket.start();
  await flush();
  sockets[0].opened();
  timers.advance(HEARTBEAT_MS);
  assert.deepEqual(sockets[0].sent, [{ type: 'ping', id: 'hb-1' }]);
  sockets[0].frame({ type: 'pong', id: 'hb-1', data: {} });
  timers.advance(PONG_TIMEOUT_MS);
  assert.equal(sockets[0].closedByClient, false, 'answered: still open');
  timers.advance(HEARTBEAT_MS - PONG_TIMEOUT_MS);
  assert.equal(sockets[0].sent.length, 2);
  timers.advance(PONG_TIMEOUT_MS);
  assert.equal(sockets[0].closedByClient, true, 'no pong: closed');
  assert.deepEqual(states, ['open', 'closed']);
  // Reconnects after the first backoff step (jitter 0.5 of 1 s: 750 ms).
  assert.deepEqual(timers.delays(), [750]);
  timers.advance(750);
  await flush();
  assert.equal(sockets.length, 2);
});

test('closed or refused: reconnects with a growing backoff, reset once a socket opens', async () => {
  const { timers, sockets, socket } = setUp();
  socket.start();
  await flush();
  const waits = [];
  for (let n = 0; n < 4; n += 1) {
    sockets.at(-1).closedBy(1006);  // refused at the upgrade (429, 401) or dropped
    waits.push(timers.delays()[0]);
    timers.advance(waits.at(-1));
    await flush();
  }
  assert.deepEqual(waits, [750, 1500, 3000, 6000]);
  sockets.at(-1).opened();
  sockets.at(-1).closedBy(1001);
  assert.deepEqual(timers.delays(), [750]);
});

test('4401 (the token expired): a refreshed token, and back at once', async () => {
  const { timers, sockets, api, socket } = setUp();
  socket.start();
  await flush();
  sockets[0].opened();
  sockets[0].closedBy(CLOSE_TOKEN_EXPIRED);
  await flush();
  await flush();
  assert.equal(api.refreshes, 1);
  assert.equal(sockets.length, 2);
  assert.equal(sockets[1].url, 'ws://meet.test/v1/ws/user?token=tok-2');
  assert.deepEqual(timers.delays(), []);
});

test('the REST call failing: retried with backoff, nothing opened meanwhile', async () => {
  const { timers, sockets, api, socket } = setUp();
  api.fail = true;
  socket.start();
  await flush();
  assert.equal(sockets.length, 0);
  assert.deepEqual(timers.delays(), [750]);
  api.fail = false;
  timers.advance(750);
  await flush();
  assert.equal(sockets.length, 1);
  // Stopped: no reconnect after a close.
  socket.stop();
  sockets[0].closedBy(1006);
  assert.deepEqual(timers.delays(), []);
});

test("'open' only once the server says the user's channel is subscribed (user-ready)", async () => {
  const { sockets, pushed, states, socket } = setUp();
  socket.start();
  await flush();
  sockets[0].onopen();
  assert.deepEqual(states, []);
  sockets[0].frame({ type: 'user-ready', data: {} });
  sockets[0].frame({ type: 'user-ready', data: {} });
  assert.deepEqual(states, ['open']);
  assert.deepEqual(pushed, []);
  socket.stop();
});
