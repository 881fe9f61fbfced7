import Testing
@testable import MeetStorage

/// `Range: bytes=…` (RFC 9110 §14.1.2) against a 1000-byte file.
@Suite("ByteRange")
struct ByteRangeTests {
    @Test(
        "single ranges, open ends, suffixes, clamping and the unsatisfiable",
        arguments: [
            (nil, ByteRange.full),
            ("items=0-1", .full),
            ("bytes=0-1,5-6", .full),
            ("bytes=0-0", .partial(0...0)),
            ("bytes=10-19", .partial(10...19)),
            ("bytes=990-5000", .partial(990...999)),
            ("bytes=500-", .partial(500...999)),
            ("bytes=-100", .partial(900...999)),
            ("bytes=-5000", .partial(0...999)),
            ("bytes=1000-", .unsatisfiable),
            ("bytes=1000-1001", .unsatisfiable),
            ("bytes=20-10", .unsatisfiable),
            ("bytes=-0", .unsatisfiable),
            ("bytes=abc", .unsatisfiable),
            ("bytes=-", .unsatisfiable),
            ("bytes=x-5", .unsatisfiable),
        ] as [(String?, ByteRange)])
    func parse(header: String?, expected: ByteRange) {
        #expect(ByteRange(header: header, size: 1000) == expected)
    }

    @Test("an empty file satisfies no range")
    func empty() {
        #expect(ByteRange(header: "bytes=0-", size: 0) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-1", size: 0) == .unsatisfiable)
        #expect(ByteRange(header: nil, size: 0) == .full)
    }
}
