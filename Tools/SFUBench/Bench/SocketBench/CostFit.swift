import Foundation

/// CPU per incoming packet as a line over the subscriber count N, fitted by
/// least squares over a sweep: `cost(N) = fixed + perCopy × N` µs. `perCopy`
/// is the marginal CPU of one forwarded packet (one more copy), `fixed` what
/// an incoming packet costs whatever N (receive, unprotect, route), and R²
/// says how straight the line is: the cost per copy is not constant in N
/// (caches, batching), so a fit is only meaningful with its range of N.
struct CostFit {
    private(set) var points: [(n: Double, microseconds: Double)] = []

    mutating func add(subscribers: Int, cpuSeconds: Double, packetsIn: Int) {
        guard packetsIn > 0 else { return }
        points.append((Double(subscribers), cpuSeconds / Double(packetsIn) * 1e6))
    }

    /// (fixed µs, µs per copy, R²); nil with fewer than two distinct N.
    var line: (fixed: Double, perCopy: Double, rSquared: Double)? {
        let count = Double(points.count)
        let meanN = points.map(\.n).reduce(0, +) / count
        let meanY = points.map(\.microseconds).reduce(0, +) / count
        let sxx = points.map { ($0.n - meanN) * ($0.n - meanN) }.reduce(0, +)
        guard points.count >= 2, sxx > 0 else { return nil }
        let sxy = points.map { ($0.n - meanN) * ($0.microseconds - meanY) }.reduce(0, +)
        let slope = sxy / sxx
        let intercept = meanY - slope * meanN
        let total = points.map { ($0.microseconds - meanY) * ($0.microseconds - meanY) }.reduce(0, +)
        let residual = points.map { pow($0.microseconds - (intercept + slope * $0.n), 2) }.reduce(0, +)
        return (intercept, slope, total > 0 ? 1 - residual / total : 1)
    }

    func print(label: String) {
        guard let line else {
            Swift.print("# fit (\(label)): needs at least two subscriber counts")
            return
        }
        let range = "N = \(Int(points.map(\.n).min()!))…\(Int(points.map(\.n).max()!))"
        Swift.print(
            "# fit (\(label)): CPU per incoming packet = \(rounded(line.fixed, decimals: 3)) µs + "
                + "\(rounded(line.perCopy, decimals: 3)) µs × N over \(range), R² = \(rounded(line.rSquared, decimals: 4)); "
                + "CPU per forwarded packet (marginal) = \(rounded(line.perCopy, decimals: 3)) µs")
    }
}

/// The send-only floor (`floor/sendfloor.c`): a C program that only sends
/// the same number of copies of the same size over UDP loopback with
/// `sendmmsg`, no crypto or routing, reporting its own CPU seconds. What an
/// SFU costs above it is its forwarding work.
struct SendFloor {
    var binary: String
    var cpus: String?

    /// CPU seconds the floor spent sending `packets` × `copies` datagrams of `size` bytes.
    func run(copies: Int, packets: Int, size: Int) throws -> Double {
        let process = Process()
        launch(process, binary: binary, arguments: [String(copies), String(packets), String(size)], cpus: cpus)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
            let field = text.split(whereSeparator: \.isWhitespace).first(where: { $0.hasPrefix("cpu_s=") }),
            let seconds = Double(field.dropFirst("cpu_s=".count))
        else { throw BenchError("\(binary) failed: \(text)") }
        return seconds
    }
}
