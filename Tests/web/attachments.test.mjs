// Files in the chat (Web/attachments.js): sizes in words, and a Blob's bytes
// as base64 (the test hooks compare downloads with it).
import assert from 'node:assert/strict';
import test from 'node:test';

import { base64, formatSize } from '../../Web/attachments.js';

test('sizes read as people say them', () => {
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(999), '999 B');
  assert.equal(formatSize(1000), '1.0 KB');
  assert.equal(formatSize(3456), '3.5 KB');
  assert.equal(formatSize(150_000), '150 KB');
  assert.equal(formatSize(25 * 1024 * 1024), '26 MB');
  assert.equal(formatSize(4e12), '4000 GB');
});

test('a blob of any size becomes its base64, in slices that never overflow the call stack', async () => {
  const bytes = new Uint8Array(200_000).map((_, i) => (i * 31) % 256);
  assert.equal(await base64(new Blob([bytes])), Buffer.from(bytes).toString('base64'));
  assert.equal(await base64(new Blob([])), '');
});
