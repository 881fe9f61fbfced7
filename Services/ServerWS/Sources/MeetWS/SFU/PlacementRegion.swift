import Foundation

/// The region a new publisher's node should preferably be in (issue #19,
/// multi-region): SFU nodes carry a region label in their registry record
/// (`MEET_SFU_REGION`), and placement takes the least loaded node of the
/// participant's region, or of any region when that one has no serving
/// node (``SFUPlacement/choose(from:nowMs:pending:hint:excluding:preferred:region:)``).
///
/// **Where the region comes from**, first found wins:
/// 1. the client's `region` in `publish` (a person who picked a region, a
///    test);
/// 2. the header the ingress sets on the WebSocket upgrade
///    (`MEET_WS_REGION_HEADER`, default `X-Meet-Region`): a regional
///    ingress, or one that maps the client's address to a region;
/// 3. this replica's own region (`MEET_WS_REGION`): replicas deployed per
///    region, each reached by its own region's clients.
///
/// None of them: no preference (the least loaded node anywhere), as before.
/// A region is only a preference, never a restriction, so a client that
/// names one cannot take capacity it could not get anyway.
public enum PlacementRegion {
    /// The longest label.
    public static let maxLength = 64

    /// 1 to 64 characters of `A–Z a–z 0–9 . _ -` (what `MEET_SFU_REGION`
    /// values look like: `eu-west-1`, `us_east`, `local`).
    public static func isValid(_ label: String) -> Bool {
        guard !label.isEmpty, label.utf8.count <= Self.maxLength else { return false }
        return label.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// The region a `publish` prefers: the client's, else the upgrade
    /// header's, else the replica's (each already validated).
    public static func resolve(requested: String?, upgrade: String?, replica: String?) -> String? {
        requested ?? upgrade ?? replica
    }

    /// A header value as a region: trimmed, nil when absent or not a valid
    /// label (an ingress that sends garbage is ignored rather than trusted).
    public static func fromHeader(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespaces), Self.isValid(trimmed) else { return nil }
        return trimmed
    }
}
