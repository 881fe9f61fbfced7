// Web/publisher.js: a new connection outside a migration withdraws the old
// publication first (a plain `publish` would renegotiate the transport the
// server still holds, and the node refuses another connection's offer).

import assert from 'node:assert/strict';
import { test } from 'node:test';

class FakeConnection extends EventTarget {
  constructor() {
    super();
    this.signalingState = 'stable';
    this.connectionState = 'new';
    this.closed = false;
    this.transceivers = [];
  }
  addTransceiver(track) {
    const transceiver = { mid: String(this.transceivers.length), direction: 'sendonly', sender: { track } };
    this.transceivers.push(transceiver);
    return transceiver;
  }
  async createOffer() { return { type: 'offer', sdp: 'v=0 offer' }; }
  async setLocalDescription(description) {
    this.localDescription = description;
    this.signalingState = description.type === 'rollback' ? 'stable' : 'have-local-offer';
  }
  async setRemoteDescription() { this.signalingState = 'stable'; }
  close() { this.closed = true; this.connectionState = 'closed'; }
}

globalThis.window = globalThis.window || {};
globalThis.RTCPeerConnection = FakeConnection;
globalThis.MediaStream = class { constructor(tracks) { this.tracks = tracks; } };

const { Publisher } = await import('../../Web/publisher.js');

/** Signaling that answers every request and records its type. */
function signaling() {
  const sent = [];
  let transports = 0;
  return {
    sent,
    connected: true,
    async request(type, data) {
      sent.push({ type, data });
      if (type === 'publish') {
        transports += 1;
        return { data: { answer: 'v=0 answer', transportId: data.replaces ? `moved-${transports}` : `pub-${transports}`, nodeId: 'sfu-1', tracks: [] } };
      }
      return { type: 'ack', data: {} };
    },
  };
}

const media = { mic: { kind: 'audio' }, camera: null, screen: null };

test('a new connection after a failed one unpublishes the old transport, then publishes plainly', async () => {
  const wire = signaling();
  const publisher = new Publisher({ signaling: wire, media });
  await publisher.start();
  assert.equal(publisher.transportId, 'pub-1');
  await publisher.republish();
  assert.deepEqual(wire.sent.map((m) => m.type), ['publish', 'unpublish', 'publish']);
  assert.equal(wire.sent[2].data.replaces, undefined);
  assert.equal(publisher.transportId, 'pub-2');
});

test('a migration (`replaces`) keeps the old transport until the node closes it: no unpublish', async () => {
  const wire = signaling();
  const publisher = new Publisher({ signaling: wire, media });
  await publisher.start();
  const old = publisher.pc;
  await publisher.republish({ replaces: 'pub-1' });
  assert.deepEqual(wire.sent.map((m) => m.type), ['publish', 'publish']);
  assert.equal(wire.sent[1].data.replaces, 'pub-1');
  assert.equal(old.closed, false, 'the old connection keeps sending while people move');
  old.close();  // its node closes it: the grace timer goes
  old.dispatchEvent(new Event('connectionstatechange'));
});

test('with no transport yet (a first publish that failed) there is nothing to withdraw', async () => {
  const wire = signaling();
  const publisher = new Publisher({ signaling: wire, media });
  await publisher.republish();
  assert.deepEqual(wire.sent.map((m) => m.type), ['publish']);
});

test('a failed unpublish is only logged: the publish still goes', async () => {
  const wire = signaling();
  const request = wire.request;
  wire.request = async (type, data) => {
    if (type === 'unpublish') { wire.sent.push({ type, data }); throw Object.assign(new Error('timeout'), { code: 'timeout' }); }
    return request(type, data);
  };
  const publisher = new Publisher({ signaling: wire, media });
  await publisher.start();
  const warn = console.warn;
  const warned = [];
  console.warn = (...args) => warned.push(args);
  try {
    await publisher.republish();
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(wire.sent.map((m) => m.type), ['publish', 'unpublish', 'publish']);
  assert.equal(warned.length, 1);
  assert.equal(publisher.transportId, 'pub-2');
});
