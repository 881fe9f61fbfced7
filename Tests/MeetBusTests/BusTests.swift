import MeetProtocol
import Testing

@testable import MeetBus
import MeetRedis

/// The bus over both transports: in memory (what unit tests of ServerWS will
/// use) and over the real Redis (two endpoints = two processes).
@Suite struct BusTests {
    private static func installEcho(on bus: BusEndpoint) {
        let inbox = bus.inbox
        bus.setRequestHandler { request in
            switch request.type {
            case "echo":
                let greeting = try request.decode(Greeting.self)
                return BusResponse(Echo(text: greeting.text, from: inbox))
            case "fail":
                throw BusErrorBody(code: "not_found", message: "no such thing")
            case "crash":
                struct Boom: Error {}
                throw Boom()
            case "slow":
                try await Task.sleep(for: .seconds(2))
                return .empty
            default:
                throw BusErrorBody(code: "unsupported_type", message: request.type)
            }
        }
    }

    @Test(arguments: BusKind.allCases)
    func requestAndReplyBetweenTwoProcesses(_ kind: BusKind) async throws {
        try await withBuses(kind) { buses throws in
            let (a, b) = (buses[0], buses[1])
            Self.installEcho(on: b)
            let reply = try await a.request(
                "echo", Greeting(text: "hi", number: 1), to: b.inbox, timeout: .seconds(10), as: Echo.self)
            #expect(reply == Echo(text: "hi", from: b.inbox))
        }
    }

    @Test(arguments: BusKind.allCases)
    func concurrentRequestsAreCorrelatedById(_ kind: BusKind) async throws {
        try await withBuses(kind, count: 3) { buses throws in
            Self.installEcho(on: buses[1])
            Self.installEcho(on: buses[2])
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<200 {
                    let target = buses[1 + index % 2]
                    group.addTask {
                        let reply = try await buses[0].request(
                            "echo", Greeting(text: "n\(index)", number: index), to: target.inbox,
                            timeout: .seconds(10), as: Echo.self)
                        return reply == Echo(text: "n\(index)", from: target.inbox)
                    }
                }
                var matched = 0
                for try await ok in group where ok { matched += 1 }
                #expect(matched == 200)
            }
        }
    }

    @Test(arguments: BusKind.allCases)
    func requestToNobodyFailsWithATypedError(_ kind: BusKind) async throws {
        try await withBuses(kind, count: 1) { buses throws in
            let nobody = BusChannel.wsInbox(replicaId: TestRedis.unique("gone"))
            await #expect(throws: BusError.noResponder(inbox: nobody)) {
                try await buses[0].request("echo", Greeting(text: "?", number: 0), to: nobody, timeout: .seconds(5), as: Echo.self)
            }
        }
    }

    @Test(arguments: BusKind.allCases)
    func requestThatIsNotAnsweredInTimeTimesOut(_ kind: BusKind) async throws {
        try await withBuses(kind) { buses throws in
            Self.installEcho(on: buses[1])
            await #expect(throws: BusError.timeout(type: "slow", inbox: buses[1].inbox)) {
                try await buses[0].request("slow", BusEmpty(), to: buses[1].inbox, timeout: .milliseconds(200), as: BusEmpty.self)
            }
            // The late reply is ignored and the endpoint keeps working.
            let reply = try await buses[0].request(
                "echo", Greeting(text: "still", number: 2), to: buses[1].inbox, timeout: .seconds(10), as: Echo.self)
            #expect(reply.text == "still")
        }
    }

    @Test(arguments: BusKind.allCases)
    func handlerErrorsComeBackAsRemoteErrors(_ kind: BusKind) async throws {
        try await withBuses(kind, count: 3) { buses throws in
            Self.installEcho(on: buses[1])
            let target = buses[1].inbox
            await #expect(throws: BusError.remote(BusErrorBody(code: "not_found", message: "no such thing"))) {
                try await buses[0].request("fail", BusEmpty(), to: target, timeout: .seconds(10), as: BusEmpty.self)
            }
            do {
                _ = try await buses[0].request("crash", BusEmpty(), to: target, timeout: .seconds(10), as: BusEmpty.self)
                Issue.record("expected an error")
            } catch BusError.remote(let body) {
                #expect(body.code == "internal")
            }
            // buses[2] has no handler installed.
            do {
                _ = try await buses[0].request("echo", BusEmpty(), to: buses[2].inbox, timeout: .seconds(10), as: BusEmpty.self)
                Issue.record("expected an error")
            } catch BusError.remote(let body) {
                #expect(body.code == "no_handler")
            }
        }
    }

    @Test(arguments: BusKind.allCases)
    func replyOfTheWrongShapeIsADecodingError(_ kind: BusKind) async throws {
        try await withBuses(kind) { buses throws in
            Self.installEcho(on: buses[1])
            await #expect(throws: BusError.self) {
                try await buses[0].request(
                    "echo", Greeting(text: "x", number: 1), to: buses[1].inbox, timeout: .seconds(10), as: Greeting.self)
            }
        }
    }

    @Test(arguments: BusKind.allCases)
    func roomEventsReachEverySubscriberInOrder(_ kind: BusKind) async throws {
        try await withBuses(kind, count: 3) { buses throws in
            let room = BusChannel.room(TestRedis.unique("room"))
            let subscriptions = [try await buses[1].subscribe(to: room), try await buses[2].subscribe(to: room)]
            for index in 0..<50 {
                let receivers = try await buses[0].publish("chat", Greeting(text: "m", number: index), to: room)
                #expect(receivers == 2)
            }
            for subscription in subscriptions {
                let numbers = try await withTimeout(.seconds(10), "room events") {
                    var numbers: [Int] = []
                    for await message in subscription {
                        #expect(message.type == "chat")
                        #expect(message.header.from == buses[0].inbox)
                        numbers.append(try message.decode(Greeting.self).number)
                        if numbers.count == 50 { break }
                    }
                    return numbers
                }
                #expect(numbers == Array(0..<50))
                subscription.cancel()
            }
        }
    }

    @Test(arguments: BusKind.allCases)
    func eventsSentToAnInboxArriveAsInboxEvents(_ kind: BusKind) async throws {
        try await withBuses(kind) { buses throws in
            try await buses[0].publish("deliver", Greeting(text: "for you", number: 7), to: buses[1].inbox)
            let event = try await withTimeout(.seconds(10), "inbox event") { () async -> BusMessage? in
                for await event in buses[1].inboxEvents { return event }
                return nil
            }
            let received = try #require(event)
            #expect(received.type == "deliver")
            #expect(try received.decode(Greeting.self) == Greeting(text: "for you", number: 7))
        }
    }

    @Test func requestsWaitUntilTheInboxIsSubscribed() async throws {
        // A request made before run() has subscribed the inbox still gets its reply.
        let transport = InMemoryBusTransport()
        let a = BusEndpoint(inbox: TestRedis.unique("a"), transport: transport, logger: TestRedis.logger)
        let b = BusEndpoint(inbox: TestRedis.unique("b"), transport: transport, logger: TestRedis.logger)
        Self.installEcho(on: b)
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await b.run() }
            while transport.subscriberCount(b.inbox) == 0 { try? await Task.sleep(for: .milliseconds(1)) }
            let early = Task {
                try await a.request("echo", Greeting(text: "early", number: 0), to: b.inbox, timeout: .seconds(10), as: Echo.self)
            }
            group.addTask { try await a.run() }
            let reply = try? await early.value
            #expect(reply?.text == "early")
            a.shutdown()
            b.shutdown()
        }
        await #expect(throws: BusError.shutdown) {
            try await a.request("echo", BusEmpty(), to: b.inbox, timeout: .seconds(1), as: BusEmpty.self)
        }
    }

    @Test func envelopeWireFormat() throws {
        let envelope = BusEnvelope(kind: .request, type: "t", id: "1", replyTo: "ws:r", from: "ws:r", body: Greeting(text: "x", number: 3))
        let json = String(decoding: try JSONEncoderForTests.encode(envelope), as: UTF8.self)
        #expect(json == #"{"body":{"number":3,"text":"x"},"from":"ws:r","id":"1","kind":"request","replyTo":"ws:r","type":"t"}"#)
        let message = try #require(BusMessage(channel: "c", raw: Array(json.utf8)))
        #expect(message.header == envelope.header)
        #expect(try message.decode(Greeting.self) == envelope.body)
        #expect(BusMessage(channel: "c", raw: Array("not json".utf8)) == nil)
    }
}

import Foundation

enum JSONEncoderForTests {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }
}
