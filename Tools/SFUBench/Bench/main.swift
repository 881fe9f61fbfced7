// meet-sfu-bench: forwarding throughput and allocations of the SFU.
//
//   meet-sfu-bench [--packets N] [--subscribers 1,10,100] [--payload B] [--gcm | --plain]
//       in process: the forwarding core alone, no sockets (CoreBench.swift)
//   meet-sfu-bench --sockets [--packets N] [--subscribers 1,10,100] [--payload B] [--target reference]
//       over UDP loopback: one MeetRTC publisher and N subscribers through an
//       SFU's real receive → unprotect → route → protect → send path,
//       measuring the SFU thread only (SocketBench/); --target meet-sfu|janus
//       drives an SFU process (the peer comparison: scripts/bench-sfu-peer)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments
do {
    if arguments.contains("--sockets") {
        try await runSocketBench(arguments: arguments)
    } else {
        try runCoreBench(arguments: arguments)
    }
} catch {
    print("meet-sfu-bench failed: \(error)")
    exit(1)
}
