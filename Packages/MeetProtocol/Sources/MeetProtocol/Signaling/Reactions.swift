public import Foundation

/// `reaction` (issue #21): an emoji to the room, shown briefly on the
/// sender's tile. Not stored, not replayed to late joiners.
public struct ReactionSend: Codable, Sendable, Equatable {
    /// One emoji (``isValid(_:)``).
    public var emoji: String

    /// Longest accepted emoji in UTF-8 bytes (a family or flag sequence with
    /// modifiers fits; anything longer is no single emoji anyone sends).
    public static let maxBytes = 32
    /// Reactions a socket may send at once, and per second after that: a
    /// bucket of its own beside the socket's message rate, so a burst of
    /// applause cannot crowd out signaling, nor one person flood a room.
    public static let burst = 5
    public static let perSecond = 2

    public init(emoji: String) {
        self.emoji = emoji
    }

    /// One user-perceived character (grapheme cluster) made of emoji: an
    /// emoji presentation scalar, or a scalar with an emoji variation
    /// selector, joiners and modifiers; at most ``maxBytes``. Letters,
    /// digits and text (even a digit with a keycap is accepted only as
    /// the keycap sequence) are refused.
    public static func isValid(_ emoji: String) -> Bool {
        guard emoji.count == 1, !emoji.isEmpty, emoji.utf8.count <= Self.maxBytes else { return false }
        let scalars = emoji.unicodeScalars
        let presented = scalars.contains { $0.properties.isEmojiPresentation }
            || (scalars.contains { $0.value == 0xFE0F } && scalars.contains { $0.properties.isEmoji })
            || scalars.contains { $0.value == 0x20E3 }  // keycap
        let allowed = scalars.allSatisfy { scalar in
            scalar.properties.isEmoji || scalar.properties.isEmojiModifier || scalar.value == 0x200D  // ZWJ
                || scalar.value == 0xFE0F || scalar.value == 0x20E3 || (0xE0020...0xE007F).contains(scalar.value)  // tags
        }
        return presented && allowed
    }
}

/// `reaction` to the room: who reacted, with what.
public struct ReactionEvent: Codable, Sendable, Equatable {
    public var participantId: UUID
    public var emoji: String

    public init(participantId: UUID, emoji: String) {
        self.participantId = participantId
        self.emoji = emoji
    }
}
