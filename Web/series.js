// A scheduled meeting's schedule page, `/{code}?view=schedule` (owner and
// hosts; docs/scheduling.md): edit the series (date, time, duration, repeat,
// agenda: `PUT …/schedule`), cancel the whole series (`DELETE …/schedule`),
// and each of the next occurrences: cancel it (`DELETE …/occurrences/{id}`),
// move it or reinstate a cancelled one (`PATCH …/occurrences/{id}`). Every
// change reaches the invitees' calendars by email and the members' bells.
//
// Times are read and written in the browser's time zone, as in the schedule
// form; the request building is schedule.js's (`buildScheduleRequest`).

import { $, announce, h, showError, showScreen } from './dom.js';
import { wireForm } from './forms.js';
import { restMessage } from './messages.js';
import { browserTimeZone, buildScheduleRequest, formatRange, invalid, rfc3339, wallClock, zonedInstant } from './schedule.js';

/** Occurrences listed on the page. */
const LISTED = 20;

/** The form's repeat choice and count for a stored RRULE (the form writes `FREQ=…;COUNT=n` only). */
export function repeatOf(recurrence) {
  const text = String(recurrence || '');
  const freq = /FREQ=(DAILY|WEEKLY)/.exec(text);
  const count = /COUNT=(\d+)/.exec(text);
  return { repeat: freq ? freq[1].toLowerCase() : 'none', count: count ? Number(count[1]) : 4 };
}

/** What an occurrence row says: `{id, when, status, cancelled}`. */
export function occurrenceView(occurrence, { timeZone, locale } = {}) {
  const when = formatRange(occurrence.startsAt, occurrence.endsAt, { timeZone, locale });
  const status = { cancelled: 'Cancelled', moved: 'Moved' }[occurrence.status] || '';
  return { id: occurrence.id, when, status, cancelled: occurrence.status === 'cancelled' };
}

/** The PATCH body that moves an occurrence to `date` `time` in `timeZone`, keeping its length. */
export function moveRequest(occurrence, { date, time }, timeZone) {
  const start = zonedInstant(date, time, timeZone);
  const length = Date.parse(occurrence.endsAt) - Date.parse(occurrence.startsAt);
  if (!(length > 0)) throw invalid('time', 'the occurrence has no length');
  return { startsAt: rfc3339(start, timeZone), endsAt: rfc3339(start + length, timeZone) };
}

export class SeriesPage {
  constructor({ api }) {
    this.api = api;
    this.code = null;
    this.meeting = null;
    this.timeZone = browserTimeZone();
    const form = $('#series-form');
    form.repeat.addEventListener('change', () => { $('#series-count-label').hidden = form.repeat.value === 'none'; });
    wireForm('#series-form', (f) => this.save(f));
    wireForm('#series-cancel-form', () => this.cancelSeries());
  }

  /** Opens the page of `code` and fills it. */
  async open(code) {
    this.code = code;
    showScreen('series');
    $('#series-zone').textContent = `Times are in your time zone, ${this.timeZone}.`;
    $('#series-body').hidden = true;
    const slot = $('#series-error');
    showError(slot, null);
    if (!this.api.user) {
      showError(slot, 'Sign in as the meeting owner or a host to change its schedule.');
      return;
    }
    try {
      this.meeting = await this.api.getMeeting(code);
      $('#series-title').textContent = `Schedule: ${this.meeting.title}`;
      this.fill(await this.api.getSchedule(code));
      await this.loadOccurrences();
      $('#series-body').hidden = false;
    } catch (error) {
      showError(slot, error.code === 'not_scheduled' ? 'This meeting has no schedule (any more).' : restMessage(error));
    }
  }

  fill(schedule) {
    const form = $('#series-form');
    const { date, time } = wallClock(Date.parse(schedule.startsAt), this.timeZone);
    form.date.value = date;
    form.time.value = time;
    form.duration.value = String(Math.round((Date.parse(schedule.endsAt) - Date.parse(schedule.startsAt)) / 60000));
    form.agenda.value = schedule.description || '';
    const { repeat, count } = repeatOf(schedule.recurrence);
    form.repeat.value = repeat;
    form.count.value = String(count);
    $('#series-count-label').hidden = repeat === 'none';
    $('#series-summary').textContent = `First: ${formatRange(schedule.startsAt, schedule.endsAt, { timeZone: this.timeZone })}`
      + (schedule.recurrence ? `, repeating (${schedule.recurrence}).` : ', once.');
  }

  async loadOccurrences() {
    const { items } = await this.api.occurrences(this.code, LISTED);
    const list = $('#occurrence-list');
    list.replaceChildren(...(items || []).map((occurrence) => this.row(occurrence)));
    if (!list.children.length) list.append(h('li', { className: 'muted', text: 'No occurrences in the next 90 days.' }));
  }

  row(occurrence) {
    const view = occurrenceView(occurrence, { timeZone: this.timeZone });
    const slot = h('p', { className: 'form-error', role: 'alert', hidden: true });
    const { date, time } = wallClock(Date.parse(occurrence.startsAt), this.timeZone);
    const moveForm = h('form', { className: 'row move-form', hidden: true, noValidate: true },
      h('label', {}, 'Date ', h('input', { name: 'date', type: 'date', value: date, required: true })),
      h('label', {}, 'Start ', h('input', { name: 'time', type: 'time', value: time, required: true })),
      h('button', { type: 'submit', className: 'small primary' }, 'Save'));
    moveForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.act(slot, `Moved to ${moveForm.date.value} ${moveForm.time.value}.`, () => this.api.moveOccurrence(
        this.code, view.id, moveRequest(occurrence, { date: moveForm.date.value, time: moveForm.time.value }, this.timeZone)));
    });
    const label = `the occurrence of ${view.when}`;
    return h('li', { dataset: { occurrenceId: view.id }, className: view.cancelled ? 'cancelled' : '' },
      h('div', { className: 'what' }, h('span', {}, view.when), view.status ? h('span', { className: 'muted' }, ` ${view.status}`) : null),
      h('div', { className: 'row' },
        view.cancelled
          ? h('button', { type: 'button', className: 'small', 'aria-label': `Reinstate ${label}`,
            onclick: () => this.act(slot, 'Occurrence reinstated.', () => this.api.moveOccurrence(this.code, view.id, occurrence)) }, 'Reinstate')
          : h('button', { type: 'button', className: 'small', 'aria-label': `Cancel ${label}`,
            onclick: () => this.act(slot, 'Occurrence cancelled.', () => this.api.cancelOccurrence(this.code, view.id)) }, 'Cancel'),
        h('button', { type: 'button', className: 'small', 'aria-label': `Move ${label}`,
          onclick: () => { moveForm.hidden = !moveForm.hidden; if (!moveForm.hidden) moveForm.date.focus(); } }, 'Move')),
      moveForm, slot);
  }

  /** Runs one occurrence change, then reloads the list and says what happened. */
  async act(slot, done, change) {
    showError(slot, null);
    try {
      await change();
      await this.loadOccurrences();
      announce(done);
      $('#series-status').textContent = done;
    } catch (error) {
      showError(slot, restMessage(error));
    }
  }

  async save(form) {
    const request = buildScheduleRequest({
      title: this.meeting.title, date: form.date.value, time: form.time.value, duration: form.duration.value,
      agenda: form.agenda.value, repeat: form.repeat.value, count: form.count.value, invitees: '', role: 'attendee',
    }, { timeZone: this.timeZone, now: Date.now() });
    this.fill(await this.api.schedule(this.code, request.schedule));
    await this.loadOccurrences();
    const done = 'Series saved. Invitees get the new times by email.';
    $('#series-status').textContent = done;
    announce(done);
  }

  async cancelSeries() {
    const form = $('#series-cancel-form');
    if (!form.confirm.checked) throw invalid('confirm', 'tick the box to cancel every occurrence');
    await this.api.cancelSchedule(this.code);
    $('#series-body').hidden = true;
    const done = 'The series is cancelled. The meeting stays open as an instant room.';
    showError($('#series-error'), null);
    $('#series-status').textContent = done;
    announce(done);
  }
}
