import Foundation
public import MeetCore

/// The one table of `MEET_*` variables, docs/configuration.md, as the
/// services' tests read it: each service's ``ServiceSettings`` must read
/// only variables documented for that service. The same rules as the
/// deployment checker's (Tests/deploy/config_doc.py): a row's Service
/// column names the services (`all` = every one); a row of one service may
/// name more variables it reads in its Meaning column.
public enum ConfigurationDocs {
    /// docs/configuration.md of this checkout.
    public static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/configuration.md").path

    /// Variable → the services the table documents it for.
    public static func documented() throws -> [String: Set<String>] {
        let services: Set<String> = ["meet-api", "meet-ws", "meet-sfu", "meet-recorder"]
        var table: [String: Set<String>] = [:]
        for line in try String(contentsOfFile: self.path, encoding: .utf8).split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            // "", variable, default, service, meaning…, ""
            guard cells.count >= 6, cells[1].hasPrefix("`MEET_"), let variable = self.names(in: cells[1]).first else { continue }
            let column = cells[3]
            let named = column == "all" ? services : Set(column.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            table[variable, default: []].formUnion(named)
            if column != "all" {
                for also in self.names(in: cells[4..<(cells.count - 1)].joined(separator: "|")) { table[also, default: []].formUnion(named) }
            }
        }
        return table
    }

    /// What `Settings` reads (given `environment`, enough for it to read
    /// everything) that the table does not document for `service`, and the
    /// error that stopped it early, if any.
    public static func undocumented<Settings: ServiceSettings>(
        _ settings: Settings.Type, service: String, environment: [String: String]
    ) throws -> (names: [String], error: ConfigurationError?) {
        let table = try self.documented()
        let read = Settings.variablesRead(from: environment)
        return (read.names.filter { !(table[$0]?.contains(service) ?? false) }.sorted(), read.error)
    }

    /// The `MEET_*` names quoted in backticks in `text`.
    private static func names(in text: String) -> [String] {
        var out: [String] = []
        for piece in text.split(separator: "`") where piece.hasPrefix("MEET_") {
            if piece.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) { out.append(String(piece)) }
        }
        return out
    }
}
