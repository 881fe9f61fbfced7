/// Any RTCP packet this module does not decode (APP, XR, unknown feedback formats),
/// kept byte for byte so it can be forwarded or logged.
public struct RTCPRawPacket: Hashable, Sendable {
    public var header: RTCPHeader
    /// The whole packet, header included.
    public var bytes: [UInt8]

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        header = try RTCPHeader(parsing: bytes)
        guard header.packetLength <= bytes.count else {
            throw RTCPParseError.truncated(needed: header.packetLength, available: bytes.count)
        }
        self.bytes = Array(bytes[0..<header.packetLength])
    }

    public func write(into out: inout [UInt8]) { out.append(contentsOf: bytes) }
}
