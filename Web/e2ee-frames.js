// End-to-end encryption of encoded media frames for Meet's E2EE meetings:
// which bytes of each codec's frame stay in the clear (so the SFU node can
// still do its work), the meeting key from the shared passphrase, and the
// per-track encryptor and the per-receiver decryptor on top of e2ee-sframe.js.
//
// An encrypted VP8 or Opus frame is `clear ‖ SFrame header ‖ ciphertext ‖
// tag`; an H.264 frame keeps its NAL unit structure, with the SFrame output
// laid into its NAL units (e2ee-h264.js). The clear bytes are authenticated
// as SFrame metadata, so the node can read them but not change them
// unnoticed. Every frame carries the SFrame part, even when nothing is left
// to encrypt, so a frame without one is refused.

import { concat, decodeHeader, decrypt, deriveKeySalt, encrypt } from './e2ee-sframe.js';
import { splitForOpening, splitForSealing } from './e2ee-h264.js';

const textEncoder = new TextEncoder();

/** PBKDF2 rounds for the passphrase: slow on purpose (offline guessing), once per meeting and browser. */
export const PASSPHRASE_ITERATIONS = 310_000;

/**
 * How many leading bytes of an encoded frame stay in the clear, or null
 * when the codec cannot be sent under E2EE.
 * - VP8: its payload header (RFC 6386 §9.1), which the node reads to find
 *   keyframes (for PLI handling, migration and layer switches) and their
 *   picture size: 10 bytes on a keyframe (frame tag, start code, size), 3 on
 *   other frames (the frame tag with the keyframe bit).
 * - Opus: the TOC byte (RFC 6716 §3.1): mode, bandwidth and frame count.
 * - Anything else: null. H.264 keeps clear bytes in every NAL unit, not a
 *   prefix: `framing` below, e2ee-h264.js.
 * A frame shorter than its clear part is no valid frame of its codec:
 * null too (the receiver must find the same count from the bytes alone).
 */
export function clearBytes(codec, frame) {
  let count;
  switch (codec) {
    case 'vp8':
      if (frame.length === 0) return null;
      count = (frame[0] & 0x01) === 0 ? 10 : 3;
      break;
    case 'opus':
      count = 1;
      break;
    default:
      return null;
  }
  return frame.length >= count ? count : null;
}

/**
 * How a frame of `codec` splits into SFrame metadata and plaintext, and
 * back: `sealing(frame)` gives `{metadata, plaintext, join(sealed,
 * headerLength)}` and `opening(frame)` gives `{metadata, sealed,
 * join(plaintext, headerLength)}`, each null when the frame cannot be
 * (or was not) sent under E2EE.
 */
export function framing(codec) {
  if (codec === 'h264') return { sealing: splitForSealing, opening: splitForOpening };
  const prefix = (frame, rest) => {
    const clear = clearBytes(codec, frame);
    if (clear === null) return null;
    const metadata = frame.subarray(0, clear);
    return { metadata, [rest]: frame.subarray(clear), join: (bytes) => concat(metadata, bytes) };
  };
  return { sealing: (frame) => prefix(frame, 'plaintext'), opening: (frame) => prefix(frame, 'sealed') };
}

/** The codec name of a MIME type (`video/VP8` → `vp8`). */
export function codecOf(mimeType) {
  return String(mimeType || '').split('/').pop().toLowerCase();
}

/**
 * The meeting key: PBKDF2-SHA256 over the passphrase, salted with the
 * meeting code, as a non-extractable HKDF key. Everyone with the same
 * passphrase and code gets the same key; the server never sees either.
 */
export async function meetingKey(passphrase, meetingCode, { subtle = globalThis.crypto.subtle, iterations = PASSPHRASE_ITERATIONS } = {}) {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new TypeError('E2EE needs a passphrase');
  const password = await subtle.importKey('raw', textEncoder.encode(passphrase), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: textEncoder.encode(`Meet E2EE 1.0 meeting ${meetingCode}`), iterations },
    password,
    256,
  );
  return subtle.importKey('raw', bits, 'HKDF', false, ['deriveBits']);
}

function kidBytes(kid) {
  const out = new Uint8Array(8);
  let rest = kid;
  for (let index = 7; index >= 0; index -= 1) {
    out[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/**
 * The SFrame `{key, salt}` of `kid`: a base key of its own per KID
 * (RFC 9605 §4.4.1: a base key encrypts for one sender only), expanded
 * from the meeting key, then SFrame's own derivation.
 */
export async function keysForKid(meetingKeyValue, kid, { subtle = globalThis.crypto.subtle } = {}) {
  const base = await subtle.deriveBits(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: new Uint8Array(0),
      info: concat(textEncoder.encode('Meet E2EE 1.0 sender '), kidBytes(kid)),
    },
    meetingKeyValue,
    128,
  );
  return deriveKeySalt(new Uint8Array(base), kid, { subtle });
}

/** A random KID of 48 bits (one per sent track: collisions are negligible, and each has its own counter). */
export function randomKid() {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n) | (1n << 47n);
}

/** Encrypts one sent track's frames: its own KID, and a counter that never repeats. */
export class FrameEncryptor {
  #keys;
  #counter = 0n;

  constructor(meetingKeyValue, { kid = randomKid(), subtle = globalThis.crypto.subtle } = {}) {
    this.kid = kid;
    this.#keys = keysForKid(meetingKeyValue, kid, { subtle });
    this.subtle = subtle;
  }

  /** The frame to send instead of `frame`, or null when it cannot go under E2EE (another codec, a truncated frame): drop it, never send it in the clear. */
  async encrypt(codec, frame) {
    const parts = framing(codec).sealing(frame);
    if (!parts) return null;
    const ctr = this.#counter;
    this.#counter += 1n;
    const sealed = await encrypt(await this.#keys, this.kid, ctr, parts.metadata, parts.plaintext, { subtle: this.subtle });
    return parts.join(sealed, decodeHeader(sealed).length);
  }
}

/**
 * Why a received frame did not decrypt, the keys of `FrameDecryptor.failures`:
 * - empty: no bytes at all (a padding-only RTP packet passed to the transform);
 * - codec: a codec E2EE never sends;
 * - framing: too short for the codec's clear bytes, or no SFrame part where
 *   the codec's framing puts it;
 * - header: the SFrame header is cut short; short: no room for the tag;
 * - kid: no key for the header's KID;
 * - tag: AES-GCM refused it (another passphrase, or bytes changed on the way).
 */
export const FAILURE_REASONS = ['empty', 'codec', 'framing', 'header', 'short', 'kid', 'tag'];

const FRAMED_CODECS = new Set(['vp8', 'opus', 'h264']);

/** Decrypts received frames of any sender of the meeting; keeps the keys of the last `maxKeys` KIDs. */
export class FrameDecryptor {
  #meetingKey;
  #keys = new Map();

  constructor(meetingKeyValue, { maxKeys = 64, subtle = globalThis.crypto.subtle } = {}) {
    this.#meetingKey = meetingKeyValue;
    this.maxKeys = maxKeys;
    this.subtle = subtle;
    this.decrypted = 0;
    this.failed = 0;
    /** Failed frames by reason (FAILURE_REASONS). */
    this.failures = Object.fromEntries(FAILURE_REASONS.map((reason) => [reason, 0]));
    /** The reason the last frame failed, null after one that decrypted. */
    this.lastFailure = null;
  }

  #keysFor(kid) {
    let keys = this.#keys.get(kid);
    if (keys) {
      this.#keys.delete(kid); // most recently used last
    } else {
      keys = keysForKid(this.#meetingKey, kid, { subtle: this.subtle });
      if (this.#keys.size >= this.maxKeys) this.#keys.delete(this.#keys.keys().next().value);
    }
    this.#keys.set(kid, keys);
    return keys;
  }

  /** The original frame, or null (counted in `failed` and `failures`) when it was not encrypted with this meeting's key. */
  async decrypt(codec, frame) {
    return (await this.open(codec, frame)).original;
  }

  /**
   * `{original}` (the frame), or `{original: null, reason}` (FAILURE_REASONS)
   * when it does not decrypt. The reason comes with the result: decryptions
   * of several receivers interleave in the worker, so `lastFailure` may
   * already be another frame's by the time a caller reads it.
   */
  async open(codec, frame) {
    let reason = null;
    let original = null;
    if (frame.length === 0) {
      reason = 'empty';
    } else if (!FRAMED_CODECS.has(codec)) {
      reason = 'codec';
    } else {
      const parts = framing(codec).opening(frame);
      if (!parts) {
        reason = 'framing';
      } else {
        const opened = await decrypt((kid) => this.#keysFor(kid), parts.metadata, parts.sealed,
          { subtle: this.subtle, why: (why) => { reason = why; } });
        original = opened && parts.join(opened.plaintext, decodeHeader(parts.sealed).length);
        if (!original && !reason) reason = 'framing';
      }
    }
    this.lastFailure = original ? null : reason;
    if (!original) {
      this.failed += 1;
      this.failures[reason] += 1;
      return { original: null, reason };
    }
    this.decrypted += 1;
    return { original, reason: null };
  }
}
