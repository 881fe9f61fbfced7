import MeetCore
import MeetSFUNode
import MeetTestSupport
import NIOConcurrencyHelpers
import Testing

/// Every `MEET_*` variable meet-sfu reads is in docs/configuration.md's table for meet-sfu.
@Suite struct ConfigurationDocsTests {
    @Test func everyVariableMeetSFUReadsIsDocumented() throws {
        let environment = [
            "MEET_SFU_PUBLIC_IP_STUN": "stun.example.com:3478",
            // Deletion cost on: the rest of MEET_SFU_K8S_* is read too.
            "MEET_SFU_K8S_POD_NAME": "meet-sfu-0", "MEET_SFU_K8S_NAMESPACE": "meet", "MEET_SFU_K8S_API_URL": "http://127.0.0.1:8001",
        ]
        let (undocumented, error) = try ConfigurationDocs.undocumented(SFUNodeConfiguration.self, service: "meet-sfu", environment: environment)
        #expect(error == nil)
        #expect(undocumented == [])
        #expect(SFUNodeConfiguration.variablesRead(from: environment).names.isSuperset(of: [
            "MEET_NODE_ID", "MEET_SFU_PUBLIC_IP_STUN", "MEET_LOG_LEVEL", "MEET_SFU_K8S_SERVICE_ACCOUNT_DIR",
            "MEET_SFU_K8S_DELETION_COST_INTERVAL_MS",
        ]))
    }
}
