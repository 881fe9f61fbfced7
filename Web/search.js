// The home page's search card (docs/scheduling.md, "Search"): the caller's
// meetings by title or agenda text and/or a range of start dates
// (`GET /v1/meetings/search`), and the chat of one of them
// (`GET /v1/meetings/{code}/messages?q=`, what its members may read).
// Dates are days in the browser's time zone: from the start of the first to
// the end of the last.

import { $, announce, h, showError } from './dom.js';
import { wireForm } from './forms.js';
import { browserTimeZone, invalid, rfc3339, zonedInstant } from './schedule.js';

/** The meeting search query from the form's values: `{q?, from?, to?}`; throws on an empty or bad one. */
export function meetingQuery({ q, from, to }, timeZone) {
  const query = {};
  const text = String(q || '').trim();
  if (text) {
    if ([...text].length < 3) throw invalid('q', 'search for at least 3 characters');
    query.q = text;
  }
  const start = from ? zonedInstant(from, '00:00', timeZone) : null;
  // The end of the last day: the next day's midnight (DST-safe: read in the zone).
  const end = to ? zonedInstant(nextDay(to), '00:00', timeZone) : null;
  if (start !== null && end !== null && end <= start) throw invalid('to', 'the last day is before the first');
  if (start !== null) query.from = rfc3339(start, timeZone);
  if (end !== null) query.to = rfc3339(end, timeZone);
  if (!Object.keys(query).length) throw invalid('q', 'type words from a title or agenda, or pick dates');
  return query;
}

/** `YYYY-MM-DD` of the day after `date`. */
export function nextDay(date) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || '');
  if (!d) throw invalid('to', 'pick a date');
  return new Date(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]) + 1)).toISOString().slice(0, 10);
}

export class SearchView {
  constructor({ api }) {
    this.api = api;
    this.timeZone = browserTimeZone();
    this.chatCode = null;
    wireForm('#search-form', (form) => this.searchMeetings(form));
    wireForm('#chat-search-form', (form) => this.searchChat(form));
  }

  async searchMeetings(form) {
    const query = meetingQuery({ q: form.q.value, from: form.from.value, to: form.to.value }, this.timeZone);
    const { items } = await this.api.searchMeetings(query);
    const list = $('#search-results');
    list.replaceChildren(...(items || []).map((meeting) => h('li', { dataset: { code: meeting.code } },
      h('a', { href: `/${meeting.code}` }, meeting.title),
      h('span', { className: 'muted' }, ` ${meeting.status === 'ended' ? 'ended' : meeting.code}`),
      h('button', { type: 'button', className: 'small', 'aria-label': `Search chat of ${meeting.title}`,
        onclick: () => this.pickChat(meeting) }, 'Search chat'))));
    if (!list.children.length) list.append(h('li', { className: 'muted', text: 'No meeting matches.' }));
    announce(`${(items || []).length} ${(items || []).length === 1 ? 'meeting' : 'meetings'} found.`);
  }

  /** "22 Mar, 09:41" in the browser's zone. */
  when(value) {
    return new Intl.DateTimeFormat('en-GB', {
      timeZone: this.timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).format(new Date(value));
  }

  pickChat(meeting) {
    this.chatCode = meeting.code;
    const form = $('#chat-search-form');
    form.hidden = false;
    $('#chat-search-of').textContent = `Chat of “${meeting.title}”`;
    $('#chat-results').replaceChildren();
    showError(form.querySelector('.form-error'), null);
    form.q.focus();
  }

  async searchChat(form) {
    const text = form.q.value.trim();
    if ([...text].length < 2) throw invalid('q', 'search for at least 2 characters');
    const { items } = await this.api.searchChat(this.chatCode, text);
    const list = $('#chat-results');
    list.replaceChildren(...(items || []).map((message) => h('li', {},
      h('p', { className: 'row muted' }, h('strong', {}, message.displayName), h('time', {}, ` ${this.when(message.createdAt)}`)),
      h('p', {}, message.body))));
    if (!list.children.length) list.append(h('li', { className: 'muted', text: 'No message matches.' }));
    announce(`${(items || []).length} ${(items || []).length === 1 ? 'message' : 'messages'} found.`);
  }
}
