public import Foundation

/// `POST /v1/recordings/{id}/files/{fileId}/playback`: a URL that plays one
/// recording file without an `Authorization` header, so a `<video src>` can
/// stream it and seek with `Range` requests (docs/dev/recording.md,
/// "Playback URLs").
public struct PlaybackURLResponse: Codable, Sendable, Equatable {
    /// A path on this API (`/v1/recordings/…/playback?token=…`), resolved
    /// against the base URL the request went to.
    public var url: String
    /// When the URL stops working (`MEET_RECORDING_PLAYBACK_URL_SECONDS`).
    public var expiresAt: Date

    public init(url: String, expiresAt: Date) {
        self.url = url
        self.expiresAt = expiresAt
    }
}
