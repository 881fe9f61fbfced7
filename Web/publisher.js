// The person's own media going to their SFU node: one RTCPeerConnection.
//
// `publish` {offer, sources: {mid: kind}, nodeId?} → `published` {answer, ...}.
// Adding or removing the screen renegotiates the same transport by sending
// `publish` again with a new offer. `republish()` (a `migrate` from the
// server, or a transport that failed) builds a new connection and swaps it
// in once the node has answered, closing the old one after, so the people
// watching see no gap longer than the switch itself.

import { applyPublisherLayers, withActiveLayers } from './dynacast.js';
import { e2eeCodecs, e2eeConnectionConfig } from './e2ee.js';
import { peerConnectionConfig } from './ice.js';
import { cameraEncodings, screenEncodings, singleCameraEncoding } from './simulcast.js';

const OLD_CONNECTION_GRACE_MS = 15000;
const nothing = () => undefined;

/** Closes `pc` when its node closes it, or after `graceMs`. */
function retire(pc, graceMs) {
  const close = () => { if (pc.connectionState !== 'closed') pc.close(); };
  if (graceMs <= 0) { close(); return; }
  const timer = setTimeout(close, graceMs);
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'closed' || pc.connectionState === 'failed') { clearTimeout(timer); close(); }
  });
}

export class Publisher extends EventTarget {
  /**
   * @param signaling a Signaling
   * @param media     a LocalMedia
   * @param nodeHint  () => a node id to ask for (tests), or null
   * @param e2ee      an E2EEWorker in an end-to-end encrypted meeting, else null
   */
  constructor({ signaling, media, nodeHint = () => null, e2ee = null }) {
    super();
    this.signaling = signaling;
    this.media = media;
    this.nodeHint = nodeHint;
    this.pc = null;
    this.transceivers = {};
    this.transportId = null;
    /** The connection `transportId` names (set with it, once the node answered). */
    this.transportPc = null;
    /** Dynacast: mid → the RIDs the node last asked for (`publisher-layers`). */
    this.layers = new Map();
    this.nodeId = null;
    this.tracks = [];
    this.negotiatedAt = 0;
    this.queue = Promise.resolve();
    this.closed = false;
    this.e2ee = e2ee;
  }

  get active() { return !!this.pc; }

  /** Publishes mic and camera (whichever exist). No-op without any. */
  start() {
    return this.serialize(async () => {
      if (this.pc || this.closed) return;
      if (!this.media.mic && !this.media.camera && !this.media.screen) return;
      const { pc, transceivers } = this.build();
      this.pc = pc;
      this.transceivers = transceivers;
      await this.negotiate(pc, transceivers, this.nodeHint());
    });
  }

  /** Adds (track) or removes (null) the screen track, renegotiating the transport. */
  setScreen(track) {
    return this.serialize(async () => {
      if (!this.pc) {
        if (!track) return;
        const { pc, transceivers } = this.build();
        this.pc = pc;
        this.transceivers = transceivers;
        await this.negotiate(pc, transceivers, this.nodeHint());
        return;
      }
      const existing = this.transceivers.screen;
      if (track) {
        if (existing && existing.currentDirection !== 'stopped' && !existing.stopped) {
          await existing.sender.replaceTrack(track);
          existing.direction = 'sendonly';
          // A new share starts with every layer, as the node assumes for a new section.
          const all = withActiveLayers(existing.sender.getParameters(), screenEncodings().map((e) => e.rid));
          if (all) await existing.sender.setParameters(all).catch((error) => console.warn('screen layers not reset', error));
        } else {
          this.transceivers.screen = this.pc.addTransceiver(track, {
            direction: 'sendonly', streams: [new MediaStream([track])], sendEncodings: screenEncodings(),
          });
          this.prepare(this.transceivers.screen, 'video');
        }
      } else if (existing) {
        await existing.sender.replaceTrack(null);
        existing.direction = 'inactive';
      }
      try {
        await this.negotiate(this.pc, this.transceivers, this.nodeId);
      } catch (error) {
        // The node refused: stop offering the screen so the next negotiation does not carry it.
        const screen = this.transceivers.screen;
        if (track && screen) {
          await screen.sender.replaceTrack(null).catch((stopError) => console.warn('screen track not removed', stopError));
          screen.direction = 'inactive';
        }
        throw error;
      }
    });
  }

  /**
   * A fresh connection replacing the current one. After a `migrate`
   * (`replaces` set): `publish` with `replaces`, so the server places it on
   * the node it chose, and the old connection keeps sending until its node
   * closes it, once everyone watching has moved (at most
   * OLD_CONNECTION_GRACE_MS), or stops at once when its node was lost.
   * Without `replaces` (a failed transport, a new seat) a plain `publish`.
   */
  republish({ replaces = null, lost = false } = {}) {
    return this.serialize(async () => {
      if (this.closed) return;
      const old = this.pc;
      // A plain `publish` while the server still holds our transport (this
      // connection failed before the node noticed) renegotiates that
      // transport, and the node refuses the new connection's offer (a
      // changed DTLS fingerprint). Withdraw it first: its media stopped anyway.
      if (!replaces && this.transportId) await this.withdraw();
      const { pc, transceivers } = this.build();
      this.pc = pc;
      this.transceivers = transceivers;
      try {
        await this.negotiate(pc, transceivers, replaces ? null : this.nodeHint(), replaces);
      } finally {
        // Not a migration (a failed transport, a new seat): the old connection is of no use.
        if (old && old !== pc) retire(old, lost ? 0 : (replaces ? OLD_CONNECTION_GRACE_MS : 1500));
      }
    });
  }

  /**
   * Dynacast (`publisher-layers`): stops encoding the simulcast layers
   * nobody receives, resumes those someone wants again. Only for the
   * connection of the transport it names (not an old one being replaced).
   */
  applyLayers(data) {
    return applyPublisherLayers(this.transportPc, this.transportId, data, this.layers);
  }

  /**
   * What this browser sends and how much it thinks it may: the selected
   * candidate pair's `availableOutgoingBitrate` (the congestion controller's
   * estimate, fed by the node's transport-wide feedback) and each video
   * sender's bytes, frame size and why it is limited. For the tests and the stats view.
   */
  async stats() {
    if (!this.pc) return null;
    const report = await this.pc.getStats();
    // camera: what the camera gives (its capture size, Web/localmedia.js), null without one.
    const settings = this.media.camera ? this.media.camera.getSettings() : null;
    const camera = settings ? { width: settings.width || 0, height: settings.height || 0, frameRate: settings.frameRate || 0 } : null;
    const out = { availableOutgoingBitrate: null, camera, video: [] };
    report.forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && s.availableOutgoingBitrate !== undefined) {
        out.availableOutgoingBitrate = s.availableOutgoingBitrate;
      }
      if (s.type === 'outbound-rtp' && s.kind === 'video') {
        // rid and active (dynacast: whether the node left this layer on) per simulcast layer.
        out.video.push({ rid: s.rid || null, active: s.active !== false,
                         bytesSent: s.bytesSent || 0, frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0,
                         targetBitrate: s.targetBitrate || 0, qualityLimitationReason: s.qualityLimitationReason || null });
      }
    });
    return out;
  }

  /** Stops publishing (`unpublish`) and closes the connection. */
  async stop({ tell = true } = {}) {
    this.closed = true;
    const pc = this.pc;
    this.pc = null;
    if (tell && pc) await this.unpublish().catch(() => undefined);  // leaving anyway
    if (pc) pc.close();
  }

  // MARK: Internals

  /**
   * `unpublish` of the transport we hold, before a new connection's plain
   * `publish` (a no-op `ack` when the server already dropped it: a new seat,
   * or the node closed it). A failure is only logged: the publish decides.
   */
  async withdraw() {
    this.transportId = null;
    this.transportPc = null;
    await this.unpublish().catch((error) => console.warn('old publication not withdrawn', error));
  }

  /** `unpublish` while the socket is up (5 s at most); nothing without one. */
  async unpublish() {
    if (this.signaling.connected) await this.signaling.request('unpublish', {}, 5000);
  }

  build() {
    const pc = new RTCPeerConnection(this.e2ee ? e2eeConnectionConfig(peerConnectionConfig()) : peerConnectionConfig());
    const transceivers = {};
    const stream = new MediaStream([this.media.mic, this.media.camera].filter(Boolean));
    if (this.media.mic) {
      transceivers.mic = pc.addTransceiver(this.media.mic, { direction: 'sendonly', streams: [stream] });
      if (this.e2ee) this.prepare(transceivers.mic, 'audio');
    }
    if (this.media.camera) {
      // Simulcast (#16): the node forwards each subscriber the layer that fits it
      // (one stream instead with the test hook `meetTest.simulcast === false`).
      const single = window.meetTest && window.meetTest.simulcast === false;
      transceivers.camera = pc.addTransceiver(this.media.camera, {
        direction: 'sendonly', streams: [stream], sendEncodings: single ? singleCameraEncoding() : cameraEncodings(),
      });
      this.prepare(transceivers.camera, 'video');
    }
    if (this.media.screen) {
      transceivers.screen = pc.addTransceiver(this.media.screen, {
        direction: 'sendonly', streams: [new MediaStream([this.media.screen])], sendEncodings: screenEncodings(),
      });
      this.prepare(transceivers.screen, 'video');
    }
    pc.addEventListener('connectionstatechange', () => {
      this.dispatchEvent(new CustomEvent('state', { detail: { state: pc.connectionState, current: pc === this.pc } }));
    });
    return { pc, transceivers };
  }

  async negotiate(pc, transceivers, nodeId, replaces = null) {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const sources = {};
    for (const [kind, transceiver] of Object.entries(transceivers)) {
      if (transceiver.mid !== null && transceiver.direction !== 'inactive') sources[transceiver.mid] = kind;
    }
    const data = { offer: pc.localDescription.sdp, sources };
    if (this.e2ee) data.e2ee = true;
    if (nodeId) data.nodeId = nodeId;
    if (replaces) data.replaces = replaces;
    let reply;
    try {
      reply = await this.signaling.request('publish', data, 20000);
    } catch (error) {
      // Back to the last agreed state, so the connection keeps working and a later offer can be made.
      if (pc.signalingState === 'have-local-offer') {
        await pc.setLocalDescription({ type: 'rollback' }).catch((rollbackError) => console.warn('offer not rolled back', rollbackError));
      }
      throw error;
    }
    if (pc.signalingState === 'closed') return;
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.data.answer });
    const transportId = reply.data.transportId || this.transportId;
    if (transportId !== this.transportId || pc !== this.transportPc) this.layers = new Map();
    this.transportId = transportId;
    this.transportPc = pc;
    this.nodeId = reply.data.nodeId || this.nodeId;
    this.tracks = reply.data.tracks || [];
    this.negotiatedAt = Date.now();
    this.dispatchEvent(new CustomEvent('published', { detail: reply.data }));
  }

  /** Runs `job` after the earlier ones; its failure goes to the caller (the queue only keeps the order). */
  serialize(job) {
    const run = this.queue.then(job);
    this.queue = run.then(nothing, nothing);
    return run;
  }
}

/** Puts the codecs the SFU forwards first (Opus; VP8, then H.264). */
/**
 * Codecs, and in an E2EE meeting the encryption: only Opus, VP8 and H.264
 * (the codecs whose clear bytes e2ee-frames.js knows), and every frame
 * through the E2EE worker.
 */
Publisher.prototype.prepare = function prepare(transceiver, kind) {
  if (!this.e2ee) return preferCodecs(transceiver, kind);
  const caps = RTCRtpSender.getCapabilities && RTCRtpSender.getCapabilities(kind);
  const codecs = e2eeCodecs(kind, caps);
  if (transceiver.setCodecPreferences && codecs.length) transceiver.setCodecPreferences(codecs);
  this.e2ee.attachSender(transceiver.sender);
};

export function preferCodecs(transceiver, kind) {
  if (!transceiver.setCodecPreferences || !RTCRtpReceiver.getCapabilities) return;
  const caps = RTCRtpReceiver.getCapabilities(kind);
  if (!caps) return;
  const rank = (codec) => {
    const type = codec.mimeType.toLowerCase();
    if (type === 'video/vp8' || type === 'audio/opus') return 0;
    if (type === 'video/h264') return 1;
    return 2;
  };
  try {
    transceiver.setCodecPreferences([...caps.codecs].sort((a, b) => rank(a) - rank(b)));
  } catch { /* keep the browser's order */ }
}
