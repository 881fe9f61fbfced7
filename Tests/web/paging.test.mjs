// The web client's last-N paging (Web/paging.js) without a browser:
// `node --test Tests/web` (scripts/test runs it).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  PreferenceThrottle, forwardedKeys, gridSide, orderPeople, pageOf, pageSize, tileHeight, videoPreferences,
} from '../../Web/paging.js';

const person = (id, displayName) => ({ id, displayName });

test('3 × 3 under 1280 × 800, else 4 × 4', () => {
  assert.equal(gridSide(1279, 900), 3);
  assert.equal(gridSide(1920, 799), 3);
  assert.equal(pageSize(1280, 800), 16);
  assert.equal(pageSize(800, 600), 9);
});

test('pages: clamped, the last one short, at least one', () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  assert.deepEqual(pageOf(items, 0, 9), { items: [0, 1, 2, 3, 4, 5, 6, 7, 8], page: 0, pages: 3 });
  assert.deepEqual(pageOf(items, 2, 9), { items: [18, 19], page: 2, pages: 3 });
  assert.equal(pageOf(items, 7, 9).page, 2);
  assert.equal(pageOf(items, -1, 9).page, 0);
  assert.deepEqual(pageOf([], 3, 9), { items: [], page: 0, pages: 1 });
});

test('order: me, screen sharers, recent speakers (latest first), then by name', () => {
  const people = [person('d', 'Dan'), person('a', 'Ann'), person('me', 'Me'), person('c', 'Cy'), person('b', 'Bo')];
  const ordered = orderPeople(people, { me: 'me', spokeAt: new Map([['c', 10], ['d', 20]]), screens: new Set(['b']) });
  assert.deepEqual(ordered.map((p) => p.id), ['me', 'b', 'd', 'c', 'a']);
});

test('tile heights round up to the sizes the server knows', () => {
  assert.equal(tileHeight(100), 180);
  assert.equal(tileHeight(200, 1), 360);
  assert.equal(tileHeight(200, 2), 720);
  assert.equal(tileHeight(900, 2), 1080);
});

test('grid view asks for the page; speaker view for the big tile and speakers', () => {
  const tiles = [{ participantId: 'a', source: 'camera', height: 360 }, { participantId: 'b', source: 'screen', height: 720 }];
  assert.deepEqual(videoPreferences(tiles), {
    limit: 2,
    tiles: [{ participantId: 'a', source: 'camera', maxHeight: 360 }, { participantId: 'b', source: 'screen', maxHeight: 720 }],
    speakers: { follow: false, maxHeight: 0 },
  });
  assert.deepEqual(videoPreferences(tiles, { speakerView: true, strip: 4 }), {
    limit: 5, tiles: [{ participantId: 'a', source: 'camera', maxHeight: 720 }], speakers: { follow: true, maxHeight: 180 },
  });
  assert.deepEqual(videoPreferences([]).limit, 0);
});

test('forwarded keys from video-selection, ids lower case', () => {
  const keys = forwardedKeys({ forwarding: [{ participantId: 'AB-1', source: 'camera' }] });
  assert.deepEqual([...keys], ['ab-1:camera']);
  assert.equal(forwardedKeys(undefined).size, 0);
});

test('at most one send per 250 ms, the latest body wins, nothing twice', () => {
  const throttle = new PreferenceThrottle(250);
  const one = { limit: 1 };
  const two = { limit: 2 };
  const three = { limit: 3 };
  assert.deepEqual(throttle.offer(one, 1000), { send: one });
  assert.deepEqual(throttle.offer(one, 1010), {}, 'unchanged: nothing');
  assert.deepEqual(throttle.offer(two, 1100), { waitMs: 150 });
  assert.deepEqual(throttle.offer(three, 1200), {}, 'a timer already runs');
  assert.equal(throttle.flush(1250), three);
  assert.equal(throttle.flush(1300), null);
  assert.deepEqual(throttle.offer(three, 1600), {}, 'already sent');
  throttle.reset();
  assert.deepEqual(throttle.offer(three, 1601), { send: three }, 'after a reconnect, sent whole');
});
