public import Foundation

/// RFC 5545 §3.3.5 DATE-TIME values: `20270322T080000Z` (UTC) and
/// `20270322T090000` (local, with a TZID parameter).
public enum ICSDate {
    public static func utc(_ date: Date) -> String {
        self.format(date, in: TimeZone(identifier: "UTC")!) + "Z"
    }

    public static func local(_ date: Date, in zone: TimeZone) -> String {
        self.format(date, in: zone)
    }

    private static func format(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2)
    }
}
