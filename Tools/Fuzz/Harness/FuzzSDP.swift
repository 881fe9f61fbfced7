/// libFuzzer entry point for MeetSDP (compiled into the MeetSDP module by scripts/fuzz).
/// Parses the input as UTF-8 SDP; when it parses, validates it (SDPValidator), reads every typed view and asserts
/// that serialize → parse gives an equal description.
@_cdecl("LLVMFuzzerTestOneInput")
public func meetFuzzSDP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = data.map { String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self) } ?? ""
    guard let sdp = try? SessionDescription(parsing: text) else { return 0 }
    _ = (try? SDPValidator().validate(sdp)) != nil  // must never trap, whatever it decides
    _ = sdp.bundleMids; _ = sdp.groups; _ = sdp.iceLite
    for m in sdp.media {
        _ = m.mid; _ = m.direction; _ = m.codecs; _ = m.candidates.map(\.attributeValue); _ = m.extMaps
        _ = m.ssrcs; _ = m.ssrcGroups; _ = m.rids; _ = m.simulcast?.attributeValue; _ = m.msid
        _ = sdp.fingerprints(for: m).map(\.attributeValue); _ = sdp.setup(for: m); _ = sdp.iceUfrag(for: m)
        for c in m.codecs { _ = c.parameters?.pairs; _ = c.associatedPayloadType }
    }
    guard let again = try? SessionDescription(parsing: sdp.serialize()) else { fatalError("serialized SDP does not parse") }
    guard again == sdp else { fatalError("SDP round trip changed the description") }
    return 0
}
