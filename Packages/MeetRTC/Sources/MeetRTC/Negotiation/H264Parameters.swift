/// The H.264 format parameters that decide whether two H.264 payload types
/// describe the same stream (RFC 6184 §8.1, §8.2.2).
///
/// RFC 6184 §8.2.2 has offer and answer agree on an H.264 configuration by
/// `packetization-mode` (must be equal; we forward FU-A/STAP-A, i.e. mode 1)
/// and by the *profile* part of `profile-level-id`; the level may differ
/// (with `level-asymmetry-allowed=1` each side sends at the level the other
/// can receive). The SFU forwards one encoded stream to many receivers, so it
/// accepts exactly one profile: Constrained Baseline, what every WebRTC
/// endpoint can decode.
public struct H264Parameters: Sendable, Hashable {
    /// `packetization-mode` (RFC 6184 §8.1); absent means 0 (single NAL unit).
    public var packetizationMode: Int
    /// The profile decoded from `profile-level-id`.
    public var profile: H264Profile?
    /// `level_idc` from `profile-level-id` (e.g. 0x1f = level 3.1).
    public var levelIDC: UInt8
    public var levelAsymmetryAllowed: Bool

    /// The parameters of our own offer: packetization-mode=1, Constrained
    /// Baseline level 3.1 (`42e01f`), level asymmetry allowed.
    public static let offered = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

    /// Reads the `a=fmtp` parameter string; unknown keys are ignored. A
    /// missing `profile-level-id` means `420010` (Baseline, level 1.0) as
    /// RFC 6184 §8.1 defines; an unparsable one gives a nil `profile`.
    public init(fmtp: String?) {
        var mode = 0
        var profileLevelID = "420010"
        var asymmetry = false
        for pair in (fmtp ?? "").split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "packetization-mode": mode = Int(parts[1]) ?? -1
            case "profile-level-id": profileLevelID = parts[1]
            case "level-asymmetry-allowed": asymmetry = parts[1] == "1"
            default: continue
            }
        }
        packetizationMode = mode
        levelAsymmetryAllowed = asymmetry
        if let value = UInt32(profileLevelID, radix: 16), profileLevelID.count == 6 {
            profile = H264Profile(profileIDC: UInt8(value >> 16), profileIOP: UInt8((value >> 8) & 0xFF))
            levelIDC = UInt8(value & 0xFF)
        } else {
            profile = nil
            levelIDC = 0
        }
    }

    /// RFC 6184 §8.2.2: the same packetization mode and the same profile
    /// make two H.264 configurations one negotiable codec (levels may differ).
    public func matches(_ other: H264Parameters) -> Bool {
        packetizationMode == other.packetizationMode && profile != nil && profile == other.profile
    }
}

/// H.264 profiles as `profile_idc` and the constraint flags of
/// `profile-iop` identify them (ITU-T H.264 §A.2, the table libwebrtc and
/// RFC 6184 §8.1 use). Only the profiles WebRTC endpoints offer.
public enum H264Profile: Sendable, Hashable {
    case constrainedBaseline, baseline, main, constrainedHigh, high

    /// nil for profiles outside that set (High 10, 4:2:2, ...).
    public init?(profileIDC: UInt8, profileIOP: UInt8) {
        let set0: UInt8 = 0x80, set1: UInt8 = 0x40
        let set4: UInt8 = 0x08, set5: UInt8 = 0x04
        switch profileIDC {
        case 0x42:  // Baseline; constraint_set1 makes it Constrained Baseline.
            self = profileIOP & set1 != 0 ? .constrainedBaseline : .baseline
        case 0x4D:  // Main; constraint_set0 (decodable as Baseline) too.
            self = profileIOP & set0 != 0 ? .constrainedBaseline : .main
        case 0x58:  // Extended with set0 and set1 is Constrained Baseline, with set0 Baseline.
            switch (profileIOP & set0 != 0, profileIOP & set1 != 0) {
            case (true, true): self = .constrainedBaseline
            case (true, false): self = .baseline
            default: return nil
            }
        case 0x64:  // High; constraint_set4 and set5 make it Constrained High.
            self = profileIOP & (set4 | set5) == (set4 | set5) ? .constrainedHigh : .high
        default:
            return nil
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
