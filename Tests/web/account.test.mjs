// The pure parts of the account card, the search card and the schedule page
// (Web/account.js, Web/search.js, Web/series.js), and the bell's poll
// interval (Web/notifications.js): what each sends and shows.
import assert from 'node:assert/strict';
import test from 'node:test';

import { reminderLabel, reminderOptions, settingsRequest } from '../../Web/account.js';
import { FALLBACK_POLL_MS, POLL_MS, pollInterval } from '../../Web/notifications.js';
import { meetingQuery, nextDay } from '../../Web/search.js';
import { moveRequest, occurrenceView, repeatOf } from '../../Web/series.js';

test('the reminder setting: words, choices (a stored odd value kept), and the body', () => {
  assert.equal(reminderLabel(null), 'No reminders');
  assert.equal(reminderLabel(0), 'At the start');
  assert.equal(reminderLabel(10), '10 minutes before');
  assert.equal(reminderLabel(60), '1 hour before');
  assert.equal(reminderLabel(2880), '2 days before');
  const values = reminderOptions(45).map(([value]) => value);
  assert.deepEqual(values, ['', '0', '5', '10', '15', '30', '45', '60', '120', '1440']);
  assert.equal(reminderOptions(10).length, 9);
  assert.deepEqual(settingsRequest(''), { reminderMinutes: null });
  assert.deepEqual(settingsRequest('30'), { reminderMinutes: 30 });
});

test('meeting search: text and whole days in the zone, with clear errors', () => {
  assert.deepEqual(meetingQuery({ q: '  sync ' }, 'UTC'), { q: 'sync' });
  assert.deepEqual(meetingQuery({ from: '2027-03-27', to: '2027-03-28' }, 'Europe/Berlin'),
    { from: '2027-03-27T00:00:00+01:00', to: '2027-03-29T00:00:00+02:00' });
  assert.equal(nextDay('2027-12-31'), '2028-01-01');
  assert.throws(() => meetingQuery({ q: 'ab' }, 'UTC'), { field: 'q' });
  assert.throws(() => meetingQuery({}, 'UTC'), { field: 'q' });
  assert.throws(() => meetingQuery({ from: '2027-03-28', to: '2027-03-20' }, 'UTC'), { field: 'to' });
});

test('the schedule page: the form from a stored rule, occurrence rows, and a move keeps the length', () => {
  assert.deepEqual(repeatOf('FREQ=WEEKLY;COUNT=6'), { repeat: 'weekly', count: 6 });
  assert.deepEqual(repeatOf(null), { repeat: 'none', count: 4 });
  const occurrence = { id: '20270322T080000Z', startsAt: '2027-03-22T08:00:00Z', endsAt: '2027-03-22T09:30:00Z', status: 'cancelled' };
  const view = occurrenceView(occurrence, { timeZone: 'Europe/Berlin' });
  assert.deepEqual(view, { id: '20270322T080000Z', when: 'Mon 22 Mar, 09:00–10:30', status: 'Cancelled', cancelled: true });
  assert.deepEqual(moveRequest(occurrence, { date: '2027-03-30', time: '14:00' }, 'Europe/Berlin'),
    { startsAt: '2027-03-30T14:00:00+02:00', endsAt: '2027-03-30T15:30:00+02:00' });
});

test('the bell polls every 30 s without a socket, and only as a fallback while pushes arrive', () => {
  assert.equal(pollInterval(false), POLL_MS);
  assert.equal(pollInterval(true), FALLBACK_POLL_MS);
  assert.ok(FALLBACK_POLL_MS >= 10 * POLL_MS);
});
