import MeetCore
import MeetSFUNode
import MeetTestSupport
import NIOConcurrencyHelpers
import Testing

/// Every `MEET_*` variable meet-sfu reads is in docs/configuration.md's table for meet-sfu.
@Suite struct ConfigurationDocsTests {
    @Test func everyVariableMeetSFUReadsIsDocumented() throws {
        let environment = ["MEET_SFU_PUBLIC_IP_STUN": "stun.example.com:3478"]
        let (undocumented, error) = try ConfigurationDocs.undocumented(SFUNodeConfiguration.self, service: "meet-sfu", environment: environment)
        #expect(error == nil)
        #expect(undocumented == [])
        #expect(SFUNodeConfiguration.variablesRead(from: environment).names.isSuperset(of: ["MEET_NODE_ID", "MEET_SFU_PUBLIC_IP_STUN", "MEET_LOG_LEVEL"]))
    }
}
