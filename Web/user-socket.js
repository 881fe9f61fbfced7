// The user socket (docs/signaling.md, "User sockets"): a WebSocket to
// meet-ws's `/v1/ws/user` that a signed-in page holds outside any meeting, so
// the notification bell hears of new notifications at once instead of at its
// next poll.
//
// - 'open' is reported on the server's `user-ready` (the user's channel is
//   subscribed): the bell then reloads the list once, so nothing stored
//   before the subscription is missed.
// - The URL comes from `GET /v1/notifications/socket`; the access token goes
//   in `?token=` (browsers cannot set headers on a WebSocket), refreshed first
//   when it is about to expire. The server closes the socket with 4401 when
//   the token expires: the client refreshes it and reconnects at once.
// - Heartbeat: a `ping` every HEARTBEAT_MS; no `pong` (or any frame) within
//   PONG_TIMEOUT_MS and the socket counts as dead, is closed and reopened.
// - Reconnects with exponential backoff and jitter (1 s doubling to 60 s),
//   reset once a socket opens. The bell polls meanwhile: the push is a
//   courtesy on top of the list.

export const HEARTBEAT_MS = 25000;
export const PONG_TIMEOUT_MS = 10000;
export const RECONNECT_MIN_MS = 1000;
export const RECONNECT_MAX_MS = 60000;
/** meet-ws's close code for an expired access token. */
export const CLOSE_TOKEN_EXPIRED = 4401;

/** The wait before reconnect attempt `attempt` (0-based): half fixed, half random, so tabs do not reconnect in step. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The socket's URL: the user socket's, with the access token as `?token=`. */
export function socketUrl(wsUrl, token, base = globalThis.location ? globalThis.location.href : undefined) {
  const url = new URL(wsUrl, base);
  url.searchParams.set('token', token);
  return url.toString();
}

export class UserSocket {
  /**
   * @param api             the REST client (`notificationSocket()`, `freshAccessToken()`, `refresh()`)
   * @param onNotification  called with each pushed notification
   * @param onState         called with 'open' or 'closed'
   * @param WebSocketImpl   tests: a WebSocket stand-in
   * @param timers          tests: `{setTimeout, clearTimeout, setInterval, clearInterval}`
   * @param random          tests: the jitter's source
   */
  constructor({ api, onNotification = () => {}, onState = () => {}, WebSocketImpl = globalThis.WebSocket,
    timers = globalThis, random = Math.random }) {
    this.api = api;
    this.onNotification = onNotification;
    this.onState = onState;
    this.WebSocketImpl = WebSocketImpl;
    this.timers = timers;
    this.random = random;
    this.running = false;
    this.connecting = false;
    this.socket = null;
    this.open = false;
    this.attempt = 0;
    this.retry = null;
    this.heartbeat = null;
    this.pongDeadline = null;
    this.pings = 0;
  }

  /** Opens the socket (and keeps it open) until `stop()`. */
  start() {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.running = false;
    this.timers.clearTimeout(this.retry);
    this.retry = null;
    this.drop();
  }

  async connect() {
    this.retry = null;
    if (!this.running || this.socket || this.connecting) return;
    this.connecting = true;
    let url;
    try {
      const { wsUrl } = await this.api.notificationSocket();
      const token = await this.api.freshAccessToken();
      if (!token) { this.stop(); return; }
      url = socketUrl(wsUrl, token);
    } catch {
      this.reconnectLater();
      return;
    } finally {
      this.connecting = false;
    }
    if (!this.running || this.socket) return;
    const socket = new this.WebSocketImpl(url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.startHeartbeat();
    };
    socket.onmessage = (event) => { if (this.socket === socket) this.receive(event.data); };
    socket.onclose = (event) => { if (this.socket === socket) this.closed(event.code); };
    socket.onerror = () => {};  // a close follows
  }

  receive(text) {
    let message;
    try { message = JSON.parse(text); } catch { return; }
    // Any frame shows the socket is alive.
    this.timers.clearTimeout(this.pongDeadline);
    this.pongDeadline = null;
    if (!message) return;
    if (message.type === 'user-ready' && !this.open) {
      // Pushes flow from now on: the bell reloads the list once, for what came before.
      // The backoff starts over only now: a server that upgrades and then closes
      // at once (full, or a frame too large) is not retried every second.
      this.attempt = 0;
      this.open = true;
      this.onState('open');
    } else if (message.type === 'notification' && message.data) {
      this.onNotification(message.data);
    }
  }

  closed(code) {
    const wasOpen = this.open;
    this.drop();
    if (wasOpen) this.onState('closed');
    if (!this.running) return;
    if (code === CLOSE_TOKEN_EXPIRED) {
      // The token it was opened with expired: a fresh one, and back at once.
      this.api.refresh().then(() => this.connect(), () => this.reconnectLater());
      return;
    }
    this.reconnectLater();
  }

  reconnectLater() {
    if (!this.running || this.retry) return;
    const delay = backoffDelay(this.attempt, this.random);
    this.attempt += 1;
    this.retry = this.timers.setTimeout(() => this.connect(), delay);
  }

  startHeartbeat() {
    this.heartbeat = this.timers.setInterval(() => {
      if (!this.socket) return;
      this.pings += 1;
      try { this.socket.send(JSON.stringify({ type: 'ping', id: `hb-${this.pings}` })); } catch { /* closing */ }
      if (!this.pongDeadline) {
        const socket = this.socket;
        this.pongDeadline = this.timers.setTimeout(() => {
          // No answer: the path is dead though the socket looks open.
          if (this.socket === socket) this.closed(1006);
        }, PONG_TIMEOUT_MS);
      }
    }, HEARTBEAT_MS);
  }

  /** Forgets the current socket (closing it) and its timers. */
  drop() {
    this.timers.clearInterval(this.heartbeat);
    this.timers.clearTimeout(this.pongDeadline);
    this.heartbeat = null;
    this.pongDeadline = null;
    const socket = this.socket;
    this.socket = null;
    this.open = false;
    if (socket) {
      socket.onopen = null; socket.onmessage = null; socket.onclose = null;
      try { socket.close(); } catch { /* already closed */ }
    }
  }
}
