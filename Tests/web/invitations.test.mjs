// Invitation answer links and list rows (Web/invitations.js), notification
// rows and the bell's badge (Web/notifications.js), report wording
// (Web/report.js): the pure parts of the scheduling screens.
import assert from 'node:assert/strict';
import test from 'node:test';

import { invitationRows, invitationView, parseInvitationLink } from '../../Web/invitations.js';
import { badgeText, notificationView } from '../../Web/notifications.js';
import { attendanceRows, formatDuration, pollView, reportSummary } from '../../Web/report.js';

const ID = '3f0c2a6e-8b1d-4c55-9f0e-2b7d9a1c4e11';

test('an email answer link gives the invitation id and its secret', () => {
  assert.deepEqual(parseInvitationLink(`/invitations/${ID}`, '?secret=abc_DEF-123'), { id: ID, secret: 'abc_DEF-123' });
  assert.deepEqual(parseInvitationLink(`/invitations/${ID.toUpperCase()}/`, '?secret=s'), { id: ID, secret: 's' });
  assert.deepEqual(parseInvitationLink('/', `?invitation=${ID}&secret=s%2Bt`), { id: ID, secret: 's+t' });
  assert.deepEqual(parseInvitationLink(`/invitations/${ID}`, ''), { id: ID, secret: null });
  assert.equal(parseInvitationLink('/invitations/not-a-uuid', '?secret=s'), null);
  assert.equal(parseInvitationLink('/abc-defg-hij', '?secret=s'), null);
  assert.equal(parseInvitationLink('/', ''), null);
  assert.equal(parseInvitationLink(`/invitations/${ID}`, `?secret=${'x'.repeat(201)}`).secret, null);
});

test('invitation rows: pending ones first, with what was asked', () => {
  const items = [
    { id: 'a', meetingCode: 'abc-defg-hij', meetingTitle: 'Old', role: 'attendee', status: 'declined' },
    { id: 'b', meetingCode: 'bcd-efgh-ijk', meetingTitle: 'Sync', role: 'host', status: 'pending' },
    { id: 'c', meetingCode: 'cde-fghi-jkl', meetingTitle: 'Review', role: 'attendee', status: 'accepted' },
  ];
  assert.deepEqual(invitationRows(items).map((row) => row.id), ['b', 'a', 'c']);
  assert.deepEqual(invitationView(items[1]), {
    id: 'b', code: 'bcd-efgh-ijk', title: 'Sync', detail: 'As a host. Waiting for your answer.', pending: true, accepted: false,
  });
  assert.equal(invitationView(items[2]).detail, 'As an attendee. Accepted.');
  assert.equal(invitationRows(items, 1).length, 1);
});

test('the bell badge and notification rows', () => {
  assert.equal(badgeText(0, false), '');
  assert.equal(badgeText(3, false), '3');
  assert.equal(badgeText(99, true), '99+');
  const view = notificationView({
    id: 'n', kind: 'reminder', meetingCode: 'abc-defg-hij', title: 'Starting soon: Sync', body: 'Starts at 2027-03-22T08:00:00Z.',
    createdAt: '2027-03-22T07:50:00Z',
  }, { timeZone: 'Europe/Berlin' });
  assert.deepEqual(view, {
    id: 'n', title: 'Starting soon: Sync', body: 'Starts at 2027-03-22T08:00:00Z.', when: '22 Mar, 08:50', unread: true,
    code: 'abc-defg-hij',
  });
  assert.equal(notificationView({ id: 'm', title: 't', body: 'b', createdAt: '2027-03-22T07:50:00Z', readAt: '2027-03-22T08:00:00Z' },
    { timeZone: 'UTC' }).unread, false);
});

test('report wording: durations, summary, attendance rows and polls', () => {
  assert.equal(formatDuration(0), '0 s');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(750), '12 min 30 s');
  assert.equal(formatDuration(600), '10 min');
  assert.equal(formatDuration(3900), '1 h 05 min');
  const report = {
    title: 'Sync', createdAt: '2027-03-22T07:55:00Z', durationSeconds: 3600, peakParticipants: 2, chatMessages: 5,
    attendance: [
      { displayName: 'Ann', role: 'owner', userId: 'u1', joinedAt: '2027-03-22T08:00:00Z', leftAt: '2027-03-22T09:00:00Z', secondsPresent: 3600,
        talkSeconds: 754 },
      { displayName: 'Dee', role: 'attendee', joinedAt: '2027-03-22T08:10:05Z', secondsPresent: 65, talkSeconds: 0 },
    ],
    polls: [{ question: 'Lunch?', options: ['Yes', 'No'], counts: [1, 0], multiple: false, anonymous: true, state: 'closed', voterCount: 1 }],
  };
  const options = { timeZone: 'UTC' };
  assert.deepEqual(reportSummary(report, options), [
    ['Duration', '1 h 00 min'], ['Most people at once', '2'], ['Chat messages', '5'], ['Created', '22 Mar, 07:55:00'],
    ['Ended', 'Not ended'],
  ]);
  assert.deepEqual(attendanceRows(report, options), [
    ['Ann', 'Owner', '22 Mar, 08:00:00', '22 Mar, 09:00:00', '1 h 00 min', '12 min 34 s'],
    ['Dee (guest)', 'Attendee', '22 Mar, 08:10:05', 'Still here', '1 min 5 s', '0 s'],
  ]);
  assert.deepEqual(pollView(report.polls[0]), {
    question: 'Lunch?', detail: 'Closed, 1 voter, anonymous', options: ['Yes: 1 vote', 'No: 0 votes'],
  });
});
