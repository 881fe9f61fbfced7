// A live meeting: the signaling session, the person's publisher, the
// subscriptions to everyone else, and the view, kept consistent.
//
// The server is the source of truth: every (re)join gives a snapshot
// (participants, waiting room, published tracks) and the room reconciles
// its media with it; events then patch the state. Media follows
// `tracks`: whoever publishes is subscribed to, whoever stops is dropped.

import { announce, idKey } from './dom.js';
import { setIceServers } from './ice.js';
import { signalingMessage } from './messages.js';
import { planMigration } from './migration.js';
import { Publisher } from './publisher.js';
import { Signaling } from './signaling.js';
import { SpeakingMeter } from './levels.js';
import { Subscriptions } from './subscriber.js';
import { RoomControls } from './room-controls.js';

export class Room {
  /**
   * @param api     the Api
   * @param code    meeting code
   * @param ticket  the REST join response
   * @param media   LocalMedia (already opened)
   * @param options {displayName, password, test: {wsUrl, nodeId, screenSource}, onEnd(reason, data), onWaiting()}
   */
  constructor({ api, code, ticket, media, options }) {
    this.api = api;
    this.code = code;
    this.ticket = ticket;
    this.media = media;
    this.options = options;
    this.meeting = ticket.meeting || { code };
    this.me = idKey(ticket.participant && ticket.participant.id);
    this.role = ticket.participant ? ticket.participant.role : 'attendee';
    this.participants = new Map();
    this.waiting = new Map();
    this.tracks = new Map();
    this.handRaised = false;
    this.entered = false;
    this.ended = false;

    this.signaling = new Signaling({
      ticket,
      renewTicket: () => this.renewTicket(),
      wsUrlOverride: () => options.test.wsUrl || null,
    });
    this.publisher = new Publisher({ signaling: this.signaling, media, nodeHint: () => options.test.nodeId || null });
    this.subs = new Subscriptions({ signaling: this.signaling });
    this.meter = new SpeakingMeter((key, speaking) => this.controls.grid.setSpeaking(key, speaking));
    this.controls = new RoomControls(this);
    this.wire();
  }

  get isHost() { return this.role === 'owner' || this.role === 'host'; }
  get link() { return `${window.location.origin}/${this.code}`; }

  /** Connects and joins; resolves once joined or waiting. */
  async start() {
    return this.signaling.start();
  }

  // MARK: Wiring

  wire() {
    this.signaling.addEventListener('session', (event) => this.onSession(event.detail));
    this.signaling.addEventListener('message', (event) => this.onMessage(event.detail));
    this.signaling.addEventListener('state', (event) => this.controls.setConnection(event.detail.state, event.detail.attempt));
    this.signaling.addEventListener('terminal', (event) => this.finish(event.detail.reason, event.detail.data));
    this.subs.addEventListener('media', (event) => {
      const { participantId, streams } = event.detail;
      this.controls.grid.setStreams(participantId, streams);
      this.meter.watch(idKey(participantId), streams.mic ? streams.mic.getAudioTracks()[0] : null);
    });
    this.subs.addEventListener('state', (event) => {
      const { participantId, state } = event.detail;
      if (state === 'failed' && !this.ended) {
        setTimeout(() => { if (this.hasTracks(participantId)) this.subs.resubscribe(participantId).catch(() => {}); }, 500);
      }
    });
    this.subs.addEventListener('error', (event) => {
      const error = event.detail.error;
      if (error && !['disconnected', 'not_found', 'not_publishing'].includes(error.code)) {
        console.warn('subscription failed', event.detail.participantId, error);
      }
    });
    this.publisher.addEventListener('state', (event) => {
      if (event.detail.state === 'failed' && event.detail.current && !this.ended && this.signaling.connected) {
        this.publisher.republish().catch((error) => this.reportError(error));
      }
    });
    // LocalMedia outlives the room (Rejoin reuses it): detach from it when the room ends.
    this.detach = new AbortController();
    this.media.addEventListener('change', () => this.showLocal(), { signal: this.detach.signal });
    this.media.addEventListener('screenended', () => this.setScreen(false), { signal: this.detach.signal });
  }

  // MARK: Snapshots

  onSession({ type, data }) {
    if (type === 'waiting') {
      this.options.onWaiting();
      return;
    }
    const firstEntry = !this.entered;
    const previousMe = this.me;
    this.me = idKey(data.you || this.me);
    this.role = data.role || this.role;
    this.meeting = { ...this.meeting, id: data.meetingId, code: data.meetingCode || this.code };
    setIceServers(data.iceServers);
    this.participants = new Map((data.participants || []).map((p) => [idKey(p.id), p]));
    this.waiting = new Map((data.waiting || []).map((p) => [idKey(p.id), p]));
    this.tracks = new Map();
    for (const track of data.tracks || []) {
      const key = idKey(track.participantId);
      if (!this.tracks.has(key)) this.tracks.set(key, []);
      this.tracks.get(key).push(track);
    }
    // A new seat (first join, admission, or a rejoin over REST after the old
    // seat expired): the server knows nothing of our media.
    const newSeat = firstEntry || !data.resumed || previousMe !== this.me;
    if (firstEntry) {
      this.entered = true;
      this.controls.enter();
      this.loadHistory();
    } else if (newSeat) {
      this.subs.closeAll();
    }
    this.controls.render();
    this.showLocal();
    if (newSeat) {
      this.sendMediaState();
      const publish = firstEntry || !this.publisher.active ? this.publisher.start() : this.publisher.republish();
      publish.catch((error) => this.reportError(error, 'Could not send your camera and microphone'));
    } else if (this.publisher.active && !this.tracks.has(this.me)) {
      // Resumed, but our publication did not survive the drop.
      this.publisher.republish().catch((error) => this.reportError(error));
    }
    this.syncSubscriptions();
    if (!firstEntry) announce(data.resumed ? 'Reconnected.' : 'Rejoined the meeting.');
  }

  syncSubscriptions() {
    for (const [key, person] of this.participants) {
      if (key === this.me) continue;
      this.subs.sync(person.id, this.tracks.get(key) || []).catch(() => {});
    }
    for (const key of [...this.subs.byParticipant.keys()]) {
      if (!this.participants.has(key)) this.subs.remove(key).catch(() => {});
    }
  }

  hasTracks(participantId) { return (this.tracks.get(idKey(participantId)) || []).length > 0; }

  // MARK: Events

  onMessage({ type, data }) {
    switch (type) {
      case 'participant-joined':
      case 'participant-updated': {
        const person = data.participant;
        if (!person) return;
        const key = idKey(person.id);
        const before = this.participants.get(key);
        this.participants.set(key, person);
        this.waiting.delete(key);
        if (type === 'participant-joined' && !before) announce(`${person.displayName} joined.`);
        if (before && !before.handRaised && person.handRaised && key !== this.me) announce(`${person.displayName} raised their hand.`);
        if (key === this.me) this.handRaised = !!person.handRaised;
        // Their `tracks` may have raced ahead of their arrival.
        if (!before && key !== this.me && this.hasTracks(key)) this.subs.sync(person.id, this.tracks.get(key)).catch(() => {});
        this.controls.render();
        break;
      }
      case 'participant-left': {
        const key = idKey(data.participantId);
        const person = this.participants.get(key);
        this.participants.delete(key);
        this.tracks.delete(key);
        this.subs.remove(key).catch(() => {});
        this.meter.unwatch(key);
        if (person) {
          const how = data.reason === 'kicked' ? 'was removed' : data.reason === 'timeout' ? 'lost their connection' : 'left';
          announce(`${person.displayName} ${how}.`);
        }
        this.controls.render();
        break;
      }
      case 'chat':
        if (this.controls.panel.addMessages([data], { meKey: this.me }) && idKey(data.participantId) !== this.me) {
          announce(`${data.displayName} says: ${data.body}`);
        }
        break;
      case 'mute-requested':
        this.onMuteRequested(data);
        break;
      case 'admission-request': {
        const person = data.participant;
        if (!person) return;
        this.waiting.set(idKey(person.id), person);
        announce(`${person.displayName} is waiting to join. Open People to admit them.`);
        this.controls.render();
        break;
      }
      case 'admission-resolved':
        this.waiting.delete(idKey(data.participantId));
        this.controls.render();
        break;
      case 'tracks': {
        const key = idKey(data.participantId);
        if (key === this.me) {
          // Our node closed our transport on its own: publish again (docs/signaling.md).
          // (Not right after our own (re)publish: that closes the old transport, which may report empty.)
          const settled = Date.now() - this.publisher.negotiatedAt > 3000;
          if (!(data.tracks || []).length && this.publisher.active && settled && !this.ended) {
            setTimeout(() => {
              if (!this.ended && this.signaling.connected) this.publisher.republish().catch((error) => this.reportError(error));
            }, 500);
          }
          return;
        }
        if ((data.tracks || []).length) this.tracks.set(key, data.tracks); else this.tracks.delete(key);
        if (this.participants.has(key)) this.subs.sync(data.participantId, data.tracks || []).catch(() => {});
        break;
      }
      case 'subscription-closed': {
        const owner = this.subs.closed(data.transportId);
        if (owner && this.hasTracks(owner) && !this.ended) {
          setTimeout(() => {
            if (this.hasTracks(owner)) this.subs.sync(owner, this.tracks.get(idKey(owner))).catch(() => {});
          }, 300);
        }
        break;
      }
      case 'migrate':
        this.onMigrate(data);
        break;
      case 'error':
        this.reportError(data);
        break;
      default:
        break;
    }
  }

  onMuteRequested(data) {
    const by = this.participants.get(idKey(data.by));
    const who = by ? by.displayName : 'A host';
    const kind = data.kind || 'mic';
    if (kind === 'mic') this.media.setMic(false);
    if (kind === 'camera') this.media.setCamera(false);
    if (kind === 'screen') this.setScreen(false);
    else this.sendMediaState();
    const what = { mic: 'microphone', camera: 'camera', screen: 'screen share' }[kind] || kind;
    announce(`${who} turned off your ${what}. You can turn it back on.`, { assertive: true });
    this.controls.render();
  }

  /** `migrate`: move media off a node as the server says (see migration.js), make-before-break. */
  onMigrate(data) {
    const plan = planMigration(data, {
      publisher: { active: this.publisher.active, transportId: this.publisher.transportId },
      subscriptions: [...this.subs.byParticipant.values()],
    });
    if (plan.republish) this.publisher.republish(plan.republish).catch((error) => this.reportError(error));
    for (const move of plan.resubscribe) this.subs.resubscribe(move.participantId, move).catch(() => {});
  }

  // MARK: Actions (from the controls)

  async toggleMic() {
    if (!this.media.mic) { announce('No microphone is available.'); return; }
    this.media.setMic(!this.media.micOn);
    await this.sendMediaState();
  }

  async toggleCamera() {
    if (!this.media.camera) { announce('No camera is available.'); return; }
    this.media.setCamera(!this.media.cameraOn);
    await this.sendMediaState();
  }

  async setScreen(on) {
    try {
      if (on) {
        const track = await this.media.startScreen(this.options.test.screenSource || 'display');
        if (!track) return;
        await this.publisher.setScreen(track);
        announce('You are sharing your screen.');
      } else if (this.media.screen) {
        this.media.stopScreen();
        await this.publisher.setScreen(null);
        announce('You stopped sharing your screen.');
      }
    } catch (error) {
      this.media.stopScreen();
      if (error && error.name === 'NotAllowedError') announce('Screen sharing was cancelled.');
      else this.reportError(error, 'Could not share your screen');
    }
    await this.sendMediaState();
    this.controls.render();
  }

  async toggleHand() {
    await this.request('hand', { raised: !this.handRaised });
    this.handRaised = !this.handRaised;
    this.controls.render();
  }

  sendChat(body) { return this.request('chat', { body }); }
  admit(id) { return this.request('admit', { participantId: id }).catch(() => {}); }
  deny(id) { return this.request('deny', { participantId: id }).catch(() => {}); }
  mute(id, kind) { return this.request('mute', { participantId: id, kind }).catch(() => {}); }
  kick(id) { return this.request('kick', { participantId: id, reason: 'removed by a host' }).catch(() => {}); }
  endMeeting() { return this.request('end-meeting').catch(() => {}); }

  async leave() {
    this.ended = true;
    await this.publisher.stop({ tell: true });
    await this.signaling.leave();
  }

  async request(type, data) {
    try {
      return await this.signaling.request(type, data);
    } catch (error) {
      this.reportError(error);
      throw error;
    }
  }

  sendMediaState() {
    if (!this.signaling.connected) return Promise.resolve();
    const state = { mic: !!(this.media.mic && this.media.micOn), camera: !!(this.media.camera && this.media.cameraOn), screen: !!this.media.screen };
    return this.signaling.request('media', state).catch(() => {});
  }

  // MARK: Helpers

  showLocal() {
    if (!this.entered) return;
    this.controls.grid.setStreams(this.me, {
      camera: this.media.camera ? new MediaStream([this.media.camera]) : null,
      screen: this.media.screen ? new MediaStream([this.media.screen]) : null,
    }, { local: true });
    this.meter.watch(this.me, this.media.mic);
    this.controls.render();
  }

  async loadHistory() {
    try {
      const messages = await this.api.messages(this.code, this.signaling.ticket.joinToken);
      this.controls.panel.addMessages(messages, { meKey: this.me });
    } catch (error) {
      console.warn('chat history unavailable', error);
    }
  }

  async renewTicket() {
    const ticket = await this.api.join(this.code, { displayName: this.options.displayName, password: this.options.password });
    return ticket;
  }

  reportError(error, prefix = '') {
    if (!error || error.code === 'disconnected') return;
    const text = error.code ? signalingMessage(error) : (error.message || String(error));
    announce(prefix ? `${prefix}: ${text}` : text, { assertive: true });
  }

  /** Kicked, denied, ended, replaced, left or lost: tear everything down once. */
  finish(reason, data) {
    if (this.finished) return;
    this.finished = true;
    this.ended = true;
    this.detach.abort();
    this.publisher.stop({ tell: false });
    this.subs.closeAll();
    this.meter.close();
    this.controls.leave();
    this.options.onEnd(reason, data || {});
  }

  /** For tests and the stats overlay: what this client receives. */
  debugState() {
    return {
      me: this.me, role: this.role, connected: this.signaling.connected,
      failedOpens: this.signaling.failedOpens || 0, renewing: !!this.signaling.needsRenewal,
      joinTokenExpiresAt: this.signaling.ticket.joinTokenExpiresAt || null,
      resumeTokenExpiresAt: this.signaling.credentials ? this.signaling.credentials.expiresAt : null,
      participants: [...this.participants.values()].map((p) => ({ id: p.id, name: p.displayName, media: p.media })),
      waiting: [...this.waiting.values()].map((p) => ({ id: p.id, name: p.displayName })),
      publisher: { transportId: this.publisher.transportId, nodeId: this.publisher.nodeId, state: this.publisher.pc ? this.publisher.pc.connectionState : 'none' },
      subscriptions: [...this.subs.byParticipant.values()].map((s) => ({
        participantId: s.participantId, transportId: s.transportId, nodeId: s.nodeId, state: s.pc.connectionState,
        kinds: Object.keys(s.streams),
      })),
    };
  }
}

