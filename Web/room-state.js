// What a meeting's messages do to the room, as a pure reducer: the state
// and one server message in, the next state and a list of effects out.
// No DOM, no timers, no sockets: Room (room.js) keeps the state and runs
// the effects, and Tests/web/room-state.test.mjs runs this without a browser.
//
// The server is the source of truth: every (re)join gives a snapshot
// (participants, waiting room, published tracks) that replaces the state;
// events then patch it. Media follows `tracks`: whoever publishes is
// subscribed to, whoever stops is dropped.
//
// Who speaks follows `active-speakers` (docs/signaling.md): `speakers` maps
// each speaking participant to a level (1…100), loudest first; `featured`
// is the latest top speaker, kept while nobody speaks (the speaker view's
// big tile does not jump back at every pause) and dropped when they leave.
//
// `context` is what the reducer reads but does not own, taken by Room just
// before each call: {now (ms), ended, publisher: {active, transportId,
// negotiatedAt}, subscriptions: [{participantId, transportId, nodeId}]}.
//
// Effects, run in order (see Room.run):
//   {type: 'announce', text, assertive}          tell the person (screen reader and toast)
//   {type: 'render'}                             redraw people, tiles and buttons
//   {type: 'enter'}                              show the meeting screen (first entry)
//   {type: 'load-history'}                       fetch the chat history over REST
//   {type: 'ice-servers', servers}               use these STUN/TURN servers from now on
//   {type: 'show-local'}                         (re)attach our own camera and mic to our tile
//   {type: 'send-media-state'}                   tell the server what we send
//   {type: 'publish', start, prefix}             publish (start: first time, else on a new connection)
//   {type: 'republish', options, delayMs}        publish on a new connection (delayMs: later, if still connected)
//   {type: 'subscribe', participantId, tracks}   watch exactly `tracks` of that person
//   {type: 'resync', participantId, delayMs}     later: subscribe to whatever tracks they have then
//   {type: 'resubscribe', participantId, options}
//   {type: 'unsubscribe', key}                   stop watching (a participant key)
//   {type: 'speakers'}                           redraw the speaking outlines and the featured tile
//   {type: 'close-subscriptions'}                drop every subscription (a new seat)
//   {type: 'close-subscription', transportId}    the server closed that transport
//   {type: 'chat', messages, announce}           show messages; `announce` (or null) once shown
//   {type: 'turn-off', kind}                     a host turned our mic, camera or screen off
//   {type: 'report-error', error}                show a signaling error
//
// `recording` is the meeting's active recording ({recordingId, startedBy,
// startedAt}, from `joined` or `recording-started`) or null: the indicator.

import { idKey } from './dom.js';
import { planMigration } from './migration.js';

/** How long after our own (re)publish an empty `tracks` about us is not a lost transport. */
export const REPUBLISH_SETTLE_MS = 3000;
/** How long to wait before publishing again when the node dropped our transport. */
export const REPUBLISH_DELAY_MS = 500;
/** How long to wait before subscribing again after the server closed a subscription. */
export const RESYNC_DELAY_MS = 300;

/** The state before the first snapshot, from the REST join response. */
export function initialRoomState({ code, ticket }) {
  return {
    code,
    meeting: ticket.meeting || { code },
    me: idKey(ticket.participant && ticket.participant.id),
    role: ticket.participant ? ticket.participant.role : 'attendee',
    participants: new Map(),
    waiting: new Map(),
    tracks: new Map(),
    handRaised: false,
    entered: false,
    speakers: new Map(),
    featured: null,
    recording: null,
    audioSlots: null,
  };
}

/** Whether `participantId` publishes anything, per `state`. */
export function hasTracks(state, participantId) {
  return (state.tracks.get(idKey(participantId)) || []).length > 0;
}

/**
 * A `joined` or `admitted` snapshot (first join, a resume after a blip, or a
 * rejoin on a new seat): it replaces the people and tracks, and the media is
 * reconciled with it.
 */
export function reduceSnapshot(state, data, context) {
  data = data || {};
  const firstEntry = !state.entered;
  const me = idKey(data.you || state.me);
  const tracks = new Map();
  for (const track of data.tracks || []) {
    const key = idKey(track.participantId);
    if (!tracks.has(key)) tracks.set(key, []);
    tracks.get(key).push(track);
  }
  const next = {
    ...state,
    me,
    role: data.role || state.role,
    meeting: { ...state.meeting, id: data.meetingId, code: data.meetingCode || state.code },
    participants: new Map((data.participants || []).map((p) => [idKey(p.id), p])),
    waiting: new Map((data.waiting || []).map((p) => [idKey(p.id), p])),
    tracks,
    entered: true,
    recording: data.recording || null,
    // The deployment's audio slots (docs/signaling.md, "Audio slots"), or null when off.
    audioSlots: data.audioSlots || null,
  };
  // Speakers who are not in the room any more (a new seat, or they left while we were away) go.
  next.speakers = new Map([...state.speakers].filter(([key]) => next.participants.has(key)));
  if (!next.participants.has(next.featured)) next.featured = null;
  const effects = [{ type: 'ice-servers', servers: data.iceServers }];
  // A new seat (first join, admission, or a rejoin over REST after the old
  // seat expired): the server knows nothing of our media.
  const newSeat = firstEntry || !data.resumed || state.me !== me;
  let subscriptions = context.subscriptions || [];
  if (firstEntry) {
    effects.push({ type: 'enter' }, { type: 'load-history' });
  } else if (newSeat) {
    effects.push({ type: 'close-subscriptions' });
    subscriptions = [];
  }
  effects.push({ type: 'render' }, { type: 'speakers' }, { type: 'show-local' });
  const publisher = context.publisher || {};
  if (newSeat) {
    effects.push({ type: 'send-media-state' });
    effects.push({ type: 'publish', start: firstEntry || !publisher.active, prefix: 'Could not send your camera and microphone' });
  } else if (publisher.active && !tracks.has(me)) {
    // Resumed, but our publication did not survive the drop.
    effects.push({ type: 'republish', options: {}, delayMs: 0 });
  }
  for (const [key, person] of next.participants) {
    if (key !== me) effects.push({ type: 'subscribe', participantId: person.id, tracks: tracks.get(key) || [] });
  }
  for (const sub of subscriptions) {
    const key = idKey(sub.participantId);
    if (!next.participants.has(key)) effects.push({ type: 'unsubscribe', key });
  }
  if (!firstEntry) effects.push(announce(data.resumed ? 'Reconnected.' : 'Rejoined the meeting.'));
  if (next.recording && !state.recording) effects.push(announce('This meeting is being recorded.'));
  return { state: next, effects };
}

/** One server event (docs/signaling.md, "Events"). Unknown types change nothing. */
export function reduceEvent(state, { type, data }, context) {
  data = data || {};
  const handler = EVENTS[type];
  return handler ? handler(state, data, context, type) : unchanged(state);
}

const EVENTS = {
  'participant-joined': personArrived,
  'participant-updated': personArrived,
  'participant-left': personLeft,
  chat: (state, data) => {
    const mine = idKey(data.participantId) === state.me;
    return { state, effects: [{ type: 'chat', messages: [data], announce: mine ? null : `${data.displayName} says: ${data.body}` }] };
  },
  'mute-requested': muteRequested,
  'admission-request': (state, data) => {
    const person = data.participant;
    if (!person) return unchanged(state);
    const known = state.waiting.has(idKey(person.id));
    const waiting = new Map(state.waiting);
    waiting.set(idKey(person.id), person);
    // Someone already waiting is an update, not news: the presence write-back
    // after a Redis restart asks the hosts again (docs/signaling.md).
    const news = known ? [] : [announce(`${person.displayName} is waiting to join. Open People to admit them.`)];
    return { state: { ...state, waiting }, effects: [...news, { type: 'render' }] };
  },
  'admission-resolved': (state, data) => {
    const waiting = new Map(state.waiting);
    waiting.delete(idKey(data.participantId));
    return { state: { ...state, waiting }, effects: [{ type: 'render' }] };
  },
  tracks: tracksChanged,
  'subscription-closed': (state, data, context) => {
    const effects = [{ type: 'close-subscription', transportId: data.transportId }];
    // A per-node connection carries several people: each one who still
    // publishes (to us: in our room) is subscribed again, not only the first.
    const owners = new Set((context.subscriptions || [])
      .filter((s) => s.transportId === data.transportId && s.participantId)
      .map((s) => s.participantId));
    for (const owner of owners) {
      if (hasTracks(state, owner) && !context.ended) {
        effects.push({ type: 'resync', participantId: owner, delayMs: RESYNC_DELAY_MS });
      }
    }
    return { state, effects };
  },
  migrate: (state, data, context) => {
    // Move media off a node as the server says (see migration.js), make-before-break.
    const publisher = context.publisher || {};
    const plan = planMigration(data, {
      publisher: { active: publisher.active, transportId: publisher.transportId },
      subscriptions: context.subscriptions || [],
    });
    const effects = [];
    if (plan.republish) effects.push({ type: 'republish', options: plan.republish, delayMs: 0 });
    for (const move of plan.resubscribe) effects.push({ type: 'resubscribe', participantId: move.participantId, options: move });
    return { state, effects };
  },
  'active-speakers': activeSpeakers,
  'recording-started': (state, data) => ({
    state: { ...state, recording: data },
    effects: [announce('This meeting is being recorded.'), { type: 'render' }],
  }),
  'recording-stopped': (state) => ({
    state: { ...state, recording: null },
    effects: [announce('Recording stopped.'), { type: 'render' }],
  }),
  error: (state, data) => ({ state, effects: [{ type: 'report-error', error: data }] }),
};

function personArrived(state, data, context, type) {
  const person = data.participant;
  if (!person) return unchanged(state);
  const key = idKey(person.id);
  const before = state.participants.get(key);
  const participants = new Map(state.participants);
  participants.set(key, person);
  const waiting = new Map(state.waiting);
  waiting.delete(key);
  const next = { ...state, participants, waiting };
  const effects = [];
  if (type === 'participant-joined' && !before) effects.push(announce(`${person.displayName} joined.`));
  if (before && !before.handRaised && person.handRaised && key !== state.me) {
    effects.push(announce(`${person.displayName} raised their hand.`));
  }
  if (key === state.me) {
    next.handRaised = !!person.handRaised;
    // Our role as the server has it now (a host promoted or demoted us, or
    // our membership changed over REST): host controls follow it at once.
    if (person.role && person.role !== state.role) {
      next.role = person.role;
      const host = (role) => role === 'owner' || role === 'host';
      if (host(person.role) !== host(state.role)) {
        effects.push(announce(host(person.role) ? 'You are now a host.' : 'You are no longer a host.'));
      }
    }
  }
  // Their `tracks` may have raced ahead of their arrival.
  if (!before && key !== state.me && hasTracks(state, key)) {
    effects.push({ type: 'subscribe', participantId: person.id, tracks: state.tracks.get(key) });
  }
  effects.push({ type: 'render' });
  return { state: next, effects };
}

function personLeft(state, data) {
  const key = idKey(data.participantId);
  const person = state.participants.get(key);
  const participants = new Map(state.participants);
  participants.delete(key);
  const tracks = new Map(state.tracks);
  tracks.delete(key);
  const speakers = new Map(state.speakers);
  speakers.delete(key);
  const featured = state.featured === key ? null : state.featured;
  const effects = [{ type: 'unsubscribe', key }, { type: 'speakers' }];
  if (person) {
    const how = data.reason === 'kicked' ? 'was removed' : data.reason === 'timeout' ? 'lost their connection' : 'left';
    effects.push(announce(`${person.displayName} ${how}.`));
  }
  effects.push({ type: 'render' });
  return { state: { ...state, participants, tracks, speakers, featured }, effects };
}

/**
 * `active-speakers`: the room's speakers, loudest first (an empty list:
 * nobody speaks). The top one present becomes `featured`; with nobody
 * speaking the last one stays.
 */
function activeSpeakers(state, data) {
  const speakers = new Map();
  for (const speaker of data.speakers || []) {
    const key = idKey(speaker.participantId);
    if (state.participants.has(key) && !speakers.has(key)) speakers.set(key, speaker.level);
  }
  const top = speakers.keys().next().value;
  const featured = top !== undefined ? top : (state.participants.has(state.featured) ? state.featured : null);
  if (sameSpeakers(speakers, state.speakers) && featured === state.featured) return unchanged(state);
  return { state: { ...state, speakers, featured }, effects: [{ type: 'speakers' }] };
}

function sameSpeakers(a, b) {
  if (a.size !== b.size) return false;
  const left = [...a];
  const right = [...b];
  return left.every(([key, level], index) => right[index][0] === key && right[index][1] === level);
}

function tracksChanged(state, data, context) {
  const key = idKey(data.participantId);
  const published = data.tracks || [];
  if (key === state.me) {
    // Our node closed our transport on its own: publish again (docs/signaling.md).
    // (Not right after our own (re)publish: that closes the old transport, which may report empty.)
    const publisher = context.publisher || {};
    const settled = context.now - (publisher.negotiatedAt || 0) > REPUBLISH_SETTLE_MS;
    const effects = [];
    if (!published.length && publisher.active && settled && !context.ended) {
      effects.push({ type: 'republish', options: {}, delayMs: REPUBLISH_DELAY_MS });
    }
    return { state, effects };
  }
  const tracks = new Map(state.tracks);
  if (published.length) tracks.set(key, data.tracks); else tracks.delete(key);
  const effects = [];
  if (state.participants.has(key)) effects.push({ type: 'subscribe', participantId: data.participantId, tracks: published });
  return { state: { ...state, tracks }, effects };
}

const WHAT = { mic: 'microphone', camera: 'camera', screen: 'screen share' };

function muteRequested(state, data) {
  const by = state.participants.get(idKey(data.by));
  const who = by ? by.displayName : 'A host';
  const kind = data.kind || 'mic';
  const effects = [{ type: 'turn-off', kind }];
  // Stopping the screen share tells the server itself.
  if (kind !== 'screen') effects.push({ type: 'send-media-state' });
  effects.push(announce(`${who} turned off your ${WHAT[kind] || kind}. You can turn it back on.`, true));
  effects.push({ type: 'render' });
  return { state, effects };
}

function announce(text, assertive = false) {
  return { type: 'announce', text, assertive };
}

function unchanged(state) {
  return { state, effects: [] };
}
