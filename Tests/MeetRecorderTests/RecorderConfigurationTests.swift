import MeetCore
import MeetStorage
import MeetTestSupport
import Testing

@testable import MeetRecorder

@Suite("RecorderConfiguration: MEET_* variables")
struct RecorderConfigurationTests {
    @Test func defaults() throws {
        let configuration = try RecorderConfiguration(environment: EnvironmentReader(["MEET_RECORDER_ID": "rec-a"]))
        #expect(configuration.recorderId == "rec-a")
        #expect(configuration.http.port == 8095)
        #expect(configuration.directory == "recordings")
        #expect(configuration.tuning == RecordingTuning(reorderPackets: 64, reorderDelayMicroseconds: 200_000, keyframeRetryMicroseconds: 1_000_000))
        #expect(configuration.redisURL == nil)
        #expect(configuration.database == nil)
        #expect(configuration.jobLease == .seconds(15))
        #expect(configuration.maxJobs == 8)
        #expect(configuration.wsURLs == [])
        #expect(configuration.mediaHost == "0.0.0.0")
    }

    @Test func s3StorageNeedsItsEndpointBucketAndKeys() throws {
        #expect(try RecorderConfiguration(environment: EnvironmentReader([:])).s3 == nil)
        let full = [
            "MEET_RECORDING_STORAGE": "s3", "MEET_RECORDING_S3_ENDPOINT": "http://minio:9000", "MEET_RECORDING_S3_BUCKET": "rec",
            "MEET_RECORDING_S3_ACCESS_KEY_ID": "id", "MEET_RECORDING_S3_SECRET_ACCESS_KEY": "secret", "MEET_RECORDING_S3_PART_MB": "16",
        ]
        let s3 = try #require(try RecorderConfiguration(environment: EnvironmentReader(full)).s3)
        #expect(s3 == S3Configuration(endpoint: "http://minio:9000", bucket: "rec", accessKeyID: "id", secretAccessKey: "secret", partSize: 16 << 20))
        #expect(s3.region == "us-east-1")
        for missing in ["MEET_RECORDING_S3_ENDPOINT", "MEET_RECORDING_S3_BUCKET", "MEET_RECORDING_S3_ACCESS_KEY_ID", "MEET_RECORDING_S3_SECRET_ACCESS_KEY"] {
            var environment = full
            environment[missing] = nil
            #expect(throws: ConfigurationError.self) { try RecorderConfiguration(environment: EnvironmentReader(environment)) }
        }
        for (name, bad) in [("MEET_RECORDING_STORAGE", "ftp"), ("MEET_RECORDING_S3_ENDPOINT", "minio:9000"), ("MEET_RECORDING_S3_PART_MB", "4")] {
            var environment = full
            environment[name] = bad
            #expect(throws: ConfigurationError.self) { try RecorderConfiguration(environment: EnvironmentReader(environment)) }
        }
    }

    @Test func theMeetWSURLMayBeSetAndMustBeAWebSocketURL() throws {
        let configuration = try RecorderConfiguration(
            environment: EnvironmentReader([
                "MEET_RECORDER_WS_URL": "ws://meet-ws-1:8081/v1/ws, wss://meet-ws-2/v1/ws", "MEET_RECORDER_MEDIA_HOST": "10.0.0.7",
            ]))
        #expect(configuration.wsURLs == ["ws://meet-ws-1:8081/v1/ws", "wss://meet-ws-2/v1/ws"])
        #expect(configuration.mediaHost == "10.0.0.7")
        for bad in ["http://meet-ws:8081/v1/ws", "ws://a/v1/ws,http://b", ","] {
            #expect(throws: ConfigurationError.self) { try RecorderConfiguration(environment: EnvironmentReader(["MEET_RECORDER_WS_URL": bad])) }
        }
    }

    @Test func jobsComeFromRedisWhenItIsSet() throws {
        let configuration = try RecorderConfiguration(
            environment: EnvironmentReader([
                "MEET_REDIS_URL": "redis://redis:6379", "MEET_WS_KEY_PREFIX": "staging", "MEET_RECORDING_JOB_LEASE_MS": "6000",
                "MEET_RECORDING_MAX_JOBS": "2", "MEET_DATABASE_URL": "postgres://meet@db:5432/meet",
            ]))
        #expect(configuration.database?.poolSize == 20)
        #expect(configuration.redisURL == "redis://redis:6379")
        #expect(configuration.keyPrefix == "staging")
        #expect(configuration.jobLease == .seconds(6))
        #expect(configuration.maxJobs == 2)
        for (name, value) in [("MEET_REDIS_URL", "http://x"), ("MEET_RECORDING_JOB_LEASE_MS", "100"), ("MEET_RECORDING_MAX_JOBS", "0")] {
            #expect(throws: ConfigurationError.self) { try RecorderConfiguration(environment: EnvironmentReader([name: value])) }
        }
    }

    @Test func malformedValuesNameTheVariable() {
        for (name, value) in [("MEET_RECORDING_REORDER_PACKETS", "1"), ("MEET_RECORDING_REORDER_DELAY_MS", "x"), ("MEET_RECORDER_ID", "a/b")] {
            #expect(throws: ConfigurationError.self) { try RecorderConfiguration(environment: EnvironmentReader([name: value])) }
        }
    }

    /// Every `MEET_*` variable meet-recorder reads is in docs/configuration.md's table for meet-recorder.
    @Test func everyVariableMeetRecorderReadsIsDocumented() throws {
        let (undocumented, error) = try ConfigurationDocs.undocumented(RecorderConfiguration.self, service: "meet-recorder", environment: [:])
        #expect(error == nil)
        #expect(undocumented == [])
        #expect(RecorderConfiguration.variablesRead(from: [:]).names.isSuperset(of: ["MEET_RECORDING_DIR", "MEET_RECORDER_ID", "MEET_LOG_LEVEL"]))
    }
}
