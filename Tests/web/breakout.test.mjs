// Breakout rooms in the web client (Web/breakout.js): a `breakout-scope`
// replaces the roster and moves the subscriptions (out of the room: closed;
// in it: opened), keeps our publication and the waiting room; the banner
// shows the room and its countdown.
import assert from 'node:assert/strict';
import test from 'node:test';

import { bannerText, reduceScope } from '../../Web/breakout.js';
import { initialRoomState, reduceSnapshot } from '../../Web/room-state.js';

const me = { id: 'ME', displayName: 'Me' };
const a = { id: 'A', displayName: 'A' };
const b = { id: 'B', displayName: 'B' };
const track = (p) => ({ id: `${p}:0`, participantId: p, kind: 'camera', nodeId: 'n1', mid: '0' });

function joined() {
  const state = initialRoomState({ code: 'abc', ticket: { participant: { id: 'me' } } });
  const snapshot = { you: 'ME', role: 'attendee', meetingId: 'M', participants: [me, a, b], tracks: [track('ME'), track('A'), track('B')],
    waiting: [], resumed: false };
  return reduceSnapshot(state, snapshot, { subscriptions: [], publisher: {} }).state;
}

test('a scope closes the subscriptions outside the room and opens those in it, without republishing', () => {
  const state = joined();
  const context = { subscriptions: [{ participantId: 'A', transportId: 't1' }, { participantId: 'B', transportId: 't1' }],
    publisher: { active: true } };
  const { state: next, effects } = reduceScope(state, { roomId: 'R1', roomName: 'Room 1', participants: [me, a], tracks: [track('ME'), track('A')] }, context);
  assert.deepEqual([...next.participants.keys()].sort(), ['a', 'me']);
  assert.deepEqual(effects.filter((e) => e.type === 'unsubscribe').map((e) => e.key), ['b']);
  assert.deepEqual(effects.filter((e) => e.type === 'subscribe').map((e) => e.participantId), ['A']);
  assert.ok(!effects.some((e) => ['publish', 'republish', 'close-subscriptions', 'announce', 'ice-servers'].includes(e.type)), JSON.stringify(effects));
});

test('the banner names the room and counts down', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  const plan = { status: 'open', rooms: [{ id: 'R1', name: 'Room 1' }], assignments: [{ participantId: 'ME', roomId: 'R1' }],
    endsAt: '2026-12-05T12:01:30Z' };
  assert.equal(bannerText(plan, 'me', now), 'Room 1: 1:30 left');
  assert.equal(bannerText({ ...plan, status: 'closing', returnAt: '2026-12-05T12:00:10Z' }, 'me', now), 'Room 1: everyone returns in 10 s');
  assert.equal(bannerText({ ...plan, endsAt: null }, 'other', now), 'Main room');
  assert.equal(bannerText({ ...plan, status: 'closed' }, 'me', now), null);
});
