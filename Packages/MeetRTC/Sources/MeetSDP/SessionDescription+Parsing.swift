/// The SDP parser (RFC 8866 §5, §9 grammar), line by line.
extension SessionDescription {
    /// Parses SDP text. Throws `SDPParseError` on anything malformed or over `limits`.
    public init(parsing text: String, limits: Limits = .default) throws {
        let byteCount = text.utf8.count
        guard byteCount <= limits.maxBytes else { throw SDPParseError.tooLarge(bytes: byteCount, limit: limits.maxBytes) }

        var lines: [(type: Character, value: Substring)] = []
        var lineNumber = 0
        // "\r\n" is a single Character in Swift, so split on both forms explicitly.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            guard lineNumber <= limits.maxLines + 1 else { throw SDPParseError.tooManyLines(limit: limits.maxLines) }
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty { continue }  // trailing newline, or blank lines some peers emit
            // §9: values exclude NUL, CR and LF; a stray CR would not survive re-serializing.
            guard !line.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\0" }) else {
                throw SDPParseError.malformedLine(line: lineNumber, text: String(line.prefix(80)))
            }
            guard line.count >= 2, let type = line.first, line.dropFirst().first == "=",
                  type.isASCII, type.isLetter, type.isLowercase
            else { throw SDPParseError.malformedLine(line: lineNumber, text: String(line.prefix(80))) }
            guard "vosiuepcbtrzkam".contains(type) else { throw SDPParseError.unknownLineType(line: lineNumber, type: type) }
            lines.append((type, line.dropFirst(2)))
        }
        guard lines.count <= limits.maxLines else { throw SDPParseError.tooManyLines(limit: limits.maxLines) }

        var i = 0
        func take(_ type: Character) -> Substring? {
            guard i < lines.count, lines[i].type == type else { return nil }
            defer { i += 1 }
            return lines[i].value
        }

        guard let v = take("v") else { throw SDPParseError.missingLine("v=") }
        guard let version = Int(v), version == 0 else { throw SDPParseError.malformedValue(kind: "v=", value: String(v)) }
        guard let o = take("o") else { throw SDPParseError.missingLine("o=") }
        let origin = try SDPOrigin(value: o)
        guard let s = take("s") else { throw SDPParseError.missingLine("s=") }
        self.init(origin: origin, sessionName: String(s), timings: [])
        self.version = version
        information = take("i").map(String.init)
        uri = take("u").map(String.init)
        while let e = take("e") { emails.append(String(e)) }
        while let p = take("p") { phones.append(String(p)) }
        connection = try take("c").map { try SDPConnection(value: $0) }
        while let b = take("b") { bandwidths.append(try SDPBandwidth(value: b)) }
        while let t = take("t") {
            var timing = try SDPTiming(value: t)
            while let r = take("r") { timing.repeats.append(String(r)) }
            timings.append(timing)
        }
        guard !timings.isEmpty else { throw SDPParseError.missingLine("t=") }
        timeZones = take("z").map(String.init)
        encryptionKey = take("k").map(String.init)
        while let a = take("a") { attributes.append(SDPAttribute(line: a)) }

        while let m = take("m") {
            guard media.count < limits.maxMediaSections else {
                throw SDPParseError.tooManyMediaSections(limit: limits.maxMediaSections)
            }
            var section = MediaDescription(mediaLine: try SDPMediaLine(value: m), connections: [])
            section.information = take("i").map(String.init)
            while let c = take("c") { section.connections.append(try SDPConnection(value: c)) }
            while let b = take("b") { section.bandwidths.append(try SDPBandwidth(value: b)) }
            section.encryptionKey = take("k").map(String.init)
            while let a = take("a") { section.attributes.append(SDPAttribute(line: a)) }
            media.append(section)
        }
        if i < lines.count {
            throw SDPParseError.malformedValue(kind: "\(lines[i].type)= out of order", value: String(lines[i].value.prefix(80)))
        }
    }
}
