import Foundation

/// What an HTTP `Range` header (RFC 9110 §14) asks of a resource of `size`
/// bytes. One range only: a multi-range request is served whole, which the
/// RFC allows (a server may ignore `Range`), and players never send one.
public enum ByteRange: Equatable, Sendable {
    /// No `Range`, one that is not `bytes=`, or several ranges: 200 with everything.
    case full
    /// 206 with these bytes (inclusive).
    case partial(ClosedRange<Int64>)
    /// 416 with `Content-Range: bytes */{size}`.
    case unsatisfiable

    public init(header: String?, size: Int64) {
        guard let header = header?.trimmingCharacters(in: .whitespaces), header.lowercased().hasPrefix("bytes=") else {
            self = .full
            return
        }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else {
            self = .full
            return
        }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            self = .unsatisfiable
            return
        }
        let first = parts[0].trimmingCharacters(in: .whitespaces)
        let last = parts[1].trimmingCharacters(in: .whitespaces)
        switch (Int64(first), Int64(last)) {
        case (let start?, nil) where last.isEmpty && start >= 0:
            // `bytes=N-`: from N to the end.
            self = start < size ? .partial(start...(size - 1)) : .unsatisfiable
        case (nil, let suffix?) where first.isEmpty && suffix > 0:
            // `bytes=-N`: the last N bytes.
            self = size > 0 ? .partial(max(0, size - suffix)...(size - 1)) : .unsatisfiable
        case (let start?, let end?) where start >= 0 && end >= start:
            self = start < size ? .partial(start...min(end, size - 1)) : .unsatisfiable
        default:
            self = .unsatisfiable
        }
    }
}
