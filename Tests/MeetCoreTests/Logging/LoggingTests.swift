import Foundation
import Logging
import MeetCore
import NIOConcurrencyHelpers
import Testing

@Suite("JSON log handler")
struct LoggingTests {
    final class Lines: Sendable {
        let box = NIOLockedValueBox<[String]>([])
        var sink: LogSink { LogSink { line in self.box.withLockedValue { $0.append(line) } } }
        var all: [String] { self.box.withLockedValue { $0 } }
    }

    @Test("writes one JSON object per line with level, message and metadata")
    func jsonLine() throws {
        let lines = Lines()
        var logger = Logger(label: "meet.test") { label in JSONLogHandler(label: label, level: .debug, sink: lines.sink) }
        logger[metadataKey: "meeting.code"] = "abc-defg-hij"
        logger.info("participant \"joined\"\nnext line", metadata: ["count": "\(3)", "nested": ["a": "1"], "msg": "shadow"])
        logger.trace("below the level")

        #expect(lines.all.count == 1)
        let object = try #require(
            JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any]
        )
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "meet.test")
        #expect(object["msg"] as? String == "participant \"joined\"\nnext line")
        #expect(object["meeting.code"] as? String == "abc-defg-hij")
        #expect(object["count"] as? String == "3")
        #expect((object["nested"] as? [String: String]) == ["a": "1"])
        #expect(object["meta.msg"] as? String == "shadow")
        #expect((object["ts"] as? String)?.hasSuffix("Z") == true)
        #expect(!lines.all[0].contains("\n"))
    }
}
