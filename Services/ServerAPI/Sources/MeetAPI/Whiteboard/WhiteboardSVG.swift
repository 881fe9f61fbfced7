import MeetProtocol

/// A whiteboard drawn as SVG, server-side from its ops (the export). Every
/// value written comes from a validated op, and is written again through
/// ``attribute(_:)``/``escape(_:)`` or as an integer, so no op can inject
/// markup or script into the file.
enum WhiteboardSVG {
    static func render(_ board: WhiteboardBoard) -> String {
        let width = WhiteboardOp.canvasWidth
        let height = WhiteboardOp.canvasHeight
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
            <rect width="\(width)" height="\(height)" fill="#ffffff"/>

            """
        for item in board.items {
            if let element = Self.element(item.op) { svg += element + "\n" }
        }
        svg += "</svg>\n"
        return svg
    }

    /// One drawing as an SVG element; nil for ops that draw nothing.
    static func element(_ op: WhiteboardOp) -> String? {
        let color = op.color.flatMap { WhiteboardOp.isColor($0) ? $0 : nil } ?? "#000000"
        let points = op.points ?? []
        let stroke = "fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(op.width ?? 3)\" stroke-linecap=\"round\" stroke-linejoin=\"round\""
        switch op.kind {
        case .stroke where points.count >= 4:
            let list = stride(from: 0, to: points.count - 1, by: 2).map { "\(points[$0]),\(points[$0 + 1])" }.joined(separator: " ")
            return "<polyline points=\"\(list)\" \(stroke)/>"
        case .line where points.count == 4:
            return "<line x1=\"\(points[0])\" y1=\"\(points[1])\" x2=\"\(points[2])\" y2=\"\(points[3])\" \(stroke)/>"
        case .rect where points.count == 4:
            let x = min(points[0], points[2])
            let y = min(points[1], points[3])
            return "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(abs(points[2] - points[0]))\" height=\"\(abs(points[3] - points[1]))\" \(stroke)/>"
        case .ellipse where points.count == 4:
            let cx = (points[0] + points[2]) / 2
            let cy = (points[1] + points[3]) / 2
            return "<ellipse cx=\"\(cx)\" cy=\"\(cy)\" rx=\"\(abs(points[2] - points[0]) / 2)\" ry=\"\(abs(points[3] - points[1]) / 2)\" \(stroke)/>"
        case .text where points.count == 2:
            let size = op.size ?? 24
            return "<text x=\"\(points[0])\" y=\"\(points[1])\" font-family=\"sans-serif\" font-size=\"\(size)\" fill=\"\(color)\" "
                + "xml:space=\"preserve\">\(Self.escape(op.text ?? ""))</text>"
        default:
            return nil
        }
    }

    /// Text as XML character data: the five markup characters escaped, and
    /// the control characters XML 1.0 forbids dropped (a tab and line breaks stay).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || value == 0xFFFE || value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
