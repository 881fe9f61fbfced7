/// The SRTP protection profiles our `use_srtp` extension offers (RFC 5764
/// §4.1.2, RFC 7714 §14.2), most preferred first: AEAD AES-128-GCM, then
/// AES-128-CM with HMAC-SHA1-80, the pair Chrome and aiortc negotiate.
///
/// The raw value is the IANA profile identifier, the same number MeetSRTP's
/// `SRTPProfile` uses, so the two map with `init(rawValue:)`.
public enum DTLSSRTPProfile: UInt16, Sendable, CaseIterable {
    case aes128CMHMACSHA1_80 = 0x0001
    case aeadAES128GCM = 0x0007

    /// The name OpenSSL's `SSL_CTX_set_tlsext_use_srtp` takes.
    var openSSLName: String {
        switch self {
        case .aes128CMHMACSHA1_80: "SRTP_AES128_CM_SHA1_80"
        case .aeadAES128GCM: "SRTP_AEAD_AES_128_GCM"
        }
    }

    /// Master key length in bytes.
    public var masterKeyLength: Int { 16 }

    /// Master salt length in bytes: 112 bits for AES-CM (RFC 3711 §8.2),
    /// 96 bits for AES-GCM (RFC 7714 §12).
    public var masterSaltLength: Int {
        switch self {
        case .aes128CMHMACSHA1_80: 14
        case .aeadAES128GCM: 12
        }
    }
}

/// The SRTP master keys exported from a finished DTLS handshake, already
/// split by direction for this endpoint.
///
/// RFC 5764 §4.2: the exporter (label `EXTRACTOR-dtls_srtp`, no context)
/// yields `client_key | server_key | client_salt | server_salt`; the client
/// protects with the client half and the server with the server half.
/// "local" is what this endpoint protects outgoing packets with, "remote"
/// what it unprotects incoming packets with.
public struct DTLSSRTPKeyingMaterial: Sendable, Equatable {
    public var profile: DTLSSRTPProfile
    public var localMasterKey: [UInt8]
    public var localMasterSalt: [UInt8]
    public var remoteMasterKey: [UInt8]
    public var remoteMasterSalt: [UInt8]

    public init(
        profile: DTLSSRTPProfile,
        localMasterKey: [UInt8],
        localMasterSalt: [UInt8],
        remoteMasterKey: [UInt8],
        remoteMasterSalt: [UInt8]
    ) {
        self.profile = profile
        self.localMasterKey = localMasterKey
        self.localMasterSalt = localMasterSalt
        self.remoteMasterKey = remoteMasterKey
        self.remoteMasterSalt = remoteMasterSalt
    }

    /// Splits the exporter output per RFC 5764 §4.2 for the given role.
    init?(exported: [UInt8], profile: DTLSSRTPProfile, isClient: Bool) {
        let k = profile.masterKeyLength
        let s = profile.masterSaltLength
        guard exported.count == 2 * (k + s) else { return nil }
        let clientKey = Array(exported[0..<k])
        let serverKey = Array(exported[k..<(2 * k)])
        let clientSalt = Array(exported[(2 * k)..<(2 * k + s)])
        let serverSalt = Array(exported[(2 * k + s)..<(2 * k + 2 * s)])
        self.init(
            profile: profile,
            localMasterKey: isClient ? clientKey : serverKey,
            localMasterSalt: isClient ? clientSalt : serverSalt,
            remoteMasterKey: isClient ? serverKey : clientKey,
            remoteMasterSalt: isClient ? serverSalt : clientSalt
        )
    }
}
