/// Why a remote description could not be used.
public enum NegotiationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The SDP text does not parse.
    case malformed(String)
    /// The SDP parses but breaks a rule of `SDPValidator` (duplicate mid,
    /// payload type out of range, RTX without its media, SSRC 0, limits...).
    case invalid(String)
    /// A required attribute is missing (ice-ufrag, fingerprint, mid...).
    case missing(String)
    /// Something we do not support (no BUNDLE, no rtcp-mux, plain RTP...).
    case unsupported(String)
    /// No media section could be accepted.
    case nothingAccepted
    /// The call does not fit the connection's role or state.
    case wrongState(String)

    public var description: String {
        switch self {
        case .malformed(let what): "malformed SDP: \(what)"
        case .invalid(let what): "invalid SDP: \(what)"
        case .missing(let what): "SDP lacks \(what)"
        case .unsupported(let what): "unsupported: \(what)"
        case .nothingAccepted: "no media section could be accepted"
        case .wrongState(let what): "wrong state: \(what)"
        }
    }
}
