// The schedule form's requests (Web/schedule.js): wall-clock times in a named
// zone become RFC 3339 with that zone's offset, across DST changes, the
// repeat choice becomes an RRULE, invitees are parsed, and every bad value is
// a validation error naming its field.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  buildScheduleRequest, defaultStart, formatRange, offsetMinutes, parseInvitees, recurrenceRule, rfc3339,
  startsIn, upcomingView, wallClock, zonedInstant,
} from '../../Web/schedule.js';

const NOW = Date.parse('2027-03-01T12:00:00Z');

function form(overrides = {}) {
  return {
    title: 'Weekly sync', date: '2027-03-22', time: '09:00', duration: '60', agenda: '', repeat: 'none', count: '',
    invitees: '', password: '', waitingRoom: false, role: 'attendee', ...overrides,
  };
}

test('a wall-clock time is written with the zone offset in force then', () => {
  assert.equal(offsetMinutes(Date.parse('2027-01-15T12:00:00Z'), 'Europe/Berlin'), 60);
  assert.equal(offsetMinutes(Date.parse('2027-07-15T12:00:00Z'), 'Europe/Berlin'), 120);
  assert.equal(offsetMinutes(Date.parse('2027-07-15T12:00:00Z'), 'America/New_York'), -240);
  assert.equal(offsetMinutes(Date.parse('2027-07-15T12:00:00Z'), 'Asia/Kolkata'), 330);
  assert.equal(rfc3339(zonedInstant('2027-03-22', '09:00', 'Europe/Berlin'), 'Europe/Berlin'), '2027-03-22T09:00:00+01:00');
  assert.equal(rfc3339(zonedInstant('2027-03-29', '09:00', 'Europe/Berlin'), 'Europe/Berlin'), '2027-03-29T09:00:00+02:00');
  assert.equal(rfc3339(zonedInstant('2027-01-04', '18:30', 'America/New_York'), 'America/New_York'), '2027-01-04T18:30:00-05:00');
  assert.equal(rfc3339(zonedInstant('2027-01-04', '18:30', 'Asia/Kolkata'), 'UTC'), '2027-01-04T13:00:00+00:00');
});

test('a time in the spring-forward gap moves on, one that exists twice is the first', () => {
  // New York, 14 March 2027: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
  assert.equal(rfc3339(zonedInstant('2027-03-14', '02:30', 'America/New_York'), 'America/New_York'), '2027-03-14T03:30:00-04:00');
  // Berlin, 31 October 2027: 02:30 happens at +02:00 and again at +01:00.
  assert.equal(rfc3339(zonedInstant('2027-10-31', '02:30', 'Europe/Berlin'), 'Europe/Berlin'), '2027-10-31T02:30:00+02:00');
});

test('the form becomes a meeting, a schedule with its zone, and invitees', () => {
  const request = buildScheduleRequest(form({
    agenda: '  Status\nPlans  ', repeat: 'weekly', count: '10', invitees: 'bob@example.com, Cy@Example.org;bob@EXAMPLE.com\n<dee@example.net>',
    password: 'secret-pass', waitingRoom: true, duration: '45',
  }), { timeZone: 'Europe/Berlin', now: NOW });
  assert.deepEqual(request.meeting, { title: 'Weekly sync', waitingRoom: true, password: 'secret-pass' });
  assert.deepEqual(request.schedule, {
    startsAt: '2027-03-22T09:00:00+01:00', endsAt: '2027-03-22T09:45:00+01:00', timeZone: 'Europe/Berlin',
    description: 'Status\nPlans', recurrence: 'FREQ=WEEKLY;COUNT=10',
  });
  assert.deepEqual(request.invitees, ['bob@example.com', 'Cy@Example.org', 'dee@example.net']);
  assert.equal(request.role, 'attendee');
});

test('a single meeting sends no recurrence, no agenda, and no password', () => {
  const request = buildScheduleRequest(form(), { timeZone: 'UTC', now: NOW });
  assert.deepEqual(request.schedule, { startsAt: '2027-03-22T09:00:00+00:00', endsAt: '2027-03-22T10:00:00+00:00', timeZone: 'UTC' });
  assert.deepEqual(request.meeting, { title: 'Weekly sync', waitingRoom: false });
  assert.deepEqual(request.invitees, []);
});

test('an end across a DST change keeps the right offset', () => {
  // 27 March 2027 23:30 Berlin (+01:00) for 4 hours ends 28 March 04:30 (+02:00).
  const request = buildScheduleRequest(form({ date: '2027-03-27', time: '23:30', duration: '240' }),
    { timeZone: 'Europe/Berlin', now: NOW });
  assert.equal(request.schedule.endsAt, '2027-03-28T04:30:00+02:00');
});

test('every bad value names its field', () => {
  const fieldOf = (overrides) => {
    try {
      buildScheduleRequest(form(overrides), { timeZone: 'Europe/Berlin', now: NOW });
    } catch (error) {
      assert.equal(error.code, 'validation_failed');
      return error.field;
    }
    return null;
  };
  assert.equal(fieldOf({ title: ' a ' }), 'title');
  assert.equal(fieldOf({ date: '' }), 'date');
  assert.equal(fieldOf({ time: '9' }), 'time');
  assert.equal(fieldOf({ date: '2027-02-01' }), 'time');
  assert.equal(fieldOf({ duration: '0' }), 'duration');
  assert.equal(fieldOf({ duration: String(8 * 24 * 60) }), 'duration');
  assert.equal(fieldOf({ repeat: 'daily', count: '1' }), 'count');
  assert.equal(fieldOf({ repeat: 'daily', count: '731' }), 'count');
  assert.equal(fieldOf({ repeat: 'hourly', count: '3' }), 'repeat');
  assert.equal(fieldOf({ invitees: 'bob@example.com not-an-address' }), 'invitees');
  assert.equal(fieldOf({ invitees: Array.from({ length: 51 }, (_, i) => `p${i}@example.com`).join(' ') }), 'invitees');
  assert.equal(fieldOf({}), null);
});

test('repeat choices and invitee lists', () => {
  assert.equal(recurrenceRule('none', ''), null);
  assert.equal(recurrenceRule('daily', '5'), 'FREQ=DAILY;COUNT=5');
  assert.equal(recurrenceRule('weekly', 730), 'FREQ=WEEKLY;COUNT=730');
  assert.deepEqual(parseInvitees(''), []);
  assert.deepEqual(parseInvitees(' a@b.co \n\n c@d.org,'), ['a@b.co', 'c@d.org']);
});

test('the default start is the next quarter hour at least five minutes away', () => {
  assert.equal(new Date(defaultStart(Date.parse('2027-03-01T12:00:00Z'))).toISOString(), '2027-03-01T12:15:00.000Z');
  assert.equal(new Date(defaultStart(Date.parse('2027-03-01T12:11:00Z'))).toISOString(), '2027-03-01T12:30:00.000Z');
  assert.deepEqual(wallClock(Date.parse('2027-03-01T12:15:00Z'), 'Asia/Kolkata'), { date: '2027-03-01', time: '17:45' });
});

test('upcoming rows say when, in the viewer zone, and how soon', () => {
  const item = {
    meeting: { code: 'abc-defg-hij', title: 'Weekly sync', role: 'attendee' },
    occurrence: { id: '20270322T080000Z', startsAt: '2027-03-22T08:00:00Z', endsAt: '2027-03-22T09:00:00Z', status: 'scheduled' },
  };
  const view = upcomingView(item, { now: Date.parse('2027-03-22T07:50:00Z'), timeZone: 'America/New_York' });
  assert.deepEqual(view, {
    code: 'abc-defg-hij', title: 'Weekly sync', when: 'Mon 22 Mar, 04:00–05:00', soon: 'in 10 min', live: false,
    moved: false, canReport: false,
  });
  const live = upcomingView({ ...item, meeting: { ...item.meeting, role: 'host' } },
    { now: Date.parse('2027-03-22T08:00:00Z'), timeZone: 'UTC' });
  assert.equal(live.soon, 'Now');
  assert.equal(live.live, true);
  assert.equal(live.canReport, true);
  assert.equal(startsIn('2027-03-22T08:00:00Z', '2027-03-22T09:00:00Z', Date.parse('2027-03-22T09:00:00Z')), null);
  assert.equal(startsIn('2027-03-22T08:00:00Z', '2027-03-22T09:00:00Z', Date.parse('2027-03-22T05:10:00Z')), 'in 3 h');
  assert.equal(startsIn('2027-03-24T08:00:00Z', '2027-03-24T09:00:00Z', Date.parse('2027-03-22T05:10:00Z')), null);
  assert.equal(formatRange('2027-03-22T22:00:00Z', '2027-03-23T01:00:00Z', { timeZone: 'UTC' }), 'Mon 22 Mar, 22:00–Tue 23 Mar, 01:00');
});
