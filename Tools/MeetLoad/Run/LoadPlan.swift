/// Who does what in a run: in each meeting the first `videoPublishers`
/// participants publish camera and mic, the next `audioOnly` share of the
/// rest publishes mic only, everyone else only receives. The first
/// `speakers` publishers of each meeting are loud (simulated speakers).
/// Participants are listed in join order: meetings fill in turn
/// (participant 0 of every meeting, then participant 1, ...), so a ramp
/// grows every meeting at the same pace.
struct LoadPlan: Sendable, Equatable {
    var meetings: Int
    var participantsPerMeeting: Int
    var videoPublishers: Int
    /// Share (0...1) of the non-video participants that publish audio only.
    var audioOnlyShare: Double
    var speakers: Int

    /// Participants that publish audio in each meeting (the first ones).
    var audioPublishersPerMeeting: Int { min(participantsPerMeeting, videoPublishers + audioOnlyPerMeeting) }

    /// Participants that publish audio only in each meeting.
    var audioOnlyPerMeeting: Int {
        let rest = max(0, participantsPerMeeting - videoPublishers)
        return min(rest, Int((Double(rest) * audioOnlyShare).rounded()))
    }

    /// Every participant, in join order, given each meeting's code.
    func participants(meetingCodes: [String]) -> [ParticipantPlan] {
        var plans: [ParticipantPlan] = []
        for position in 0..<participantsPerMeeting {
            for meeting in 0..<meetings {
                let publishes: ParticipantPlan.Publishes =
                    position < videoPublishers ? .audioAndVideo
                    : position < videoPublishers + audioOnlyPerMeeting ? .audioOnly : .nothing
                plans.append(ParticipantPlan(
                    index: plans.count, meetingIndex: meeting, meetingCode: meetingCodes[meeting],
                    position: position, name: "load-\(meeting + 1)-\(position + 1)", publishes: publishes,
                    speaking: publishes != .nothing && position < speakers))
            }
        }
        return plans
    }
}

/// One participant's part in the plan.
struct ParticipantPlan: Sendable, Equatable {
    enum Publishes: String, Sendable, Equatable, Codable {
        case nothing
        case audioOnly = "audio"
        case audioAndVideo = "audio+video"
    }

    var index: Int
    var meetingIndex: Int
    var meetingCode: String
    /// Place in its meeting's join order (publishers first).
    var position: Int
    var name: String
    var publishes: Publishes
    /// Sends loud audio levels (when the node negotiates RFC 6464) at the
    /// start; with ``SpeakerTurns`` the speakers then take turns.
    var speaking: Bool
}
