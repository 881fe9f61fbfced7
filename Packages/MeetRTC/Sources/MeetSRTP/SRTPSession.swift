/// The two SRTP contexts of one DTLS-SRTP association: `outbound` protects
/// with our write keys, `inbound` unprotects with the peer's (RFC 5764
/// §4.2). Build it from the keys MeetDTLS exports:
///
/// ```swift
/// let keys: DTLSSRTPKeyingMaterial = ...
/// let session = try SRTPSession(
///     profile: SRTPProfile(rawValue: keys.profile.rawValue)!,
///     localMasterKey: keys.localMasterKey, localMasterSalt: keys.localMasterSalt,
///     remoteMasterKey: keys.remoteMasterKey, remoteMasterSalt: keys.remoteMasterSalt)
/// ```
public struct SRTPSession {
    public let outbound: SRTPContext
    public let inbound: SRTPContext

    public init(
        profile: SRTPProfile,
        localMasterKey: [UInt8],
        localMasterSalt: [UInt8],
        remoteMasterKey: [UInt8],
        remoteMasterSalt: [UInt8],
        replayWindow: Int = 1024
    ) throws(SRTPError) {
        outbound = try SRTPContext(
            profile: profile, masterKey: localMasterKey, masterSalt: localMasterSalt,
            direction: .outbound, replayWindow: replayWindow)
        inbound = try SRTPContext(
            profile: profile, masterKey: remoteMasterKey, masterSalt: remoteMasterSalt,
            direction: .inbound, replayWindow: replayWindow)
    }
}
