public import MeetRTP

/// The SPS parser is MeetRTP's (shared with the SFU, which learns H.264
/// simulcast layers' sizes from it); the recorder reads its size as a
/// ``VideoSize`` for the file's header and the resolution-change log.
extension H264SequenceParameterSet {
    public var size: VideoSize { VideoSize(width: width, height: height) }
}

/// H.264's byte stream format (ITU-T H.264 Annex B): NAL units behind `00 00 01` start codes.
enum AnnexB {
    /// The NAL units of `stream`, without start codes or trailing zero bytes.
    static func units(_ stream: [UInt8]) -> [ArraySlice<UInt8>] {
        var units: [ArraySlice<UInt8>] = []
        var start: Int?
        var index = 0
        while index + 3 <= stream.count {
            if stream[index] == 0, stream[index + 1] == 0, stream[index + 2] == 1 {
                if let begin = start {
                    var end = index
                    while end > begin, stream[end - 1] == 0 { end -= 1 }
                    if end > begin { units.append(stream[begin..<end]) }
                }
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if let begin = start, begin < stream.count { units.append(stream[begin...]) }
        return units
    }
}
