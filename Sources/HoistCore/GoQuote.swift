/// Go's strconv.Quote: the form docker uses for COMMAND in `ps` and in some messages.
public func goQuote(_ s: String) -> String {
    var out = "\""
    let hex = Array("0123456789abcdef")
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            let v = u.value
            if v < 0x20 || v == 0x7F {
                out += "\\x" + String(hex[Int(v >> 4)]) + String(hex[Int(v & 0xF)])
            } else if isGoPrintable(u) {
                out.unicodeScalars.append(u)
            } else if v < 0x10000 {
                out += "\\u" + (0..<4).reversed().map { String(hex[Int((v >> (UInt32($0) * 4)) & 0xF)]) }.joined()
            } else {
                out += "\\U" + (0..<8).reversed().map { String(hex[Int((v >> (UInt32($0) * 4)) & 0xF)]) }.joined()
            }
        }
    }
    return out + "\""
}

/// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
func isGoPrintable(_ u: Unicode.Scalar) -> Bool {
    if u == " " { return true }
    switch u.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
         .nonspacingMark, .spacingMark, .enclosingMark,
         .decimalNumber, .letterNumber, .otherNumber,
         .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation,
         .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}
