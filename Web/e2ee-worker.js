// The E2EE worker: encrypts every sent frame and decrypts every received
// one (e2ee-frames.js), off the page's main thread. The page attaches it
// to each sender and receiver (e2ee.js) with the encoded-transform
// API, RTCRtpScriptTransform, or with Chrome's older createEncodedStreams,
// whose streams it posts here. The meeting key is derived here from the
// passphrase and never leaves the worker.
//
// Messages from the page:
//   {type: 'key', passphrase, meetingCode}       set or replace the meeting key
//   {type: 'streams', side, kind, readable, writable}   createEncodedStreams fallback
// To the page, every second while frames flow:
//   {type: 'stats', encrypted, decrypted, failed, dropped, emptyPassed, encryptMs, decryptMs, byCodec}
//   (emptyPassed: received frames of no bytes, padding-only packets, passed on untouched)
//   (encryptMs, decryptMs: time spent encrypting and decrypting, in total, for the cost
//   per frame; byCodec: frames encrypted, decrypted and failed per codec, {vp8: {encrypted, decrypted, failed}, …})
//   and failedBy, recentFailures: failed frames by reason (e2ee-frames.js, FAILURE_REASONS),
//   and the last 20 of them with what the receiver knew (SSRC, sequence number, RTP
//   timestamp, size, first bytes, the SFrame header found, the SSRC's last decrypted frame),
//   to tell a passphrase mismatch from frames changed or cut on the way.

import { codecOf, FAILURE_REASONS, FrameDecryptor, FrameEncryptor, meetingKey } from './e2ee-frames.js';
import { decodeHeader } from './e2ee-sframe.js';
import { looksLikeAnnexB } from './e2ee-h264.js';

let key = null;
let decryptor = null;
const stats = {
  encrypted: 0, decrypted: 0, failed: 0, dropped: 0, emptyPassed: 0, encryptMs: 0, decryptMs: 0, byCodec: {},
  failedBy: Object.fromEntries(FAILURE_REASONS.map((reason) => [reason, 0])),
  recentFailures: [],
};
/** The last frame decrypted per SSRC (for the failure samples). */
const lastGood = new Map();

const hexOf = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

/** Where a VP8 or Opus frame's SFrame header starts (after its clear bytes); not for H.264, whose clear bytes are no prefix. */
function sframeOffset(codec, data) {
  if (codec === 'opus') return 1;
  if (codec === 'vp8') return (data[0] & 1) === 0 ? 10 : 3;
  return 0;
}

function sampleFailure(frame, data, codec, kind, reason) {
  const meta = typeof frame.getMetadata === 'function' ? frame.getMetadata() : {};
  const ssrc = meta.synchronizationSource;
  const found = data.length > 0 && codec !== 'h264' ? decodeHeader(data, sframeOffset(codec, data)) : null;
  const header = found && { kid: String(found.kid), ctr: String(found.ctr) };
  stats.recentFailures.push({
    reason, codec, kind, bytes: data.length, head: hexOf(data.subarray(0, 16)), type: frame.type,
    ssrc, seq: meta.sequenceNumber, ts: meta.rtpTimestamp ?? frame.timestamp, pt: meta.payloadType, header,
    previous: lastGood.get(ssrc) ?? null, at: Math.round(performance.now()),
  });
  if (stats.recentFailures.length > 20) stats.recentFailures.shift();
}

/** Notes the SSRC's last decrypted frame, for the samples of later failures (at most 256 SSRCs, the oldest forgotten). */
function rememberGood(frame, data, codec) {
  const meta = typeof frame.getMetadata === 'function' ? frame.getMetadata() : {};
  if (meta.synchronizationSource === undefined) return;
  const found = codec === 'h264' ? null : decodeHeader(data, sframeOffset(codec, data));
  lastGood.delete(meta.synchronizationSource);
  if (lastGood.size >= 256) lastGood.delete(lastGood.keys().next().value);
  lastGood.set(meta.synchronizationSource, { seq: meta.sequenceNumber, ts: meta.rtpTimestamp ?? frame.timestamp,
    bytes: data.length, kid: found && String(found.kid), ctr: found && String(found.ctr) });
}

function countCodec(codec, field) {
  const counts = stats.byCodec[codec] ?? (stats.byCodec[codec] = { encrypted: 0, decrypted: 0, failed: 0 });
  counts[field] += 1;
}

function codecOfFrame(frame, data, kind) {
  const mime = typeof frame.getMetadata === 'function' ? frame.getMetadata().mimeType : undefined;
  if (mime) return codecOf(mime);
  // Without the MIME type: E2EE meetings negotiate Opus, VP8 and H.264
  // (e2ee.js), and only an H.264 frame starts with a start code.
  if (kind === 'audio') return 'opus';
  return looksLikeAnnexB(data) ? 'h264' : 'vp8';
}

function transformer(side, kind) {
  const encryptor = side === 'send' ? { current: null, key: null } : null;
  return new TransformStream({
    async transform(frame, controller) {
      if (!key) { stats.dropped += 1; return; }
      const data = new Uint8Array(frame.data);
      const codec = codecOfFrame(frame, data, kind);
      const started = performance.now();
      if (side === 'send') {
        if (encryptor.key !== key) { encryptor.current = new FrameEncryptor(key); encryptor.key = key; }
        const sealed = await encryptor.current.encrypt(codec, data);
        stats.encryptMs += performance.now() - started;
        if (!sealed) { stats.dropped += 1; return; }
        stats.encrypted += 1;
        countCodec(codec, 'encrypted');
        frame.data = sealed.buffer;
      } else if (data.length === 0) {
        // No bytes: a padding-only RTP packet that Chromium hands to the
        // transform as an empty frame (w3c/webrtc-encoded-transform#310; the
        // sender pads audio too). It was never encrypted and carries no
        // media, so it goes on as a plain meeting would pass it.
        stats.emptyPassed += 1;
      } else {
        const { original: opened, reason } = await decryptor.open(codec, data);
        stats.decryptMs += performance.now() - started;
        if (!opened) {
          stats.failed += 1;
          stats.failedBy[reason] += 1;
          countCodec(codec, 'failed');
          sampleFailure(frame, data, codec, kind, reason);
          return;
        }
        rememberGood(frame, data, codec);
        stats.decrypted += 1;
        countCodec(codec, 'decrypted');
        frame.data = opened.buffer;
      }
      controller.enqueue(frame);
    },
  });
}

function pipe(readable, writable, side, kind) {
  readable.pipeThrough(transformer(side, kind)).pipeTo(writable).catch(() => undefined);
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === 'key') {
    key = await meetingKey(message.passphrase, message.meetingCode);
    decryptor = new FrameDecryptor(key);
  } else if (message.type === 'streams') {
    pipe(message.readable, message.writable, message.side, message.kind);
  }
};

// RTCRtpScriptTransform: the transformer comes with the event.
self.onrtctransform = (event) => {
  const { readable, writable, options } = event.transformer;
  pipe(readable, writable, options.side, options.kind);
};

setInterval(() => {
  const total = stats.encrypted + stats.decrypted + stats.failed + stats.dropped + stats.emptyPassed;
  if (total > 0) self.postMessage({ type: 'stats', ...stats });
}, 1000);
