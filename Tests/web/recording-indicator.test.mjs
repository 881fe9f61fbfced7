// The recording indicator in the web client's room reducer (Web/room-state.js):
// `joined` carries the active recording for a late joiner, `recording-started`
// and `recording-stopped` turn it on and off (docs/signaling.md, Recording).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initialRoomState, reduceEvent, reduceSnapshot } from '../../Web/room-state.js';

const ME = 'aaaa0000-0000-0000-0000-000000000001';
const recording = { recordingId: 'r1', startedBy: 'u1', startedAt: '2026-12-05T11:00:00Z' };
const context = { now: 0, ended: false, publisher: { active: false }, subscriptions: [] };

function fresh() {
  return initialRoomState({ code: 'abc-defg-hij', ticket: { participant: { id: ME, role: 'attendee' }, meeting: {} } });
}

function join(data = {}) {
  return reduceSnapshot(fresh(), { you: ME, role: 'attendee', participants: [{ id: ME, displayName: 'Me' }], ...data }, context);
}

const announcements = (effects) => effects.filter((e) => e.type === 'announce').map((e) => e.text);

test('no recording: no indicator', () => {
  assert.equal(fresh().recording, null);
  const { state, effects } = join();
  assert.equal(state.recording, null);
  assert.deepEqual(announcements(effects), []);
});

test('a late joiner sees the recording from its joined, and is told', () => {
  const { state, effects } = join({ recording });
  assert.deepEqual(state.recording, recording);
  assert.deepEqual(announcements(effects), ['This meeting is being recorded.']);
  // A resume while it goes on does not say it again.
  const resumed = reduceSnapshot(state, { you: ME, resumed: true, participants: [], recording }, context);
  assert.deepEqual(announcements(resumed.effects), ['Reconnected.']);
});

test('recording-started turns the indicator on, recording-stopped off', () => {
  const started = reduceEvent(join().state, { type: 'recording-started', data: recording }, context);
  assert.deepEqual(started.state.recording, recording);
  assert.deepEqual(announcements(started.effects), ['This meeting is being recorded.']);
  assert.ok(started.effects.some((e) => e.type === 'render'));
  const stopped = reduceEvent(started.state, { type: 'recording-stopped', data: { recordingId: 'r1', reason: 'stopped_by_host' } }, context);
  assert.equal(stopped.state.recording, null);
  assert.deepEqual(announcements(stopped.effects), ['Recording stopped.']);
  // A new seat on a meeting no longer recorded drops it too.
  assert.equal(reduceSnapshot(started.state, { you: ME, participants: [] }, context).state.recording, null);
});
