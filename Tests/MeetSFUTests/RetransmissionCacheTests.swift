import Testing
@testable import MeetSFU

@Suite struct RetransmissionCacheTests {
    private func insert(_ cache: RetransmissionCache, _ seq: Int64, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { cache.insert($0, extendedSequenceNumber: seq) }
    }

    private func stored(_ cache: RetransmissionCache, _ seq: Int64) -> [UInt8]? {
        cache.packet(extendedSequenceNumber: seq).map { Array($0) }
    }

    @Test func storesAndFindsBySequenceNumber() {
        let cache = RetransmissionCache(slotCount: 8, slotSize: 32)
        insert(cache, 100, [1, 2, 3])
        insert(cache, 101, [4, 5])
        #expect(stored(cache, 100) == [1, 2, 3])
        #expect(stored(cache, 101) == [4, 5])
        #expect(stored(cache, 102) == nil)
        #expect(stored(cache, -1) == nil)
    }

    @Test func newerPacketsEvictTheOldest() {
        let cache = RetransmissionCache(slotCount: 4, slotSize: 16)
        for seq in Int64(0)..<6 { insert(cache, seq, [UInt8(seq)]) }
        #expect(stored(cache, 0) == nil)
        #expect(stored(cache, 1) == nil)
        #expect(stored(cache, 2) == [2])
        #expect(stored(cache, 5) == [5])
        // A straggler older than the window does not evict a newer packet.
        insert(cache, 1, [0xFF])
        #expect(stored(cache, 1) == nil)
        #expect(stored(cache, 5) == [5])
    }

    @Test func oversizedPacketsAreCountedNotStored() {
        let cache = RetransmissionCache(slotCount: 4, slotSize: 4)
        insert(cache, 1, [1, 2, 3, 4, 5])
        #expect(stored(cache, 1) == nil)
        #expect(cache.oversized == 1)
    }
}
