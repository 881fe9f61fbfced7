/// The packet index and replay window of one SRTP stream (RFC 3711 §3.3.1,
/// §3.3.2, Appendix A), with libsrtp's exact rules so both accept the same
/// packets: `index` is the highest 48-bit index (ROC << 16 | SEQ) seen, and
/// a bitmap remembers the `size` indices ending at it.
///
/// The bitmap is a ring (bit for index i at i mod size), allocated once when
/// the stream is made; checking and recording a packet allocate nothing.
/// A class so a stream found in the context's dictionary is updated in place.
final class SRTPReplayWindow {
    private(set) var index: UInt64 = 0
    /// Bits remembered: the requested window rounded up to 32 like libsrtp.
    let size: Int
    private let words: UnsafeMutablePointer<UInt64>
    private let wordCount: Int

    init(size requested: Int) {
        size = (requested + 31) / 32 * 32
        wordCount = (size + 63) / 64
        words = .allocate(capacity: wordCount)
        words.initialize(repeating: 0, count: wordCount)
    }

    deinit {
        words.deallocate()
    }

    /// Appendix A's estimate of the packet index for sequence number
    /// `sequence`, and its distance from `index`. Until the index passes
    /// 2^15, the ROC is taken to be 0 (as libsrtp does, so a stream that
    /// starts near 65535 is not guessed to be at ROC 2^32 - 1).
    func estimate(_ sequence: UInt16) -> (index: UInt64, delta: Int) {
        let localSequence = Int(index & 0xFFFF)
        let s = Int(sequence)
        guard index > 0x8000 else { return (UInt64(sequence), s - localSequence) }
        let roc = index >> 16
        if localSequence < 0x8000 {
            if s - localSequence > 0x8000 {
                return (((roc &- 1) & 0xFFFF_FFFF) << 16 | UInt64(sequence), s - localSequence - 0x1_0000)
            }
        } else if localSequence - 0x8000 > s {
            return (((roc &+ 1) & 0xFFFF_FFFF) << 16 | UInt64(sequence), s - localSequence + 0x1_0000)
        }
        return (roc << 16 | UInt64(sequence), s - localSequence)
    }

    /// Whether a packet `delta` from `index` may be accepted (§3.3.2).
    func check(_ delta: Int) -> SRTPError? {
        if delta > 0 { return nil }
        if size - 1 + delta < 0 { return .tooOld }
        return bit(at: index &+ UInt64(bitPattern: Int64(delta))) ? .replayed : nil
    }

    /// Records an authenticated (or sent) packet `delta` from `index`.
    func record(_ delta: Int) {
        if delta > 0 {
            for step in 1...min(delta, size) {
                clear(index &+ UInt64(step))
            }
            index &+= UInt64(delta)
            set(index)
        } else {
            set(index &+ UInt64(bitPattern: Int64(delta)))
        }
    }

    private func position(_ packetIndex: UInt64) -> (word: Int, mask: UInt64) {
        let bit = Int(packetIndex % UInt64(size))
        return (bit >> 6, 1 << UInt64(bit & 63))
    }

    private func bit(at packetIndex: UInt64) -> Bool {
        let (word, mask) = position(packetIndex)
        return words[word] & mask != 0
    }

    private func set(_ packetIndex: UInt64) {
        let (word, mask) = position(packetIndex)
        words[word] |= mask
    }

    private func clear(_ packetIndex: UInt64) {
        let (word, mask) = position(packetIndex)
        words[word] &= ~mask
    }
}

/// The SRTCP index and its 128-packet replay window (RFC 3711 §3.4, §3.3.2),
/// by libsrtp's rules: outbound, `windowStart` is the last index sent (the
/// first packet gets 1); inbound, the window covers `windowStart` ..<
/// `windowStart + 128` and slides forward when a later index arrives.
struct SRTCPReplayWindow {
    static let size: UInt32 = 128
    static let maximumIndex: UInt32 = 0x7FFF_FFFF
    private(set) var windowStart: UInt32 = 0
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    /// The next outbound index, or nil once 2^31 - 1 is used (rekey).
    mutating func next() -> UInt32? {
        guard windowStart < Self.maximumIndex else { return nil }
        windowStart += 1
        return windowStart
    }

    func check(_ index: UInt32) -> SRTPError? {
        if UInt64(index) >= UInt64(windowStart) + UInt64(Self.size) { return nil }
        if index < windowStart { return .tooOld }
        return bit(index - windowStart) ? .replayed : nil
    }

    mutating func record(_ index: UInt32) {
        guard index >= windowStart else { return }
        var offset = index - windowStart
        if offset >= Self.size {
            let shift = offset - (Self.size - 1)
            shiftDown(shift)
            windowStart += shift
            offset = Self.size - 1
        }
        if offset < 64 { low |= 1 << UInt64(offset) } else { high |= 1 << UInt64(offset - 64) }
    }

    private func bit(_ offset: UInt32) -> Bool {
        offset < 64 ? low & (1 << UInt64(offset)) != 0 : high & (1 << UInt64(offset - 64)) != 0
    }

    /// The 128-bit bitmap shifted towards bit 0 by `count`.
    private mutating func shiftDown(_ count: UInt32) {
        if count >= 128 {
            low = 0; high = 0
        } else if count >= 64 {
            low = high >> UInt64(count - 64); high = 0
        } else if count > 0 {
            low = low >> UInt64(count) | high << UInt64(64 - count)
            high >>= UInt64(count)
        }
    }
}
