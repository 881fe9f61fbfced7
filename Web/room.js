// A live meeting: the signaling session, the person's publisher, the
// subscriptions to everyone else, and the view, kept consistent.
//
// What each snapshot and event means is decided in room-state.js (a pure
// reducer: state and message in, state and effects out); Room holds the
// state, runs the effects, and carries out the person's own actions.

import { BreakoutPanel } from './breakout.js';
import { Attachments } from './attachments.js';
import { announce, idKey } from './dom.js';
import { E2EEWorker } from './e2ee.js';
import { setIceServers } from './ice.js';
import { signalingMessage } from './messages.js';
import { PollsPanel } from './polls.js';
import { Publisher } from './publisher.js';
import { QAPanel } from './qa.js';
import { hasTracks, initialRoomState, reduceEvent, reduceSnapshot } from './room-state.js';
import { Signaling } from './signaling.js';
import { NodeSubscriptions } from './node-subscriptions.js';
import { Subscriptions } from './subscriber.js';
import { RoomControls } from './room-controls.js';
import { Whiteboard } from './whiteboard.js';

export class Room {
  /**
   * @param api     the Api
   * @param code    meeting code
   * @param ticket  the REST join response
   * @param media   LocalMedia (already opened)
   * @param options {displayName, password, passphrase, test: {wsUrl, nodeId, screenSource}, onEnd(reason, data), onWaiting()}
   *                passphrase: an end-to-end encrypted meeting's (never sent to the server)
   */
  constructor({ api, code, ticket, media, options }) {
    this.api = api;
    this.code = code;
    this.ticket = ticket;
    this.media = media;
    this.options = options;
    /** room-state.js's state: who is here, who waits, who publishes what. */
    this.state = initialRoomState({ code, ticket });
    this.ended = false;
    // End-to-end encrypted meeting (the join response says; docs/web-client.md, E2EE):
    // every frame sent is encrypted and every frame received decrypted in a worker.
    this.e2ee = ticket.meeting && ticket.meeting.e2ee
      ? new E2EEWorker(options.passphrase, code, { onStats: (stats) => this.onE2EEStats(stats) }) : null;
    this.e2eeStats = null;

    this.signaling = new Signaling({
      ticket,
      renewTicket: () => this.renewTicket(),
      wsUrlOverride: () => options.test.wsUrl || null,
    });
    this.publisher = new Publisher({
      signaling: this.signaling, media, nodeHint: () => options.test.nodeId || null, e2ee: this.e2ee,
    });
    // One subscriber connection per node; `meetTest.perPublisher` keeps the
    // first shape (one per publisher) for servers from before `perNode` (not with E2EE).
    this.subs = options.test.perPublisher && !this.e2ee
      ? new Subscriptions({ signaling: this.signaling })
      : new NodeSubscriptions({ signaling: this.signaling, e2ee: this.e2ee, audioSlots: () => this.audioSlotsWanted() });
    this.controls = new RoomControls(this);
    this.wire();
    // Polls and Q&A (polls.js, qa.js): their own panels, fed by `poll`/`question` events.
    this.polls = new PollsPanel(this, this.detach.signal);
    this.qa = new QAPanel(this, this.detach.signal);
    this.whiteboard = new Whiteboard(this);
    // Breakout rooms (breakout.js): the hosts' panel and everyone's banner.
    this.breakout = new BreakoutPanel(this, this.detach.signal);
    this.attachments = new Attachments(this, this.detach.signal);
  }

  get me() { return this.state.me; }
  get role() { return this.state.role; }
  get meeting() { return this.state.meeting; }
  get participants() { return this.state.participants; }
  get waiting() { return this.state.waiting; }
  get handRaised() { return this.state.handRaised; }
  /** Speaking participants (key → level 1…100), loudest first, from `active-speakers`. */
  get speakers() { return this.state.speakers; }
  /** The latest top speaker (the speaker view's big tile), or null. */
  get featured() { return this.state.featured; }
  /** The meeting's active recording, or null (the indicator). */
  get recording() { return this.state.recording; }
  get entered() { return this.state.entered; }
  get isHost() { return this.role === 'owner' || this.role === 'host'; }
  get link() { return `${window.location.origin}/${this.code}`; }

  /**
   * Audio slots to ask each node connection for (docs/signaling.md, "Audio
   * slots"): the deployment's number while the room is larger than its
   * threshold, else 0; undefined when the server has none (older servers).
   */
  audioSlotsWanted() {
    const policy = this.state.audioSlots;
    if (!policy) return undefined;
    return this.participants.size > policy.aboveParticipants ? policy.slots : 0;
  }

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
    });
    this.subs.addEventListener('state', (event) => {
      const { participantId, state } = event.detail;
      if (state === 'failed' && !this.ended) {
        setTimeout(() => { if (hasTracks(this.state, participantId)) this.subs.resubscribe(participantId); }, 500);
      }
    });
    // Subscriptions report every failure here; these codes are expected (the
    // person left or stopped publishing, or we are reconnecting) and not logged.
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

  // MARK: Messages (room-state.js decides, Room runs the effects)

  onSession({ type, data }) {
    if (type === 'waiting') {
      this.options.onWaiting();
      return;
    }
    // A new socket holds no video preference: ours goes again (before the
    // snapshot's render, which then sends only what changed).
    this.controls.pager.reconnected();
    this.apply(reduceSnapshot(this.state, data, this.context()));
    this.loadEngagement();
    this.whiteboard.joined();
    this.breakout.render();
  }

  /** The polls and questions so far (a late joiner, a resume): `engagement-get`. */
  loadEngagement() {
    this.signaling.request('engagement-get').then((reply) => {
      this.polls.load(reply.data.polls);
      this.qa.load(reply.data.questions);
    }).catch((error) => { if (error.code !== 'disconnected') console.warn('polls and questions not loaded', error); });
  }

  onMessage(message) {
    // Last-N: which videos the server forwards (the grid shows avatars for the others).
    if (message.type === 'video-selection') return this.controls.pager.selection(message.data);
    // Reactions are not room state: shown on the tile for a moment, then gone.
    if (message.type === 'reaction') return void this.controls.grid.showReaction(message.data.participantId, message.data.emoji);
    if (this.polls.handles(message) || this.qa.handles(message) || this.breakout.handles(message)) return undefined;
    // The whiteboard keeps its own board (whiteboard.js), in the ops' order.
    if (message.type === 'whiteboard-op') return void this.whiteboard.receive(message.data);
    // Dynacast: the simulcast layers of our camera and screen that someone receives.
    if (message.type === 'publisher-layers') {
      this.publisher.applyLayers(message.data).catch((error) => console.warn('publisher layers', error));
      return undefined;
    }
    this.apply(reduceEvent(this.state, message, this.context()));
    // Someone's videos came or went: the page's `video-preferences` must name them.
    if (message.type === 'tracks') this.controls.render();
  }

  /** What the reducer reads but does not own, as of now. */
  context() {
    return {
      now: Date.now(),
      ended: this.ended,
      publisher: { active: this.publisher.active, transportId: this.publisher.transportId, negotiatedAt: this.publisher.negotiatedAt },
      subscriptions: [...this.subs.byParticipant.values()].map(({ participantId, transportId, nodeId }) => ({ participantId, transportId, nodeId })),
    };
  }

  apply({ state, effects }) {
    this.state = state;
    for (const effect of effects) this.run(effect);
  }

  /** Runs one effect of room-state.js (the list is in its header). */
  run(effect) {
    switch (effect.type) {
      case 'announce': announce(effect.text, { assertive: effect.assertive }); break;
      case 'render':
        this.controls.render();
        this.whiteboard?.renderControls();  // a role change shows or hides its host buttons
        break;
      case 'enter': this.controls.enter(); break;
      case 'load-history': this.loadHistory(); break;
      case 'ice-servers': setIceServers(effect.servers); break;
      case 'show-local': this.showLocal(); break;
      case 'send-media-state': this.sendMediaState(); break;
      case 'publish': {
        const publish = effect.start ? this.publisher.start() : this.publisher.republish();
        publish.catch((error) => this.reportError(error, effect.prefix));
        break;
      }
      case 'republish':
        if (!effect.delayMs) {
          this.publisher.republish(effect.options).catch((error) => this.reportError(error));
          break;
        }
        setTimeout(() => {
          if (!this.ended && this.signaling.connected) this.publisher.republish(effect.options).catch((error) => this.reportError(error));
        }, effect.delayMs);
        break;
      // Subscriptions report their own failures (the `error` event, see wire()).
      case 'subscribe': this.subs.sync(effect.participantId, effect.tracks); break;
      case 'resync':
        setTimeout(() => {
          if (hasTracks(this.state, effect.participantId)) this.subs.sync(effect.participantId, this.state.tracks.get(idKey(effect.participantId)));
        }, effect.delayMs);
        break;
      case 'resubscribe': this.subs.resubscribe(effect.participantId, effect.options); break;
      case 'unsubscribe': this.subs.remove(effect.key); break;
      case 'speakers': this.controls.renderSpeakers(); break;
      case 'close-subscriptions': this.subs.closeAll(); break;
      case 'close-subscription': this.subs.closed(effect.transportId); break;
      case 'chat':
        if (this.controls.panel.addMessages(effect.messages, { meKey: this.me }) && effect.announce) announce(effect.announce);
        break;
      case 'turn-off':
        if (effect.kind === 'mic') this.media.setMic(false);
        if (effect.kind === 'camera') this.media.setCamera(false);
        if (effect.kind === 'screen') this.setScreen(false);
        break;
      case 'report-error': this.reportError(effect.error); break;
      default: console.warn('room: unknown effect', effect); break;
    }
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
    const raised = !this.handRaised;
    if (!await this.command('hand', { raised })) return;
    this.state = { ...this.state, handRaised: raised };
    this.controls.render();
  }

  /** Resolves true once sent (the input may be cleared), false when it failed (and was shown). */
  sendChat(body, to = '', attachmentId = null) {
    const data = { body };
    if (to === 'hosts') data.toHosts = true; else if (to) data.toParticipantId = to;
    if (attachmentId) data.attachmentId = attachmentId;
    return this.command('chat', data);
  }

  /** An emoji to the room (docs/signaling.md `reaction`); refused ones (rate) are shown like any failed command. */
  react(emoji) { return this.command('reaction', { emoji }); }
  admit(id) { return this.command('admit', { participantId: id }); }
  deny(id) { return this.command('deny', { participantId: id }); }
  mute(id, kind) { return this.command('mute', { participantId: id, kind }); }
  kick(id) { return this.command('kick', { participantId: id, reason: 'removed by a host' }); }
  endMeeting() { return this.command('end-meeting'); }
  /** Last-N (grid-pager.js): resolves with the `video-selection` the server answers. */
  async sendVideoPreferences(body) {
    const reply = await this.signaling.request('video-preferences', body);
    return reply.type === 'video-selection' ? reply.data : null;
  }

  async leave() {
    this.ended = true;
    await this.publisher.stop({ tell: true });
    await this.signaling.leave();
  }

  /** A request on the person's behalf: true once the server took it; a failure is shown and resolves false. */
  async command(type, data) {
    try {
      await this.signaling.request(type, data);
      return true;
    } catch (error) {
      this.reportError(error);
      return false;
    }
  }

  /** Tells the server what we send; a failure is logged (the next change sends the state again). */
  sendMediaState() {
    if (!this.signaling.connected) return Promise.resolve();
    const state = { mic: !!(this.media.mic && this.media.micOn), camera: !!(this.media.camera && this.media.cameraOn), screen: !!this.media.screen };
    return this.signaling.request('media', state).catch((error) => {
      if (error.code !== 'disconnected') console.warn('media state not sent', error);
    });
  }

  // MARK: Helpers

  showLocal() {
    if (!this.entered) return;
    this.controls.grid.setStreams(this.me, {
      camera: this.media.camera ? new MediaStream([this.media.camera]) : null,
      screen: this.media.screen ? new MediaStream([this.media.screen]) : null,
    }, { local: true });
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
    if (this.e2ee) this.e2ee.close();
    this.controls.leave();
    this.options.onEnd(reason, data || {});
  }

  /**
   * The E2EE worker's counters (about once a second). Frames that never
   * decrypt while none does: the passphrase differs from the sender's;
   * said once, as an alert.
   */
  onE2EEStats(stats) {
    this.e2eeStats = stats;
    if (stats.failed >= 30 && stats.decrypted === 0 && !this.warnedUndecryptable) {
      this.warnedUndecryptable = true;
      announce('Cannot decrypt what the others send: check that your meeting passphrase is theirs.', { assertive: true });
    }
  }

  /** For tests and the stats overlay: what this client receives. */
  debugState() {
    return {
      e2ee: this.e2ee ? { support: this.e2ee.support, ...(this.e2eeStats || {}) } : null,
      me: this.me, role: this.role, connected: this.signaling.connected,
      failedOpens: this.signaling.failedOpens || 0, renewing: !!this.signaling.needsRenewal,
      joinTokenExpiresAt: this.signaling.ticket.joinTokenExpiresAt || null,
      resumeTokenExpiresAt: this.signaling.credentials ? this.signaling.credentials.expiresAt : null,
      participants: [...this.participants.values()].map((p) => ({ id: p.id, name: p.displayName, media: p.media })),
      speakers: [...this.speakers].map(([id, level]) => ({ id, level })), featured: this.featured,
      speakerView: this.controls.speakerView,
      waiting: [...this.waiting.values()].map((p) => ({ id: p.id, name: p.displayName })),
      publisher: { transportId: this.publisher.transportId, nodeId: this.publisher.nodeId, state: this.publisher.pc ? this.publisher.pc.connectionState : 'none' },
      subscriptions: [...this.subs.byParticipant.values()].map((s) => ({
        participantId: s.participantId, transportId: s.transportId, nodeId: s.nodeId, state: s.pc.connectionState,
        kinds: Object.keys(s.streams),
      })),
    };
  }
}

