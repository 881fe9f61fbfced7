// Web/dynacast.js: `publisher-layers` turns simulcast encodings on and off.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { applyPublisherLayers, withActiveLayers } from '../../Web/dynacast.js';

const params = (actives) => ({
  transactionId: 't1',
  encodings: [{ rid: 'q', active: actives[0] }, { rid: 'h', active: actives[1] }, { rid: 'f', active: actives[2] }],
});

test('only the listed RIDs stay active; nothing to do when already so', () => {
  const next = withActiveLayers(params([true, true, true]), ['q', 'h']);
  assert.deepEqual(next.encodings.map((e) => e.active), [true, true, false]);
  assert.equal(next.transactionId, 't1', 'the rest of the parameters kept');
  assert.equal(withActiveLayers(params([true, true, false]), ['q', 'h']), null);
  assert.deepEqual(withActiveLayers(params([true, false, false]), ['q', 'h', 'f']).encodings.map((e) => e.active),
    [true, true, true]);
});

test('an empty list or no simulcast changes nothing', () => {
  assert.equal(withActiveLayers(params([true, true, true]), []), null);
  assert.equal(withActiveLayers({ encodings: [{ active: true }] }, ['q']), null);
  assert.equal(withActiveLayers(null, ['q']), null);
});

test('applied to the section of the same mid, only for our own transport', async () => {
  const set = [];
  let current = params([true, true, true]);
  const sender = { getParameters: () => current, setParameters: async (p) => { set.push(p); current = p; } };
  const pc = { getTransceivers: () => [{ mid: '0', sender: {} }, { mid: '1', sender }] };
  const layers = new Map();
  const event = { transportId: 'pub-1', sections: [{ mid: '1', active: ['q'] }] };
  assert.deepEqual(await applyPublisherLayers(pc, 'pub-2', event, layers), [], 'another transport: ignored');
  assert.deepEqual(await applyPublisherLayers(pc, 'pub-1', event, layers), ['1']);
  assert.deepEqual(current.encodings.map((e) => e.active), [true, false, false]);
  assert.deepEqual(layers.get('1'), ['q']);
  assert.deepEqual(await applyPublisherLayers(pc, 'pub-1', event, layers), [], 'the same again: no call');
  assert.equal(set.length, 1);
});

test('a sender that refuses (negotiation in flight) is skipped, not thrown', async () => {
  const sender = { getParameters: () => params([true, true, true]), setParameters: async () => { throw new Error('InvalidStateError'); } };
  const pc = { getTransceivers: () => [{ mid: '1', sender }] };
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.deepEqual(await applyPublisherLayers(pc, 'p', { transportId: 'p', sections: [{ mid: '1', active: ['q'] }] }), []);
  } finally {
    console.warn = warn;
  }
});
