// The arithmetic of Web/mic-check.js (no WebAudio needed): the RMS level
// behind the pre-join microphone meter.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { rms } from '../../Web/mic-check.js';

test('rms: silence is 0, a full-scale square wave is 1, a half-scale one 0.5', () => {
  assert.equal(rms(new Float32Array(512)), 0);
  assert.equal(rms(Float32Array.from({ length: 512 }, (_, i) => (i % 2 ? 1 : -1))), 1);
  assert.equal(rms(Float32Array.from({ length: 512 }, (_, i) => (i % 2 ? 0.5 : -0.5))), 0.5);
  assert.equal(rms(new Float32Array(0)), 0);
});
