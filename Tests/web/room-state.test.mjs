// The web client's room reducer (Web/room-state.js) without a browser:
// `node --test Tests/web` (scripts/test runs it). Each test feeds a
// snapshot or an event and checks the next state and the effects Room
// would run.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  REPUBLISH_DELAY_MS, RESYNC_DELAY_MS, hasTracks, initialRoomState, reduceEvent, reduceSnapshot,
} from '../../Web/room-state.js';

const ME = 'AAAA0000-0000-0000-0000-000000000001';
const ANN = 'bbbb0000-0000-0000-0000-000000000002';
const BOB = 'cccc0000-0000-0000-0000-000000000003';
const ann = { id: ANN, displayName: 'Ann', role: 'attendee' };
const bob = { id: BOB, displayName: 'Bob', role: 'attendee' };
const me = { id: ME, displayName: 'Me', role: 'owner' };
const annCamera = { id: 't1', participantId: ANN, kind: 'camera', nodeId: 'n1' };

function context(overrides = {}) {
  return {
    now: 100000, ended: false,
    publisher: { active: false, transportId: null, negotiatedAt: 0 },
    subscriptions: [],
    ...overrides,
  };
}

function fresh() {
  return initialRoomState({ code: 'abc-defg-hij', ticket: { participant: { id: ME, role: 'owner' }, meeting: { title: 'T' } } });
}

/** A room that has entered with Ann and Bob present and Ann publishing her camera. */
function entered() {
  return reduceSnapshot(fresh(), {
    you: ME, role: 'owner', meetingId: 'm1', participants: [me, ann, bob], tracks: [annCamera],
  }, context()).state;
}

const types = (effects) => effects.map((e) => e.type);
const announcements = (effects) => effects.filter((e) => e.type === 'announce').map((e) => e.text);

/** Deep copy of a state with its Maps, to prove a reducer did not change its input. */
function snapshotOf(state) {
  return JSON.stringify(state, (key, value) => (value instanceof Map ? [...value.entries()] : value));
}

test('the first snapshot enters, publishes, and subscribes to everyone else', () => {
  const before = fresh();
  const copy = snapshotOf(before);
  const { state, effects } = reduceSnapshot(before, {
    you: ME, role: 'owner', meetingId: 'm1', meetingCode: 'abc-defg-hij', iceServers: [{ urls: 'stun:x' }],
    participants: [me, ann, bob], waiting: [{ id: 'w1', displayName: 'Wes' }], tracks: [annCamera],
  }, context());
  assert.equal(snapshotOf(before), copy, 'the input state is untouched');
  assert.equal(state.entered, true);
  assert.equal(state.me, ME.toLowerCase());
  assert.deepEqual([...state.participants.keys()], [ME.toLowerCase(), ANN, BOB]);
  assert.deepEqual([...state.waiting.keys()], ['w1']);
  assert.deepEqual(state.meeting, { title: 'T', id: 'm1', code: 'abc-defg-hij' });
  assert.deepEqual(types(effects), [
    'ice-servers', 'enter', 'load-history', 'render', 'speakers', 'show-local', 'send-media-state', 'publish', 'subscribe', 'subscribe',
  ]);
  assert.deepEqual(effects[0].servers, [{ urls: 'stun:x' }]);
  assert.equal(effects.find((e) => e.type === 'publish').start, true);
  const subscribes = effects.filter((e) => e.type === 'subscribe');
  assert.deepEqual(subscribes.map((e) => [e.participantId, e.tracks.length]), [[ANN, 1], [BOB, 0]]);
  assert.deepEqual(announcements(effects), [], 'the first entry is not announced');
});

test('a resume keeps the seat: no new publication unless ours was lost, and says Reconnected', () => {
  const state = entered();
  const ours = { id: 'm', participantId: ME, kind: 'mic' };
  const kept = reduceSnapshot(state, { you: ME, resumed: true, participants: [me, ann], tracks: [annCamera, ours] },
    context({ publisher: { active: true, transportId: 'p1', negotiatedAt: 0 },
      subscriptions: [{ participantId: ANN, transportId: 's1' }, { participantId: BOB, transportId: 's2' }] }));
  assert.ok(!types(kept.effects).includes('publish') && !types(kept.effects).includes('republish'));
  assert.ok(!types(kept.effects).includes('close-subscriptions'));
  assert.deepEqual(kept.effects.filter((e) => e.type === 'unsubscribe'), [{ type: 'unsubscribe', key: BOB }], 'Bob left meanwhile');
  assert.deepEqual(announcements(kept.effects), ['Reconnected.']);

  const lost = reduceSnapshot(state, { you: ME, resumed: true, participants: [me, ann], tracks: [annCamera] },
    context({ publisher: { active: true, transportId: 'p1', negotiatedAt: 0 } }));
  assert.deepEqual(lost.effects.filter((e) => e.type === 'republish'), [{ type: 'republish', options: {}, delayMs: 0 }]);
});

test('a rejoin on a new seat drops every subscription and publishes again', () => {
  const { effects } = reduceSnapshot(entered(), { you: 'dddd0000-0000-0000-0000-000000000009', resumed: false, participants: [ann] },
    context({ publisher: { active: true }, subscriptions: [{ participantId: BOB, transportId: 's2' }] }));
  assert.deepEqual(types(effects), ['ice-servers', 'close-subscriptions', 'render', 'speakers', 'show-local', 'send-media-state', 'publish', 'subscribe', 'announce']);
  assert.equal(effects.find((e) => e.type === 'publish').start, false, 'the active publisher moves to a new connection');
  assert.deepEqual(announcements(effects), ['Rejoined the meeting.']);
});

test('someone joining is announced once, and subscribed to when their tracks came first', () => {
  let state = reduceEvent(entered(), { type: 'participant-left', data: { participantId: ANN } }, context()).state;
  state = reduceEvent(state, { type: 'tracks', data: { participantId: ANN, tracks: [annCamera] } }, context()).state;
  const joined = reduceEvent(state, { type: 'participant-joined', data: { participant: ann } }, context());
  assert.deepEqual(announcements(joined.effects), ['Ann joined.']);
  assert.deepEqual(joined.effects.find((e) => e.type === 'subscribe'), { type: 'subscribe', participantId: ANN, tracks: [annCamera] });
  assert.equal(joined.effects.at(-1).type, 'render');
  const again = reduceEvent(joined.state, { type: 'participant-joined', data: { participant: ann } }, context());
  assert.deepEqual(announcements(again.effects), [], 'known already');
  assert.deepEqual(reduceEvent(state, { type: 'participant-joined', data: {} }, context()), { state, effects: [] });
});

test('a raised hand is announced for others and tracked for us', () => {
  const state = entered();
  const raised = reduceEvent(state, { type: 'participant-updated', data: { participant: { ...ann, handRaised: true } } }, context());
  assert.deepEqual(announcements(raised.effects), ['Ann raised their hand.']);
  assert.equal(raised.state.handRaised, false);
  const mine = reduceEvent(state, { type: 'participant-updated', data: { participant: { ...me, handRaised: true } } }, context());
  assert.deepEqual(announcements(mine.effects), []);
  assert.equal(mine.state.handRaised, true);
});

test('our own role follows participant-updated, and a change of host rights is announced', () => {
  const state = { ...entered(), role: 'attendee' };
  const promoted = reduceEvent(state, { type: 'participant-updated', data: { participant: { ...me, role: 'host' } } }, context());
  assert.equal(promoted.state.role, 'host');
  assert.deepEqual(announcements(promoted.effects), ['You are now a host.']);
  assert.equal(promoted.effects.at(-1).type, 'render');
  const demoted = reduceEvent(promoted.state, { type: 'participant-updated', data: { participant: { ...me, role: 'attendee' } } }, context());
  assert.equal(demoted.state.role, 'attendee');
  assert.deepEqual(announcements(demoted.effects), ['You are no longer a host.']);
  // Someone else's role is theirs, not ours.
  const other = reduceEvent(state, { type: 'participant-updated', data: { participant: { ...ann, role: 'host' } } }, context());
  assert.equal(other.state.role, 'attendee');
});

test('someone leaving drops their tracks and subscription, in words that say why', () => {
  const state = entered();
  const copy = snapshotOf(state);
  const left = reduceEvent(state, { type: 'participant-left', data: { participantId: ANN.toUpperCase(), reason: 'kicked' } }, context());
  assert.equal(snapshotOf(state), copy, 'the input state is untouched');
  assert.ok(!left.state.participants.has(ANN) && !hasTracks(left.state, ANN));
  assert.deepEqual(types(left.effects), ['unsubscribe', 'speakers', 'announce', 'render']);
  assert.deepEqual(announcements(left.effects), ['Ann was removed.']);
  const timeout = reduceEvent(state, { type: 'participant-left', data: { participantId: BOB, reason: 'timeout' } }, context());
  assert.deepEqual(announcements(timeout.effects), ['Bob lost their connection.']);
});

test('tracks: others are subscribed to as they change, and an empty list ends it', () => {
  const state = entered();
  const screen = { id: 't2', participantId: BOB, kind: 'screen' };
  const bobs = reduceEvent(state, { type: 'tracks', data: { participantId: BOB, tracks: [screen] } }, context());
  assert.deepEqual(bobs.effects, [{ type: 'subscribe', participantId: BOB, tracks: [screen] }]);
  assert.ok(hasTracks(bobs.state, BOB));
  const none = reduceEvent(bobs.state, { type: 'tracks', data: { participantId: BOB, tracks: [] } }, context());
  assert.ok(!hasTracks(none.state, BOB));
  assert.deepEqual(none.effects, [{ type: 'subscribe', participantId: BOB, tracks: [] }]);
  const stranger = reduceEvent(state, { type: 'tracks', data: { participantId: 'eeee', tracks: [screen] } }, context());
  assert.deepEqual(stranger.effects, [], 'not subscribed before they join');
  assert.ok(hasTracks(stranger.state, 'eeee'), 'but remembered for when they do');
});

test('an empty tracks about us publishes again, later, unless we just (re)published', () => {
  const state = entered();
  const event = { type: 'tracks', data: { participantId: ME, tracks: [] } };
  const dropped = reduceEvent(state, event, context({ now: 100000, publisher: { active: true, negotiatedAt: 90000 } }));
  assert.deepEqual(dropped.effects, [{ type: 'republish', options: {}, delayMs: REPUBLISH_DELAY_MS }]);
  assert.equal(dropped.state, state);
  const justNow = reduceEvent(state, event, context({ now: 100000, publisher: { active: true, negotiatedAt: 99000 } }));
  assert.deepEqual(justNow.effects, []);
  const ended = reduceEvent(state, event, context({ ended: true, publisher: { active: true, negotiatedAt: 0 } }));
  assert.deepEqual(ended.effects, []);
});

test('a closed subscription is resynced later while its publisher still publishes', () => {
  const state = entered();
  const subscriptions = [{ participantId: ANN, transportId: 's1' }, { participantId: BOB, transportId: 's2' }];
  const annClosed = reduceEvent(state, { type: 'subscription-closed', data: { transportId: 's1' } }, context({ subscriptions }));
  assert.deepEqual(annClosed.effects, [
    { type: 'close-subscription', transportId: 's1' }, { type: 'resync', participantId: ANN, delayMs: RESYNC_DELAY_MS },
  ]);
  const bobClosed = reduceEvent(state, { type: 'subscription-closed', data: { transportId: 's2' } }, context({ subscriptions }));
  assert.deepEqual(types(bobClosed.effects), ['close-subscription'], 'Bob publishes nothing');
});

test('a closed per-node connection resyncs everyone it carried who still publishes, once each', () => {
  const state = entered();
  const subscriptions = [
    { participantId: ANN, transportId: 'n1' }, { participantId: BOB, transportId: 'n1' },
    { participantId: ANN, transportId: 'n1' }, { participantId: 'cccc', transportId: 'n2' },
  ];
  const closed = reduceEvent(state, { type: 'subscription-closed', data: { transportId: 'n1' } }, context({ subscriptions }));
  assert.deepEqual(closed.effects, [
    { type: 'close-subscription', transportId: 'n1' }, { type: 'resync', participantId: ANN, delayMs: RESYNC_DELAY_MS },
  ], 'Ann once; Bob publishes nothing; n2 untouched');
});

test('chat: shown, and announced only when someone else wrote it', () => {
  const state = entered();
  const theirs = { id: 1, participantId: ANN, displayName: 'Ann', body: 'hi' };
  assert.deepEqual(reduceEvent(state, { type: 'chat', data: theirs }, context()).effects,
    [{ type: 'chat', messages: [theirs], announce: 'Ann says: hi' }]);
  const mine = { id: 2, participantId: ME, displayName: 'Me', body: 'yo' };
  assert.equal(reduceEvent(state, { type: 'chat', data: mine }, context()).effects[0].announce, null);
});

test('a host turning our media off: the device goes off and we are told who did it', () => {
  const state = entered();
  const mic = reduceEvent(state, { type: 'mute-requested', data: { by: ANN, kind: 'mic' } }, context());
  assert.deepEqual(types(mic.effects), ['turn-off', 'send-media-state', 'announce', 'render']);
  assert.deepEqual(mic.effects[2], { type: 'announce', text: 'Ann turned off your microphone. You can turn it back on.', assertive: true });
  const screen = reduceEvent(state, { type: 'mute-requested', data: { kind: 'screen' } }, context());
  assert.deepEqual(types(screen.effects), ['turn-off', 'announce', 'render'], 'stopping the share sends the state itself');
  assert.match(screen.effects[1].text, /^A host turned off your screen share/);
});

test('the waiting room follows admission requests and their outcome', () => {
  const wes = { id: 'W1', displayName: 'Wes' };
  const asked = reduceEvent(entered(), { type: 'admission-request', data: { participant: wes } }, context());
  assert.ok(asked.state.waiting.has('w1'));
  assert.deepEqual(announcements(asked.effects), ['Wes is waiting to join. Open People to admit them.']);
  // Asked again (the presence write-back after a Redis restart): the same guest, no second announcement.
  const again = reduceEvent(asked.state, { type: 'admission-request', data: { participant: wes } }, context());
  assert.ok(again.state.waiting.has('w1'));
  assert.deepEqual(announcements(again.effects), []);
  const resolved = reduceEvent(asked.state, { type: 'admission-resolved', data: { participantId: 'W1' } }, context());
  assert.ok(!resolved.state.waiting.has('w1'));
  assert.deepEqual(types(resolved.effects), ['render']);
});

test('migrate: our publication and our subscriptions move as migration.js plans', () => {
  const state = entered();
  const ctx = context({
    publisher: { active: true, transportId: 'p1' },
    subscriptions: [{ participantId: ANN, transportId: 's1', nodeId: 'n1' }],
  });
  const ours = reduceEvent(state, { type: 'migrate', data: { reason: 'drain', transportId: 'p1' } }, ctx);
  assert.deepEqual(ours.effects, [{ type: 'republish', options: { replaces: 'p1', lost: false }, delayMs: 0 }]);
  const theirs = reduceEvent(state, { type: 'migrate', data: { reason: 'node_lost', transportId: 's1', publisherParticipantId: ANN, targetNodeId: 'n2' } }, ctx);
  assert.deepEqual(theirs.effects, [{ type: 'resubscribe', participantId: ANN, options: { participantId: ANN, targetNodeId: 'n2', lost: true } }]);
});

test('an error event is reported; an unknown event changes nothing', () => {
  const state = entered();
  assert.deepEqual(reduceEvent(state, { type: 'error', data: { code: 'forbidden' } }, context()).effects,
    [{ type: 'report-error', error: { code: 'forbidden' } }]);
  assert.deepEqual(reduceEvent(state, { type: 'from-the-future', data: { x: 1 } }, context()), { state, effects: [] });
  assert.deepEqual(reduceEvent(state, { type: 'chat' }, context()).effects[0].messages, [{}], 'missing data is an empty object');
});

test('active-speakers: loudest first, outlines redrawn only on change, the top speaker featured and kept through a pause', () => {
  const state = entered();
  const first = reduceEvent(state, {
    type: 'active-speakers',
    data: { speakers: [{ participantId: BOB.toUpperCase(), level: 80 }, { participantId: ANN, level: 35 }] },
  }, context());
  assert.deepEqual([...first.state.speakers], [[BOB, 80], [ANN, 35]], 'ids normalised, order kept');
  assert.equal(first.state.featured, BOB);
  assert.deepEqual(first.effects, [{ type: 'speakers' }]);
  assert.equal(state.speakers.size, 0, 'the input state is untouched');

  const same = reduceEvent(first.state, {
    type: 'active-speakers', data: { speakers: [{ participantId: BOB, level: 80 }, { participantId: ANN, level: 35 }] },
  }, context());
  assert.deepEqual(same.effects, [], 'nothing to redraw');
  assert.equal(same.state, first.state);

  const swapped = reduceEvent(first.state, {
    type: 'active-speakers', data: { speakers: [{ participantId: ANN, level: 90 }, { participantId: BOB, level: 20 }] },
  }, context());
  assert.equal(swapped.state.featured, ANN, 'the new top speaker is featured');

  const quiet = reduceEvent(swapped.state, { type: 'active-speakers', data: { speakers: [] } }, context());
  assert.equal(quiet.state.speakers.size, 0, 'nobody is outlined');
  assert.equal(quiet.state.featured, ANN, 'the last top speaker stays featured while nobody speaks');
  assert.deepEqual(quiet.effects, [{ type: 'speakers' }]);
});

test('active-speakers: unknown people are skipped; someone leaving stops speaking and is no longer featured', () => {
  const state = entered();
  const stranger = 'dddd0000-0000-0000-0000-000000000004';
  const speaking = reduceEvent(state, {
    type: 'active-speakers', data: { speakers: [{ participantId: stranger, level: 99 }, { participantId: ANN, level: 40 }] },
  }, context()).state;
  assert.deepEqual([...speaking.speakers], [[ANN, 40]]);
  assert.equal(speaking.featured, ANN);
  const left = reduceEvent(speaking, { type: 'participant-left', data: { participantId: ANN, reason: 'left' } }, context());
  assert.equal(left.state.speakers.size, 0);
  assert.equal(left.state.featured, null);
  assert.ok(types(left.effects).includes('speakers'));
});

test('a new seat forgets speakers who are not in the room any more', () => {
  const speaking = reduceEvent(entered(), {
    type: 'active-speakers', data: { speakers: [{ participantId: ANN, level: 40 }, { participantId: BOB, level: 30 }] },
  }, context()).state;
  const rejoined = reduceSnapshot(speaking, { you: ME, role: 'owner', meetingId: 'm1', participants: [me, bob], tracks: [] }, context());
  assert.deepEqual([...rejoined.state.speakers], [[BOB, 30]]);
  assert.equal(rejoined.state.featured, null);
  assert.ok(types(rejoined.effects).includes('speakers'));
});
