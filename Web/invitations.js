// Invitations (docs/scheduling.md, "Invitations"): the home page's list of
// the person's invitations with Accept and Decline, and the page an email's
// answer link opens.
//
// An invitation sent to an address that had no account carries a secret in
// its email link, `MEET_PUBLIC_URL/invitations/{id}?secret=…`; it is nobody's
// until someone signed in answers it with that secret, which binds it to
// their account. The same page is reached as `/?invitation={id}&secret=…`,
// a path every meet-api serves (the web routes serve `/` and `/{code}`; see
// docs/web-client.md for the route `/invitations/{id}` needs). The pending
// answer is kept in sessionStorage, so signing up on the way keeps it.

import { $, announce, h, showError, showScreen } from './dom.js';
import { restMessage } from './messages.js';

const PENDING_KEY = 'meet.pendingInvitation';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `{id, secret}` from an answer link (`/invitations/{id}?secret=…` or `/?invitation={id}&secret=…`), else null. */
export function parseInvitationLink(pathname, search) {
  const params = new URLSearchParams(search || '');
  const match = /^\/+invitations\/([^/]+)\/*$/.exec(pathname || '');
  const id = match ? decodeURIComponent(match[1]) : params.get('invitation');
  if (!id || !UUID.test(id)) return null;
  const secret = params.get('secret');
  return { id: id.toLowerCase(), secret: secret && secret.length <= 200 ? secret : null };
}

/** What a row of the invitation list says. */
export function invitationView(invitation) {
  const role = invitation.role === 'host' ? 'a host' : 'an attendee';
  const status = { pending: 'Waiting for your answer', accepted: 'Accepted', declined: 'Declined' }[invitation.status]
    || invitation.status;
  return {
    id: invitation.id, code: invitation.meetingCode, title: invitation.meetingTitle,
    detail: `As ${role}. ${status}.`, pending: invitation.status === 'pending', accepted: invitation.status === 'accepted',
  };
}

/** Pending first, then the most recent answers; at most `limit` rows. */
export function invitationRows(items, limit = 10) {
  const views = (items || []).map(invitationView);
  return [...views.filter((v) => v.pending), ...views.filter((v) => !v.pending)].slice(0, limit);
}

export class Invitations {
  /** `onAnswered()` runs after any answer (the upcoming list changes). */
  constructor({ api, onAnswered }) {
    this.api = api;
    this.onAnswered = onAnswered;
    $('#invitation-accept').addEventListener('click', () => this.answerPending('accept'));
    $('#invitation-decline').addEventListener('click', () => this.answerPending('decline'));
  }

  // MARK: The list on the home page

  async load() {
    const list = $('#invitation-list');
    try {
      const page = await this.api.invitations();
      this.render(invitationRows(page.items));
    } catch (error) {
      list.replaceChildren(h('li', { className: 'error-row', text: restMessage(error) }));
    }
  }

  render(rows) {
    const list = $('#invitation-list');
    list.replaceChildren(...rows.map((view) => h('li', { dataset: { invitationId: view.id } },
      h('div', { className: 'what' },
        view.accepted ? h('a', { href: `/${view.code}` }, view.title) : h('strong', {}, view.title),
        h('span', { className: 'muted' }, ` ${view.detail}`)),
      view.pending ? h('div', { className: 'row' },
        h('button', { type: 'button', className: 'small primary', 'aria-label': `Accept ${view.title}`,
          onclick: (event) => this.answerRow(event.currentTarget, view, 'accept') }, 'Accept'),
        h('button', { type: 'button', className: 'small', 'aria-label': `Decline ${view.title}`,
          onclick: (event) => this.answerRow(event.currentTarget, view, 'decline') }, 'Decline')) : null)));
    if (!rows.length) list.append(h('li', { className: 'muted', text: 'No invitations.' }));
  }

  async answerRow(button, view, answer) {
    const slot = $('#invitation-error');
    showError(slot, null);
    button.disabled = true;
    try {
      await this.api.answerInvitation(view.id, answer);
      announce(answer === 'accept' ? `You accepted “${view.title}”.` : `You declined “${view.title}”.`);
      await this.load();
      this.onAnswered();
      $('#invitations-title').focus();
    } catch (error) {
      button.disabled = false;
      showError(slot, restMessage(error, 'invitation'));
    }
  }

  // MARK: The page an email link opens

  /** Keeps `{id, secret}` until it is answered (across signing up). */
  static remember(link) {
    try { sessionStorage.setItem(PENDING_KEY, JSON.stringify(link)); } catch { /* private mode: this page only */ }
  }

  static pending() {
    try {
      const link = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null');
      return link && UUID.test(link.id) ? link : null;
    } catch {
      return null;
    }
  }

  static forget() {
    try { sessionStorage.removeItem(PENDING_KEY); } catch { /* nothing kept */ }
  }

  /** The answer screen for the remembered link (the caller checked someone is signed in). */
  openPage() {
    $('#invitation-title').textContent = 'Your invitation';
    showScreen('invitation');
    showError($('#invitation-page-error'), null);
    $('#invitation-actions').hidden = false;
    $('#invitation-done').hidden = true;
    $('#invitation-detail').textContent = `You were invited to a meeting. Accept it as ${this.api.user.displayName} to add it `
      + 'to your upcoming meetings and join without its password, or decline it.';
  }

  async answerPending(answer) {
    const link = Invitations.pending();
    const slot = $('#invitation-page-error');
    showError(slot, null);
    if (!link) {
      showError(slot, restMessage({ code: 'not_found' }, 'invitation'));
      return;
    }
    for (const button of $('#invitation-actions').querySelectorAll('button')) button.disabled = true;
    try {
      const invitation = await this.api.answerInvitation(link.id, answer, link.secret);
      Invitations.forget();
      window.history.replaceState(null, '', '/');
      const accepted = answer === 'accept';
      $('#invitation-actions').hidden = true;
      $('#invitation-done').hidden = false;
      $('#invitation-result').textContent = accepted
        ? `You accepted the invitation to “${invitation.meetingTitle}”. It is in your upcoming meetings.`
        : `You declined the invitation to “${invitation.meetingTitle}”.`;
      $('#invitation-open').hidden = !accepted;
      $('#invitation-open').href = `/${invitation.meetingCode}`;
      announce($('#invitation-result').textContent);
      $('#invitation-title').textContent = accepted ? 'Invitation accepted' : 'Invitation declined';
      $('#invitation-title').focus();
      this.onAnswered();
    } catch (error) {
      // Not found (a wrong or already used secret) or ended: asking again will not help.
      if (error.status === 404 || error.status === 410) Invitations.forget();
      showError(slot, restMessage(error, 'invitation'));
    } finally {
      for (const button of $('#invitation-actions').querySelectorAll('button')) button.disabled = false;
    }
  }
}
