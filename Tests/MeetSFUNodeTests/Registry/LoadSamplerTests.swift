import MeetProtocol
import Testing

@testable import MeetSFUNode

@Suite("LoadSampler: rates for the load report from cumulative readings")
struct LoadSamplerTests {
    static func reading(
        publishers: Int = 1, subscribers: Int = 2, packetsIn: Int, bytesIn: Int, packetsOut: Int, bytesOut: Int,
        cpu: Double?, at time: Double
    ) -> LoadSampler.Reading {
        LoadSampler.Reading(
            snapshot: TransportSnapshot(
                publishers: publishers, subscribers: subscribers, packetsIn: packetsIn, bytesIn: bytesIn,
                packetsOut: packetsOut, bytesOut: bytesOut, draining: false),
            cpuSeconds: cpu, time: time)
    }

    @Test("the first reading has counts but no rates")
    func first() {
        var sampler = LoadSampler()
        let load = sampler.load(for: Self.reading(packetsIn: 500, bytesIn: 50_000, packetsOut: 1000, bytesOut: 100_000, cpu: 3, at: 10))
        #expect(load == SFUNodeLoad(transports: 3, publishers: 1, subscribers: 2))
    }

    @Test("rates are differences over the elapsed time; bits are bytes × 8; CPU in cores")
    func rates() {
        var sampler = LoadSampler()
        _ = sampler.load(for: Self.reading(packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, cpu: 1.0, at: 10))
        let load = sampler.load(
            for: Self.reading(packetsIn: 200, bytesIn: 20_000, packetsOut: 400, bytesOut: 40_000, cpu: 2.0, at: 12))
        #expect(load.packetsInPerSecond == 100)
        #expect(load.packetsOutPerSecond == 200)
        #expect(load.bitsInPerSecond == 80_000)
        #expect(load.bitsOutPerSecond == 160_000)
        #expect(load.cpu == 0.5)
    }

    @Test("a clock that did not advance gives no rates rather than dividing by zero")
    func noElapsedTime() {
        var sampler = LoadSampler()
        _ = sampler.load(for: Self.reading(packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, cpu: nil, at: 5))
        let load = sampler.load(for: Self.reading(packetsIn: 10, bytesIn: 10, packetsOut: 10, bytesOut: 10, cpu: nil, at: 5))
        #expect(load.packetsInPerSecond == 0)
        #expect(load.cpu == nil)
    }

    @Test("the process CPU time is readable and grows")
    func processCPU() throws {
        let before = try #require(LoadSampler.processCPUSeconds())
        var x = 0
        for i in 0..<2_000_000 { x &+= i &* i }
        #expect(x != 1)
        let after = try #require(LoadSampler.processCPUSeconds())
        #expect(after >= before)
    }
}
