import NIOCore
import Testing

@testable import MeetRedis

/// hiredis's reader behind the Swift façade: whole, split, pipelined and
/// malformed input.
@Suite struct RESPReaderTests {
    private func readAll(_ text: String) throws -> [RESPValue] {
        let reader = try RESPReader()
        try reader.feed(Array(text.utf8))
        var values: [RESPValue] = []
        while let value = try reader.next() { values.append(value) }
        return values
    }

    @Test func everyReplyType() throws {
        let values = try readAll("+OK\r\n-ERR bad\r\n:42\r\n:-7\r\n$3\r\nfoo\r\n$0\r\n\r\n$-1\r\n*-1\r\n*2\r\n$1\r\na\r\n:1\r\n*0\r\n")
        #expect(values == [
            .simpleString("OK"), .error("ERR bad"), .integer(42), .integer(-7),
            .bulkString(Array("foo".utf8)), .bulkString([]), .null, .null,
            .array([.bulkString([UInt8(ascii: "a")]), .integer(1)]), .array([]),
        ])
    }

    @Test func nestedArrays() throws {
        let values = try readAll("*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n$-1\r\n")
        #expect(values == [.array([.array([.integer(1), .integer(2)]), .array([.null])])])
    }

    @Test func binaryBulkStringKeepsEveryByte() throws {
        let reader = try RESPReader()
        try reader.feed(Array("$4\r\n".utf8) + [0, 13, 10, 255] + Array("\r\n".utf8))
        #expect(try reader.next() == .bulkString([0, 13, 10, 255]))
    }

    @Test func repliesSplitAtEveryByteBoundary() throws {
        let wire = Array("*3\r\n$5\r\nhello\r\n:123\r\n+PONG\r\n$2\r\nhi\r\n".utf8)
        for cut in 1..<wire.count {
            let reader = try RESPReader()
            try reader.feed(Array(wire[..<cut]))
            var values: [RESPValue] = []
            while let value = try reader.next() { values.append(value) }
            try reader.feed(Array(wire[cut...]))
            while let value = try reader.next() { values.append(value) }
            #expect(values == [
                .array([.bulkString(Array("hello".utf8)), .integer(123), .simpleString("PONG")]),
                .bulkString(Array("hi".utf8)),
            ], "cut at \(cut)")
        }
    }

    @Test func byteByByteFeeding() throws {
        let reader = try RESPReader()
        var values: [RESPValue] = []
        for byte in "$5\r\nab\r\nc\r\n:9\r\n".utf8 {
            try reader.feed([byte])
            while let value = try reader.next() { values.append(value) }
        }
        #expect(values == [.bulkString(Array("ab\r\nc".utf8)), .integer(9)])
    }

    @Test func incompleteReplyWaitsForMore() throws {
        let reader = try RESPReader()
        try reader.feed(Array("$10\r\nabc".utf8))
        #expect(try reader.next() == nil)
    }

    @Test(arguments: ["hello\r\n", "?x\r\n", "\r\n", "!3\r\nabc\r\n"])
    func garbageIsATypedError(_ garbage: String) throws {
        let reader = try RESPReader()
        try reader.feed(Array(garbage.utf8))
        #expect(throws: RESPParseError.self) { try reader.next() }
        // Once broken, the reader stays broken: the connection must be closed.
        #expect(throws: RESPParseError.self) { try reader.feed(Array("+OK\r\n".utf8)) }
    }

    @Test func nestingBeyondHiredisLimitIsAnErrorNotACrash() throws {
        let reader = try RESPReader()
        try reader.feed(Array(String(repeating: "*1\r\n", count: 20).utf8) + Array(":1\r\n".utf8))
        #expect(throws: RESPParseError.self) { try reader.next() }
    }

    @Test func validRepliesBeforeGarbageAreDelivered() throws {
        let reader = try RESPReader()
        try reader.feed(Array("+OK\r\n:5\r\n#junk\r\n".utf8))
        #expect(try reader.next() == .simpleString("OK"))
        #expect(try reader.next() == .integer(5))
        #expect(throws: RESPParseError.self) { try reader.next() }
    }
}

@Suite struct RedisCommandTests {
    @Test func encodesAsArrayOfBulkStrings() {
        var buffer = ByteBuffer()
        RedisCommand("SET", "key", "välue").encode(into: &buffer)
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nvälue\r\n")
    }

    @Test func binaryAndEmptyArgumentsRoundTripThroughTheReader() throws {
        var command = RedisCommand("PUBLISH", "ch")
        command.append(bytes: [0, 13, 10, 36, 42])
        command.append("")
        var buffer = ByteBuffer()
        command.encode(into: &buffer)
        // A RESP request is itself a valid RESP array, so the reader parses it back.
        let reader = try RESPReader()
        try reader.feed(Array(buffer.readableBytesView))
        #expect(try reader.next() == .array(command.arguments.map { .bulkString($0) }))
        #expect(command.name == "PUBLISH")
    }
}
