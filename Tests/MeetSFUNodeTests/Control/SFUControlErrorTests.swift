import MeetProtocol
import Testing

@testable import MeetSFUNode

@Suite("SFUControlError: typed errors become stable bus error bodies")
struct SFUControlErrorTests {
    @Test(
        "each case maps to its code",
        arguments: [
            (SFUControlError.unknownPublisher("alice"), SFUControlErrorCode.unknownPublisher),
            (.unknownTransport("t1"), .unknownTransport),
            (.badSDP("no BUNDLE"), .badSDP),
            (.badRequest("missing offer"), .badRequest),
            (.draining, .draining),
            (.unsupportedType("sfu.nope"), .unsupportedType),
        ])
    func codes(error: SFUControlError, code: SFUControlErrorCode) {
        #expect(error.bodyForBus.code == code.rawValue)
        #expect(!error.bodyForBus.message.isEmpty)
    }

    @Test("messages name what was wrong")
    func messages() {
        #expect(SFUControlError.unknownPublisher("alice").bodyForBus.message.contains("alice"))
        #expect(SFUControlError.badSDP("no BUNDLE").bodyForBus.message.contains("no BUNDLE"))
    }
}
