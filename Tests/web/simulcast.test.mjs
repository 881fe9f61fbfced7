// Web/simulcast.js: the layers the publisher offers, in the node's order
// (lowest first) with RIDs the node accepts (1–16 of A–Z a–z 0–9 - _).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cameraEncodings, screenEncodings, singleCameraEncoding } from '../../Web/simulcast.js';

for (const [name, encodings, count] of [['camera', cameraEncodings(), 3], ['screen', screenEncodings(), 2]]) {
  test(`${name}: ${count} layers, lowest first, valid distinct RIDs, rising bitrates`, () => {
    assert.equal(encodings.length, count);
    assert.equal(new Set(encodings.map((e) => e.rid)).size, count);
    for (const encoding of encodings) assert.match(encoding.rid, /^[A-Za-z0-9_-]{1,16}$/);
    const scales = encodings.map((e) => e.scaleResolutionDownBy ?? 1);
    assert.deepEqual([...scales].sort((a, b) => b - a), scales);
    assert.equal(scales.at(-1), 1);
    const rates = encodings.map((e) => e.maxBitrate);
    assert.deepEqual([...rates].sort((a, b) => a - b), rates);
  });
}

test('camera without simulcast (?simulcast=0): one stream, no RID, capped like the top layer', () => {
  const [single, ...rest] = singleCameraEncoding();
  assert.equal(rest.length, 0);
  assert.equal(single.rid, undefined);
  assert.equal(single.scaleResolutionDownBy, undefined);
  assert.equal(single.maxBitrate, cameraEncodings().at(-1).maxBitrate);
});
