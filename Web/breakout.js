// Breakout rooms (docs/signaling.md, Breakout rooms; docs/web-client.md):
// the hosts' panel (create, assign by hand or automatically, open with an
// optional timer, visit, broadcast, close), and everyone's banner with the
// room's name and its countdown. A `breakout-scope` replaces the roster
// with the people of our room, through the snapshot reducer, so the
// subscriptions follow: those outside the room close, those inside open,
// on the nodes where they already are (our publication stays).

import { $, announce, h, idKey } from './dom.js';
import { reduceSnapshot } from './room-state.js';

/** The room state as a resumed snapshot with `scope`'s people and tracks (the rest kept). */
export function scopeAsSnapshot(state, scope) {
  return {
    you: state.me, role: state.role, meetingId: state.meeting?.id, meetingCode: state.meeting?.code, resumed: true,
    participants: scope.participants, tracks: scope.tracks, waiting: [...state.waiting.values()],
    recording: state.recording, audioSlots: state.audioSlots,
  };
}

/** `breakout-scope` as a state change: the snapshot reducer's, without its reconnect notices. */
export function reduceScope(state, scope, context) {
  const { state: next, effects } = reduceSnapshot(state, scopeAsSnapshot(state, scope), context);
  const kept = effects.filter((effect) => effect.type !== 'announce' && effect.type !== 'ice-servers');
  return { state: next, effects: kept };
}

/** Seconds from now until `iso` (0 when past or absent). */
export function secondsUntil(iso, now = Date.now()) {
  return iso ? Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000)) : 0;
}

/** The banner's text for `plan` as seen by `me` (null: no banner). */
export function bannerText(plan, me, now = Date.now()) {
  if (!plan || (plan.status !== 'open' && plan.status !== 'closing')) return null;
  const mine = plan.assignments.find((a) => idKey(a.participantId) === me);
  const room = mine && plan.rooms.find((r) => r.id === mine.roomId);
  const where = room ? room.name : 'Main room';
  if (plan.status === 'closing') return `${where}: everyone returns in ${secondsUntil(plan.returnAt, now)} s`;
  if (plan.endsAt) {
    const left = secondsUntil(plan.endsAt, now);
    return `${where}: ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left`;
  }
  return where;
}

export class BreakoutPanel {
  /** room: the Room (`signaling`, `isHost`, `me`, `participants`, `apply`, `context`, `reportError`). */
  constructor(room, signal) {
    this.room = room;
    this.plan = null;
    this.panel = $('#breakout-panel');
    this.banner = $('#breakout-banner');
    this.button = $('#ctl-breakout');
    this.button.addEventListener('click', () => { this.panel.hidden = !this.panel.hidden; this.render(); }, { signal });
    $('#breakout-close-panel').addEventListener('click', () => { this.panel.hidden = true; this.button.focus(); }, { signal });
    $('#breakout-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.send('breakout-create', { count: Number($('#breakout-count').value) });
    }, { signal });
    $('#breakout-auto').addEventListener('click', () => this.send('breakout-auto'), { signal });
    $('#breakout-open').addEventListener('click', () => {
      const minutes = Number($('#breakout-minutes').value);
      this.send('breakout-open', minutes > 0 ? { durationSeconds: Math.round(minutes * 60) } : {});
    }, { signal });
    $('#breakout-close').addEventListener('click', () => this.send('breakout-close', {}), { signal });
    $('#breakout-broadcast-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $('#breakout-broadcast');
      if (input.value.trim()) this.send('breakout-broadcast', { text: input.value }).then((ok) => { if (ok) input.value = ''; });
    }, { signal });
    this.timer = setInterval(() => this.renderBanner(), 1000);
    signal.addEventListener('abort', () => clearInterval(this.timer));
  }

  /** A breakout event: handled here. Returns true when it was one. */
  handles(message) {
    switch (message.type) {
      case 'breakout': this.keep(message.data); return true;
      case 'breakout-scope':
        this.room.apply(reduceScope(this.room.state, message.data, this.room.context()));
        announce(message.data.roomName ? `You are in ${message.data.roomName}.` : 'You are back in the main room.');
        return true;
      case 'breakout-broadcast':
        announce(`${message.data.displayName} to every room: ${message.data.text}`, { assertive: true });
        return true;
      default: return false;
    }
  }

  /** Keeps `plan` unless a newer revision is held. */
  keep(plan) {
    if (this.plan && this.plan.meetingId === plan.meetingId && this.plan.revision > plan.revision) return;
    this.plan = plan;
    this.render();
  }

  /** A host request; its reply (the plan) is kept, a refusal shown. Resolves true when done. */
  async send(type, data) {
    try {
      const reply = await this.room.signaling.request(type, data);
      if (reply.type === 'breakout') this.keep(reply.data);
      return true;
    } catch (error) {
      this.room.reportError(error);
      return false;
    }
  }

  render() {
    this.button.hidden = !this.room.isHost;
    this.renderBanner();
    if (this.panel.hidden || !this.room.isHost) return;
    const list = $('#breakout-rooms');
    const plan = this.plan;
    if (!plan || plan.rooms.length === 0) { list.replaceChildren(); return; }
    // Everyone we know of: the roster (our room) and the plan's assignments (the other rooms).
    const names = new Map([...this.room.participants.values()].map((p) => [idKey(p.id), p.displayName]));
    for (const a of plan.assignments) if (!names.has(idKey(a.participantId))) names.set(idKey(a.participantId), a.displayName || 'Someone');
    const roomOf = new Map(plan.assignments.map((a) => [idKey(a.participantId), a.roomId]));
    const picker = (key) => h('select', {
      'aria-label': `Room for ${names.get(key)}`,
      onchange: (event) => this.send('breakout-assign', { participantId: key, roomId: event.target.value || null }),
    }, h('option', { value: '', text: 'Main room' }),
    plan.rooms.map((r) => h('option', { value: r.id, text: r.name, selected: roomOf.get(key) === r.id })));
    list.replaceChildren(
      h('li', {}, h('strong', { text: `Status: ${plan.status}` })),
      ...[...names.keys()].map((key) => h('li', { dataset: { participant: key } },
        h('span', { text: key === this.room.me ? `${names.get(key)} (you: visit a room)` : names.get(key) }), ' ', picker(key))),
    );
  }

  renderBanner() {
    const text = bannerText(this.plan, this.room.me);
    this.banner.hidden = text === null;
    if (text !== null && this.banner.textContent !== text) this.banner.textContent = text;
  }
}
