// Web/e2ee-*.js: SFrame (RFC 9605) against the RFC's own vectors for
// AES_128_GCM_SHA256_128 and its header vectors, the bytes each codec
// keeps in the clear, and the frame encryptor/decryptor end to end:
// the same passphrase decodes, another one does not, and changing a clear
// byte (what an SFU could try) breaks the frame. H.264: what stays clear in
// each NAL unit, the escaping that keeps start codes out of the ciphertext,
// and the round trip.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeHeader, decrypt, deriveKeySalt, encodeHeader, encrypt } from '../../Web/e2ee-sframe.js';
import { clearBytes, FrameDecryptor, FrameEncryptor, meetingKey } from '../../Web/e2ee-frames.js';
import { escapeBytes, looksLikeAnnexB, nalUnits, sliceHeaderBytes, unescapeBytes } from '../../Web/e2ee-h264.js';
import { e2eeCodecs, e2eeConnectionConfig, e2eeSupport } from '../../Web/e2ee.js';

const hex = (text) => Uint8Array.from(text.replace(/\s+/g, '').match(/../g).map((pair) => parseInt(pair, 16)));
const toHex = (bytes) => Buffer.from(bytes).toString('hex');
const subtle = globalThis.crypto.subtle;

// RFC 9605 Appendix C (test-vectors/header.md of the working group's repository).
const headerVectors = [
  [0n, 0n, '00'], [0n, 1n, '01'], [0n, 0xffn, '08ff'], [0n, 0x100n, '090100'], [0n, 0xffffn, '09ffff'],
  [0x123n, 0x4567n, '9901234567'], [7n, 7n, '77'], [8n, 0n, '8008'], [0xffffffffffffffffn, 0xffffffffffffffffn, 'ffffffffffffffffffffffffffffffffff'],
];

test('SFrame headers encode and decode as RFC 9605 §4.3 says', () => {
  for (const [kid, ctr, expected] of headerVectors) {
    assert.equal(toHex(encodeHeader(kid, ctr)), expected, `kid ${kid} ctr ${ctr}`);
    assert.deepEqual(decodeHeader(hex(expected)), { kid, ctr, length: expected.length / 2 });
  }
  assert.equal(decodeHeader(hex('99012345')), null, 'a header cut short');
  assert.equal(decodeHeader(new Uint8Array(0)), null);
  assert.throws(() => encodeHeader(-1n, 0n), RangeError);
  assert.throws(() => encodeHeader(0n, 1n << 64n), RangeError);
});

// RFC 9605 Appendix C (test-vectors/sframe.md), cipher suite 0x0004.
const vector = {
  kid: 0x123n,
  ctr: 0x4567n,
  baseKey: hex('000102030405060708090a0b0c0d0e0f'),
  key: 'd34f547f4ca4f9a7447006fe7fcbf768',
  salt: '75234edefe07819026751816',
  metadata: hex('4945544620534672616d65205747'),
  pt: hex('64726166742d696574662d736672616d652d656e63'),
  ct: '9901234567b7412c2513a1b66dbb48841bbaf17f598751176ad847681a69c6d0b091c07018ce4adb34eb',
};

test('SFrame key derivation, encryption and decryption match RFC 9605 vectors', async () => {
  const keys = await deriveKeySalt(vector.baseKey, vector.kid, { extractable: true });
  assert.equal(toHex(new Uint8Array(await subtle.exportKey('raw', keys.key))), vector.key);
  assert.equal(toHex(keys.salt), vector.salt);
  const sealed = await encrypt(keys, vector.kid, vector.ctr, vector.metadata, vector.pt);
  assert.equal(toHex(sealed), vector.ct);
  const opened = await decrypt((kid) => (kid === vector.kid ? keys : null), vector.metadata, hex(vector.ct));
  assert.equal(toHex(opened.plaintext), toHex(vector.pt));
  assert.equal(await decrypt(() => null, vector.metadata, hex(vector.ct)), null, 'unknown KID');
  assert.equal(await decrypt(() => keys, hex('00'), hex(vector.ct)), null, 'other metadata');
  const flipped = hex(vector.ct);
  flipped[10] ^= 1;
  assert.equal(await decrypt(() => keys, vector.metadata, flipped), null, 'a flipped ciphertext bit');
});

test('VP8 keeps its payload header clear (10 bytes on a keyframe, 3 otherwise), Opus its TOC (H.264 is no prefix: below)', () => {
  const keyframe = Uint8Array.from([0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0xaa, 0xbb]);
  const delta = Uint8Array.from([0x31, 0x02, 0x00, 0xaa, 0xbb]);
  assert.equal(clearBytes('vp8', keyframe), 10);
  assert.equal(clearBytes('vp8', delta), 3);
  assert.equal(clearBytes('vp8', Uint8Array.from([0x31, 0x02, 0x00])), 3);
  assert.equal(clearBytes('vp8', Uint8Array.from([0x31])), null, 'shorter than a frame tag');
  assert.equal(clearBytes('vp8', keyframe.subarray(0, 9)), null, 'a keyframe cut short');
  assert.equal(clearBytes('opus', new Uint8Array(0)), null);
  assert.equal(clearBytes('opus', Uint8Array.from([0xfc, 1, 2])), 1);
  assert.equal(clearBytes('h264', keyframe), null, 'H.264 keeps clear bytes per NAL unit, not a prefix');
});

// Few rounds: the tests need the same derivation, not its cost.
const fastKey = (passphrase, code = 'abc-defg-hij') => meetingKey(passphrase, code, { iterations: 1000 });

test('frames encrypted with a passphrase decode with it, keep their clear bytes, and not with another', async () => {
  const sender = new FrameEncryptor(await fastKey('correct horse'));
  const same = new FrameDecryptor(await fastKey('correct horse'));
  const wrong = new FrameDecryptor(await fastKey('battery staple'));
  const otherMeeting = new FrameDecryptor(await fastKey('correct horse', 'xyz-uvwx-rst'));
  const keyframe = Uint8Array.from([0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, ...new Array(300).fill(7)]);
  const frames = [keyframe, Uint8Array.from([0x31, 0x02, 0x00, 1, 2, 3, 4]), Uint8Array.from([0x31, 0x02, 0x00])];
  for (const frame of frames) {
    const sealed = await sender.encrypt('vp8', frame);
    const clear = clearBytes('vp8', frame);
    assert.deepEqual(sealed.subarray(0, clear), frame.subarray(0, clear), 'the node still reads the VP8 header');
    assert.ok(sealed.length >= frame.length + 1 + 16, 'header and tag added');
    if (frame.length > clear) assert.notDeepEqual(sealed.subarray(clear, frame.length), frame.subarray(clear));
    assert.deepEqual(await same.decrypt('vp8', sealed), frame);
    assert.equal(await wrong.decrypt('vp8', sealed), null);
    assert.equal(await otherMeeting.decrypt('vp8', sealed), null);
  }
  assert.equal(same.decrypted, 3);
  assert.equal(wrong.failed, 3);
  // A clear byte changed on the way (a keyframe bit flipped by a node) breaks the frame.
  const sealed = await sender.encrypt('vp8', Uint8Array.from([0x31, 0x02, 0x00, 9, 9]));
  sealed[1] ^= 0x40;
  assert.equal(await same.decrypt('vp8', sealed), null);
  // A plain frame (never encrypted) is refused, not played.
  assert.equal(await same.decrypt('vp8', Uint8Array.from([0x31, 0x02, 0x00, 9, 9])), null);
  // A VP8 frame as H.264 (no start code) and broken frames are never sent under E2EE.
  assert.equal(await sender.encrypt('h264', keyframe), null);
  assert.equal(await sender.encrypt('vp8', Uint8Array.from([0x31])), null);
});

test('each frame of a track gets the next counter and the two tracks of a sender different KIDs', async () => {
  const key = await fastKey('p');
  const audio = new FrameEncryptor(key);
  const video = new FrameEncryptor(key);
  assert.notEqual(audio.kid, video.kid);
  const first = await audio.encrypt('opus', Uint8Array.from([0xfc, 1, 2, 3]));
  const second = await audio.encrypt('opus', Uint8Array.from([0xfc, 1, 2, 3]));
  const header = (bytes) => decodeHeader(bytes, 1);
  assert.equal(header(first).kid, audio.kid);
  assert.equal(header(first).ctr, 0n);
  assert.equal(header(second).ctr, 1n);
  assert.notDeepEqual(first, second, 'the same frame twice encrypts differently');
  const receiver = new FrameDecryptor(key, { maxKeys: 1 });
  assert.deepEqual(await receiver.decrypt('opus', second), Uint8Array.from([0xfc, 1, 2, 3]));
  assert.deepEqual(await receiver.decrypt('opus', await video.encrypt('opus', Uint8Array.from([0xfc, 4]))), Uint8Array.from([0xfc, 4]));
  assert.deepEqual(await receiver.decrypt('opus', first), Uint8Array.from([0xfc, 1, 2, 3]), 'an evicted KID is derived again');
});

test('the transform API is chosen by what the browser has, and E2EE negotiates Opus, VP8 then H.264, and RTX', () => {
  class Sender {}
  Sender.prototype.createEncodedStreams = () => undefined;
  assert.equal(e2eeSupport({ RTCRtpScriptTransform: class {}, RTCRtpSender: Sender }), 'script-transform');
  assert.equal(e2eeSupport({ RTCRtpSender: Sender }), 'encoded-streams');
  assert.equal(e2eeSupport({ RTCRtpSender: class {} }), null);
  assert.deepEqual(e2eeConnectionConfig({ iceServers: [] }, { RTCRtpSender: Sender }), { iceServers: [], encodedInsertableStreams: true });
  assert.deepEqual(e2eeConnectionConfig({ iceServers: [] }, { RTCRtpScriptTransform: class {} }), { iceServers: [] });
  const video = { codecs: [{ mimeType: 'video/VP8' }, { mimeType: 'video/H264' }, { mimeType: 'video/rtx' }, { mimeType: 'video/VP9' }] };
  assert.deepEqual(e2eeCodecs('video', video).map((c) => c.mimeType), ['video/VP8', 'video/H264', 'video/rtx']);
  const h264First = { codecs: [{ mimeType: 'video/rtx' }, { mimeType: 'video/H264' }, { mimeType: 'video/AV1' }, { mimeType: 'video/VP8' }] };
  assert.deepEqual(e2eeCodecs('video', h264First).map((c) => c.mimeType), ['video/VP8', 'video/H264', 'video/rtx'], 'VP8 first, then H.264');
  assert.deepEqual(e2eeCodecs('audio', { codecs: [{ mimeType: 'audio/opus' }, { mimeType: 'audio/PCMU' }] }).map((c) => c.mimeType), ['audio/opus']);
});

// H.264 (Annex B). NAL headers: 0x67 SPS, 0x68 PPS, 0x65 IDR slice, 0x41 non-IDR slice, 0x06 SEI.
const sc4 = [0, 0, 0, 1];
const sps = [0x67, 0x42, 0xe0, 0x1f, 0x8d, 0x68, 0x05, 0x00, 0x5b, 0xa1];
const pps = [0x68, 0xce, 0x06, 0xe2];
const body = (length, seed) => Array.from({ length }, (_, index) => (index * 7 + seed) % 251 + 1);
// Slice headers: 0xb8 = 1|011|1…: first_mb_in_slice 0, slice_type 2, pps id 0 (5 bits: 1 byte);
// 0x88 0x84 = 1|0001000|1…: slice_type 7, pps id 0 in the second byte (2 bytes).
const idr = [0x65, 0xb8, ...body(300, 3)];
const idrType7 = [0x65, 0x88, 0x84, ...body(40, 5)];
const sei = [0x06, 0x05, 0x10, ...body(20, 9)];
const delta = [0x41, 0x9a, ...body(120, 11)];
const annexB = (...units) => Uint8Array.from(units.flatMap((unit) => [...sc4, ...unit]));
const keyframe264 = annexB(sps, pps, sei, idr);

test('H.264: the slice header is clear through its PPS id, read as Exp-Golomb past emulation-prevention bytes', () => {
  assert.equal(sliceHeaderBytes(Uint8Array.from(idr)), 2);
  assert.equal(sliceHeaderBytes(Uint8Array.from(idrType7)), 3);
  assert.equal(sliceHeaderBytes(Uint8Array.from([0x65, 0x88])), null, 'cut short before the PPS id');
  // A first_mb_in_slice of 25 leading zero bits spans `00 00 03 00 40`: the 0x03 is skipped (and stays
  // clear); its value ends 3 bits into 0xaa, slice_type (010) and the PPS id (1) fill it but the last bit.
  const escaped = Uint8Array.from([0x41, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x70, 0xaa, 0x55]);
  assert.equal(sliceHeaderBytes(escaped), 9);
});

test('H.264: NAL units split at start codes as libwebrtc does; escaping keeps start codes out and reverses', () => {
  const units = nalUnits(Uint8Array.from([0, 0, 0, 1, 0x67, 1, 0, 0, 1, 0x68, 2, 0, 0, 0, 0, 1, 0x65, 0]));
  assert.deepEqual(units.map((unit) => [...unit]), [[0x67, 1], [0x68, 2, 0], [0x65, 0]], 'a zero before 00 00 01 belongs to the start code');
  assert.equal(nalUnits(Uint8Array.from([9, 0, 0, 1, 0x65, 1])), null, 'bytes before the first start code');
  assert.equal(nalUnits(Uint8Array.from([0, 0, 1, 0, 0, 1, 0x65])), null, 'an empty unit');
  assert.ok(looksLikeAnnexB(keyframe264) && looksLikeAnnexB(Uint8Array.from([0, 0, 1, 0x65])));
  assert.ok(!looksLikeAnnexB(Uint8Array.from([0x50, 0x2a, 0x00, 0x9d])), 'a VP8 keyframe');
  assert.deepEqual([...escapeBytes(Uint8Array.from([0, 0, 1, 0, 0, 0, 0, 0, 3, 4]))], [0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 3, 4]);
  assert.deepEqual([...escapeBytes(Uint8Array.from([1, 5]), 2)], [3, 1, 5], 'two zeros just before');
  for (let seed = 0; seed < 200; seed += 1) {
    const bytes = Uint8Array.from({ length: 64 }, (_, index) => ((index * 31 + seed * 17) % 7 < 4 ? 0 : (index + seed) % 5));
    for (const zeros of [0, 1, 2]) {
      const escaped = escapeBytes(bytes, zeros);
      const withBefore = Uint8Array.from([...new Array(zeros).fill(0), ...escaped]);
      for (let index = 0; index + 2 < withBefore.length; index += 1) {
        assert.ok(!(withBefore[index] === 0 && withBefore[index + 1] === 0 && withBefore[index + 2] <= 2), `start code emulated at ${index}`);
      }
      assert.deepEqual(unescapeBytes(escaped, zeros), bytes);
    }
  }
});

test('H.264 keeps start codes, every NAL header, SPS and PPS and the slice headers clear, and decrypts to the frame', async () => {
  const key = await fastKey('correct horse');
  const sender = new FrameEncryptor(key);
  const same = new FrameDecryptor(key);
  const wrong = new FrameDecryptor(await fastKey('battery staple'));
  for (const frame of [keyframe264, annexB(delta), annexB(sei, idrType7, delta)]) {
    const sealed = await sender.encrypt('h264', frame);
    const before = nalUnits(frame);
    const after = nalUnits(sealed);
    assert.equal(after.length, before.length, 'no start code inside the ciphertext');
    for (const [index, unit] of before.entries()) {
      const type = unit[0] & 0x1f;
      const clear = type === 7 || type === 8 ? unit.length : type === 5 || type === 1 ? sliceHeaderBytes(unit) : 1;
      assert.deepEqual(after[index].subarray(0, clear), unit.subarray(0, clear), `unit ${index} (type ${type}) keeps ${clear} clear bytes`);
      if (type === 7 || type === 8) assert.equal(after[index].length, unit.length, 'parameter sets unchanged');
      else if (unit.length > clear + 8) assert.notDeepEqual(after[index].subarray(clear, clear + 8), unit.subarray(clear, clear + 8));
    }
    assert.deepEqual(await same.decrypt('h264', sealed), frame);
    assert.equal(await wrong.decrypt('h264', sealed), null);
  }
  // 3-byte start codes in: the same units out, with 4-byte start codes (what the receiving browser writes).
  const short = Uint8Array.from([0, 0, 1, ...sps, 0, 0, 1, ...pps, 0, 0, 1, ...idr]);
  assert.deepEqual(await same.decrypt('h264', await sender.encrypt('h264', short)), annexB(sps, pps, idr));
  // The node changing a clear byte: an IDR turned into a non-IDR slice, a parameter set edited.
  const sealed = await sender.encrypt('h264', keyframe264);
  const idrAt = sealed.length - nalUnits(sealed)[3].length;
  const retyped = sealed.slice();
  retyped[idrAt] = 0x61;
  assert.equal(await same.decrypt('h264', retyped), null);
  const editedSps = sealed.slice();
  editedSps[6] ^= 1;
  assert.equal(await same.decrypt('h264', editedSps), null);
  // Never sent in the clear: nothing to carry the SFrame part (parameter sets alone), no Annex B, a slice cut short.
  assert.equal(await sender.encrypt('h264', annexB(sps, pps)), null);
  assert.equal(await sender.encrypt('h264', Uint8Array.from(idr)), null);
  assert.equal(await sender.encrypt('h264', annexB([0x65, 0x88])), null);
  // A plain H.264 frame (never encrypted) is refused, not played.
  assert.equal(await same.decrypt('h264', keyframe264), null);
});

test('a frame that does not decrypt is counted by why: empty, framing, header, short, tag', async () => {
  const key = await fastKey('correct horse');
  const sender = new FrameEncryptor(key);
  const receiver = new FrameDecryptor(key);
  const wrong = new FrameDecryptor(await fastKey('battery staple'));
  const sealed = await sender.encrypt('opus', Uint8Array.from([0xfc, 1, 2, 3]));
  const failing = async (decryptor, codec, frame, reason) => {
    assert.equal(await decryptor.decrypt(codec, frame), null, reason);
    assert.equal(decryptor.lastFailure, reason);
  };
  await failing(receiver, 'opus', new Uint8Array(0), 'empty');
  await failing(receiver, 'g722', sealed, 'codec');
  await failing(receiver, 'vp8', Uint8Array.from([0x50, 0x2a]), 'framing');
  await failing(receiver, 'opus', Uint8Array.from([0xfc, 0xd0, 1, 2]), 'header');
  await failing(receiver, 'opus', sealed.subarray(0, 12), 'short');
  await failing(wrong, 'opus', sealed, 'tag');
  const tampered = sealed.slice();
  tampered[0] ^= 0x04; // the clear TOC byte is authenticated
  await failing(receiver, 'opus', tampered, 'tag');
  assert.deepEqual(receiver.failures, { empty: 1, codec: 1, framing: 1, header: 1, short: 1, kid: 0, tag: 1 });
  assert.equal(receiver.failed, 5 + 1);
  assert.deepEqual(await receiver.decrypt('opus', sealed), Uint8Array.from([0xfc, 1, 2, 3]));
  assert.equal(receiver.lastFailure, null);
  assert.equal(receiver.decrypted, 1);
});
