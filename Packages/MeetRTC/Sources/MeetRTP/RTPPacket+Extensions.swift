/// One header extension element with its data (RFC 8285 §4).
public struct RTPExtensionElement: Hashable, Sendable {
    /// 1–14 in the one-byte form, 1–255 in the two-byte form.
    public var id: UInt8
    public var value: [UInt8]

    public init(id: UInt8, value: [UInt8]) {
        self.id = id
        self.value = value
    }
}

extension RTPPacket {
    /// The extension elements in order; throws if the block is malformed.
    /// Empty for unknown profiles (their block is opaque).
    public func extensions() throws -> [RTPExtensionElement] {
        guard let profile = extensionProfile else { return [] }
        return try extensionData.withUnsafeBytes { bytes in
            var out = [RTPExtensionElement]()
            try RTPExtensionScanner.scan(bytes, profile: profile, start: 0, length: bytes.count) {
                out.append(RTPExtensionElement(id: $0.id, value: Array(bytes[$0.range])))
                return true
            }
            return out
        }
    }

    /// The data of extension `id`, or nil when absent or the block is malformed.
    public func extensionValue(id: UInt8) -> [UInt8]? {
        (try? extensions())?.first { $0.id == id }?.value
    }

    /// Adds or replaces extension `id`, re-encoding the block in the one-byte form
    /// when every element fits it (IDs 1–14, 1–16 bytes) and the two-byte form
    /// otherwise (RFC 8285 §4.1: a packet uses one form for all its elements).
    public mutating func setExtension(id: UInt8, value: [UInt8]) throws {
        guard id != 0 else { throw RTPParseError.invalidValue("extension ID 0") }
        guard value.count <= 255 else { throw RTPParseError.invalidValue("extension value of \(value.count) bytes") }
        var elements = try extensions()
        if let i = elements.firstIndex(where: { $0.id == id }) {
            elements[i].value = value
        } else {
            elements.append(RTPExtensionElement(id: id, value: value))
        }
        try setExtensions(elements)
    }

    /// Removes extension `id`; drops the block when it was the last element.
    public mutating func removeExtension(id: UInt8) throws {
        try setExtensions(try extensions().filter { $0.id != id })
    }

    /// Replaces all elements, choosing the form as `setExtension` does.
    public mutating func setExtensions(_ elements: [RTPExtensionElement]) throws {
        guard !elements.isEmpty else {
            extensionProfile = nil
            extensionData = []
            return
        }
        let oneByte = elements.allSatisfy { (1...14).contains($0.id) && (1...16).contains($0.value.count) }
        var block = [UInt8]()
        for element in elements {
            if oneByte {
                block.append(element.id << 4 | UInt8(element.value.count - 1))
            } else {
                guard element.id != 0, element.value.count <= 255 else {
                    throw RTPParseError.invalidValue("extension \(element.id) of \(element.value.count) bytes")
                }
                block.append(element.id)
                block.append(UInt8(element.value.count))
            }
            block.append(contentsOf: element.value)
        }
        block.append(contentsOf: repeatElement(0, count: (4 - block.count % 4) % 4))
        extensionProfile = oneByte ? RTPExtensionForm.oneByteProfile : RTPExtensionForm.twoByteProfile
        extensionData = block
    }
}
