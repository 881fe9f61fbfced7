// The audio-level arithmetic of Web/levels.js (no WebAudio needed): the RMS
// level and the speaking hysteresis behind the speaking indicators.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { nextSpeaking, rms } from '../../Web/levels.js';

test('rms: silence is 0, a full-scale square wave is 1, a half-scale one 0.5', () => {
  assert.equal(rms(new Float32Array(512)), 0);
  assert.equal(rms(Float32Array.from({ length: 512 }, (_, i) => (i % 2 ? 1 : -1))), 1);
  assert.equal(rms(Float32Array.from({ length: 512 }, (_, i) => (i % 2 ? 0.5 : -0.5))), 0.5);
  assert.equal(rms(new Float32Array(0)), 0);
});

test('speaking starts with a loud read and lasts 600 ms after the last one', () => {
  let state = { speaking: false, lastLoud: -10000 };
  state = nextSpeaking(state, 0.01, 1000);
  assert.equal(state.speaking, false, 'quiet');
  state = nextSpeaking(state, 0.2, 1100);
  assert.deepEqual(state, { speaking: true, lastLoud: 1100 });
  state = nextSpeaking(state, 0.0, 1600);
  assert.equal(state.speaking, true, 'held through a short pause');
  state = nextSpeaking(state, 0.0, 1700);
  assert.equal(state.speaking, false, 'off 600 ms after the last loud read');
});
