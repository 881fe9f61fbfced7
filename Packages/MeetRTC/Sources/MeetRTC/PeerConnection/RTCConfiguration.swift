public import MeetDTLS
public import NIOCore

/// What every peer connection of a process shares: the DTLS context (with
/// the certificate), the address to advertise in candidates, and the timeouts.
public struct RTCConfiguration: Sendable {
    /// One DTLS context per process around one self-signed certificate (its
    /// fingerprint goes into every SDP); thread-safe, shared by every connection.
    public var dtls: DTLSContext
    /// The IP put into our host candidate: the address clients reach the media
    /// port at (a public IP behind 1:1 NAT, the pod IP, or 127.0.0.1 in tests).
    public var publicIP: String
    /// No authenticated STUN from the peer for this long: consent expired
    /// (RFC 7675 §5.1 says 30 s) and the connection fails at ICE.
    public var consentTimeout: TimeAmount
    /// No ICE success this long after the remote description was set.
    public var iceTimeout: TimeAmount
    /// No finished DTLS handshake this long after ICE connected.
    public var dtlsTimeout: TimeAmount
    /// The client sends a consent check this often (RFC 7675 §5.1: about 5 s).
    public var consentInterval: TimeAmount

    public init(
        dtls: DTLSContext,
        publicIP: String,
        consentTimeout: TimeAmount = .seconds(30),
        iceTimeout: TimeAmount = .seconds(30),
        dtlsTimeout: TimeAmount = .seconds(30),
        consentInterval: TimeAmount = .seconds(5)
    ) {
        self.dtls = dtls
        self.publicIP = publicIP
        self.consentTimeout = consentTimeout
        self.iceTimeout = iceTimeout
        self.dtlsTimeout = dtlsTimeout
        self.consentInterval = consentInterval
    }

    /// A configuration with a freshly generated certificate.
    public static func generate(publicIP: String) throws -> RTCConfiguration {
        RTCConfiguration(dtls: try DTLSContext(certificate: try DTLSCertificate.generate()), publicIP: publicIP)
    }
}
