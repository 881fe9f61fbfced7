import MeetProtocol

/// Why a control request failed; sent back as a bus `error` whose body is
/// ``bodyForBus`` (a stable code from ``SFUControlErrorCode`` and a message).
enum SFUControlError: Error, Equatable {
    case unknownPublisher(String)
    case unknownTransport(String)
    case badSDP(String)
    case badRequest(String)
    case draining
    case unsupportedType(String)

    var bodyForBus: BusErrorBody {
        switch self {
        case .unknownPublisher(let id):
            BusErrorBody(code: SFUControlErrorCode.unknownPublisher.rawValue, message: "participant \(id) publishes nothing on this node")
        case .unknownTransport(let id):
            BusErrorBody(code: SFUControlErrorCode.unknownTransport.rawValue, message: "no transport \(id) on this node")
        case .badSDP(let reason):
            BusErrorBody(code: SFUControlErrorCode.badSDP.rawValue, message: "the SDP was refused: \(reason)")
        case .badRequest(let reason):
            BusErrorBody(code: SFUControlErrorCode.badRequest.rawValue, message: reason)
        case .draining:
            BusErrorBody(code: SFUControlErrorCode.draining.rawValue, message: "this node is draining and takes no new transports")
        case .unsupportedType(let type):
            BusErrorBody(code: SFUControlErrorCode.unsupportedType.rawValue, message: "this node does not answer '\(type)'")
        }
    }
}
