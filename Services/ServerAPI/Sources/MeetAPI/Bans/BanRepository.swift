import Foundation
import MeetProtocol

/// Bans of meetings (`meeting_bans`): a kick in meet-ws writes one, REST
/// join checks them, hosts list and lift them.
///
/// An account is banned by its user id. A guest has no stable identity, so
/// its ban matches what its join came with: the client address or the
/// device id its client keeps (``JoinOrigin``). See docs/signaling.md, Bans.
protocol BanRepository: Sendable {
    /// Whether a join by `userId` (an account), or by a guest from `origin`, is banned.
    func isBanned(meetingId: UUID, userId: UUID?, origin: JoinOrigin) async throws -> Bool
    /// The meeting's bans, newest first.
    func list(meetingId: UUID) async throws -> [BanResponse]
    /// Lifts a ban; false when the meeting has no ban with that id.
    func remove(meetingId: UUID, banId: UUID) async throws -> Bool
}

/// Where a REST join came from: what a guest ban matches on. Stored with
/// the participant row it admits (``NewParticipant/origin``).
struct JoinOrigin: Sendable, Equatable {
    /// The client address (``APIRequestContext/clientAddress``).
    var address: String
    /// The id the client keeps across joins (`deviceId` of the join body), if it sent one.
    var deviceId: String?

    /// 8 to 64 characters of `A-Z a-z 0-9 - _`: what the web client stores.
    static func validDeviceId(_ deviceId: String?) throws -> String? {
        guard let deviceId else { return nil }
        guard (8...64).contains(deviceId.utf8.count),
            deviceId.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { throw APIError.validation("deviceId", "must be 8 to 64 characters of A-Z, a-z, 0-9, '-' and '_'") }
        return deviceId
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
