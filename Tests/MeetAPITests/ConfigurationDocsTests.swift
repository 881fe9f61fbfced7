import MeetAPI
import MeetCore
import MeetTestSupport
import Testing

/// Every `MEET_*` variable meet-api reads is in docs/configuration.md's table for meet-api.
@Suite struct ConfigurationDocsTests {
    @Test func everyVariableMeetAPIReadsIsDocumented() throws {
        let environment = ["MEET_ENV": "development", "MEET_DATABASE_URL": "postgres://u@127.0.0.1/meet", "MEET_REDIS_URL": "redis://r"]
        let (undocumented, error) = try ConfigurationDocs.undocumented(APIConfiguration.self, service: "meet-api", environment: environment)
        #expect(error == nil)
        #expect(undocumented == [])
        #expect(APIConfiguration.variablesRead(from: environment).names.isSuperset(of: ["MEET_BCRYPT_COST", "MEET_DATABASE_URL", "MEET_ENV"]))
    }
}
