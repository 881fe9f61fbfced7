import CSRTP

/// libsrtp 2 as an SRTP engine: the reference the native engine is tested
/// against (`SRTPContext.Engine.libsrtp`). Streams are made per SSRC on first
/// use from a template (`ssrc_any_outbound` / `ssrc_any_inbound`).
///
/// Debian 12's libsrtp2 is built over NSS, whose per-packet
/// `PK11_CreateContextBySymKey` allocates (5 mallocs per GCM transform, 14
/// per AES-CM/HMAC one), which is why it is no longer the default.
final class LibSRTPEngine {
    /// `srtp_t`; owned, freed in deinit.
    private let session: OpaquePointer

    init(
        profile: SRTPProfile, masterKey: [UInt8], masterSalt: [UInt8], inbound: Bool,
        replayWindow: Int, allowRetransmission: Bool
    ) throws(SRTPError) {
        guard LibSRTP.initialized else { throw .libraryInitFailed }
        var policy = srtp_policy_t()
        profile.apply(to: &policy)
        policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = UInt(min(max(replayWindow, 64), 0x7FFF))
        policy.allow_repeat_tx = !inbound && allowRetransmission ? 1 : 0
        policy.next = nil
        var keyAndSalt = masterKey + masterSalt
        var created: OpaquePointer?
        let status = keyAndSalt.withUnsafeMutableBufferPointer { key in
            policy.key = key.baseAddress
            return srtp_create(&created, &policy)
        }
        // libsrtp copied the key; wipe ours.
        for index in keyAndSalt.indices { keyAndSalt[index] = 0 }
        guard status == srtp_err_status_ok, let session = created else {
            throw .setupFailed(code: Int32(bitPattern: status.rawValue))
        }
        self.session = session
    }

    deinit {
        srtp_dealloc(session)
    }

    func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        try run(packet, length, srtp_protect)
    }

    func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        try run(packet, length, srtp_unprotect)
    }

    func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        try run(packet, length, srtp_protect_rtcp)
    }

    func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        try run(packet, length, srtp_unprotect_rtcp)
    }

    private func run(
        _ packet: UnsafeMutableRawPointer,
        _ length: Int,
        _ operation: (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t
    ) throws(SRTPError) -> Int {
        guard length <= Int(Int32.max) else { throw .malformedPacket }
        var newLength = Int32(length)
        let status = operation(session, packet, &newLength)
        guard status == srtp_err_status_ok else { throw SRTPError(status: status) }
        return Int(newLength)
    }
}
