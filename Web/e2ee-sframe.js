// SFrame (RFC 9605) with the AES_128_GCM_SHA256_128 cipher suite, on
// WebCrypto: the header codec, the key and salt derivation, and the
// encryption and decryption of one frame. No I/O and no state beyond the
// keys handed in: e2ee-frames.js keeps the counters and the key cache.
//
// Why SFrame and this suite: it is the IETF format for end-to-end media
// encryption through an SFU (the node keeps forwarding by RTP headers it
// can read), and AES-GCM is what every browser's WebCrypto runs natively.

export const CIPHER_SUITE = 0x0004; // AES_128_GCM_SHA256_128
const KEY_BYTES = 16; // Nk
const NONCE_BYTES = 12; // Nn
const TAG_BITS = 128; // Nt × 8
const MAX_FIELD = (1n << 64n) - 1n;

const textEncoder = new TextEncoder();

/** The minimal big-endian bytes of `value` (1 to 8 of them). */
function compactBytes(value) {
  const bytes = [];
  let rest = value;
  do {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  } while (rest > 0n);
  return bytes;
}

/** `value` as `length` big-endian bytes. */
function fixedBytes(value, length) {
  const out = new Uint8Array(length);
  let rest = value;
  for (let index = length - 1; index >= 0; index -= 1) {
    out[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function checkField(name, value) {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_FIELD) {
    throw new RangeError(`SFrame ${name} must be a bigint in 0...2^64-1`);
  }
}

/** The SFrame header for `kid` and `ctr` (bigints): config byte, then KID and CTR when over 7 (RFC 9605 §4.3). */
export function encodeHeader(kid, ctr) {
  checkField('KID', kid);
  checkField('CTR', ctr);
  const bytes = [0];
  if (kid < 8n) {
    bytes[0] |= Number(kid) << 4;
  } else {
    const kidBytes = compactBytes(kid);
    bytes[0] |= 0x80 | ((kidBytes.length - 1) << 4);
    bytes.push(...kidBytes);
  }
  if (ctr < 8n) {
    bytes[0] |= Number(ctr);
  } else {
    const ctrBytes = compactBytes(ctr);
    bytes[0] |= 0x08 | (ctrBytes.length - 1);
    bytes.push(...ctrBytes);
  }
  return Uint8Array.from(bytes);
}

/** Reads a header at `offset`: `{kid, ctr, length}`, or null when the bytes are too few. */
export function decodeHeader(bytes, offset = 0) {
  if (bytes.length <= offset) return null;
  const config = bytes[offset];
  let cursor = offset + 1;
  const readField = (extended, small) => {
    if (!extended) return BigInt(small);
    const length = small + 1;
    if (cursor + length > bytes.length) return null;
    let value = 0n;
    for (let index = 0; index < length; index += 1) value = (value << 8n) | BigInt(bytes[cursor + index]);
    cursor += length;
    return value;
  };
  const kid = readField((config & 0x80) !== 0, (config >> 4) & 0x07);
  if (kid === null) return null;
  const ctr = readField((config & 0x08) !== 0, config & 0x07);
  if (ctr === null) return null;
  return { kid, ctr, length: cursor - offset };
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function label(prefix, kid) {
  return concat(textEncoder.encode(prefix), fixedBytes(kid, 8), fixedBytes(BigInt(CIPHER_SUITE), 2));
}

/**
 * `sframe_key` (a non-extractable AES-GCM CryptoKey) and `sframe_salt` for
 * `kid` from `baseKey` (bytes), per RFC 9605 §4.4.2. `extractable` is for
 * tests that compare the key with the RFC's vectors.
 */
export async function deriveKeySalt(baseKey, kid, { subtle = globalThis.crypto.subtle, extractable = false } = {}) {
  checkField('KID', kid);
  const material = await subtle.importKey('raw', baseKey, 'HKDF', false, ['deriveBits']);
  const expand = (info, bytes) =>
    subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info }, material, bytes * 8);
  const [keyBits, saltBits] = await Promise.all([
    expand(label('SFrame 1.0 Secret key ', kid), KEY_BYTES),
    expand(label('SFrame 1.0 Secret salt ', kid), NONCE_BYTES),
  ]);
  const key = await subtle.importKey('raw', keyBits, 'AES-GCM', extractable, ['encrypt', 'decrypt']);
  return { key, salt: new Uint8Array(saltBits) };
}

function nonceFor(salt, ctr) {
  const counter = fixedBytes(ctr, NONCE_BYTES);
  return counter.map((byte, index) => byte ^ salt[index]);
}

/**
 * Encrypts `plaintext` with the key of `kid` and counter `ctr`,
 * authenticating `metadata` too (bytes the caller sends in the clear).
 * Returns header ‖ ciphertext ‖ tag. The caller never reuses a (kid, ctr).
 */
export async function encrypt({ key, salt }, kid, ctr, metadata, plaintext, { subtle = globalThis.crypto.subtle } = {}) {
  const header = encodeHeader(kid, ctr);
  const sealed = await subtle.encrypt(
    { name: 'AES-GCM', iv: nonceFor(salt, ctr), additionalData: concat(header, metadata), tagLength: TAG_BITS },
    key,
    plaintext,
  );
  return concat(header, new Uint8Array(sealed));
}

/**
 * Decrypts header ‖ ciphertext ‖ tag. `keyFor(kid)` returns (a promise of)
 * `{key, salt}`, or null for an unknown KID. Returns the plaintext and its
 * KID, or null when the header is broken, the KID unknown, or the tag does
 * not verify (wrong key, tampered metadata or ciphertext); `why(reason)`
 * then hears which: 'header', 'short' (no room for the tag), 'kid' or 'tag'.
 */
export async function decrypt(keyFor, metadata, bytes, { subtle = globalThis.crypto.subtle, why = () => undefined } = {}) {
  const header = decodeHeader(bytes);
  if (!header) { why('header'); return null; }
  if (bytes.length < header.length + TAG_BITS / 8) { why('short'); return null; }
  const keys = await keyFor(header.kid);
  if (!keys) { why('kid'); return null; }
  try {
    const plain = await subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: nonceFor(keys.salt, header.ctr),
        additionalData: concat(bytes.subarray(0, header.length), metadata),
        tagLength: TAG_BITS,
      },
      keys.key,
      bytes.subarray(header.length),
    );
    return { plaintext: new Uint8Array(plain), kid: header.kid, ctr: header.ctr };
  } catch {
    why('tag');
    return null;
  }
}

export { concat };
