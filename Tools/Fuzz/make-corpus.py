#!/usr/bin/env python3
"""Writes the committed seed corpus under Tools/Fuzz/Corpus/<target>/.

Seeds are small, real-shaped packets: the RFC 5769 STUN vectors and ICE binding
transactions as Chrome/aiortc send them, RTP packets with the header extensions
and payload descriptors browsers use, RTCP compounds and feedback, and SDP offers.
Re-run after changing it: python3 Tools/Fuzz/make-corpus.py
"""
import hashlib, hmac, os, shutil, struct, zlib

ROOT = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(ROOT, "Corpus")
FIXTURES = os.path.join(ROOT, "..", "..", "Tests", "RTCCodecTests", "Fixtures")
COOKIE = 0x2112A442
TXID = bytes.fromhex("b7e7a701bc34d686fa87dfae")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- STUN (RFC 8489) ---------------------------------------------------------

def attr(t, v, pad=b"\0"):
    return struct.pack("!HH", t, len(v)) + v + pad * ((4 - len(v) % 4) % 4)


def stun(mtype, attrs, key=None, fingerprint=True, txid=TXID):
    body = b"".join(attrs)
    if key is not None:
        head = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + txid
        body += attr(0x0008, hmac.new(key, head + body, hashlib.sha1).digest())
    if fingerprint:
        head = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + txid
        crc = (zlib.crc32(head + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += attr(0x8028, struct.pack("!I", crc))
    return struct.pack("!HHI", mtype, len(body), COOKIE) + txid + body


def xor_v4(ip, port):
    a = bytes(int(x) for x in ip.split("."))
    return struct.pack("!BBH", 0, 1, port ^ 0x2112) + bytes(x ^ y for x, y in zip(a, struct.pack("!I", COOKIE)))


def xor_v6(packed, port, txid=TXID):
    mask = struct.pack("!I", COOKIE) + txid
    return struct.pack("!BBH", 0, 2, port ^ 0x2112) + bytes(x ^ y for x, y in zip(packed, mask))


def stun_seeds():
    pw = b"VOkJxbRl1RmTxUk/WvJxBt"
    vectors = {
        "rfc5769-request": "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e20746573742063"
        "6c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020"
        "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
        "rfc5769-ipv4-response": "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
        "002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
        "rfc5769-ipv6-response": "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
        "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed41"
        "80280004c8fb0b4c",
        "rfc5769-long-term": "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b90000"
        "0015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d706c652e6f726700"
        "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666",
    }
    for name, h in vectors.items():
        write("stun", name, bytes.fromhex(h))
    key = b"passwordpasswordpassword"
    user = b"remoteUf:localUf"
    write("stun", "chrome-check-controlling-use-candidate", stun(0x0001, [
        attr(0xC057, b"\x00\x01\x00\x0a"), attr(0x0006, user), attr(0x802A, bytes(range(8))),
        attr(0x0025, b""), attr(0x0024, struct.pack("!I", 1853824767))], key))
    write("stun", "aiortc-check-controlled", stun(0x0001, [
        attr(0x0006, b"Xk3p:EsAw"), attr(0x0024, struct.pack("!I", 1694498815)),
        attr(0x8029, bytes(8))], key))
    write("stun", "success-ipv4", stun(0x0101, [attr(0x0020, xor_v4("127.0.0.1", 50123))], key))
    write("stun", "success-ipv6", stun(0x0101, [attr(0x0020, xor_v6(bytes(15) + b"\x01", 40000))], key))
    write("stun", "error-401", stun(0x0111, [attr(0x0009, b"\0\0\x04\x01Unauthorized")]))
    write("stun", "error-420-unknown", stun(0x0111, [attr(0x0009, b"\0\0\x04\x14Unknown Attribute"),
                                                     attr(0x000A, b"\x7f\xff\x00\x2a")]))
    write("stun", "error-487-role-conflict", stun(0x0111, [attr(0x0009, b"\0\0\x04\x57Role Conflict")], key))
    write("stun", "indication-consent", stun(0x0011, []))
    write("stun", "mapped-address-no-fp", stun(0x0101, [attr(0x0001, b"\0\x01\x13\x88\xc0\x00\x02\x01"),
                                                        attr(0x8022, b"meet")], None, False))
    write("stun", "unknown-attrs", stun(0x0001, [attr(0x7777, b"abc"), attr(0xC001, b"\x01")], None, True))
    write("stun", "header-only", stun(0x0001, [], None, False))


# --- RTP (RFC 3550, RFC 8285) ---------------------------------------------------

def rtp(pt, seq, ts, ssrc, payload, marker=False, csrcs=(), ext=None, padding=0):
    b0 = 0x80 | len(csrcs) | (0x20 if padding else 0) | (0x10 if ext else 0)
    out = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext:
        profile, data = ext
        data += b"\0" * ((4 - len(data) % 4) % 4)
        out += struct.pack("!HH", profile, len(data) // 4) + data
    out += payload
    if padding:
        out += b"\0" * (padding - 1) + bytes([padding])
    return out


def one_byte(*elements):
    return (0xBEDE, b"".join(bytes([i << 4 | (len(v) - 1)]) + v for i, v in elements))


def two_byte(*elements):
    return (0x1000, b"".join(bytes([i, len(v)]) + v for i, v in elements))


def rtp_seeds():
    audio_ext = one_byte((1, b"\xff"), (2, b"\x12\x34\x56"), (3, b"\x00\x05"), (4, b"0"))
    write("rtp", "opus-chrome", rtp(111, 4660, 48000, 0xDEADBEEF, b"\xfc\xff\xfe" * 10, ext=audio_ext))
    write("rtp", "opus-aiortc", rtp(96, 1, 960, 1732846391, b"\x78" + bytes(40),
                                    ext=one_byte((1, b"0"), (2, b"\x90"))))
    vp8_ext = one_byte((2, b"\x01\x02\x03"), (3, b"\x00\x07"), (4, b"1"), (10, b"h"))
    write("rtp", "vp8-keyframe", rtp(96, 100, 90000, 2882400001, b"\x90\xe0\x92\x34\x05\x20" + b"\x50\x2a\x01\x9d\x01\x2a" + bytes(30),
                                     marker=False, ext=vp8_ext))
    write("rtp", "vp8-delta-end", rtp(96, 101, 90000, 2882400001, b"\x90\x80\x12\x10" + b"\x31\x00\x00" + bytes(20), marker=True))
    write("rtp", "vp8-continuation", rtp(96, 102, 93000, 2882400001, b"\x80\x80\x12" + bytes(50)))
    write("rtp", "h264-stap-a-sps-pps", rtp(102, 5, 1000, 7, b"\x78\x00\x0a\x67\x42\x00\x1f\x95\xa8\x14\x01\x6e\x40\x00\x04\x68\xce\x3c\x80"))
    write("rtp", "h264-fu-a-idr-start", rtp(102, 6, 1000, 7, b"\x7c\x85" + bytes(60)))
    write("rtp", "h264-single-nal", rtp(102, 7, 4000, 7, b"\x41\x9a" + bytes(30), marker=True))
    write("rtp", "rtx-with-osn", rtp(97, 9000, 90000, 2882400002, b"\x00\x64" + b"\x90\x80\x12" + bytes(10)))
    write("rtp", "csrcs-and-padding", rtp(0, 65535, 0xFFFFFFFF, 1, bytes(160), csrcs=(10, 20, 30), padding=4))
    write("rtp", "two-byte-ext", rtp(100, 2, 3, 4, b"\x01\x02", ext=two_byte((1, b""), (20, b"x" * 20), (200, b"\x01"))))
    write("rtp", "one-byte-stop-id15", rtp(96, 3, 4, 5, b"\x10", ext=(0xBEDE, b"\x00\x10\xaa\xf0\x20\xbb\xcc")))
    write("rtp", "unknown-profile-ext", rtp(96, 3, 4, 5, b"\x10", ext=(0x1234, b"abcdefgh")))
    write("rtp", "header-only", rtp(96, 0, 0, 0, b""))


# --- RTCP (RFC 3550, 4585, 5104, TWCC, REMB) -------------------------------------

def rtcp(count, pt, body):
    body += b"\0" * ((4 - len(body) % 4) % 4)
    return struct.pack("!BBH", 0x80 | count, pt, len(body) // 4) + body


def block(ssrc, lost=0):
    return struct.pack("!IB", ssrc, 5) + (lost & 0xFFFFFF).to_bytes(3, "big") + struct.pack("!IIII", 0x12345, 32, 0x12345678, 0x8000)


def sdes(ssrc, cname):
    return rtcp(1, 202, struct.pack("!IBB", ssrc, 1, len(cname)) + cname + b"\0")


def rtcp_seeds():
    rr = rtcp(1, 201, struct.pack("!I", 1) + block(0x11223344, -2))
    sr = rtcp(1, 200, struct.pack("!IIIIII", 0xDEADBEEF, 0xE6B12345, 0x80000000, 90000, 10, 12000) + block(7))
    write("rtcp", "rr-sdes-chrome", rr + sdes(1, b"Xq3d+Yv2Lk9sT0aB"))
    write("rtcp", "sr-sdes", sr + sdes(0xDEADBEEF, b"2d8f4c1e-9a7b-4e3c-8d2f-1a0b9c8d7e6f"))
    write("rtcp", "empty-rr", rtcp(0, 201, struct.pack("!I", 1)))
    write("rtcp", "bye-reason", rtcp(2, 203, struct.pack("!II", 1, 2) + b"\x07bye now"))
    write("rtcp", "pli", rtcp(1, 206, struct.pack("!II", 1, 0xABCDEF01)))
    write("rtcp", "fir", rtcp(4, 206, struct.pack("!IIIB", 1, 0, 0xABCDEF01, 42) + b"\0\0\0"))
    write("rtcp", "nack", rtcp(1, 205, struct.pack("!IIHHHH", 1, 2, 100, 0x8005, 65535, 0x0001)))
    remb = rtcp(15, 206, struct.pack("!II", 1, 0) + b"REMB" + b"\x02\x0b\xd0\x90" + struct.pack("!II", 0x11223344, 0x55667788))
    write("rtcp", "remb", remb)
    write("rtcp", "rr-remb-compound", rr + remb)
    twcc_run = rtcp(15, 205, struct.pack("!IIHH", 1, 2, 10, 3) + b"\x00\x00\x10\x07" + b"\x20\x03\x04\x08\x0c")
    write("rtcp", "twcc-run-length", twcc_run)
    # status vectors: two-bit (small, lost, large) and one-bit, with a negative large delta
    twcc_vec = rtcp(15, 205, struct.pack("!IIHH", 1, 2, 65530, 21) + b"\xff\xff\xfb\x01"
                    + b"\xd8\x00" + b"\xbf\xff" + b"\x01" + b"\xff\xfc" + b"\x05" * 14)
    write("rtcp", "twcc-vectors", twcc_vec)
    write("rtcp", "app", rtcp(0, 204, struct.pack("!I", 1) + b"TEST" + b"data"))
    write("rtcp", "xr-raw", rtcp(0, 207, struct.pack("!I", 1) + b"\x04\x00\x00\x02" + bytes(8)))
    padded = bytearray(rtcp(0, 201, struct.pack("!I", 9) + b"\0\0\0\x04"))
    padded[0] |= 0x20
    write("rtcp", "rr-padded", bytes(padded))


# --- SDP (RFC 8866) --------------------------------------------------------------

def sdp_seeds():
    for name in ("chrome-offer.sdp", "chrome-simulcast-offer.sdp", "aiortc-offer.sdp", "firefox-offer.sdp"):
        shutil.copy(os.path.join(FIXTURES, name), os.path.join(CORPUS, "sdp", name.replace(".sdp", "")))
    answer = "\r\n".join([
        "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=ice-lite", "a=group:BUNDLE 0",
        "a=msid-semantic: WMS *",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0", "b=AS:2000",
        "a=mid:0", "a=recvonly", "a=rtcp-mux", "a=ice-ufrag:sfu1", "a=ice-pwd:passwordpasswordpassword",
        "a=setup:passive", "a=fingerprint:sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F",
        "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack pli", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
        "a=extmap:3/recvonly http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "a=candidate:1 1 udp 2130706431 10.0.0.1 40000 typ host", "a=end-of-candidates",
        "a=rid:h recv", "a=rid:l recv", "a=simulcast:recv h;~l", ""])
    write("sdp", "sfu-answer", answer.encode())
    write("sdp", "minimal-lf", b"v=0\no=- 0 0 IN IP4 0.0.0.0\ns=-\nt=0 0\n")
    write("sdp", "datachannel", "\r\n".join([
        "v=0", "o=- 2 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0", "a=mid:0",
        "a=sctp-port:5000", "a=max-message-size:262144", ""]).encode())


def sdp_invalid_seeds():
    """Offers the node must refuse with bad_sdp (issue 13, item 11): Chrome's offer with
    one thing broken each. Tests/RTCCodecTests/SDPValidatorTests expects one typed error
    per seed, by name; every name here starts with "invalid-"."""
    with open(os.path.join(FIXTURES, "chrome-offer.sdp"), newline="") as f:
        chrome = f.read()

    def seed(name, text):
        assert text != chrome, name
        write("sdp", "invalid-" + name, text.encode())

    def sub(old, new, text=None, count=1):
        text = chrome if text is None else text
        assert old in text, old
        return text.replace(old, new, count)

    seed("duplicate-mid", sub("a=mid:1", "a=mid:0"))
    long_mid = "m" * 5000
    seed("mid-5000-characters", sub("a=mid:1", "a=mid:" + long_mid))
    seed("mid-not-a-token", sub("a=mid:1", "a=mid:a,b"))
    seed("bundle-1000-mids", sub("a=group:BUNDLE 0 1", "a=group:BUNDLE " + " ".join(str(i) for i in range(1000))))
    seed("bundle-unknown-mid", sub("a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 7"))
    seed("bundle-mid-twice", sub("a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 1"))
    seed("payload-type-128", sub(" 115 116\r\n", " 115 116 128\r\n"))
    seed("payload-type-300", sub(" 115 116\r\n", " 115 116 300\r\n"))
    seed("payload-type-negative", sub(" 115 116\r\n", " 115 116 -1\r\n"))
    seed("payload-type-rtcp-range", sub("RTP/SAVPF 111 63", "RTP/SAVPF 111 72 63"))
    seed("payload-type-twice", sub("RTP/SAVPF 111 63", "RTP/SAVPF 111 63 111"))
    seed("rtpmap-twice", sub("a=rtpmap:9 G722/8000", "a=rtpmap:9 G722/8000\r\na=rtpmap:9 PCMU/8000"))
    seed("clock-rate-0", sub("a=rtpmap:9 G722/8000", "a=rtpmap:9 G722/0"))
    seed("clock-rate-2-pow-40", sub("a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8/1099511627776"))
    seed("clock-rate-vp8-48000", sub("a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8/48000"))
    seed("clock-rate-opus-8000", sub("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/8000/2"))
    seed("opus-one-channel", sub("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/48000/1"))
    seed("ssrc-0", sub("a=ssrc:3735928559 cname", "a=ssrc:0 cname"))
    seed("ssrc-negative", sub("a=ssrc:3735928559 cname", "a=ssrc:-1 cname"))
    seed("ssrc-2-pow-32", sub("a=ssrc:3735928559 cname", "a=ssrc:4294967296 cname"))
    seed("ssrc-in-two-sections", sub("a=ssrc:2882400001 cname", "a=ssrc:3735928559 cname"))
    seed("ssrc-group-0", sub("a=ssrc-group:FID 2882400001 2882400002", "a=ssrc-group:FID 2882400001 0"))
    many = "".join(f"a=ssrc:{1000 + i} cname:x\r\n" for i in range(40))
    seed("ssrcs-40-in-a-section", sub("a=ssrc-group:FID", many + "a=ssrc-group:FID"))
    seed("rtx-apt-itself", sub("a=fmtp:97 apt=96", "a=fmtp:97 apt=97"))
    seed("rtx-apt-not-listed", sub("a=fmtp:97 apt=96", "a=fmtp:97 apt=55"))
    seed("rtx-apt-rtx", sub("a=fmtp:97 apt=96", "a=fmtp:97 apt=103"))
    seed("rtx-without-apt", sub("a=fmtp:97 apt=96\r\n", ""))
    seed("fmtp-30kb", sub("a=fmtp:97 apt=96", "a=fmtp:97 apt=96;x=" + "a" * 30000))
    seed("fmtp-2kb", sub("a=fmtp:97 apt=96", "a=fmtp:97 apt=96;x=" + "a" * 2000))
    seed("fmtp-twice", sub("a=fmtp:97 apt=96", "a=fmtp:97 apt=96\r\na=fmtp:97 apt=102"))
    seed("rtpmap-malformed", sub("a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8"))
    seed("ice-ufrag-short", sub("a=ice-ufrag:EsAw", "a=ice-ufrag:Es"))
    seed("ice-pwd-bad-characters", sub("a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y", "a=ice-pwd:bP+XJMM09aR8AiX1jdukz!6Y"))
    seed("extmap-conflict", sub("a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
                                "a=extmap:3 urn:ietf:params:rtp-hdrext:toffset"))
    session = chrome[:chrome.index("m=audio")].replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0")
    sections = "".join(f"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:{i}\r\na=rtcp-mux\r\n"
                       f"a=rtpmap:111 opus/48000/2\r\n" for i in range(130))
    seed("130-media-sections", session + sections)


# --- DTLS 1.2 records (RFC 6347 §4.1) sent to an established association --------

def dtls_record(ctype, body, epoch=1, seq=9, version=b"\xfe\xfd", length=None):
    length = len(body) if length is None else length
    return bytes([ctype]) + version + struct.pack("!H", epoch) + seq.to_bytes(6, "big") + struct.pack("!H", length) + body


def dtls_seeds():
    """Spoofed datagrams for the dtls target (and Tests/RTCTransportTests/DTLSSpoofedRecordTests):
    none may fail or close an established association."""
    garbage = bytes(range(0x41, 0x41 + 9))
    # Issue 13: the 22-byte datagram that failed a publisher's whole transport (a
    # current-epoch record too short for the AES-GCM nonce and tag).
    write("dtls", "issue13-22-byte-appdata", dtls_record(23, garbage))
    for ctype, name in ((20, "ccs"), (21, "alert"), (22, "handshake"), (23, "appdata")):
        write("dtls", f"{name}-epoch1-short", dtls_record(ctype, garbage))
        write("dtls", f"{name}-epoch1-garbage-64", dtls_record(ctype, bytes((i * 37) & 0xFF for i in range(64))))
        write("dtls", f"{name}-epoch0", dtls_record(ctype, garbage, epoch=0))
        write("dtls", f"{name}-epoch2", dtls_record(ctype, garbage, epoch=2))
        write("dtls", f"{name}-dtls10-version", dtls_record(ctype, garbage, version=b"\xfe\xff"))
        write("dtls", f"{name}-tls-version", dtls_record(ctype, garbage, version=b"\x03\x03"))
        write("dtls", f"{name}-length-beyond-datagram", dtls_record(ctype, garbage, length=0xFFFF))
        write("dtls", f"{name}-truncated-header", dtls_record(ctype, garbage)[:7])
        write("dtls", f"{name}-empty-fragment", dtls_record(ctype, b""))
    # Plaintext alerts after the handshake are unauthenticated: neither may close.
    write("dtls", "alert-epoch0-close-notify", dtls_record(21, b"\x01\x00", epoch=0))
    write("dtls", "alert-epoch0-fatal-handshake-failure", dtls_record(21, b"\x02\x28", epoch=0))
    write("dtls", "alert-epoch1-fatal-plaintext", dtls_record(21, b"\x02\x28"))
    write("dtls", "two-records-second-short", dtls_record(23, bytes(40)) + dtls_record(23, garbage))
    write("dtls", "record-then-junk", dtls_record(23, bytes(40)) + b"\x17\xfe")
    write("dtls", "client-hello-epoch0", dtls_record(22, bytes([1, 0, 0, 0x2c, 0, 0, 0, 0, 0, 0, 0, 0x2c]) + b"\xfe\xfd" + bytes(42), epoch=0, seq=0))
    write("dtls", "random-bytes", bytes([23]) + bytes((i * 131 + 7) & 0xFF for i in range(120)))


if __name__ == "__main__":
    shutil.rmtree(CORPUS, ignore_errors=True)
    for t in ("stun", "rtp", "rtcp", "sdp", "dtls"):
        os.makedirs(os.path.join(CORPUS, t))
    stun_seeds(); rtp_seeds(); rtcp_seeds(); sdp_seeds(); sdp_invalid_seeds(); dtls_seeds()
    for t in ("stun", "rtp", "rtcp", "sdp", "dtls"):
        print(t, len(os.listdir(os.path.join(CORPUS, t))), "seeds")
