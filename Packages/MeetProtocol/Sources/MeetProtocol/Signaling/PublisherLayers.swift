/// `publisher-layers` (server → client, dynacast, #16 item 5): which
/// simulcast layers (RIDs) of its video sections the publishing client
/// should send; the others nobody receives. The client sets
/// `encodings[i].active` from it (`RTCRtpSender.setParameters`). Sent for
/// the publisher transport `transportId` only: a client ignores one naming
/// another transport (an old one, during a migration). Each event carries
/// the whole state of the sections it names (idempotent; re-sent every few
/// seconds unchanged). A section not named keeps its last state; a new
/// publisher connection starts with every layer on.
public struct PublisherLayers: Codable, Sendable, Hashable {
    /// One simulcast video section of the publisher connection.
    public struct Section: Codable, Sendable, Hashable {
        /// The section's mid in the client's offer.
        public var mid: String
        /// The RIDs to send (`a=rid` ids of the offer); every other RID of
        /// the section is off. Never empty: the lowest layer stays on.
        public var active: [String]

        public init(mid: String, active: [String]) {
            self.mid = mid
            self.active = active
        }
    }

    public var transportId: String
    public var sections: [Section]

    public init(transportId: String, sections: [Section]) {
        self.transportId = transportId
        self.sections = sections
    }
}
