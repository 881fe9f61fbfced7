// The notification bell in the top bar (docs/scheduling.md, "Notifications
// and reminders"): the count of unread notifications, a list that opens
// under the bell, one "Mark read" per notification and "Mark all read".
//
// Notifications arrive pushed, as `notification` events: on the meeting's
// signaling socket while one is open (docs/signaling.md, "Notifications"),
// and otherwise (the home page) on the user socket (user-socket.js,
// docs/signaling.md "User sockets"), which the bell holds while signed in
// and not in a meeting. While either is open the bell counts and announces
// them at once and polls `GET /v1/notifications?unread=true` only as a slow
// fallback (every 5 min); with neither (the user socket reconnecting) it
// polls every 30 s, and at once when the page comes back into view or gets
// focus. A socket that (re)opens triggers one poll, catching up on what was
// pushed while it was down. A rise in the count is announced politely.

import { $, announce, h, showError } from './dom.js';
import { restMessage } from './messages.js';
import { UserSocket } from './user-socket.js';

export const POLL_MS = 30000;
/** The poll while pushes arrive over a live socket: only a fallback for a lost push. */
export const FALLBACK_POLL_MS = 300000;

/** How long until the next poll: slow while pushes arrive live. */
export function pollInterval(live) {
  return live ? FALLBACK_POLL_MS : POLL_MS;
}
/** Unread notifications counted per poll; more shows as "99+". */
const COUNT_LIMIT = 99;

/** The badge text: '' for none, '7', or '99+' when the page was full. */
export function badgeText(count, more) {
  if (!count) return '';
  return more || count > COUNT_LIMIT ? `${COUNT_LIMIT}+` : String(count);
}

/** What a notification row says: `{id, title, body, when, unread, code}`. */
export function notificationView(notification, { timeZone, locale = 'en-GB' } = {}) {
  const when = new Intl.DateTimeFormat(locale, {
    timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(new Date(notification.createdAt));
  return {
    id: notification.id, title: notification.title, body: notification.body, when,
    unread: !notification.readAt, code: notification.meetingCode || null,
  };
}

export class NotificationBell {
  constructor({ api, userSocket = null }) {
    this.api = api;
    this.timer = null;
    this.count = null;
    /** Whether a meeting's signaling socket is open, so notifications are pushed on it. */
    this.live = false;
    /** Whether the user socket is open (pushes outside a meeting). */
    this.userLive = false;
    this.signedIn = false;
    this.userSocket = userSocket || new UserSocket({
      api,
      onNotification: (notification) => this.pushed(notification),
      onState: (state) => this.setUserLive(state === 'open'),
    });
    this.button = $('#bell');
    this.panel = $('#notifications');
    this.button.addEventListener('click', () => this.toggle());
    $('#notifications-read').addEventListener('click', () => this.markAll());
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { this.close(); this.button.focus(); }
    });
    window.addEventListener('focus', () => this.refresh());
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') this.refresh(); });
  }

  /** Follows the session: shown and polling while signed in, hidden and quiet otherwise. */
  setSignedIn(signedIn) {
    $('#bell-box').hidden = !signedIn;
    clearTimeout(this.timer);
    this.timer = null;
    this.signedIn = signedIn;
    if (!signedIn) {
      this.userSocket.stop();
      this.userLive = false;
      this.close();
      this.count = null;
      return;
    }
    // Signed in again (perhaps as someone else): a socket opened with the
    // previous account's token must not feed this bell.
    this.userSocket.stop();
    this.userLive = false;
    this.refresh();
    this.followSockets();
    this.schedule();
  }

  /** Follows the meeting's socket: pushed notifications while it is open, the user socket otherwise. */
  setLive(live) {
    if (this.live === live) return;
    this.live = live;
    // Back to the user socket: catch up on anything pushed while neither was open.
    if (!live) this.refresh();
    this.followSockets();
    this.schedule();
  }

  /** The user socket's state: open, a poll catches up and the slow fallback poll follows; closed, the 30 s poll. */
  setUserLive(open) {
    if (this.userLive === open) return;
    this.userLive = open;
    if (open) this.refresh();
    this.schedule();
  }

  /** One push path at a time: the user socket only while no meeting socket is open (else each push counts twice). */
  followSockets() {
    if (this.signedIn && !this.live) this.userSocket.start();
    else {
      this.userSocket.stop();
      this.userLive = false;
    }
  }

  /** The next poll, at the interval the sockets' state calls for. */
  schedule() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.api.user) return;
    this.timer = setTimeout(() => { this.refresh(); this.schedule(); }, pollInterval(this.live || this.userLive));
  }

  /** A `notification` event from the socket: counted and announced now, the open list reloaded. */
  async pushed(notification) {
    if (!this.api.user || !notification) return;
    this.showCount((this.count || 0) + 1);
    announce(`New notification: ${notification.title}`);
    if (!this.panel.hidden) await this.loadList();
  }

  async refresh() {
    if (!this.api.user) return;
    try {
      const page = await this.api.notifications({ limit: COUNT_LIMIT, unread: true });
      const count = (page.items || []).length;
      if (this.count !== null && count > this.count) {
        announce(count - this.count === 1 ? 'You have a new notification.' : `You have ${count - this.count} new notifications.`);
      }
      this.showCount(count, !!page.nextCursor);
      if (!this.panel.hidden) await this.loadList();
    } catch {
      // A missed poll is retried at the next one; the open list shows errors.
    }
  }

  showCount(count, more = false) {
    this.count = count;
    const text = badgeText(count, more);
    $('#bell-count').textContent = text;
    $('#bell-count-words').textContent = text ? ' unread' : '';
    $('#bell-count').hidden = !text;
  }

  toggle() {
    if (this.panel.hidden) this.open();
    else this.close();
  }

  async open() {
    this.panel.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    $('#notifications-title').focus();
    await this.loadList();
  }

  close() {
    this.panel.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
  }

  async loadList() {
    const slot = this.panel.querySelector('.form-error');
    try {
      const page = await this.api.notifications({ limit: 20 });
      showError(slot, null);
      this.render((page.items || []).map((n) => notificationView(n)));
    } catch (error) {
      showError(slot, restMessage(error));
    }
  }

  render(rows) {
    const list = $('#notification-list');
    list.replaceChildren(...rows.map((view) => h('li', { className: view.unread ? 'unread' : '', dataset: { notificationId: view.id } },
      h('p', { className: 'title' }, view.unread ? h('span', { className: 'sr-only' }, 'Unread: ') : null, view.title),
      h('p', { className: 'body' }, view.body),
      h('p', { className: 'row muted' }, h('time', {}, view.when),
        view.code ? h('a', { href: `/${view.code}`, 'aria-label': `Open meeting ${view.title}` }, 'Open meeting') : null,
        view.unread ? h('button', { type: 'button', className: 'small', 'aria-label': `Mark read: ${view.title}`,
          onclick: () => this.markOne(view.id) }, 'Mark read') : null))));
    if (!rows.length) list.append(h('li', { className: 'muted', text: 'No notifications.' }));
    $('#notifications-read').disabled = !rows.some((row) => row.unread);
  }

  async markOne(id) {
    try {
      await this.api.markNotificationRead(id);
      await this.refresh();
      if (this.panel.hidden) return;
      $('#notifications-title').focus();
    } catch (error) {
      showError(this.panel.querySelector('.form-error'), restMessage(error));
    }
  }

  async markAll() {
    try {
      await this.api.markAllNotificationsRead();
      this.showCount(0);
      await this.loadList();
      announce('All notifications marked read.');
      $('#notifications-title').focus();
    } catch (error) {
      showError(this.panel.querySelector('.form-error'), restMessage(error));
    }
  }
}
