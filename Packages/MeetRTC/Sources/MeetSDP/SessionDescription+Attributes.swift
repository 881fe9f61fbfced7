/// Typed views of session-level attributes, and lookups across levels.
extension SessionDescription {
    /// `a=group` lines (RFC 5888).
    public var groups: [SDPGroup] { validAttributes(SDPGroup.self) }

    /// The mids of the first `a=group:BUNDLE` (RFC 9143), empty when not bundled.
    public var bundleMids: [String] { groups.first { $0.semantics == "BUNDLE" }?.mids ?? [] }

    /// `a=ice-lite` (RFC 8839 §5.3): the SFU's side sets this.
    public var iceLite: Bool {
        get { hasAttribute("ice-lite") }
        set { setAttribute("ice-lite", nil, present: newValue) }
    }

    /// The section with this mid.
    public func media(mid: String) -> MediaDescription? { media.first { $0.mid == mid } }

    /// The ice-ufrag for a section: its own, else the session-level one (RFC 8839 §5.4).
    public func iceUfrag(for section: MediaDescription) -> String? { section.iceUfrag ?? attribute("ice-ufrag") }

    /// The ice-pwd for a section: its own, else the session-level one.
    public func icePwd(for section: MediaDescription) -> String? { section.icePwd ?? attribute("ice-pwd") }

    /// Fingerprints for a section: its own, else the session-level ones (RFC 8122 §5).
    public func fingerprints(for section: MediaDescription) -> [SDPFingerprint] {
        let own = section.fingerprints
        return own.isEmpty ? validAttributes(SDPFingerprint.self) : own
    }

    /// The setup role for a section: its own, else the session-level one.
    public func setup(for section: MediaDescription) -> SDPSetupRole? {
        section.setup ?? validAttributes(SDPSetupRole.self).first
    }
}
