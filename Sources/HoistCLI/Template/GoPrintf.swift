#if canImport(Glibc)
import HoistCore
import Glibc
#endif

/// Go's fmt.Sprintf for the verbs templates use: %v %s %d %q %t %x %X %f %e %g %c %%,
/// with flags `-+ 0#`, width and precision.
enum GoPrintf {
    static func format(_ f: String, _ args: [TemplateValue]) -> String {
        let u = Array(f.unicodeScalars)
        var out = ""
        var argi = 0
        var i = 0
        while i < u.count {
            let c = u[i]
            if c != "%" { out.unicodeScalars.append(c); i += 1; continue }
            i += 1
            guard i < u.count else { out += "%!(NOVERB)"; break }
            var minus = false, plus = false, zero = false, space = false, sharp = false
            flags: while i < u.count {
                switch u[i] {
                case "-": minus = true
                case "+": plus = true
                case "0": zero = true
                case " ": space = true
                case "#": sharp = true
                default: break flags
                }
                i += 1
            }
            var width: Int? = nil
            while i < u.count, let d = digit(u[i]) { width = (width ?? 0) * 10 + d; i += 1 }
            var precision: Int? = nil
            if i < u.count, u[i] == "." {
                i += 1
                precision = 0
                while i < u.count, let d = digit(u[i]) { precision = (precision ?? 0) * 10 + d; i += 1 }
            }
            guard i < u.count else { out += "%!(NOVERB)"; break }
            let verb = u[i]
            i += 1
            if verb == "%" { out += "%"; continue }
            guard argi < args.count else { out += "%!\(verb)(MISSING)"; continue }
            let arg = args[argi].scalar
            argi += 1
            var s: String
            var numeric = false
            switch verb {
            case "v":
                s = goPrint(args[argi - 1])
                if case .int = arg { numeric = true }
            case "s":
                s = goPrint(args[argi - 1])
                if let p = precision { s = String(s.unicodeScalars.prefix(p).map(Character.init)) }
            case "q":
                if case .int(let n) = arg, let sc = Unicode.Scalar(UInt32(truncatingIfNeeded: n)) {
                    s = "'" + String(goQuote(String(sc)).dropFirst().dropLast()) + "'"
                } else {
                    s = goQuote(goPrint(args[argi - 1]))
                }
            case "d":
                switch arg {
                case .int(let n): s = String(n); numeric = true
                    if plus && n >= 0 { s = "+" + s } else if space && n >= 0 { s = " " + s }
                case .float(let d): s = "%!d(float64=\(goFormatFloat(d)))"
                default: s = "%!d(\(args[argi - 1].goTypeName)=\(goPrint(args[argi - 1])))"
                }
            case "t":
                if case .bool(let b) = arg { s = b ? "true" : "false" } else { s = "%!t(\(args[argi - 1].goTypeName)=\(goPrint(args[argi - 1])))" }
            case "x", "X":
                let upper = verb == "X"
                switch arg {
                case .int(let n):
                    s = String(n, radix: 16, uppercase: upper); numeric = true
                    if sharp { s = (upper ? "0X" : "0x") + s }
                case .string(let str):
                    s = str.utf8.map { b in let h = String(b, radix: 16, uppercase: upper); return h.count == 1 ? "0" + h : h }.joined()
                default: s = "%!\(verb)(\(args[argi - 1].goTypeName)=\(goPrint(args[argi - 1])))"
                }
            case "c":
                if case .int(let n) = arg, let sc = Unicode.Scalar(UInt32(truncatingIfNeeded: n)) { s = String(sc) } else { s = "%!c(\(args[argi - 1].goTypeName)=\(goPrint(args[argi - 1])))" }
            case "f", "F", "e", "E", "g", "G":
                let d: Double?
                switch arg {
                case .float(let x): d = x
                case .int(let n): d = nil; s = "%!\(verb)(int=\(n))"
                default: d = nil
                }
                if let d {
                    var spec = "%"
                    if plus { spec += "+" }
                    if space { spec += " " }
                    if sharp { spec += "#" }
                    if let p = precision { spec += ".\(p)" } else if verb == "f" || verb == "F" || verb == "e" || verb == "E" { spec += ".6" }
                    spec += String(verb == "F" ? "f" : verb)
                    if precision == nil && (verb == "g" || verb == "G") { s = goFormatFloat(d) } else { s = cFormat(spec, d) }
                    numeric = true
                } else if case .int = arg {
                    s = "%!\(verb)(int=\(goPrint(args[argi - 1])))"
                } else {
                    s = "%!\(verb)(\(args[argi - 1].goTypeName)=\(goPrint(args[argi - 1])))"
                }
            default:
                s = "%!\(verb)(\(args[argi - 1].goTypeName)=\(goPrint(args[argi - 1])))"
            }
            if let w = width {
                let len = s.unicodeScalars.count
                if len < w {
                    let pad = w - len
                    if minus {
                        s += String(repeating: " ", count: pad)
                    } else if zero && numeric {
                        if s.hasPrefix("-") || s.hasPrefix("+") {
                            let sign = s.removeFirst()
                            s = String(sign) + String(repeating: "0", count: pad) + s
                        } else {
                            s = String(repeating: "0", count: pad) + s
                        }
                    } else {
                        s = String(repeating: " ", count: pad) + s
                    }
                }
            }
            out += s
        }
        if argi < args.count {
            out += "%!(EXTRA " + args[argi...].map { "\($0.goTypeName)=\(goPrint($0))" }.joined(separator: ", ") + ")"
        }
        return out
    }

    private static func digit(_ c: Unicode.Scalar) -> Int? {
        c.value >= 0x30 && c.value <= 0x39 ? Int(c.value - 0x30) : nil
    }

    private static func cFormat(_ spec: String, _ d: Double) -> String {
        var buf = [CChar](repeating: 0, count: 512)
        _ = withVaList([d]) { vsnprintf(&buf, buf.count, spec, $0) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
