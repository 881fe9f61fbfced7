/// What a re-offer of ours does with one existing m-line (RFC 8829 §5.2.2:
/// m-lines are never removed or reordered, only changed in place).
public enum SectionChange: Sendable, Equatable {
    /// Stays as last negotiated: same track (SSRC), codecs and extension ids.
    case keep
    /// Port 0: removed for good (JSEP could recycle it only with a new mid).
    case reject
    /// `a=inactive`: stays bundled with its codecs, carries no track; can be
    /// reactivated later.
    case deactivate
    /// Carries a new track of ours (fresh SSRC and track id) on the same
    /// m-line and mid: the reuse of a deactivated section.
    case reactivate
}
