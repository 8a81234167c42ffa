/// Tokens of Go's text/template syntax (the subset docker users write: fields, variables,
/// literals, pipelines, if/else/range/with/end, trim markers, comments).
struct TemplateToken: Equatable {
    enum Kind: Equatable {
        case text(String)
        case leftDelim, rightDelim
        case field(String)        // `.Name` starting an operand
        case chainField(String)   // `.Name` attached to the previous operand or field
        case dot                  // `.`
        case variable(String)     // `$x` or `$`
        case identifier(String)   // function name or keyword
        case string(String)       // quoted or raw string, unescaped
        case char(Int)            // 'a'
        case number(String)
        case bool(Bool)
        case `nil`
        case pipe, leftParen, rightParen, declare, assign, comma
        case eof
    }
    var kind: Kind
    /// Byte offset in the template source.
    var pos: Int
}

struct TemplateError: Error, CustomStringConvertible, Equatable {
    var description: String
    init(_ d: String) { description = d }
}

struct TemplateLexer {
    let src: [UInt8]
    var i = 0
    var tokens: [TemplateToken] = []

    init(_ text: String) { src = Array(text.utf8) }

    /// Line number (1-based) of a byte offset, for Go-style error messages.
    static func line(of pos: Int, in src: [UInt8]) -> Int {
        1 + src[0..<min(pos, src.count)].filter { $0 == 0x0A }.count
    }

    mutating func lex() throws -> [TemplateToken] {
        while i < src.count {
            // Text up to the next `{{`.
            let start = i
            var end = src.count
            var j = i
            while j + 1 < src.count {
                if src[j] == UInt8(ascii: "{") && src[j + 1] == UInt8(ascii: "{") { end = j; break }
                j += 1
            }
            if end == src.count { j = src.count }
            var text = Array(src[start..<end])
            if end == src.count {
                if !text.isEmpty { tokens.append(.init(kind: .text(String(decoding: text, as: UTF8.self)), pos: start)) }
                i = src.count
                break
            }
            // `{{- ` trims the preceding space.
            let trimLeft = end + 3 < src.count && src[end + 2] == UInt8(ascii: "-") && isSpace(src[end + 3])
            if trimLeft { while let l = text.last, isSpace(l) { text.removeLast() } }
            if !text.isEmpty { tokens.append(.init(kind: .text(String(decoding: text, as: UTF8.self)), pos: start)) }
            i = end + 2
            if trimLeft { i += 2 }
            // Comment: {{/* ... */}}
            if i + 1 < src.count && src[i] == UInt8(ascii: "/") && src[i + 1] == UInt8(ascii: "*") {
                guard let close = find("*/", from: i + 2) else { throw TemplateError("template: :\(TemplateLexer.line(of: end, in: src)): unclosed comment") }
                i = close + 2
                var trimRight = false
                skipSpaces()
                if i + 2 < src.count && src[i] == UInt8(ascii: "-") && src[i + 1] == UInt8(ascii: "}") && src[i + 2] == UInt8(ascii: "}") {
                    trimRight = true
                    i += 3
                } else if i + 1 < src.count && src[i] == UInt8(ascii: "}") && src[i + 1] == UInt8(ascii: "}") {
                    i += 2
                } else {
                    throw TemplateError("template: :\(TemplateLexer.line(of: end, in: src)): comment ends before closing delimiter")
                }
                if trimRight { while i < src.count, isSpace(src[i]) { i += 1 } }
                continue
            }
            tokens.append(.init(kind: .leftDelim, pos: end))
            try lexInsideAction(actionStart: end)
        }
        tokens.append(.init(kind: .eof, pos: src.count))
        return tokens
    }

    private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    private func find(_ s: String, from: Int) -> Int? {
        let p = Array(s.utf8)
        var k = from
        while k + p.count <= src.count {
            if Array(src[k..<(k + p.count)]) == p { return k }
            k += 1
        }
        return nil
    }

    private mutating func skipSpaces() { while i < src.count, isSpace(src[i]) { i += 1 } }

    private mutating func lexInsideAction(actionStart: Int) throws {
        var parenDepth = 0
        while true {
            // ` -}}` closes with trimming.
            if i < src.count, isSpace(src[i]) {
                let save = i
                skipSpaces()
                if i + 2 < src.count && src[i] == UInt8(ascii: "-") && src[i + 1] == UInt8(ascii: "}") && src[i + 2] == UInt8(ascii: "}") {
                    tokens.append(.init(kind: .rightDelim, pos: i))
                    i += 3
                    skipSpaces()
                    return
                }
                _ = save
                continue
            }
            guard i < src.count else {
                throw TemplateError("template: :\(TemplateLexer.line(of: actionStart, in: src)): unclosed action")
            }
            let c = src[i]
            if c == UInt8(ascii: "}") && i + 1 < src.count && src[i + 1] == UInt8(ascii: "}") {
                if parenDepth > 0 { throw TemplateError("template: :\(TemplateLexer.line(of: i, in: src)): unclosed left paren") }
                tokens.append(.init(kind: .rightDelim, pos: i))
                i += 2
                return
            }
            let start = i
            switch c {
            case UInt8(ascii: "|"): tokens.append(.init(kind: .pipe, pos: i)); i += 1
            case UInt8(ascii: "("): tokens.append(.init(kind: .leftParen, pos: i)); i += 1; parenDepth += 1
            case UInt8(ascii: ")"):
                if parenDepth == 0 { throw TemplateError("template: :\(TemplateLexer.line(of: i, in: src)): unexpected right paren") }
                tokens.append(.init(kind: .rightParen, pos: i)); i += 1; parenDepth -= 1
                try fieldChain()
            case UInt8(ascii: ","): tokens.append(.init(kind: .comma, pos: i)); i += 1
            case UInt8(ascii: ":"):
                guard i + 1 < src.count, src[i + 1] == UInt8(ascii: "=") else { throw TemplateError("template: :\(TemplateLexer.line(of: i, in: src)): expected :=") }
                tokens.append(.init(kind: .declare, pos: i)); i += 2
            case UInt8(ascii: "="): tokens.append(.init(kind: .assign, pos: i)); i += 1
            case UInt8(ascii: "\""):
                tokens.append(.init(kind: .string(try quoted()), pos: start))
            case UInt8(ascii: "`"):
                i += 1
                let s = i
                while i < src.count && src[i] != UInt8(ascii: "`") { i += 1 }
                guard i < src.count else { throw TemplateError("template: :\(TemplateLexer.line(of: start, in: src)): unterminated raw quoted string") }
                tokens.append(.init(kind: .string(String(decoding: src[s..<i], as: UTF8.self)), pos: start))
                i += 1
            case UInt8(ascii: "'"):
                tokens.append(.init(kind: .char(try charConstant()), pos: start))
            case UInt8(ascii: "$"):
                i += 1
                let s = i
                while i < src.count, isAlnum(src[i]) { i += 1 }
                tokens.append(.init(kind: .variable("$" + String(decoding: src[s..<i], as: UTF8.self)), pos: start))
                try fieldChain()
            case UInt8(ascii: "."):
                if i + 1 < src.count, isDigit(src[i + 1]) {
                    tokens.append(.init(kind: .number(number()), pos: start))
                } else if i + 1 < src.count, isAlnum(src[i + 1]) {
                    i += 1
                    while i < src.count, isAlnum(src[i]) { i += 1 }
                    tokens.append(.init(kind: .field(String(decoding: src[(start + 1)..<i], as: UTF8.self)), pos: start))
                    try fieldChain()
                } else {
                    tokens.append(.init(kind: .dot, pos: i)); i += 1
                }
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard c != UInt8(ascii: "-") || (i + 1 < src.count && (isDigit(src[i + 1]) || src[i + 1] == UInt8(ascii: "."))) else {
                    throw TemplateError("template: :\(TemplateLexer.line(of: i, in: src)): bad character U+002D '-'")
                }
                tokens.append(.init(kind: .number(number()), pos: start))
            default:
                if isAlnum(c) {
                    while i < src.count, isAlnum(src[i]) { i += 1 }
                    let word = String(decoding: src[start..<i], as: UTF8.self)
                    switch word {
                    case "true": tokens.append(.init(kind: .bool(true), pos: start))
                    case "false": tokens.append(.init(kind: .bool(false), pos: start))
                    case "nil": tokens.append(.init(kind: .nil, pos: start))
                    default: tokens.append(.init(kind: .identifier(word), pos: start))
                    }
                    try fieldChain()
                } else {
                    let scalar = String(decoding: src[i..<min(i + 4, src.count)], as: UTF8.self).unicodeScalars.first ?? "?"
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    throw TemplateError("template: :\(TemplateLexer.line(of: i, in: src)): bad character U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex) '\(scalar)'")
                }
            }
        }
    }

    /// `.A.B` directly following an operand: one field token per segment.
    private mutating func fieldChain() throws {
        while i + 1 < src.count, src[i] == UInt8(ascii: "."), isAlnum(src[i + 1]) {
            let start = i
            i += 1
            while i < src.count, isAlnum(src[i]) { i += 1 }
            tokens.append(.init(kind: .chainField(String(decoding: src[(start + 1)..<i], as: UTF8.self)), pos: start))
        }
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") || c >= 0x80
    }

    private mutating func number() -> String {
        let s = i
        if src[i] == UInt8(ascii: "+") || src[i] == UInt8(ascii: "-") { i += 1 }
        while i < src.count, isAlnum(src[i]) || src[i] == UInt8(ascii: ".")
            || ((src[i] == UInt8(ascii: "+") || src[i] == UInt8(ascii: "-")) && (src[i - 1] == UInt8(ascii: "e") || src[i - 1] == UInt8(ascii: "E"))) {
            i += 1
        }
        return String(decoding: src[s..<i], as: UTF8.self)
    }

    private mutating func quoted() throws -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while i < src.count {
            let c = src[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c == 0x0A { break }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < src.count else { break }
                out.append(contentsOf: try escape())
                continue
            }
            out.append(c)
            i += 1
        }
        throw TemplateError("template: :\(TemplateLexer.line(of: start, in: src)): unterminated quoted string")
    }

    private mutating func escape() throws -> [UInt8] {
        let e = src[i]
        i += 1
        switch e {
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "a"): return [0x07]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "v"): return [0x0B]
        case UInt8(ascii: "\\"): return [0x5C]
        case UInt8(ascii: "\""): return [0x22]
        case UInt8(ascii: "'"): return [0x27]
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
            guard i + n <= src.count, let v = UInt32(String(decoding: src[i..<(i + n)], as: UTF8.self), radix: 16) else {
                throw TemplateError("template: :\(TemplateLexer.line(of: i, in: src)): invalid syntax")
            }
            i += n
            if e == UInt8(ascii: "x") { return [UInt8(v)] }
            return Array(String(Character(Unicode.Scalar(v) ?? "\u{FFFD}")).utf8)
        default:
            throw TemplateError("template: :\(TemplateLexer.line(of: i, in: src)): invalid syntax")
        }
    }

    private mutating func charConstant() throws -> Int {
        let start = i
        i += 1
        guard i < src.count else { throw TemplateError("template: :\(TemplateLexer.line(of: start, in: src)): unterminated character constant") }
        var bytes: [UInt8]
        if src[i] == UInt8(ascii: "\\") { i += 1; bytes = try escape() } else {
            var j = i + 1
            while j < src.count, src[j] & 0xC0 == 0x80 { j += 1 }
            bytes = Array(src[i..<j]); i = j
        }
        guard i < src.count, src[i] == UInt8(ascii: "'") else { throw TemplateError("template: :\(TemplateLexer.line(of: start, in: src)): unterminated character constant") }
        i += 1
        return Int(String(decoding: bytes, as: UTF8.self).unicodeScalars.first?.value ?? 0)
    }
}
