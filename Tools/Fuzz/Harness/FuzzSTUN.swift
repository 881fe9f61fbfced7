/// libFuzzer entry point for MeetSTUN (compiled into the MeetSTUN module by scripts/fuzz).
/// Parses the input as a datagram; when it parses, reads every typed attribute,
/// checks integrity, and asserts that re-encoding and re-parsing gives the same message.
@_cdecl("LLVMFuzzerTestOneInput")
public func meetFuzzSTUN(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = STUNMessage.isProbablySTUN(bytes)
    guard let message = try? STUNMessage(parsing: bytes) else { return 0 }
    _ = message.username; _ = message.software; _ = message.xorMappedAddress?.description
    _ = message.mappedAddress; _ = message.priority; _ = message.iceControlling; _ = message.iceControlled
    _ = message.errorCode; _ = message.unknownAttributes; _ = message.unknownComprehensionRequired
    _ = message.isIntegrityValid(key: Array("fuzz".utf8))
    let encoded = message.encode(integrityKey: [1, 2, 3], fingerprint: true)
    guard let again = try? STUNMessage(parsing: encoded) else { fatalError("re-encoded STUN message does not parse") }
    guard again == message else { fatalError("STUN round trip changed the message") }
    guard again.isIntegrityValid(key: [1, 2, 3]) else { fatalError("own MESSAGE-INTEGRITY does not validate") }
    return 0
}
