/// Audio levels for active speakers: the router reads the client-to-mixer
/// audio level (RFC 6464) of every forwarded Opus packet into the track's
/// ``AudioLevelMeter``; the node's report timer closes the meters' windows
/// and reads the smoothed levels. Off until the publisher's answer
/// negotiated the extension.
extension Router {
    /// Starts reading extension `id` (the `a=extmap` id of the audio-level
    /// URI in the publisher's answer; 1...14, one-byte form).
    public func enableAudioLevels(extensionID id: UInt8) {
        guard (1...14).contains(id) else { return }
        audioLevelExtensionID = id
    }

    public var isAudioLevelEnabled: Bool { audioLevelExtensionID != 0 }

    /// Closes every audio track's window (``AudioLevelMeter/closeWindow()``)
    /// and calls `body` with its SSRC and smoothed level (0: silent). A
    /// hard-muted track reports 0 at once: its packets are not observed.
    public func closeAudioLevelWindows(_ body: (_ publisherSSRC: UInt32, _ level: Int) -> Void) {
        for position in table.tracks.indices where table.tracks[position].audioLevel != nil {
            let level = table.tracks[position].audioLevel?.closeWindow() ?? 0
            body(table.tracks[position].ssrc, table.tracks[position].isMuted ? 0 : level)
        }
    }
}
