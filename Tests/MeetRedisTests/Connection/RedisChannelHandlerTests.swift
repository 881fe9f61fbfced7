import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import MeetRedis

/// `RedisChannelHandler` in an embedded channel: commands out as RESP
/// bytes, reply bytes in (whole, split, pipelined, garbage), with no Redis
/// and no wait. Each reply completes the oldest waiting request; pushes go
/// to `onPush`; malformed input fails what waits and closes the channel.
@Suite("RedisChannelHandler in an embedded channel")
struct RedisChannelHandlerTests {
    /// What the handler told its owner. Written on the embedded loop, which
    /// is the test's own thread.
    final class Recorder: @unchecked Sendable {
        var pushes: [RESPValue] = []
        var replies = 0
    }

    /// The outcome of one request, filled when its promise completes.
    final class Outcome: @unchecked Sendable {
        var result: Result<RESPValue, any Error>?

        var value: RESPValue? { try? result?.get() }
        var error: RedisClientError? {
            guard case .failure(let error) = result else { return nil }
            return error as? RedisClientError
        }
        var isProtocolError: Bool {
            if case .protocolError = error { return true }
            return false
        }
    }

    /// One handler in one embedded channel, made inside each test (an
    /// embedded loop belongs to the thread that made it).
    final class Harness {
        let channel = EmbeddedChannel()
        let recorder = Recorder()

        /// A connected channel; its handler sends pushes to the recorder when `pubSub`.
        init(pubSub: Bool = false) throws {
            let recorder = recorder
            let onPush: (@Sendable (RESPValue) -> Void)? = pubSub ? { @Sendable value in recorder.pushes.append(value) } : nil
            let handler = try RedisChannelHandler(
                logger: Logger(label: "test.redis"), onPush: onPush, onReply: { recorder.replies += 1 })
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        }

        /// A promise whose outcome is recorded.
        func request() -> (EventLoopPromise<RESPValue>, Outcome) {
            let promise = channel.eventLoop.makePromise(of: RESPValue.self)
            let outcome = Outcome()
            promise.futureResult.whenComplete { outcome.result = $0 }
            return (promise, outcome)
        }

        /// Writes `commands` as one outbound batch; returns the bytes the
        /// handler sent and each command's outcome.
        @discardableResult
        func send(_ commands: RedisCommand...) throws -> (wire: String, outcomes: [Outcome]) {
            var outbound = RedisOutbound(commands: [])
            var outcomes: [Outcome] = []
            for command in commands {
                let (promise, outcome) = request()
                outbound.commands.append((command, promise))
                outcomes.append(outcome)
            }
            try channel.writeOutbound(outbound)
            return (try sent(), outcomes)
        }

        /// What the handler wrote since the last call, as text.
        func sent() throws -> String {
            try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } ?? ""
        }

        func receive(_ text: String) throws {
            try channel.writeInbound(ByteBuffer(string: text))
        }
    }

    @Test("pipelined commands go out as one RESP write; replies split at every byte complete them in order")
    func pipelinedRepliesInOrder() throws {
        let redis = try Harness()
        let (wire, outcomes) = try redis.send(RedisCommand("GET", "a"), RedisCommand("SET", "b", "1"), RedisCommand("INCR", "c"))
        #expect(wire == "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n")
        for byte in "$2\r\nxy\r\n+OK\r\n:7\r\n".utf8 {
            #expect(outcomes[2].result == nil)
            try redis.channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(outcomes.map(\.value) == [.bulkString(Array("xy".utf8)), .simpleString("OK"), .integer(7)])
        #expect(redis.recorder.replies == 3)
        // The handler consumes the bytes: nothing travels further down the pipeline.
        #expect(try redis.channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test("an -ERR reply completes its request with the error value and keeps the connection")
    func errorReplyKeepsTheConnection() throws {
        let redis = try Harness()
        let (_, outcomes) = try redis.send(RedisCommand("INCR", "text"), RedisCommand("PING"))
        try redis.receive("-WRONGTYPE not a number\r\n+PONG\r\n")
        #expect(outcomes.map(\.value) == [.error("WRONGTYPE not a number"), .simpleString("PONG")])
        #expect(redis.channel.isActive)
    }

    @Test("a command without a promise (pub/sub) takes no place in the reply queue")
    func commandsWithoutPromiseTakeNoPlace() throws {
        let redis = try Harness()
        let (promise, outcome) = redis.request()
        try redis.channel.writeOutbound(RedisOutbound(commands: [(RedisCommand("SUBSCRIBE", "ch"), nil), (RedisCommand("PING"), promise)]))
        #expect(try redis.sent() == "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n*1\r\n$4\r\nPING\r\n")
        try redis.receive("+PONG\r\n")
        #expect(outcome.value == .simpleString("PONG"))
    }

    @Test("on the pub/sub connection messages and confirmations go to onPush, between replies")
    func pushesGoToOnPush() throws {
        let redis = try Harness(pubSub: true)
        let (_, outcomes) = try redis.send(RedisCommand("PING"))
        try redis.receive(
            "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                + "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n"
                + "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n"
                + "+PONG\r\n")
        #expect(redis.recorder.pushes.map { $0.array?.first?.string } == ["subscribe", "message", "pmessage"])
        #expect(
            redis.recorder.pushes[1]
                == .array([.bulkString(Array("message".utf8)), .bulkString(Array("ch".utf8)), .bulkString(Array("hello".utf8))]))
        #expect(outcomes[0].value == .simpleString("PONG"))
        // Pushes are not replies: only the PONG told the circuit breaker that Redis answers.
        #expect(redis.recorder.replies == 1)
    }

    @Test("without onPush a message-shaped array is an ordinary reply (LRANGE of a list holding \"message\")")
    func noPushHandlerMeansReplies() throws {
        let redis = try Harness()
        let (_, outcomes) = try redis.send(RedisCommand("LRANGE", "l", "0", "-1"))
        try redis.receive("*2\r\n$7\r\nmessage\r\n$1\r\nx\r\n")
        #expect(outcomes[0].value == .array([.bulkString(Array("message".utf8)), .bulkString([UInt8(ascii: "x")])]))
        #expect(redis.recorder.pushes.isEmpty)
    }

    @Test("a reply nobody waits for is dropped; the next request still gets its own reply")
    func unexpectedReplyIsDropped() throws {
        let redis = try Harness()
        try redis.receive("+STRAY\r\n")
        #expect(redis.channel.isActive)
        let (_, outcomes) = try redis.send(RedisCommand("PING"))
        try redis.receive("+PONG\r\n")
        #expect(outcomes[0].value == .simpleString("PONG"))
    }

    @Test(
        "bytes that are not RESP fail every waiting request, close the channel, and fail later writes",
        arguments: ["?x\r\n", "hello\r\n", "!3\r\nabc\r\n"])
    func malformedInput(garbage: String) throws {
        let redis = try Harness()
        let (_, outcomes) = try redis.send(RedisCommand("GET", "a"), RedisCommand("GET", "b"))
        // The valid reply before the garbage is still delivered.
        try redis.receive("$1\r\n1\r\n" + garbage)
        #expect(outcomes[0].value == .bulkString([UInt8(ascii: "1")]))
        #expect(outcomes[1].isProtocolError)
        #expect(!redis.channel.isActive)

        let (promise, late) = redis.request()
        #expect(throws: RedisClientError.self) {
            try redis.channel.writeOutbound(RedisOutbound(commands: [(RedisCommand("PING"), promise)]))
        }
        #expect(late.isProtocolError)
    }

    @Test("FailPendingRequests fails what waits but keeps the places: late replies pop them, not a newer request's")
    func failPendingKeepsPlaces() throws {
        let redis = try Harness()
        let (_, outcomes) = try redis.send(RedisCommand("GET", "a"), RedisCommand("GET", "b"))
        let event = redis.channel.eventLoop.makePromise(of: Void.self)
        redis.channel.pipeline.triggerUserOutboundEvent(FailPendingRequests(error: .timeout(command: "GET")), promise: event)
        try event.futureResult.wait()
        #expect(outcomes.map(\.error) == [.timeout(command: "GET"), .timeout(command: "GET")])
        #expect(redis.channel.isActive)

        let (_, newer) = try redis.send(RedisCommand("GET", "c"))
        // Redis resumes and answers all three, in order.
        try redis.receive("+a\r\n+b\r\n+c\r\n")
        #expect(newer[0].value == .simpleString("c"))
        #expect(outcomes.map(\.error) == [.timeout(command: "GET"), .timeout(command: "GET")])
    }

    @Test("the connection closing fails every waiting request with connectionClosed")
    func inactiveFailsPending() throws {
        let redis = try Harness()
        let (_, outcomes) = try redis.send(RedisCommand("GET", "a"))
        _ = try redis.channel.finish(acceptAlreadyClosed: true)
        #expect(outcomes[0].error == .connectionClosed)
    }

    @Test("a channel error fails every waiting request and closes the connection")
    func errorCaughtClosesTheConnection() throws {
        let redis = try Harness()
        let (_, outcomes) = try redis.send(RedisCommand("GET", "a"))
        redis.channel.pipeline.fireErrorCaught(IOError(errnoCode: 104, reason: "read"))
        #expect(outcomes[0].error == .connectionClosed)
        #expect(!redis.channel.isActive)
    }
}
