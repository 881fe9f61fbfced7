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
//   {type: 'stats', encrypted, decrypted, failed, dropped, encryptMs, decryptMs, byCodec}
//   (encryptMs, decryptMs: time spent encrypting and decrypting, in total, for the cost
//   per frame; byCodec: frames encrypted, decrypted and failed per codec, {vp8: {encrypted, decrypted, failed}, …})

import { codecOf, FrameDecryptor, FrameEncryptor, meetingKey } from './e2ee-frames.js';
import { looksLikeAnnexB } from './e2ee-h264.js';

let key = null;
let decryptor = null;
const stats = { encrypted: 0, decrypted: 0, failed: 0, dropped: 0, encryptMs: 0, decryptMs: 0, byCodec: {} };

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
      } else {
        const opened = await decryptor.decrypt(codec, data);
        stats.decryptMs += performance.now() - started;
        if (!opened) { stats.failed += 1; countCodec(codec, 'failed'); return; }
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
  const total = stats.encrypted + stats.decrypted + stats.failed + stats.dropped;
  if (total > 0) self.postMessage({ type: 'stats', ...stats });
}, 1000);
