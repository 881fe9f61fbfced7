#!/usr/bin/env python3
"""Independent SRTP/SRTCP known answers for Tests/RTCTransportTests/SRTPKnownAnswerTests.swift.

libsrtp cannot vouch for itself, so this script recomputes protected packets
with Python's `cryptography` (AES-CTR, AES-GCM, HMAC-SHA1) following the
RFCs directly, after checking itself against the RFCs' own vectors:
  * RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation),
  * RFC 7714 Sections 16.1.1 and 17.1 (AEAD_AES_128_GCM RTP and RTCP).
Run:  python3 Packages/MeetRTC/Scripts/srtp_known_answers.py
and paste the printed hex into the Swift test if the fixtures ever change.
"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

h = bytes.fromhex


def aes_ctr(key, iv16, data):
    enc = Cipher(algorithms.AES(key), modes.CTR(iv16)).encryptor()
    return enc.update(data) + enc.finalize()


def kdf(master_key, master_salt, label, length):
    """RFC 3711 §4.3.1/§4.3.3 with key_derivation_rate 0; RFC 7714 §11 pads a
    96-bit salt with zeros to 112 bits."""
    salt = master_salt.ljust(14, b"\x00")
    x = bytearray(salt)
    x[7] ^= label  # label * 2^48 in a 112-bit value: byte 7
    return aes_ctr(master_key, bytes(x) + b"\x00\x00", b"\x00" * length)


# --- self-checks against the RFC vectors -----------------------------------
# RFC 3711 B.2
ks = aes_ctr(h("2B7E151628AED2A6ABF7158809CF4F3C"), h("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), b"\x00" * 48)
assert ks.hex().upper() == ("E03EAD0935C95E80E166B16DD92B4EB4"
                            "D23513162B02D0F72A43A2FE4A5F97AB"
                            "41E95B3BB0A2E8DD477901E4FCA894C0"), ks.hex()
# RFC 3711 B.3
mk, ms = h("E1F97A0D3E018BE0D64FA32C06DE4139"), h("0EC675AD498AFEEBB6960B3AABE6")
assert kdf(mk, ms, 0, 16).hex().upper() == "C61E7A93744F39EE10734AFE3FF7A087"
assert kdf(mk, ms, 2, 14).hex().upper() == "30CBBC08863D8C85D49DB34A9AE1"
assert kdf(mk, ms, 1, 20).hex().upper() == "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"
# RFC 7714 §16.1.1 and §17.1
gk, gs = h("000102030405060708090a0b0c0d0e0f"), h("517569642070726f2071756f")


def gcm_rtp(key, salt, packet, roc=0):
    ssrc, seq = packet[8:12], packet[2:4]
    iv = bytes(a ^ b for a, b in zip(b"\x00\x00" + ssrc + struct.pack(">I", roc) + seq, salt))
    hdr = 12 + 4 * (packet[0] & 0x0F)
    return packet[:hdr] + AESGCM(key).encrypt(iv, packet[hdr:], packet[:hdr])


def gcm_rtcp(key, salt, packet, index):
    ssrc = packet[4:8]
    iv = bytes(a ^ b for a, b in zip(b"\x00\x00" + ssrc + b"\x00\x00" + struct.pack(">I", index), salt))
    e_index = struct.pack(">I", 0x80000000 | index)
    return packet[:8] + AESGCM(key).encrypt(iv, packet[8:], packet[:8] + e_index) + e_index


rtp_7714 = h("8040f17b8041f8d35501a0b2" "47616c6c69612065737420" "6f6d6e697320646976697361"
             "20696e2070617274657320747265" "73")
assert gcm_rtp(gk, gs, rtp_7714).hex() == (
    "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a"
    "51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce")
rtcp_7714 = h("81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61"
              "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef")
assert gcm_rtcp(gk, gs, rtcp_7714, 0x5D4).hex() == (
    "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda"
    "4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4")


# --- end-to-end known answers with master keys -------------------------------
def cm_rtp(master_key, master_salt, packet, roc=0):
    key, auth, salt = kdf(master_key, master_salt, 0, 16), kdf(master_key, master_salt, 1, 20), kdf(master_key, master_salt, 2, 14)
    ssrc = int.from_bytes(packet[8:12], "big")
    index = (roc << 16) | int.from_bytes(packet[2:4], "big")
    iv = (int.from_bytes(salt, "big") << 16) ^ (ssrc << 64) ^ (index << 16)
    hdr = 12 + 4 * (packet[0] & 0x0F)
    out = packet[:hdr] + aes_ctr(key, iv.to_bytes(16, "big"), packet[hdr:])
    return out + hmac.new(auth, out + struct.pack(">I", roc), hashlib.sha1).digest()[:10]


def cm_rtcp(master_key, master_salt, packet, index):
    key, auth, salt = kdf(master_key, master_salt, 3, 16), kdf(master_key, master_salt, 4, 20), kdf(master_key, master_salt, 5, 14)
    ssrc = int.from_bytes(packet[4:8], "big")
    iv = (int.from_bytes(salt, "big") << 16) ^ (ssrc << 64) ^ (index << 16)
    out = packet[:8] + aes_ctr(key, iv.to_bytes(16, "big"), packet[8:]) + struct.pack(">I", 0x80000000 | index)
    return out + hmac.new(auth, out, hashlib.sha1).digest()[:10]


rtp = h("800f1234decafbadcafebabe") + bytes([0xAB] * 16)
rtcp = h("81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef")
cm_key, cm_salt = h("e1f97a0d3e018be0d64fa32c06de4139"), h("0ec675ad498afeebb6960b3aabe6")
gcm_key, gcm_salt = h("000102030405060708090a0b0c0d0e0f"), h("a0a1a2a3a4a5a6a7a8a9aaab")
print("AES_CM_128_HMAC_SHA1_80 RTP :", cm_rtp(cm_key, cm_salt, rtp).hex())
print("AES_CM_128_HMAC_SHA1_80 RTCP:", cm_rtcp(cm_key, cm_salt, rtcp, 1).hex())
gcm_session = (kdf(gcm_key, gcm_salt, 0, 16), kdf(gcm_key, gcm_salt, 2, 12))
gcm_rtcp_session = (kdf(gcm_key, gcm_salt, 3, 16), kdf(gcm_key, gcm_salt, 5, 12))
print("AEAD_AES_128_GCM RTP        :", gcm_rtp(*gcm_session, rtp).hex())
print("AEAD_AES_128_GCM RTCP       :", gcm_rtcp(*gcm_rtcp_session, rtcp, 1).hex())
