import MeetCore
import MeetTestSupport
import MeetWS
import Testing

/// Every `MEET_*` variable meet-ws reads is in docs/configuration.md's table for meet-ws.
@Suite struct ConfigurationDocsTests {
    @Test func everyVariableMeetWSReadsIsDocumented() throws {
        let environment = [
            "MEET_ENV": "development", "MEET_DATABASE_URL": "postgres://u@127.0.0.1/meet",
            "MEET_TURN_URLS": "turn:turn.example.com:3478", "MEET_TURN_SECRET": String(repeating: "t", count: 32),
        ]
        let (undocumented, error) = try ConfigurationDocs.undocumented(WSConfiguration.self, service: "meet-ws", environment: environment)
        #expect(error == nil)
        #expect(undocumented == [])
        #expect(WSConfiguration.variablesRead(from: environment).names.isSuperset(of: ["MEET_WS_REPLICA_ID", "MEET_TURN_URLS", "MEET_JWT_SECRET"]))
    }
}
