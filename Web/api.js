// The REST client (docs/openapi.yaml) and the signed-in session.
//
// Access tokens are short-lived; a 401 on a call made with one triggers a
// single refresh (refresh tokens rotate, so concurrent refreshes share one
// request) and the call is retried once. The session lives in localStorage
// so a shared link opened later in the same browser is already signed in.

const STORE_KEY = 'meet.session';

/** An error answered by the API: `status`, `code`, `message`, `field`. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export class Api {
  constructor(base = '') {
    this.base = base;
    this.session = loadSession();
    this.refreshing = null;
    /** Called with the new session (or null) whenever it changes. */
    this.onSession = () => {};
  }

  get user() { return this.session ? this.session.user : null; }

  // MARK: Accounts

  async register(email, password, displayName) {
    this.setSession(await this.call('POST', '/v1/auth/register', { email, password, displayName }));
    return this.user;
  }

  async login(email, password) {
    this.setSession(await this.call('POST', '/v1/auth/login', { email, password }));
    return this.user;
  }

  async logout() {
    const refreshToken = this.session && this.session.refreshToken;
    this.setSession(null);
    if (refreshToken) {
      try { await this.call('POST', '/v1/auth/logout', { refreshToken }); } catch { /* already signed out locally */ }
    }
  }

  // MARK: Meetings

  createMeeting({ title, password, waitingRoom, e2ee }) {
    const body = { title, waitingRoom: !!waitingRoom };
    if (password) body.password = password;
    if (e2ee) body.e2ee = true;
    return this.call('POST', '/v1/meetings', body, { auth: 'user' });
  }

  listMeetings() {
    return this.call('GET', '/v1/meetings?limit=10', undefined, { auth: 'user' });
  }

  getMeeting(code) {
    return this.call('GET', `/v1/meetings/${encodeURIComponent(code)}`, undefined, { auth: 'user' });
  }

  /** Joins as the signed-in user when there is one, else as a guest named `displayName`. */
  join(code, { displayName, password } = {}) {
    const body = { deviceId: deviceId() };
    if (!this.session && displayName) body.displayName = displayName;
    if (password) body.password = password;
    return this.call('POST', `/v1/meetings/${encodeURIComponent(code)}/join`, body, { auth: this.session ? 'user' : 'none' });
  }

  /** Ends a meeting for everyone (owner or host). */
  endMeeting(code) {
    return this.call('DELETE', `/v1/meetings/${encodeURIComponent(code)}`, undefined, { auth: 'user' });
  }

  // MARK: Scheduling, invitations, notifications, reports (docs/scheduling.md)

  /** Schedules the meeting, or replaces its series: `{startsAt, endsAt, timeZone, description?, recurrence?}`. */
  schedule(code, schedule) {
    return this.call('PUT', `/v1/meetings/${encodeURIComponent(code)}/schedule`, schedule, { auth: 'user' });
  }

  /** A scheduled meeting's occurrences from now on (members; 409 `not_scheduled` without a schedule). */
  occurrences(code, limit = 5) {
    return this.call('GET', `/v1/meetings/${encodeURIComponent(code)}/occurrences?limit=${limit}`, undefined, { auth: 'user' });
  }

  /** The schedule (members; 409 `not_scheduled` without one). */
  getSchedule(code) {
    return this.call('GET', `/v1/meetings/${encodeURIComponent(code)}/schedule`, undefined, { auth: 'user' });
  }

  /** Cancels the whole series (owner, host); the meeting stays an instant room. */
  cancelSchedule(code) {
    return this.call('DELETE', `/v1/meetings/${encodeURIComponent(code)}/schedule`, undefined, { auth: 'user' });
  }

  /** Moves one occurrence (a cancelled one is reinstated): `{startsAt, endsAt}`. */
  moveOccurrence(code, id, { startsAt, endsAt }) {
    return this.call('PATCH', `/v1/meetings/${encodeURIComponent(code)}/occurrences/${encodeURIComponent(id)}`,
      { startsAt, endsAt }, { auth: 'user' });
  }

  /** Cancels one occurrence (owner, host). */
  cancelOccurrence(code, id) {
    return this.call('DELETE', `/v1/meetings/${encodeURIComponent(code)}/occurrences/${encodeURIComponent(id)}`, undefined,
      { auth: 'user' });
  }

  /** The caller's next occurrences (owned, host, attendee), in start order. */
  upcoming(limit = 20) {
    return this.call('GET', `/v1/meetings/upcoming?limit=${limit}`, undefined, { auth: 'user' });
  }

  invite(code, { email, role = 'attendee' }) {
    return this.call('POST', `/v1/meetings/${encodeURIComponent(code)}/invitations`, { email, role }, { auth: 'user' });
  }

  /** The caller's invitations (those bound to the account), newest first. */
  invitations() {
    return this.call('GET', '/v1/invitations', undefined, { auth: 'user' });
  }

  /** `answer`: 'accept' or 'decline'; `secret`: from an email link, for an invitation sent to an address. */
  answerInvitation(id, answer, secret = null) {
    const body = secret ? { secret } : {};
    return this.call('POST', `/v1/invitations/${encodeURIComponent(id)}/${answer}`, body, { auth: 'user' });
  }

  notifications({ limit = 20, unread = false } = {}) {
    return this.call('GET', `/v1/notifications?limit=${limit}${unread ? '&unread=true' : ''}`, undefined, { auth: 'user' });
  }

  /** Where to open the user socket (meet-ws `/v1/ws/user`): notifications pushed live outside a meeting. */
  notificationSocket() {
    return this.call('GET', '/v1/notifications/socket', undefined, { auth: 'user' });
  }

  /** The access token, refreshed first when it expires within `marginMs` (null when signed out). */
  async freshAccessToken(marginMs = 30000) {
    if (!this.session) return null;
    const expiresAt = Date.parse(this.session.accessTokenExpiresAt || '');
    if (!Number.isFinite(expiresAt) || expiresAt - Date.now() < marginMs) await this.refresh();
    return this.session ? this.session.accessToken : null;
  }

  markNotificationRead(id) {
    return this.call('POST', `/v1/notifications/${encodeURIComponent(id)}/read`, undefined, { auth: 'user' });
  }

  markAllNotificationsRead() {
    return this.call('POST', '/v1/notifications/read', undefined, { auth: 'user' });
  }

  /** The meeting's report (owner and hosts); `csv` gives the attendance as CSV text. */
  meetingReport(code, { csv = false } = {}) {
    return this.call('GET', `/v1/meetings/${encodeURIComponent(code)}/report${csv ? '?format=csv' : ''}`, undefined,
      { auth: 'user', text: csv });
  }

  // MARK: Search, settings, calendar feed, data rights

  /** The caller's meetings by title or agenda text (`q`) and/or start dates (`from`, `to`: RFC 3339). */
  searchMeetings({ q, from, to, limit = 20 } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (q) query.set('q', q);
    if (from) query.set('from', from);
    if (to) query.set('to', to);
    return this.call('GET', `/v1/meetings/search?${query}`, undefined, { auth: 'user' });
  }

  /** A meeting's chat messages holding every word of `q`, newest first (members). */
  searchChat(code, q, limit = 50) {
    const query = new URLSearchParams({ q, limit: String(limit) });
    return this.call('GET', `/v1/meetings/${encodeURIComponent(code)}/messages?${query}`, undefined, { auth: 'user' });
  }

  settings() {
    return this.call('GET', '/v1/users/me/settings', undefined, { auth: 'user' });
  }

  /** `reminderMinutes`: 0–10080, or null for no reminders. */
  saveSettings({ reminderMinutes }) {
    return this.call('PUT', '/v1/users/me/settings', { reminderMinutes }, { auth: 'user' });
  }

  /** A new secret calendar feed URL (`{url}`); the previous one stops working at once. */
  rotateCalendarFeed() {
    return this.call('POST', '/v1/users/me/calendar-feed', undefined, { auth: 'user' });
  }

  revokeCalendarFeed() {
    return this.call('DELETE', '/v1/users/me/calendar-feed', undefined, { auth: 'user' });
  }

  /** Everything stored about the caller, as the JSON text of the export. */
  exportData() {
    return this.call('GET', '/v1/users/me/export', undefined, { auth: 'user', text: true });
  }

  /** Deletes the account (the password confirms it) and ends the session here. */
  async deleteAccount(password) {
    await this.call('DELETE', '/v1/users/me', { password }, { auth: 'user' });
    this.setSession(null);
  }

  /** Chat history, oldest first (the API pages newest first). */
  async messages(code, joinToken, limit = 100) {
    const page = await this.call('GET', `/v1/meetings/${encodeURIComponent(code)}/messages?limit=${limit}`, undefined,
      { token: joinToken });
    return (page.items || []).slice().reverse();
  }

  // MARK: Plumbing

  setSession(session) {
    this.session = session || null;
    try {
      if (session) localStorage.setItem(STORE_KEY, JSON.stringify(session));
      else localStorage.removeItem(STORE_KEY);
    } catch { /* private mode: the session lasts this page */ }
    this.onSession(this.session);
  }

  async refresh() {
    if (!this.session) throw new ApiError(401, 'unauthorized', 'not signed in');
    if (!this.refreshing) {
      const refreshToken = this.session.refreshToken;
      this.refreshing = this.call('POST', '/v1/auth/refresh', { refreshToken })
        .then((pair) => { this.setSession(pair); })
        .catch((error) => { if (error.status === 401) this.setSession(null); throw error; })
        .finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  /**
   * One request. `auth`: 'user' (the access token, refreshed on 401), or
   * 'none'; `token`: an explicit bearer token (a join token); `text`: answer
   * the body as text (CSV) instead of parsing JSON (errors are JSON either way).
   */
  async call(method, path, body, { auth = 'none', token = null, retried = false, text: asText = false } = {}) {
    const headers = { Accept: asText ? 'text/csv, application/json' : 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const bearer = token || (auth === 'user' && this.session ? this.session.accessToken : null);
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    let response;
    try {
      response = await fetch(this.base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit',
      });
    } catch (error) {
      throw new ApiError(0, 'network', error.message || 'network error');
    }
    if (response.status === 401 && auth === 'user' && !token && !retried && this.session) {
      await this.refresh();
      return this.call(method, path, body, { auth, retried: true, text: asText });
    }
    if (response.status === 204) return {};
    const text = await response.text();
    if (asText && response.ok) return text;
    let json = null;
    try { json = text ? JSON.parse(text) : {}; } catch { json = null; }
    if (!response.ok) {
      const err = json && json.error ? json.error : {};
      throw new ApiError(response.status, err.code || `http_${response.status}`, err.message || response.statusText, err.field);
    }
    return json || {};
  }
}

function loadSession() {
  try {
    const raw = localStorage.getItem(STORE_KEY);
    const session = raw ? JSON.parse(raw) : null;
    if (!session || !session.refreshToken) return null;
    if (session.refreshTokenExpiresAt && Date.parse(session.refreshTokenExpiresAt) < Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

/**
 * A random id this browser keeps for REST join (`deviceId`): a host's kick
 * bans a guest by it and by its address (docs/signaling.md, Bans).
 */
function deviceId() {
  const KEY = 'meet.deviceId';
  try {
    let id = localStorage.getItem(KEY);
    if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
      id = crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
      localStorage.setItem(KEY, id);
    }
    return id;
  } catch {
    return undefined;  // private mode: no device id (the address still counts)
  }
}
