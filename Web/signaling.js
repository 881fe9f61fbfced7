// The signaling socket (docs/signaling.md), kept alive across network blips.
//
// `start()` opens the socket with a join ticket ({wsUrl, joinToken,
// joinTokenExpiresAt} from REST join) and sends `join`. When the socket
// drops for any reason that is not final, it reconnects with backoff and
// resumes the seat (nobody notices): with the newest resume token the server
// handed over (`credentials`, renewed while the seat lives), else with the
// join token while it is valid, else with a fresh ticket from `renewTicket()`
// (REST join again: a new seat). A dead connection that TCP has not noticed
// is found by an application `ping` every 10 s that must be answered within 8 s.
//
// Events (EventTarget, `detail` carries the data):
//   session   {type: 'joined'|'admitted'|'waiting', data}  after every (re)join
//   message   {type, data}                                 every server event
//   state     {state: 'connecting'|'open'|'reconnecting'|'closed', attempt}
//   terminal  {reason, data}                               final: kicked, denied, ended, replaced, refused, lost

/** A signaling `error` reply (or a local failure such as `disconnected`). */
export class SignalError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

// Close codes after which reconnecting is wrong (docs/signaling.md, Close codes).
const FINAL_CLOSES = { 1000: 'left', 4001: 'kicked', 4002: 'replaced', 4003: 'denied', 4004: 'ended', 4009: 'full', 4403: 'refused' };
// Server events that end the session; the close that follows is expected.
const FINAL_EVENTS = { kicked: 'kicked', denied: 'denied', 'meeting-ended': 'ended', 'session-replaced': 'replaced' };

export class Signaling extends EventTarget {
  /**
   * @param ticket        {wsUrl, joinToken, joinTokenExpiresAt}
   * @param renewTicket   async () => ticket: REST join again (the token expired or was refused)
   * @param wsUrlOverride tests only: () => a URL to connect to instead of the ticket's wsUrl, or null
   */
  constructor({ ticket, renewTicket, wsUrlOverride = () => null }) {
    super();
    this.ticket = ticket;
    /** The newest `credentials` ({resumeToken, expiresAt}) for the ticket's seat, or null. */
    this.credentials = null;
    this.renewTicket = renewTicket;
    this.wsUrlOverride = wsUrlOverride;
    this.socket = null;
    this.pending = new Map();
    this.counter = 0;
    this.attempt = 0;
    this.stopped = false;
    this.finished = false;
    this.openedOnce = false;
    this.reconnectTimer = null;
    this.pingTimer = null;
    this.state = 'idle';
    this.onOnline = () => { if (this.state === 'reconnecting') this.reconnectNow(); };
    window.addEventListener('online', this.onOnline);
  }

  get connected() { return this.state === 'open'; }

  /** Opens the socket and joins; resolves with the first join reply. */
  start() {
    return new Promise((resolve, reject) => {
      const onSession = (event) => { cleanup(); resolve(event.detail); };
      const onTerminal = (event) => { cleanup(); reject(new SignalError(event.detail.reason, event.detail.reason)); };
      const cleanup = () => {
        this.removeEventListener('session', onSession);
        this.removeEventListener('terminal', onTerminal);
      };
      this.addEventListener('session', onSession);
      this.addEventListener('terminal', onTerminal);
      this.connect();
    });
  }

  /** Sends a request and resolves with the reply ({type, data}); rejects with SignalError. */
  request(type, data, timeoutMs = 20000) {
    if (!this.connected) return Promise.reject(new SignalError('disconnected', 'not connected'));
    const id = `c-${++this.counter}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalError('timeout', `${type} timed out`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.sendFrame({ type, id, data });
    });
  }

  /** Gives the seat up (`leave`) and closes for good. */
  async leave() {
    this.leaving = true;
    if (this.connected) {
      try { await this.request('leave', undefined, 3000); } catch { /* closing anyway */ }
    }
    this.finish('left');
  }

  /** Stops without telling the server (used after a terminal event). */
  close() { this.finish(null); }

  // MARK: Connection

  connect() {
    if (this.stopped) return;
    this.setState(this.openedOnce ? 'reconnecting' : 'connecting');
    const url = new URL(this.wsUrlOverride() || this.ticket.wsUrl, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
    url.searchParams.set('token', this.seatToken());
    let socket;
    try {
      socket = new WebSocket(url.toString());
    } catch (error) {
      this.scheduleReconnect(false);
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.openedOnce = true;
      this.attempt = 0;
      this.setState('open');
      this.startPings();
      this.request('join', undefined, 15000).then((reply) => {
        this.dispatch('session', reply);
      }, (error) => {
        if (error.code === 'meeting_ended') this.finish('ended');
        else if (error.code !== 'disconnected') socket.close(4000, 'join failed');
      });
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopPings();
      this.failPending();
      if (this.stopped) return;
      // 1000 is final only after our own `leave`: a close we started (a dead
      // connection, a test's blip) may come back with 1000 too.
      const final = event.code === 1000 && !this.leaving ? null : FINAL_CLOSES[event.code];
      if (final) { this.finish(final); return; }
      // A socket that never opened: the token may be expired or refused (browsers
      // hide the HTTP status of a failed upgrade). Twice in a row with one ticket
      // (not once: meet-ws may just be restarting) means renew it over REST.
      this.failedOpens = opened ? 0 : (this.failedOpens || 0) + 1;
      this.scheduleReconnect(this.failedOpens >= 2 || event.code === 4401);
    };
  }

  scheduleReconnect(renew) {
    if (this.stopped) return;
    this.attempt += 1;
    this.needsRenewal = this.needsRenewal || renew;
    this.setState('reconnecting');
    if (this.attempt > 12) { this.finish('lost'); return; }
    const base = Math.min(8000, 300 * 2 ** (this.attempt - 1));
    const delay = this.attempt === 1 ? 100 : base * (0.75 + Math.random() * 0.5);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.reconnect(), delay);
  }

  reconnectNow() {
    clearTimeout(this.reconnectTimer);
    this.reconnect();
  }

  /** The token to resume the seat with: the newest resume token while it lives, else the join token. */
  seatToken() {
    return this.resumeTokenLives() ? this.credentials.resumeToken : this.ticket.joinToken;
  }

  /**
   * Whether the newest resume token is still valid by our clock. The server
   * renews it every third of its lifetime, so a live one has time left; a
   * clock that is off only costs two failed opens, then a REST join.
   */
  resumeTokenLives() {
    return !!this.credentials && (Date.parse(this.credentials.expiresAt || '') || 0) > Date.now();
  }

  /** Whether the seat can still be resumed with a token we hold. */
  holdsValidToken() {
    const join = Date.parse(this.ticket.joinTokenExpiresAt || '') || 0;
    return this.resumeTokenLives() || join > Date.now() + 5000;
  }

  async reconnect() {
    if (this.stopped || this.socket) return;
    if (this.needsRenewal || !this.holdsValidToken()) {
      try {
        this.ticket = await this.renewTicket();
        this.credentials = null;  // a new ticket is a new seat
        this.needsRenewal = false;
        this.failedOpens = 0;
      } catch (error) {
        // The meeting is gone or we may no longer join: stop; otherwise keep trying.
        if ([403, 404, 410].includes(error.status)) { this.finish(error.code === 'meeting_ended' ? 'ended' : 'refused'); return; }
        this.scheduleReconnect(true);
        return;
      }
    }
    this.connect();
  }

  // MARK: Frames

  receive(raw) {
    let message;
    try { message = JSON.parse(raw); } catch { message = null; }
    if (!message || typeof message.type !== 'string') {
      // Not a frame of docs/signaling.md: a server bug, never the person's doing. Dropped, and said here.
      console.warn('signaling: dropped a frame that is not a message', String(raw).slice(0, 200));
      return;
    }
    const waiter = message.id ? this.pending.get(message.id) : null;
    if (waiter) {
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.type === 'error') {
        const data = message.data || {};
        waiter.reject(new SignalError(data.code || 'error', data.message));
      } else {
        waiter.resolve({ type: message.type, data: message.data || {} });
      }
      return;
    }
    if (message.type === 'pong') return;
    if (message.type === 'credentials') {
      // Keep the newest: reconnects resume the seat with it (docs/signaling.md, Resuming).
      if (message.data && message.data.resumeToken) this.credentials = message.data;
      return;
    }
    if (message.type === 'admitted') this.dispatch('session', { type: 'admitted', data: message.data || {} });
    this.dispatch('message', { type: message.type, data: message.data || {} });
    const final = FINAL_EVENTS[message.type];
    if (final) this.finish(final, message.data || {});
  }

  sendFrame(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  startPings() {
    this.stopPings();
    this.pingTimer = setInterval(() => {
      const socket = this.socket;
      this.request('ping', { nonce: String(Date.now()) }, 8000).catch((error) => {
        if (error.code === 'timeout' && socket && this.socket === socket) socket.close(4000, 'ping timeout');
      });
    }, 10000);
  }

  stopPings() { clearInterval(this.pingTimer); this.pingTimer = null; }

  failPending() {
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new SignalError('disconnected', 'connection lost'));
    }
    this.pending.clear();
  }

  finish(reason, data = {}) {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.stopPings();
    window.removeEventListener('online', this.onOnline);
    const socket = this.socket;
    this.socket = null;
    this.failPending();
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
    this.setState('closed');
    if (reason) this.dispatch('terminal', { reason, data });
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatch('state', { state, attempt: this.attempt });
  }

  dispatch(name, detail) { this.dispatchEvent(new CustomEvent(name, { detail })); }
}
