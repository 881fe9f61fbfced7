// Watching other people: one RTCPeerConnection per publisher, straight to
// the node that publisher sits on (the server redirects, never relays).
//
// `subscribe` {participantId, transportId?} → `subscription` {transportId,
// offer, tracks}; we answer with `subscribe-answer`. Subscribing again with
// the same transportId gets a new offer on the same connection (how a new
// screen track arrives). Work for one publisher is serialized so a `tracks`
// event racing a `subscription-closed` never leaves two connections.

import { idKey } from './dom.js';
import { peerConnectionConfig } from './ice.js';

/** Resolves once `pc` is connected (or failed/closed), or after `timeoutMs`. */
export function connected(pc, timeoutMs) {
  return new Promise((resolve) => {
    const done = () => ['connected', 'failed', 'closed'].includes(pc.connectionState);
    if (done()) { resolve(); return; }
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener('connectionstatechange', () => { if (done()) { clearTimeout(timer); resolve(); } });
  });
}

export class Subscriptions extends EventTarget {
  constructor({ signaling }) {
    super();
    this.signaling = signaling;
    /** participant key → {participantId, transportId, nodeId, pc, trackIds, streams: {mic, camera, screen}} */
    this.byParticipant = new Map();
    this.queues = new Map();
  }

  has(participantId) { return this.byParticipant.has(idKey(participantId)); }

  byTransport(transportId) {
    for (const sub of this.byParticipant.values()) if (sub.transportId === transportId) return sub;
    return null;
  }

  /**
   * Makes sure we watch `participantId` with exactly `tracks`: subscribes
   * when new, asks for a new offer when the publisher's tracks changed, and
   * unsubscribes when `tracks` is empty.
   */
  sync(participantId, tracks) {
    const key = idKey(participantId);
    return this.serialize(key, async () => {
      const current = this.byParticipant.get(key);
      const ids = trackIds(tracks);
      if (!tracks || tracks.length === 0) {
        if (current) await this.drop(key, true);
        return;
      }
      const movedTo = tracks[0] && tracks[0].nodeId;
      if (current && movedTo && current.nodeId && movedTo !== current.nodeId) {
        // The publisher moved to another node (a migration): a new connection there, make-before-break.
        // Not awaited: it runs after this job in the participant's queue.
        this.resubscribe(participantId, { targetNodeId: movedTo });
        return;
      }
      if (current && current.pc.connectionState !== 'failed' && current.pc.connectionState !== 'closed') {
        if (current.trackIds === ids) return;
        await this.negotiate(participantId, current);
        return;
      }
      if (current) await this.drop(key, false);
      await this.negotiate(participantId, null);
    });
  }

  /**
   * A new connection for `participantId` replacing the current one (a
   * `migrate`, or the publisher's tracks moved to another node). The old
   * connection stays until the new one is connected (at most 10 s), unless
   * its node was lost; nothing happens when the current one already sits on
   * `targetNodeId`.
   */
  resubscribe(participantId, { targetNodeId = null, lost = false } = {}) {
    const key = idKey(participantId);
    return this.serialize(key, async () => {
      const old = this.byParticipant.get(key);
      if (old && targetNodeId && old.nodeId === targetNodeId) return;
      if (old) this.byParticipant.delete(key);
      try {
        await this.negotiate(participantId, null);
      } finally {
        if (old) {
          const fresh = this.byParticipant.get(key);
          if (!lost && fresh) await connected(fresh.pc, 10000);
          old.pc.close();
          this.unsubscribeQuietly(old.transportId);
        }
      }
    });
  }

  /** The server closed a transport (`subscription-closed`). Returns the participant it belonged to. */
  closed(transportId) {
    const sub = this.byTransport(transportId);
    if (!sub) return null;
    const key = idKey(sub.participantId);
    this.serialize(key, async () => {
      if (this.byParticipant.get(key) === sub) await this.drop(key, false);
    });
    return sub.participantId;
  }

  remove(participantId) {
    const key = idKey(participantId);
    return this.serialize(key, () => this.drop(key, true));
  }

  closeAll() {
    for (const sub of this.byParticipant.values()) sub.pc.close();
    this.byParticipant.clear();
  }

  /** inbound-rtp video counters by participant, for the tests and the stats view. */
  async stats() {
    const out = [];
    for (const sub of this.byParticipant.values()) {
      const report = await sub.pc.getStats();
      report.forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        const kind = sub.kindsByTrackId.get(s.trackIdentifier) || s.kind;
        out.push({
          participantId: sub.participantId, nodeId: sub.nodeId, kind, mediaKind: s.kind,
          framesDecoded: s.framesDecoded || 0, packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0,
        });
      });
    }
    return out;
  }

  // MARK: Internals

  async negotiate(participantId, current) {
    const key = idKey(participantId);
    const request = { participantId };
    if (current) request.transportId = current.transportId;
    const reply = await this.signaling.request('subscribe', request, 20000);
    const data = reply.data;
    let sub = current;
    if (!sub) {
      const pc = new RTCPeerConnection(peerConnectionConfig());
      sub = {
        participantId, transportId: data.transportId, nodeId: data.nodeId, pc, trackIds: '',
        tracks: [], streams: {}, kindsByTrackId: new Map(),
      };
      pc.addEventListener('track', (event) => this.attach(sub, event));
      pc.addEventListener('connectionstatechange', () => {
        this.dispatchEvent(new CustomEvent('state', { detail: { participantId, state: pc.connectionState } }));
      });
      this.byParticipant.set(key, sub);
    }
    sub.transportId = data.transportId || sub.transportId;
    sub.nodeId = data.nodeId || sub.nodeId;
    sub.tracks = data.tracks || [];
    sub.trackIds = trackIds(sub.tracks);
    sub.kindByMid = kindsByOfferMid(data.offer, sub.tracks);
    await sub.pc.setRemoteDescription({ type: 'offer', sdp: data.offer });
    await sub.pc.setLocalDescription(await sub.pc.createAnswer());
    await this.signaling.request('subscribe-answer', { transportId: sub.transportId, answer: sub.pc.localDescription.sdp });
    this.reclassify(sub);
  }

  /** Names a received track mic, camera or screen: by the TrackInfo mid, else by order. */
  attach(sub, event) {
    const track = event.track;
    const kind = classify(sub, event.transceiver, track);
    sub.kindsByTrackId.set(track.id, kind);
    sub.streams[kind] = new MediaStream([track]);
    track.addEventListener('ended', () => this.emitMedia(sub));
    this.emitMedia(sub);
  }

  reclassify(sub) {
    let changed = false;
    for (const transceiver of sub.pc.getTransceivers()) {
      const track = transceiver.receiver.track;
      if (!track || transceiver.currentDirection === 'inactive' || transceiver.stopped) continue;
      const kind = classify(sub, transceiver, track);
      if (sub.kindsByTrackId.get(track.id) !== kind || !sub.streams[kind]) {
        sub.kindsByTrackId.set(track.id, kind);
        sub.streams[kind] = new MediaStream([track]);
        changed = true;
      }
    }
    // A kind no longer published (screen share stopped) is forgotten.
    const kinds = new Set(sub.tracks.map((t) => t.kind));
    for (const kind of Object.keys(sub.streams)) {
      if (kinds.size > 0 && !kinds.has(kind)) { delete sub.streams[kind]; changed = true; }
    }
    if (changed) this.emitMedia(sub);
  }

  emitMedia(sub) {
    this.dispatchEvent(new CustomEvent('media', { detail: { participantId: sub.participantId, streams: { ...sub.streams } } }));
  }

  async drop(key, tell) {
    const sub = this.byParticipant.get(key);
    if (!sub) return;
    this.byParticipant.delete(key);
    sub.pc.close();
    if (tell) await this.unsubscribeQuietly(sub.transportId);
    this.dispatchEvent(new CustomEvent('media', { detail: { participantId: sub.participantId, streams: {} } }));
  }

  async unsubscribeQuietly(transportId) {
    if (!transportId || !this.signaling.connected) return;
    try { await this.signaling.request('unsubscribe', { transportId }, 5000); } catch { /* already gone */ }
  }

  /**
   * Runs `job` after the participant's earlier jobs. The promise resolves
   * when it is done and never rejects: a failure is reported once, as an
   * `error` event ({participantId, error}).
   */
  serialize(key, job) {
    return serialize(this, key, key, job);
  }
}

/**
 * Runs `job` after the earlier jobs of `owner.queues[queueKey]`. The
 * returned promise resolves when it is done; a failure is reported once as
 * an `error` event ({participantId: reportKey, error}) on `owner`, or, with
 * `rethrow`, rejects the returned promise instead (the queue goes on).
 */
export function serialize(owner, queueKey, reportKey, job, { rethrow = false } = {}) {
  const previous = owner.queues.get(queueKey) || Promise.resolve();
  const run = previous.then(job);
  const settled = run.catch((error) => {
    if (!rethrow) owner.dispatchEvent(new CustomEvent('error', { detail: { participantId: reportKey, error } }));
  });
  owner.queues.set(queueKey, settled);
  settled.then(() => { if (owner.queues.get(queueKey) === settled) owner.queues.delete(queueKey); });
  return rethrow ? run : settled;
}

export function trackIds(tracks) {
  return (tracks || []).map((t) => `${t.id}:${t.kind}:${t.mid ?? ''}`).sort().join(',');
}

/**
 * The node offers the publisher's tracks "in tracks' order" (docs/signaling.md):
 * the live media sections of the offer, in order, are `tracks`. Sections that
 * were stopped (port 0 or inactive, e.g. a screen share that ended) carry nothing.
 * Returns mid → kind, or an empty map when the counts disagree.
 */
export function kindsByOfferMid(sdp, tracks) {
  const map = new Map();
  const live = [];
  for (const section of String(sdp || '').split(/\r?\nm=/).slice(1)) {
    const port = Number(section.split(' ')[1]);
    const mid = (section.match(/\r?\na=mid:(\S+)/) || [])[1];
    if (mid === undefined || port === 0 || /\r?\na=inactive/.test(section)) continue;
    live.push({ mid, audio: section.startsWith('audio') });
  }
  if (live.length !== (tracks || []).length) return map;
  live.forEach((section, index) => {
    const kind = tracks[index].kind;
    if ((kind === 'mic') === section.audio) map.set(section.mid, kind);
  });
  return map;
}

function classify(sub, transceiver, track) {
  const mid = transceiver ? transceiver.mid : null;
  if (mid !== null && sub.kindByMid && sub.kindByMid.has(mid)) return sub.kindByMid.get(mid);
  const byMid = sub.tracks.find((t) => mid !== null && String(t.mid) === String(mid));
  if (byMid && ((byMid.kind === 'mic') === (track.kind === 'audio'))) return byMid.kind;
  if (track.kind === 'audio') return 'mic';
  // Video without a mid match: the first video m-line is the camera, a later one the screen,
  // unless the publisher has only a screen.
  const videoKinds = sub.tracks.filter((t) => t.kind !== 'mic').map((t) => t.kind);
  const videos = sub.pc.getTransceivers().filter((t) => t.receiver.track && t.receiver.track.kind === 'video');
  const index = videos.findIndex((t) => t.receiver.track === track);
  if (videoKinds.length === 1) return videoKinds[0];
  return index <= 0 ? 'camera' : 'screen';
}
