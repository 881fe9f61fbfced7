// The Recordings view's wording and file handling (Web/recordings.js): the
// order and labels of a recording's files, which ones a browser plays, the
// summary line with a failover gap, who may delete, download names, and the
// token-bearing fetch (one refresh on 401, errors as the API's codes).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  canDelete, downloadName, fileEntries, formatBytes, playable, playbackUrl, recordingSummary, recordingsMessage, shouldRenew,
} from '../../Web/recordings.js';

const A = 'aaaa0000-0000-0000-0000-00000000000a';
const B = 'bbbb0000-0000-0000-0000-00000000000b';
const file = (id, kind, codec, participantId, extra = {}) => ({
  id, kind, codec, participantId, trackId: `t-${id}`, segment: 0, startMs: 0, durationMs: 12_000, bytes: 250_000, lostPackets: 0,
  storageKey: `x/${id}`, ...extra,
});
const recording = {
  id: '12345678-0000-0000-0000-000000000000', status: 'stopped', createdAt: '2026-12-05T10:00:00Z',
  startedAt: '2026-12-05T10:00:01Z', endedAt: '2026-12-05T10:01:31Z',
  files: [
    file('f-b-audio', 'audio', 'opus', B, { startMs: 3000 }),
    file('f-a-audio', 'audio', 'opus', A),
    file('f-comp', 'composite', 'h264+aac', undefined, { durationMs: 90_000, bytes: 4_200_000 }),
    file('f-b-video', 'video', 'VP8', B, { startMs: 3100 }),
    file('f-a-video', 'video', 'VP8', A),
  ],
  segments: [{ segment: 0, startedAt: '2026-12-05T10:00:01Z' }],
};

test('the composite comes first, then each person (in order of appearance), video before audio', () => {
  const entries = fileEntries(recording);
  assert.deepEqual(entries.map((e) => e.file.id), ['f-comp', 'f-a-video', 'f-a-audio', 'f-b-video', 'f-b-audio']);
  assert.deepEqual(entries.map((e) => e.label), [
    'Whole meeting (grid, mixed audio)', 'Person 1 · video', 'Person 1 · audio', 'Person 2 · video', 'Person 2 · audio',
  ]);
  assert.equal(entries[0].detail, '1 min 30 s, 4.2 MB, MP4');
  assert.equal(entries[1].detail, '12 s, 250 kB, VP8');
  assert.ok(entries.every((e) => e.playable));
});

test('after a recorder failover each part is labelled, and the gap is in the summary', () => {
  const failover = {
    ...recording,
    files: [file('s0', 'video', 'VP8', A), file('s1', 'video', 'VP8', A, { segment: 1, startMs: 40_000 })],
    segments: [{ segment: 0, startedAt: recording.startedAt }, { segment: 1, startedAt: recording.startedAt, gapMs: 1_460 }],
  };
  assert.deepEqual(fileEntries(failover).map((e) => e.label), ['Person 1 · video · part 1', 'Person 1 · video · part 2']);
  assert.equal(recordingSummary(failover, { timeZone: 'UTC' }),
    '5 Dec, 10:00:01 · 1 min 30 s · Finished · a gap of 1.5 s (recorder replaced)');
});

test('a recording still running says so and has no length yet', () => {
  const live = { id: 'r', status: 'recording', createdAt: '2026-12-05T10:00:00Z', startedAt: '2026-12-05T10:00:01Z', files: [] };
  assert.equal(recordingSummary(live, { timeZone: 'UTC' }), '5 Dec, 10:00:01 · Recording now');
  assert.deepEqual(fileEntries(live), []);
});

test('H.264 tracks (Matroska) are offered as downloads only; WebM and the MP4 play', () => {
  assert.equal(playable({ kind: 'video', codec: 'H264' }), false);
  assert.equal(playable({ kind: 'video', codec: 'VP8' }), true);
  assert.equal(playable({ kind: 'audio', codec: 'opus' }), true);
  assert.equal(playable({ kind: 'composite', codec: 'h264+aac' }), true);
});

test('download names carry the container the route serves', () => {
  assert.equal(downloadName(recording, { id: 'abcdef12-3', kind: 'composite', codec: 'h264+aac' }), 'recording-12345678-composite-abcdef12.mp4');
  assert.equal(downloadName(recording, { id: 'abcdef12-3', kind: 'video', codec: 'H264' }), 'recording-12345678-video-abcdef12.mkv');
  assert.equal(downloadName(recording, { id: 'abcdef12-3', kind: 'audio', codec: 'opus' }), 'recording-12345678-audio-abcdef12.webm');
});

test('only the owner and hosts may delete, and only a recording that ended', () => {
  assert.equal(canDelete('owner', recording), true);
  assert.equal(canDelete('host', { status: 'failed' }), true);
  assert.equal(canDelete('host', { status: 'recording' }), false);
  assert.equal(canDelete('attendee', recording), false);
  assert.equal(canDelete(null, recording), false);
});

test('sizes and error wording', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(980_400), '980 kB');
  assert.equal(formatBytes(1_250_000_000), '1.3 GB');
  assert.equal(recordingsMessage({ code: 'forbidden' }), 'You are not allowed to see the recordings of this meeting.');
  assert.equal(recordingsMessage({ code: 'recording_active' }), 'This recording is still running: stop it first.');
});

/** An api double: `call` answers from a list, recording the requests. */
function fakeApi(answers, base = 'http://meet.test') {
  const calls = [];
  return {
    base, calls,
    call: async (method, path, body, options) => {
      calls.push({ method, path, auth: options && options.auth });
      const answer = answers.shift();
      if (answer instanceof Error || (answer && answer.status)) throw answer;
      return answer;
    },
  };
}

test('a playback URL is minted for the file with the user token, absolute on the API base', async () => {
  const answer = { url: '/v1/recordings/rec/files/file/playback?token=a.b.c', expiresAt: '2026-12-06T01:05:00Z' };
  const api = fakeApi([answer, { ...answer }]);
  const played = await playbackUrl(api, 'rec', 'file');
  assert.deepEqual(played, {
    url: 'http://meet.test/v1/recordings/rec/files/file/playback?token=a.b.c', expiresAt: Date.parse('2026-12-06T01:05:00Z'),
  });
  const saved = await playbackUrl(api, 'rec', 'file', { download: true });
  assert.equal(saved.url, 'http://meet.test/v1/recordings/rec/files/file/playback?token=a.b.c&download=1');
  assert.deepEqual(api.calls, [
    { method: 'POST', path: '/v1/recordings/rec/files/file/playback', auth: 'user' },
    { method: 'POST', path: '/v1/recordings/rec/files/file/playback', auth: 'user' },
  ]);
});

test('a refused playback URL is thrown as the API error', async () => {
  const api = fakeApi([{ status: 403, code: 'forbidden', message: 'no' }]);
  await assert.rejects(playbackUrl(api, 'rec', 'file'), { status: 403, code: 'forbidden' });
});

test('a player error renews the URL once per URL, whatever the clocks say', () => {
  const expiresAt = 1_000_000;
  assert.equal(shouldRenew(null), false);
  assert.equal(shouldRenew({ expiresAt, renewed: false }), true, 'an expired URL looks like any error here');
  assert.equal(shouldRenew({ expiresAt, renewed: true }), false, 'already renewed: the error is shown');
});
