// Web/localmedia.js: the camera's capture height (#16 item 1). At the
// default 1280×720 the camera's three simulcast layers (Web/simulcast.js)
// come out at exactly the tile heights the client asks for (Web/paging.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_CAMERA_HEIGHT, cameraHeight, validCameraHeight } from '../../Web/localmedia.js';
import { tileHeight } from '../../Web/paging.js';
import { cameraEncodings } from '../../Web/simulcast.js';

test('the camera is captured at 720 px unless a height is asked for', () => {
  assert.equal(DEFAULT_CAMERA_HEIGHT, 720);
  for (const missing of [undefined, null, '', 0, 'abc', NaN]) assert.equal(cameraHeight(missing), 720, String(missing));
  assert.equal(cameraHeight(360), 360);
  assert.equal(cameraHeight('360'), 360);
  assert.equal(cameraHeight(1080), 1080);
});

test('a height out of 90…2160 or not whole falls back to the default', () => {
  for (const odd of [89, -360, 2161, 99999, 360.5, Infinity]) assert.equal(cameraHeight(odd), 720, String(odd));
  assert.equal(cameraHeight(90), 90);
  assert.equal(cameraHeight(2160), 2160);
});

test('validCameraHeight: a whole height from 90 to 2160, else null, so ?camera= ?? preset picks the first valid one', () => {
  for (const bad of [undefined, null, '', 0, 'abc', '720p', NaN, 89, 2161, 360.5, Infinity]) {
    assert.equal(validCameraHeight(bad), null, String(bad));
  }
  assert.equal(validCameraHeight('360'), 360);
  assert.equal(validCameraHeight(1080), 1080);
  // As Web/app.js chooses: an invalid URL value does not override a valid preset.
  assert.equal(validCameraHeight('720p') ?? validCameraHeight(360) ?? null, 360);
  assert.equal(validCameraHeight('540') ?? validCameraHeight(360) ?? null, 540);
  assert.equal(validCameraHeight(null) ?? validCameraHeight(undefined) ?? null, null);
});

test('at the default the three layers are 180, 360 and 720 px: the tile heights', () => {
  const heights = cameraEncodings().map((e) => DEFAULT_CAMERA_HEIGHT / (e.scaleResolutionDownBy ?? 1));
  assert.deepEqual(heights, [180, 360, 720]);
  assert.deepEqual(heights.map((h) => tileHeight(h)), heights);
});
