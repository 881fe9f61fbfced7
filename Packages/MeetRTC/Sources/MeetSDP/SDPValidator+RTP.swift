/// The RTP rules of `SDPValidator` for one media section: payload types
/// (RFC 3551 §6, RFC 5761 §4), rtpmap clock rates and channels (RFC 8866
/// §6.6 and each codec's RFC), fmtp and rtcp-fb grammar, RTX (RFC 4588 §8.6).
extension SDPValidator {
    /// Codecs whose RFC fixes the clock rate at 90 kHz (RFC 7741 §6.1 VP8,
    /// RFC 6184 §8.1 H.264, RFC 7798 §7.1 H.265, VP9 and AV1 RTP payload specs).
    static let videoCodecs: Set<String> = ["vp8", "vp9", "h264", "h265", "av1"]

    func validateRTP(_ media: MediaDescription) throws(SDPValidationError) {
        let section = media.mediaLine.media
        var listed = Set<UInt8>()
        for format in media.mediaLine.formats {
            guard let pt = UInt8(format), pt <= 127, !(64...95).contains(pt) else {
                throw .invalidPayloadType(section: section, value: format)
            }
            guard listed.insert(pt).inserted else { throw .duplicatePayloadType(section: section, payloadType: pt) }
        }
        var maps: [UInt8: SDPRTPMap] = [:]
        for map in try parsed(SDPRTPMap.self, in: media) {
            guard maps.updateValue(map, forKey: map.payloadType) == nil else {
                throw .duplicatePayloadType(section: section, payloadType: map.payloadType)
            }
            try checkRTPMap(map)
        }
        var parameters: [UInt8: SDPFormatParameters] = [:]
        for fmtp in try parsed(SDPFormatParameters.self, in: media) {
            let length = fmtp.parameters.utf8.count
            guard length <= limits.maxFormatParametersLength else {
                throw .formatParametersTooLong(payloadType: fmtp.payloadType, length: length, limit: limits.maxFormatParametersLength)
            }
            guard parameters.updateValue(fmtp, forKey: fmtp.payloadType) == nil else {
                throw .duplicatePayloadType(section: section, payloadType: fmtp.payloadType)
            }
        }
        // RFC 4585 §4.2: `rtcp-fb-pt SP rtcp-fb-val`, where the value may carry
        // more parameters than SDPRTCPFeedback models (`ccm tmmbr smaxpr=120`),
        // so only the payload type and the presence of a value are checked.
        for value in media.attributes(named: SDPRTCPFeedback.attributeName) {
            let parts = fields(value)
            guard parts.count >= 2, parts[0] == "*" || UInt8(parts[0]).map({ $0 <= 127 }) == true else {
                throw .malformedAttribute(name: SDPRTCPFeedback.attributeName, value: value)
            }
        }
        for (pt, map) in maps where SDPCodec.isRTX(map.encodingName) && listed.contains(pt) {
            try checkRTX(pt, parameters: parameters[pt], listed: listed, maps: maps)
        }
    }

    private func checkRTPMap(_ map: SDPRTPMap) throws(SDPValidationError) {
        let name = map.encodingName.lowercased()
        let clockOK = switch name {
        case "opus": map.clockRate == 48_000
        case _ where Self.videoCodecs.contains(name): map.clockRate == 90_000
        default: limits.clockRates.contains(map.clockRate)
        }
        guard clockOK else {
            throw .invalidClockRate(payloadType: map.payloadType, codec: map.encodingName, clockRate: map.clockRate)
        }
        if let channels = map.encodingParameters {
            // RFC 7587 §7: opus is always signalled as 2 channels.
            let channelsOK = name == "opus" ? channels == 2 : (1...limits.maxChannels).contains(channels)
            guard channelsOK else {
                throw .invalidChannels(payloadType: map.payloadType, codec: map.encodingName, channels: channels)
            }
        }
    }

    /// RFC 4588 §8.6: `apt` names the original payload type, which the section lists and which is not RTX itself.
    private func checkRTX(
        _ pt: UInt8, parameters: SDPFormatParameters?, listed: Set<UInt8>, maps: [UInt8: SDPRTPMap]
    ) throws(SDPValidationError) {
        guard let value = parameters?["apt"] else { throw .invalidRTX(payloadType: pt, reason: "no apt parameter") }
        guard let apt = UInt8(value), apt <= 127 else {
            throw .invalidRTX(payloadType: pt, reason: "apt=\(value.prefix(20)) is not a payload type")
        }
        guard apt != pt else { throw .invalidRTX(payloadType: pt, reason: "apt=\(apt) names itself") }
        guard listed.contains(apt) else { throw .invalidRTX(payloadType: pt, reason: "apt=\(apt) is not in the m= line") }
        guard !(maps[apt].map { SDPCodec.isRTX($0.encodingName) } ?? false) else {
            throw .invalidRTX(payloadType: pt, reason: "apt=\(apt) is another RTX payload type")
        }
    }
}
