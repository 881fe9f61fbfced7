public import Foundation

/// `POST /v1/meetings`.
public struct CreateMeetingRequest: Codable, Sendable, Equatable {
    /// 3 to 120 characters, no control characters.
    public var title: String
    /// Optional; 6 to 72 bytes. Stored as a bcrypt hash, never returned.
    public var password: String?
    /// Non-members wait for admission when true. Defaults to false.
    public var waitingRoom: Bool?
    /// Maximum live participants, 1 to 10 000; unlimited when absent.
    public var capacity: Int?
    /// End-to-end encrypted media (docs/signaling.md, E2EE): every client
    /// must encrypt and decrypt with a passphrase the host shares out of
    /// band. Defaults to false; fixed once the meeting exists.
    public var e2ee: Bool?

    public init(title: String, password: String? = nil, waitingRoom: Bool? = nil, capacity: Int? = nil, e2ee: Bool? = nil) {
        self.title = title
        self.password = password
        self.waitingRoom = waitingRoom
        self.capacity = capacity
        self.e2ee = e2ee
    }
}

/// `PATCH /v1/meetings/{code}`: absent fields are unchanged; `password: null`
/// removes the password and `capacity: null` removes the limit.
public struct UpdateMeetingRequest: Codable, Sendable, Equatable {
    public var title: String?
    public var password: FieldUpdate<String>
    public var waitingRoom: Bool?
    public var capacity: FieldUpdate<Int>

    public init(
        title: String? = nil,
        password: FieldUpdate<String> = .unchanged,
        waitingRoom: Bool? = nil,
        capacity: FieldUpdate<Int> = .unchanged
    ) {
        self.title = title
        self.password = password
        self.waitingRoom = waitingRoom
        self.capacity = capacity
    }

    enum CodingKeys: String, CodingKey {
        case title, password, waitingRoom, capacity, e2ee
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.e2ee) {
            throw DecodingError.dataCorruptedError(
                forKey: .e2ee, in: container, debugDescription: "e2ee is fixed when the meeting is created; create a new meeting")
        }
        self.title = try container.decodeIfPresent(String.self, forKey: .title)
        self.password = try container.decodeFieldUpdate(String.self, forKey: .password)
        self.waitingRoom = try container.decodeIfPresent(Bool.self, forKey: .waitingRoom)
        self.capacity = try container.decodeFieldUpdate(Int.self, forKey: .capacity)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(self.title, forKey: .title)
        try container.encode(self.password, forKey: .password)
        try container.encodeIfPresent(self.waitingRoom, forKey: .waitingRoom)
        try container.encode(self.capacity, forKey: .capacity)
    }
}

/// A meeting as the API shows it. The password itself is never included.
public struct MeetingResponse: Codable, Sendable, Equatable {
    public var id: UUID
    /// Human code, `abc-defg-hij`; the meeting's address in every route.
    public var code: String
    public var title: String
    public var hasPassword: Bool
    public var waitingRoom: Bool
    public var capacity: Int?
    /// End-to-end encrypted media (fixed at creation).
    public var e2ee: Bool
    public var status: MeetingStatus
    public var ownerId: UUID
    public var createdAt: Date
    public var endedAt: Date?
    /// The caller's role, when the caller is a member.
    public var role: MemberRole?

    public init(
        id: UUID, code: String, title: String, hasPassword: Bool, waitingRoom: Bool, capacity: Int?, e2ee: Bool = false,
        status: MeetingStatus, ownerId: UUID, createdAt: Date, endedAt: Date?, role: MemberRole?
    ) {
        self.id = id
        self.code = code
        self.title = title
        self.hasPassword = hasPassword
        self.waitingRoom = waitingRoom
        self.capacity = capacity
        self.e2ee = e2ee
        self.status = status
        self.ownerId = ownerId
        self.createdAt = createdAt
        self.endedAt = endedAt
        self.role = role
    }
}

/// A page of a cursor-paginated list. Pass `nextCursor` back as `?cursor=`
/// to get the next page; it is absent on the last page.
public struct Page<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
