import MeetCore
import Testing

@testable import MeetSFUNode

@Suite("SFUNodeConfiguration: MEET_* variables")
struct SFUNodeConfigurationTests {
    @Test("defaults: UDP 10000, public IP 127.0.0.1, HTTP 8090, 500 ms heartbeat, 3 s TTL, 30 s drain, 10 s migration")
    func defaults() throws {
        let configuration = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_NODE_ID": "node-a"]))
        #expect(configuration.udpPort == 10000)
        #expect(configuration.publicIP == "127.0.0.1")
        #expect(configuration.http.port == 8090)
        #expect(configuration.nodeId == "node-a")
        #expect(configuration.region == "local")
        #expect(configuration.heartbeatInterval == .milliseconds(500))
        #expect(configuration.recordTTL == .seconds(3))
        #expect(configuration.drainTimeout == .seconds(30))
        #expect(configuration.migrationTimeout == .seconds(10))
        #expect(configuration.redisURL == "redis://127.0.0.1:6379")
        #expect(configuration.transportWideFeedback)
        #expect(configuration.publicIPDiscovery == nil)
    }

    @Test("MEET_SFU_TRANSPORT_CC turns transport-wide feedback off, and refuses a non-boolean")
    func transportWideFeedbackSwitch() throws {
        let off = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_TRANSPORT_CC": "false"]))
        #expect(!off.transportWideFeedback)
        do {
            _ = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_TRANSPORT_CC": "maybe"]))
            Issue.record("accepted MEET_SFU_TRANSPORT_CC=maybe")
        } catch {
            #expect(error.variable == "MEET_SFU_TRANSPORT_CC")
        }
    }

    @Test("MEET_SFU_DYNACAST_PAUSE_MS: 2 s by default, 0 turns dynacast off, out of range refused")
    func dynacastPause() throws {
        #expect(try SFUNodeConfiguration(environment: EnvironmentReader([:])).dynacastPauseDelay == .seconds(2))
        #expect(try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_DYNACAST_PAUSE_MS": "500"]))
            .dynacastPauseDelay == .milliseconds(500))
        #expect(try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_DYNACAST_PAUSE_MS": "0"]))
            .dynacastPauseDelay == nil)
        #expect(throws: ConfigurationError.self) {
            _ = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_DYNACAST_PAUSE_MS": "-1"]))
        }
    }

    @Test("MEET_SFU_REMB is on by default, turns REMB off, and refuses a non-boolean")
    func receiverEstimateSwitch() throws {
        #expect(try SFUNodeConfiguration(environment: EnvironmentReader([:])).receiverEstimate)
        let off = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_REMB": "false"]))
        #expect(!off.receiverEstimate)
        do {
            _ = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_REMB": "sometimes"]))
            Issue.record("accepted MEET_SFU_REMB=sometimes")
        } catch {
            #expect(error.variable == "MEET_SFU_REMB")
        }
    }

    @Test("MEET_SFU_WORKERS: default the cores the process may use, 1...256, refuses 0")
    func workers() throws {
        let defaulted = try SFUNodeConfiguration(environment: EnvironmentReader([:]))
        #expect(defaulted.workers == min(CPUAffinity.availableCores(), 256))
        #expect(try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_WORKERS": "3"])).workers == 3)
        do {
            _ = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_WORKERS": "0"]))
            Issue.record("accepted MEET_SFU_WORKERS=0")
        } catch {
            #expect(error.variable == "MEET_SFU_WORKERS")
        }
    }

    @Test("the affinity mask's CPU list is counted (taskset -c 0-3,8,10-11 is 7)")
    func affinityList() {
        #expect(CPUAffinity.cpusAllowed(status: "Name:\tx\nCpus_allowed:\tff\nCpus_allowed_list:\t0-3,8,10-11\n") == 7)
        #expect(CPUAffinity.cpusAllowed(status: "Cpus_allowed_list:\t1\n") == 1)
        #expect(CPUAffinity.cpusAllowed(status: "Cpus_allowed_list:\t3-1\n") == nil)
        #expect(CPUAffinity.cpusAllowed(status: "Name:\tx\n") == nil)
        #expect(CPUAffinity.availableCores() >= 1)
    }

    @Test("every variable is read")
    func readsEverything() throws {
        let configuration = try SFUNodeConfiguration(
            environment: EnvironmentReader([
                "MEET_NODE_ID": "sfu-7", "MEET_SFU_UDP_PORT": "40000", "MEET_SFU_PUBLIC_IP": "203.0.113.7",
                "MEET_HTTP_PORT": "9100", "MEET_REDIS_URL": "redis://redis:6379/2", "MEET_SFU_REGION": "eu-west",
                "MEET_SFU_HEARTBEAT_MS": "250", "MEET_SFU_RECORD_TTL_MS": "2000",
                "MEET_SFU_DRAIN_TIMEOUT": "120", "MEET_SFU_MIGRATION_TIMEOUT_MS": "2500",
            ]))
        #expect(configuration.nodeId == "sfu-7")
        #expect(configuration.udpPort == 40000)
        #expect(configuration.publicIP == "203.0.113.7")
        #expect(configuration.http.port == 9100)
        #expect(configuration.redisURL == "redis://redis:6379/2")
        #expect(configuration.region == "eu-west")
        #expect(configuration.heartbeatInterval == .milliseconds(250))
        #expect(configuration.recordTTL == .milliseconds(2000))
        #expect(configuration.drainTimeout == .seconds(120))
        #expect(configuration.migrationTimeout == .milliseconds(2500))
    }

    @Test("the drain and migration timeouts accept their bounds (0 s drains not at all)")
    func timeoutBounds() throws {
        let low = try SFUNodeConfiguration(environment: EnvironmentReader([
            "MEET_NODE_ID": "n", "MEET_SFU_DRAIN_TIMEOUT": "0", "MEET_SFU_MIGRATION_TIMEOUT_MS": "100",
        ]))
        #expect(low.drainTimeout == .zero && low.migrationTimeout == .milliseconds(100))
        let high = try SFUNodeConfiguration(environment: EnvironmentReader([
            "MEET_NODE_ID": "n", "MEET_SFU_DRAIN_TIMEOUT": "3600", "MEET_SFU_MIGRATION_TIMEOUT_MS": "600000",
        ]))
        #expect(high.drainTimeout == .seconds(3600) && high.migrationTimeout == .seconds(600))
    }

    @Test("the default node id is the host name, cleaned")
    func defaultNodeId() throws {
        let configuration = try SFUNodeConfiguration(environment: EnvironmentReader([:]))
        #expect(!configuration.nodeId.isEmpty)
        #expect(configuration.nodeId.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    }

    @Test(
        "malformed values are refused, naming the variable",
        arguments: [
            ("MEET_SFU_UDP_PORT", "70000"), ("MEET_SFU_UDP_PORT", "abc"), ("MEET_SFU_PUBLIC_IP", "example.com"),
            ("MEET_NODE_ID", "a b"), ("MEET_NODE_ID", "sfu:1"), ("MEET_REDIS_URL", "http://x"),
            ("MEET_SFU_RECORD_TTL_MS", "500"), ("MEET_SFU_DRAIN_TIMEOUT", "-1"), ("MEET_SFU_DRAIN_TIMEOUT", "3601"),
            ("MEET_SFU_DRAIN_TIMEOUT", "30s"), ("MEET_SFU_MIGRATION_TIMEOUT_MS", "99"),
            ("MEET_SFU_MIGRATION_TIMEOUT_MS", "600001"), ("MEET_SFU_MIGRATION_TIMEOUT_MS", "ten"),
        ])
    func refusesMalformed(variable: String, value: String) {
        var values = ["MEET_NODE_ID": "n"]
        values[variable] = value
        #expect {
            _ = try SFUNodeConfiguration(environment: EnvironmentReader(values))
        } throws: { error in
            (error as? ConfigurationError)?.variable == variable
        }
    }
}
