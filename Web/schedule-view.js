// The home page's scheduling cards: the schedule form (create the meeting,
// schedule it, invite each address) and the upcoming list (the caller's next
// occurrences, owned or invited, in start order, with Join and, for owners
// and hosts, Edit schedule (series.js) and Report). Request building and wording live in schedule.js.
//
// Joining is offered at any time: the room is open whenever the meeting is
// active (docs/scheduling.md, "Joining early"); the list says how soon each
// occurrence starts, and "Now" once it is under way.

import { $, announce, h, showError } from './dom.js';
import { wireForm } from './forms.js';
import { restMessage } from './messages.js';
import { copy } from './room-controls.js';
import { browserTimeZone, buildScheduleRequest, defaultStart, upcomingView, wallClock } from './schedule.js';

/** How often the list's "in 5 min" / "Now" labels are redrawn, and how often it is fetched again. */
const RELABEL_MS = 10000;
const REFETCH_MS = 60000;

export class ScheduleView {
  constructor({ api }) {
    this.api = api;
    this.items = [];
    this.fetchedAt = 0;
    this.timeZone = browserTimeZone();
    this.timer = null;
    const form = $('#schedule-form');
    $('#schedule-zone').textContent = `Times are in your time zone, ${this.timeZone}.`;
    form.repeat.addEventListener('change', () => { $('#schedule-count-label').hidden = form.repeat.value === 'none'; });
    wireForm('#schedule-form', (f) => this.submit(f));
    $('#copy-scheduled').addEventListener('click', () => copy($('#scheduled-link').value));
  }

  /** Called when the signed-in home opens: a fresh form default, the list, and its timer. */
  show() {
    const form = $('#schedule-form');
    if (!form.date.value) {
      const { date, time } = wallClock(defaultStart(Date.now()), this.timeZone);
      form.date.value = date;
      form.time.value = time;
    }
    this.load();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), RELABEL_MS);
  }

  hide() {
    clearInterval(this.timer);
    this.timer = null;
  }

  tick() {
    if ($('#home').hidden || !this.api.user) return;
    if (Date.now() - this.fetchedAt >= REFETCH_MS) this.load();
    else this.render();
  }

  async submit(form) {
    const request = buildScheduleRequest({
      title: form.title.value, date: form.date.value, time: form.time.value, duration: form.duration.value,
      agenda: form.agenda.value, repeat: form.repeat.value, count: form.count.value, invitees: form.invitees.value,
      role: form.role.value, password: form.password.value, waitingRoom: form.waitingRoom.checked,
    }, { timeZone: this.timeZone, now: Date.now() });
    $('#scheduled').hidden = true;
    const meeting = await this.api.createMeeting(request.meeting);
    try {
      await this.api.schedule(meeting.code, request.schedule);
    } catch (error) {
      // A meeting without its schedule is not what was asked for: end it.
      this.api.endMeeting(meeting.code).catch(() => {});
      throw error;
    }
    const failures = [];
    for (const email of request.invitees) {
      try {
        await this.api.invite(meeting.code, { email, role: request.role });
      } catch (error) {
        failures.push(`${email}: ${restMessage(error, 'invite')}`);
      }
    }
    const link = `${window.location.origin}/${meeting.code}`;
    const invited = request.invitees.length - failures.length;
    const summary = `“${meeting.title}” is scheduled.` + (invited ? ` ${invited} ${invited === 1 ? 'invitation' : 'invitations'} sent.` : '');
    $('#scheduled-summary').textContent = summary;
    $('#scheduled-link').value = link;
    $('#open-scheduled').href = `/${meeting.code}`;
    $('#scheduled').hidden = false;
    showError(form.querySelector('.form-error'), failures.length ? `Not invited: ${failures.join(' ')}` : null);
    announce(`${summary} Its link is ${link}.`);
    form.invitees.value = '';
    this.load();
  }

  async load() {
    const list = $('#upcoming-list');
    try {
      const page = await this.api.upcoming(20);
      this.items = page.items || [];
      this.fetchedAt = Date.now();
      this.render();
    } catch (error) {
      this.fetchedAt = Date.now();
      list.replaceChildren(h('li', { className: 'error-row', text: restMessage(error) }));
    }
  }

  render() {
    const now = Date.now();
    const rows = this.items.filter((item) => Date.parse(item.occurrence.endsAt) > now)
      .map((item) => upcomingView(item, { now, timeZone: this.timeZone }));
    const list = $('#upcoming-list');
    list.replaceChildren(...rows.map((view) => h('li', { dataset: { code: view.code }, className: view.live ? 'live' : '' },
      h('div', { className: 'what' },
        h('a', { href: `/${view.code}` }, view.title),
        h('span', { className: 'muted' }, ` ${view.when}${view.moved ? ' (moved)' : ''}`),
        view.soon ? h('span', { className: view.live ? 'soon live-now' : 'soon' }, view.soon) : null),
      h('div', { className: 'row' },
        h('a', { className: `button small${view.live ? ' primary' : ''}`, href: `/${view.code}`, 'aria-label': `Join ${view.title}` }, 'Join'),
        view.canReport ? h('a', { href: `/${view.code}?view=schedule`, 'aria-label': `Edit schedule of ${view.title}` }, 'Edit schedule') : null,
        view.canReport ? h('a', { href: `/${view.code}?view=report`, 'aria-label': `Report of ${view.title}` }, 'Report') : null))));
    if (!rows.length) list.append(h('li', { className: 'muted', text: 'Nothing scheduled in the next 30 days.' }));
  }
}
