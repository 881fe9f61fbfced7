/// `joined.audioSlots`: the deployment's audio-slot policy
/// (docs/dev/audio-slots.md). A client that subscribes per node asks each
/// node connection for `slots` audio slots (`subscribe.audioSlots`) while the
/// room has more than `aboveParticipants` participants, and for 0 otherwise,
/// so a small meeting hears everyone and a large one the loudest few per
/// node. Absent when the deployment turned slots off.
public struct AudioSlotPolicy: Codable, Sendable, Equatable {
    /// Audio sections per node connection in a large room.
    public var slots: Int
    /// Rooms with more participants than this use slots.
    public var aboveParticipants: Int

    public init(slots: Int, aboveParticipants: Int) {
        self.slots = slots
        self.aboveParticipants = aboveParticipants
    }

    /// What a client asks for in a room of `participants` people.
    public func slots(forRoomOf participants: Int) -> Int {
        participants > aboveParticipants ? slots : 0
    }
}
