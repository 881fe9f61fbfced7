// H.264 under end-to-end encryption: which bytes of an Annex B frame stay in
// the clear, and how the SFrame ciphertext is laid back into NAL units so
// that the browser's packetizer, the SFU node and the receiving browser's
// depacketizer still find the same NAL units. Pure functions; e2ee-frames.js
// does the encryption.
//
// A frame is NAL units, each after a start code (00 00 01 or 00 00 00 01).
// What stays clear, per NAL unit (RFC 6184 §1.3 header: F, NRI, type):
// - every start code and every NAL header byte: the packetizer splits the
//   frame at the start codes, and the node reads the NAL type (IDR 5, SPS 7)
//   to find keyframes for PLI handling, migration and layer switches;
// - SPS (7) and PPS (8) whole: codec parameters (profile, level, picture
//   size; the VP8 keyframe header leaves the size clear too). The receiving
//   browser parses them before its transform runs (libwebrtc's H.264
//   depacketizer drops a packet whose SPS does not parse) and records their
//   ids;
// - slices (1, 5): the header byte and the slice header's first three
//   fields (first_mb_in_slice, slice_type, pic_parameter_set_id; Exp-Golomb,
//   one to a few bytes): the receiving browser looks the PPS id of an IDR
//   up before its transform runs, and asks for a keyframe, over and over,
//   when it finds no such PPS;
// - anything else (SEI, AUD, ...): the header byte only.
// The rest of every NAL unit but SPS and PPS (the "carriers") is encrypted
// as ONE SFrame payload per frame: the plaintext is the carriers' secret
// bytes in order; the SFrame output `header ‖ ciphertext ‖ tag` is cut back
// into them (AES-GCM keeps lengths): the first carrier gets the header and
// its share, the last its share and the tag. Each share is escaped as
// H.264 escapes its own bytes (emulation prevention, ITU-T H.264 §7.4.1:
// an 0x03 before any byte ≤ 3 that follows two zero bytes), so no start
// code appears inside a NAL unit. The clear skeleton (`00 00 00 01` and the
// clear bytes of each unit) is the SFrame metadata: authenticated, so a node
// that changes a NAL type or a parameter set breaks the frame.
// The sealed frame always uses 4-byte start codes (what the receiving
// browser's depacketizer writes too), so both ends parse the same units.

import { concat } from './e2ee-sframe.js';

const START_CODE = Uint8Array.from([0, 0, 0, 1]);
const TAG_BYTES = 16;
const NAL_SPS = 7;
const NAL_PPS = 8;

/** The NAL unit type (low 5 bits of its header byte). */
export function nalType(nal) {
  return nal[0] & 0x1f;
}

/**
 * The NAL units of an Annex B frame (subarrays, header byte first), split
 * as libwebrtc does: at each `00 00 01`, a zero byte before it belonging
 * to the start code. Null when the frame does not start with a start code
 * or a unit is empty.
 */
export function nalUnits(frame) {
  const starts = []; // [start code start, payload start]
  for (let index = 0; index + 2 < frame.length; index += 1) {
    if (frame[index] === 0 && frame[index + 1] === 0 && frame[index + 2] === 1) {
      starts.push([index > 0 && frame[index - 1] === 0 ? index - 1 : index, index + 3]);
      index += 2;
    }
  }
  if (starts.length === 0 || starts[0][0] !== 0) return null;
  const units = [];
  for (let unit = 0; unit < starts.length; unit += 1) {
    const end = unit + 1 < starts.length ? starts[unit + 1][0] : frame.length;
    if (end <= starts[unit][1]) return null;
    units.push(frame.subarray(starts[unit][1], end));
  }
  return units;
}

/**
 * How many bytes of a slice NAL unit cover its header byte and the first
 * three fields of its slice header (ue(v) each, ITU-T H.264 §7.3.3), read
 * past emulation-prevention bytes; null when the unit ends first.
 */
export function sliceHeaderBytes(nal) {
  let index = 1;
  let bit = 0;
  let zeros = nal[0] === 0 ? 1 : 0;
  const nextBit = () => {
    // An emulation-prevention byte is skipped when the next bit is wanted, never
    // after the last one: a byte past the clear part must not change the count.
    if (bit === 0 && zeros >= 2 && nal[index] === 3) { index += 1; zeros = 0; }
    if (index >= nal.length) return null;
    const value = (nal[index] >> (7 - bit)) & 1;
    bit += 1;
    if (bit === 8) {
      zeros = nal[index] === 0 ? zeros + 1 : 0;
      index += 1;
      bit = 0;
    }
    return value;
  };
  for (let field = 0; field < 3; field += 1) {
    let leading = 0;
    for (;;) {
      const value = nextBit();
      if (value === null || leading > 31) return null;
      if (value === 1) break;
      leading += 1;
    }
    for (let rest = 0; rest < leading; rest += 1) if (nextBit() === null) return null;
  }
  return bit === 0 ? index : index + 1;
}

/** The clear bytes of one NAL unit, counted from its header byte (see the top of this file); null for a slice cut short. */
export function clearLength(nal) {
  switch (nalType(nal)) {
    case NAL_SPS:
    case NAL_PPS:
      return nal.length;
    case 1:
    case 5:
      return sliceHeaderBytes(nal);
    default:
      return 1;
  }
}

function trailingZeros(bytes) {
  let count = 0;
  while (count < 2 && count < bytes.length && bytes[bytes.length - 1 - count] === 0) count += 1;
  return count;
}

/** H.264 emulation prevention: an 0x03 before each byte ≤ 3 that follows two zeros (`zeros`: those just before `bytes`). */
export function escapeBytes(bytes, zeros = 0) {
  const out = [];
  let run = zeros;
  for (const byte of bytes) {
    if (run >= 2 && byte <= 3) { out.push(3); run = 0; }
    out.push(byte);
    run = byte === 0 ? run + 1 : 0;
  }
  return Uint8Array.from(out);
}

/** The inverse of `escapeBytes`: drops each 0x03 that follows two zeros. */
export function unescapeBytes(bytes, zeros = 0) {
  const out = [];
  let run = zeros;
  for (const byte of bytes) {
    if (run >= 2 && byte === 3) { run = 0; continue; }
    out.push(byte);
    run = byte === 0 ? run + 1 : 0;
  }
  return Uint8Array.from(out);
}

/**
 * The frame's units with their clear parts, and the SFrame metadata (the
 * clear skeleton); null when it is no H.264 frame that can go under E2EE
 * (no start code first, a slice header cut short, no unit to carry the
 * SFrame header and tag).
 */
function layout(frame) {
  const nals = nalUnits(frame);
  if (!nals) return null;
  const units = [];
  for (const nal of nals) {
    const clear = clearLength(nal);
    if (clear === null) return null;
    units.push({ nal, clear: nal.subarray(0, clear), carrier: nalType(nal) !== NAL_SPS && nalType(nal) !== NAL_PPS });
  }
  const carriers = units.filter((unit) => unit.carrier);
  if (carriers.length === 0) return null;
  const metadata = concat(...units.flatMap((unit) => [START_CODE, unit.clear]));
  return { units, carriers, metadata };
}

/** What carrier `index` of `count` holds besides its secret bytes: the SFrame header (first), the tag (last). */
function framingBytes(index, count, headerLength) {
  return (index === 0 ? headerLength : 0) + (index === count - 1 ? TAG_BYTES : 0);
}

/** `bytes` cut into consecutive pieces of `lengths`; null when they do not add up to it. */
function cut(bytes, lengths) {
  if (lengths.some((length) => length < 0) || lengths.reduce((sum, length) => sum + length, 0) !== bytes.length) return null;
  let offset = 0;
  return lengths.map((length) => bytes.subarray(offset, (offset += length)));
}

/** The frame again: each unit's start code and clear bytes, then a carrier's part of `shares` (in carrier order). */
function assemble(parts, shares) {
  const byUnit = new Map(parts.carriers.map((unit, index) => [unit, shares[index]]));
  return concat(...parts.units.flatMap((unit) => (unit.carrier ? [START_CODE, unit.clear, byUnit.get(unit)] : [START_CODE, unit.nal])));
}

/**
 * Splits a frame for encryption: `{metadata, plaintext, join(sealed,
 * headerLength)}`, where `sealed` is SFrame's `header ‖ ciphertext ‖ tag`
 * of `plaintext`; null when the frame cannot go under E2EE (drop it, never
 * send it in the clear).
 */
export function splitForSealing(frame) {
  const parts = layout(frame);
  if (!parts) return null;
  const secrets = parts.carriers.map((unit) => unit.nal.subarray(unit.clear.length));
  return {
    metadata: parts.metadata,
    plaintext: concat(...secrets),
    join(sealed, headerLength) {
      const count = secrets.length;
      const pieces = cut(sealed, secrets.map((secret, index) => secret.length + framingBytes(index, count, headerLength)));
      return assemble(parts, pieces.map((piece, index) => escapeBytes(piece, trailingZeros(parts.carriers[index].clear))));
    },
  };
}

/**
 * Splits a received frame for decryption: `{metadata, sealed,
 * join(plaintext, headerLength)}` (the original frame, with 4-byte start
 * codes), or null when it has no H.264 shape E2EE produces; `join` gives
 * null when the plaintext does not fit the units (a forged frame).
 */
export function splitForOpening(frame) {
  const parts = layout(frame);
  if (!parts) return null;
  const pieces = parts.carriers.map((unit) => unescapeBytes(unit.nal.subarray(unit.clear.length), trailingZeros(unit.clear)));
  return {
    metadata: parts.metadata,
    sealed: concat(...pieces),
    join(plaintext, headerLength) {
      const count = pieces.length;
      const secrets = cut(plaintext, pieces.map((piece, index) => piece.length - framingBytes(index, count, headerLength)));
      return secrets && assemble(parts, secrets);
    },
  };
}

/** True when `frame` starts like an Annex B H.264 frame (a start code; a VP8 frame never starts with two zero bytes). */
export function looksLikeAnnexB(frame) {
  return frame.length >= 4 && frame[0] === 0 && frame[1] === 0 && (frame[2] === 1 || (frame[2] === 0 && frame[3] === 1));
}
