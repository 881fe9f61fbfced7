// Watching other people: one RTCPeerConnection per SFU node, carrying every
// publisher we watch there (docs/signaling.md, "One subscriber connection
// per node"). The server redirects, never relays: each connection goes
// straight to its node.
//
// `subscribe` {participantId, perNode: true} → `subscription` {transportId,
// offer, tracks}: a first offer makes the node's connection, later ones are
// re-offers on it; we answer each with `subscribe-answer`. `unsubscribe`
// {transportId, participantId} takes one person off (a re-offer, or `ack`
// when the connection closed). Each track names its person and the `mid` it
// arrives on, so tiles follow transceivers by mid.
//
// Two queues: one per person (a `tracks` event racing a migration never
// leaves them on two nodes) and one per node (the node is the only offerer
// on its connection, one offer at a time).
//
// Audio slots (docs/signaling.md, "Audio slots"): in a large room each
// connection asks for a few audio sections that play whoever speaks loudest
// on that node; they belong to nobody, so each gets a hidden <audio> of its
// own instead of a person's stream.
//
// Same interface as the per-publisher `Subscriptions` (subscriber.js), which
// older servers still need.

import { idKey } from './dom.js';
import { e2eeConnectionConfig } from './e2ee.js';
import { peerConnectionConfig } from './ice.js';
import { connected, serialize, trackIds } from './subscriber.js';

export class NodeSubscriptions extends EventTarget {
  /**
   * @param e2ee an E2EEWorker in an end-to-end encrypted meeting (every received frame decrypted), else null
   * @param audioSlots () → the audio slots to ask for now (undefined: do not ask)
   */
  constructor({ signaling, e2ee = null, audioSlots = () => undefined }) {
    super();
    this.signaling = signaling;
    this.e2ee = e2ee;
    this.audioSlots = audioSlots;
    /** person key → {participantId, transportId, nodeId, pc, trackIds, streams: {mic, camera, screen}} */
    this.byParticipant = new Map();
    /** nodeId → {nodeId, transportId, pc, tracks: [TrackInfo]} */
    this.connections = new Map();
    this.queues = new Map();
  }

  has(participantId) { return this.byParticipant.has(idKey(participantId)); }

  /** Watches `participantId` with exactly `tracks` (subscribe, re-offer, or unsubscribe when empty). */
  sync(participantId, tracks) {
    const key = idKey(participantId);
    return this.person(key, async () => {
      const current = this.byParticipant.get(key);
      if (!tracks || tracks.length === 0) {
        if (current) await this.takeOff(key, current.nodeId);
        return;
      }
      const nodeId = tracks[0].nodeId;
      if (current && nodeId && current.nodeId !== nodeId) {
        this.resubscribe(participantId, { targetNodeId: nodeId });
        return;
      }
      const live = current && !['failed', 'closed'].includes(current.pc.connectionState);
      if (live && current.trackIds === trackIds(tracks)) return;
      await this.putOn(participantId, nodeId);
    });
  }

  /**
   * Moves `participantId` to its node's connection (a `migrate`, or a failed
   * connection): make before break; the old node's connection keeps carrying
   * it until the new one is connected (at most 10 s), unless it was lost.
   */
  resubscribe(participantId, { targetNodeId = null, lost = false } = {}) {
    const key = idKey(participantId);
    return this.person(key, async () => {
      const old = this.byParticipant.get(key);
      if (old && targetNodeId && old.nodeId === targetNodeId) return;
      const fresh = await this.putOn(participantId, targetNodeId || (old && old.nodeId));
      if (!old || (fresh && fresh.nodeId === old.nodeId)) return;
      if (!lost && fresh) await connected(fresh.pc, 10000);
      await this.node(old.nodeId, () => this.unsubscribeFrom(old.nodeId, participantId));
    });
  }

  /** The server closed a connection (`subscription-closed`): everyone on it is dropped. */
  closed(transportId) {
    for (const connection of this.connections.values()) {
      if (connection.transportId === transportId) this.discard(connection);
    }
  }

  remove(participantId) {
    const key = idKey(participantId);
    return this.person(key, async () => {
      const current = this.byParticipant.get(key);
      if (current) await this.takeOff(key, current.nodeId);
    });
  }

  closeAll() {
    for (const connection of this.connections.values()) {
      this.playSlots(connection, []);
      connection.pc.close();
    }
    this.connections.clear();
    this.byParticipant.clear();
  }

  /** inbound-rtp counters by person (by the stream's mid), and of each audio slot, for the tests and the stats view. */
  async stats() {
    const out = [];
    for (const connection of this.connections.values()) {
      const report = await connection.pc.getStats();
      report.forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        if (connection.slotAudio.has(String(s.mid))) {
          // An audio slot: nobody's in particular (participantId empty).
          out.push({
            participantId: '', nodeId: connection.nodeId, kind: 'audio-slot', mediaKind: 'audio', mid: String(s.mid),
            framesDecoded: 0, packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0,
            freezeCount: 0, totalFreezesDuration: 0, frameHeight: 0, pauseCount: 0, totalPausesDuration: 0,
          });
          return;
        }
        const track = connection.tracks.find((t) => String(t.mid) === String(s.mid));
        if (!track) return;
        out.push({
          participantId: track.participantId, nodeId: connection.nodeId, kind: track.kind, mediaKind: s.kind,
          framesDecoded: s.framesDecoded || 0, packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0,
          freezeCount: s.freezeCount || 0, totalFreezesDuration: s.totalFreezesDuration || 0,
          frameHeight: s.frameHeight || 0, pauseCount: s.pauseCount || 0, totalPausesDuration: s.totalPausesDuration || 0,
        });
      });
    }
    return out;
  }

  /** How many subscriber connections we hold (one per node). */
  get connectionCount() { return this.connections.size; }

  // MARK: Internals

  /**
   * Subscribes `participantId` on the connection to `nodeId` (where its
   * tracks say it publishes) and returns its entry. The request runs in the
   * node's queue: its reply may be a re-offer, which must not cross another.
   */
  putOn(participantId, nodeId) {
    return this.node(nodeId, async () => {
      const request = { participantId, perNode: true };
      if (this.e2ee) request.e2ee = true;
      const slots = this.audioSlots();
      if (slots !== undefined) request.audioSlots = slots;
      const reply = await this.signaling.request('subscribe', request, 20000);
      return this.apply(reply.data);
    });
  }

  async takeOff(key, nodeId) {
    const current = this.byParticipant.get(key);
    if (!current) return;
    await this.node(nodeId, () => this.unsubscribeFrom(nodeId, current.participantId));
  }

  /** `unsubscribe {transportId, participantId}` on a node's connection (node queue). */
  async unsubscribeFrom(nodeId, participantId) {
    const connection = this.connections.get(nodeId);
    const key = idKey(participantId);
    if (!connection) return;
    let reply = null;
    if (this.signaling.connected) {
      try {
        reply = await this.signaling.request('unsubscribe', { transportId: connection.transportId, participantId }, 5000);
      } catch { /* gone already */ }
    }
    if (reply && reply.type === 'subscription') {
      await this.apply(reply.data);
    } else {
      connection.tracks = connection.tracks.filter((t) => idKey(t.participantId) !== key);
      if (connection.tracks.length === 0) this.discard(connection);
    }
    const entry = this.byParticipant.get(key);
    if (entry && entry.nodeId === nodeId) {
      this.byParticipant.delete(key);
      this.emit(participantId, {});
    }
  }

  /** Applies a node offer on its connection (made on the first one) and answers it. */
  async apply(data) {
    let connection = this.connections.get(data.nodeId);
    if (connection && connection.transportId !== data.transportId) {
      this.discard(connection);
      connection = null;
    }
    if (!connection) {
      const pc = new RTCPeerConnection(this.e2ee ? e2eeConnectionConfig(peerConnectionConfig()) : peerConnectionConfig());
      connection = { nodeId: data.nodeId, transportId: data.transportId, pc, tracks: [], slotAudio: new Map() };
      // E2EE: every receiver decrypts (a reused section keeps its receiver, and its transform).
      if (this.e2ee) pc.addEventListener('track', (event) => this.e2ee.attachReceiver(event.receiver));
      pc.addEventListener('connectionstatechange', () => {
        for (const entry of this.byParticipant.values()) {
          if (entry.pc !== pc) continue;
          this.dispatchEvent(new CustomEvent('state', { detail: { participantId: entry.participantId, state: pc.connectionState } }));
        }
      });
      this.connections.set(data.nodeId, connection);
    }
    connection.tracks = data.tracks || [];
    try {
      await connection.pc.setRemoteDescription({ type: 'offer', sdp: data.offer });
      await connection.pc.setLocalDescription(await connection.pc.createAnswer());
      await this.signaling.request('subscribe-answer', { transportId: connection.transportId, answer: connection.pc.localDescription.sdp });
    } catch (error) {
      // An offer that was not answered stays pending on the node, which then
      // refuses every later change on this connection (one offer at a time):
      // close the whole connection, so the next subscribe starts a new one.
      console.warn('node connection dropped after a failed offer', data.nodeId, error);
      this.discard(connection);
      if (this.signaling.connected) {
        this.signaling.request('unsubscribe', { transportId: connection.transportId }, 5000)
          .catch((e) => console.warn('unsubscribe after a failed offer', e));
      }
      throw error;
    }
    this.spread(connection);
    this.playSlots(connection, data.audioSlots || []);
    return this.byParticipant.get(idKey(data.publisherParticipantId)) || null;
  }

  /** Plays each audio slot section of `connection` in a hidden <audio> (mid → element); drops the rest. */
  playSlots(connection, mids) {
    const wanted = new Set(mids.map(String));
    for (const [mid, element] of connection.slotAudio) {
      if (wanted.has(mid)) continue;
      element.srcObject = null;
      element.remove();
      connection.slotAudio.delete(mid);
    }
    for (const mid of wanted) {
      const transceiver = connection.pc.getTransceivers().find((t) => String(t.mid) === mid);
      if (!transceiver || !transceiver.receiver.track) continue;
      let element = connection.slotAudio.get(mid);
      if (!element) {
        element = document.createElement('audio');
        element.autoplay = true;
        element.dataset.audioSlot = `${connection.nodeId}:${mid}`;
        element.hidden = true;
        document.body.append(element);
        connection.slotAudio.set(mid, element);
      }
      if (!element.srcObject || element.srcObject.getTracks()[0] !== transceiver.receiver.track) {
        element.srcObject = new MediaStream([transceiver.receiver.track]);
      }
    }
  }

  /** Hands each person on `connection` the tracks of their sections. */
  spread(connection) {
    const people = new Map();
    for (const track of connection.tracks) {
      const key = idKey(track.participantId);
      if (!people.has(key)) people.set(key, { participantId: track.participantId, tracks: [] });
      people.get(key).tracks.push(track);
    }
    for (const [key, person] of people) {
      const streams = {};
      for (const track of person.tracks) {
        const transceiver = connection.pc.getTransceivers().find((t) => String(t.mid) === String(track.mid));
        if (transceiver && transceiver.receiver.track) streams[track.kind] = new MediaStream([transceiver.receiver.track]);
      }
      this.byParticipant.set(key, {
        participantId: person.participantId, transportId: connection.transportId, nodeId: connection.nodeId,
        pc: connection.pc, trackIds: trackIds(person.tracks), streams,
      });
      this.emit(person.participantId, streams);
    }
  }

  /** Closes a connection and drops everyone on it. */
  discard(connection) {
    this.playSlots(connection, []);
    connection.pc.close();
    this.connections.delete(connection.nodeId);
    for (const [key, entry] of this.byParticipant) {
      if (entry.pc !== connection.pc) continue;
      this.byParticipant.delete(key);
      this.emit(entry.participantId, {});
    }
  }

  emit(participantId, streams) {
    this.dispatchEvent(new CustomEvent('media', { detail: { participantId, streams: { ...streams } } }));
  }

  person(key, job) { return serialize(this, `p:${key}`, key, job); }

  node(nodeId, job) { return serialize(this, `n:${nodeId}`, nodeId, job, { rethrow: true }); }
}
