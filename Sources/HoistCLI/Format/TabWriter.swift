/// The elastic-tabstop writer of Go's text/tabwriter, as docker/cli forks it (cell widths in
/// display columns). `docker ps` uses (minwidth 10, tabwidth 1, padding 3, ' '), `version`
/// (20, 1, 1, ' '). Cells end at `\t`; a line's last cell is not part of a column; a line
/// without tabs ends the current block of columns.
public struct TabWriter {
    struct Cell {
        var size = 0
        var width = 0
        var htab = false
    }

    let minwidth: Int, tabwidth: Int, padding: Int
    let padchar: UInt8

    private var buf: [UInt8] = []
    private var cell = Cell()
    private var cellStart = 0
    private var lines: [[Cell]] = [[]]
    private var widths: [Int] = []
    private(set) var output: [UInt8] = []

    public init(minwidth: Int, tabwidth: Int, padding: Int, padchar: UInt8 = UInt8(ascii: " ")) {
        self.minwidth = minwidth; self.tabwidth = tabwidth; self.padding = padding; self.padchar = padchar
    }

    public mutating func write(_ s: String) { write(Array(s.utf8)) }

    public mutating func write(_ bytes: [UInt8]) {
        var n = 0
        for (i, ch) in bytes.enumerated() where ch == 0x09 || ch == 0x0B || ch == 0x0A || ch == 0x0C {
            append(bytes[n..<i])
            updateWidth()
            n = i + 1
            let ncells = terminateCell(htab: ch == 0x09)
            if ch == 0x0A || ch == 0x0C {
                lines.append([])
                if ch == 0x0C || ncells == 1 {
                    // A line with a single cell cannot affect later columns: flush.
                    flushInternal()
                }
            }
        }
        append(bytes[n...])
    }

    /// Formats what is buffered and returns all output so far.
    public mutating func flush() -> [UInt8] {
        flushInternal()
        let out = output
        output = []
        return out
    }

    public mutating func flushString() -> String { String(decoding: flush(), as: UTF8.self) }

    private mutating func append(_ s: ArraySlice<UInt8>) {
        buf.append(contentsOf: s)
        cell.size += s.count
    }

    private mutating func updateWidth() {
        cell.width += DisplayWidth.of(String(decoding: buf[cellStart...], as: UTF8.self))
        cellStart = buf.count
    }

    private mutating func terminateCell(htab: Bool) -> Int {
        cell.htab = htab
        lines[lines.count - 1].append(cell)
        cell = Cell()
        return lines[lines.count - 1].count
    }

    private mutating func flushInternal() {
        if cell.size > 0 {
            updateWidth()
            _ = terminateCell(htab: false)
        }
        _ = format(pos0: 0, line0: 0, line1: lines.count)
        buf.removeAll(keepingCapacity: true)
        cellStart = 0
        cell = Cell()
        lines = [[]]
        widths = []
    }

    private mutating func writePadding(textw: Int, cellw: Int) {
        if padchar == 0x09 {
            guard tabwidth > 0 else { return }
            let c = (cellw + tabwidth - 1) / tabwidth * tabwidth
            let n = c - textw
            output.append(contentsOf: [UInt8](repeating: 0x09, count: (n + tabwidth - 1) / tabwidth))
            return
        }
        if cellw > textw { output.append(contentsOf: [UInt8](repeating: padchar, count: cellw - textw)) }
    }

    private mutating func writeLines(pos0: Int, line0: Int, line1: Int) -> Int {
        var pos = pos0
        for i in line0..<line1 {
            let line = lines[i]
            for (j, c) in line.enumerated() {
                if c.size > 0 {
                    output.append(contentsOf: buf[pos..<(pos + c.size)])
                    pos += c.size
                }
                if j < widths.count { writePadding(textw: c.width, cellw: widths[j]) }
            }
            if i + 1 == lines.count {
                // Last buffered line: no newline; write any pending text of the current cell.
                output.append(contentsOf: buf[pos..<(pos + cell.size)])
                pos += cell.size
            } else {
                output.append(0x0A)
            }
        }
        return pos
    }

    private mutating func format(pos0: Int, line0 l0: Int, line1: Int) -> Int {
        var pos = pos0
        var line0 = l0
        let column = widths.count
        var this = line0
        while this < line1 {
            if column >= lines[this].count - 1 { this += 1; continue }
            // This line has a cell in `column`: print the lines before the block, then size the block.
            pos = writeLines(pos0: pos, line0: line0, line1: this)
            line0 = this
            var width = minwidth
            var discardable = true
            while this < line1 {
                let line = lines[this]
                if column >= line.count - 1 { break }
                let c = line[column]
                width = max(width, c.width + padding)
                if c.width > 0 || c.htab { discardable = false }
                this += 1
            }
            _ = discardable
            widths.append(width)
            pos = format(pos0: pos, line0: line0, line1: this)
            widths.removeLast()
            line0 = this
        }
        return writeLines(pos0: pos, line0: line0, line1: line1)
    }
}
