import MeetProtocol

extension RecordingResponse {
    /// The recording as members and participants who are not hosts see it:
    /// a directory-store file's `storageKey` is the recorder volume's
    /// absolute path, a deployment detail, so they get its place below the
    /// recordings root instead (`{meetingCode}/{recordingId}/{file}`, the
    /// form of an S3 key). They play files through the playback route,
    /// which never takes a key from the client.
    func forViewers() -> RecordingResponse {
        var recording = self
        recording.files = self.files?.map { file in
            var file = file
            if file.storage != "s3" {
                file.storageKey = file.storageKey.split(separator: "/", omittingEmptySubsequences: true).suffix(3).joined(separator: "/")
            }
            return file
        }
        return recording
    }
}
