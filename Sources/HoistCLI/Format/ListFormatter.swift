import HoistClient

/// docker/cli's formatter.Context.Write: `table` formats get a header row and tabwriter
/// columns (minwidth 10, padding 3); `json` is `{{json .}}`; `\t` and `\n` in the format are
/// escapes for tab and newline.
enum ListFormatter {
    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    static func render(format: String, rows: [any TemplateObject], header: any TemplateObject) throws -> String {
        let isTable = format.hasPrefix("table")
        var final = format
        if isTable {
            final = String(format.dropFirst("table".count))
        } else if format == "json" {
            final = "{{json .}}"
        }
        final = trimSpaces(final)
        final = final.replacingEscapes()
        let tmpl: GoTemplate
        do {
            tmpl = try GoTemplate(final)
        } catch {
            throw FormatError(description: "template parsing error: \(error)")
        }
        var body = ""
        for r in rows {
            do {
                body += try tmpl.execute(.object(r))
            } catch {
                throw FormatError(description: "template parsing error: \(error)")
            }
            body += "\n"
        }
        guard isTable else { return body }
        let head = (try? tmpl.execute(.object(header), headerMode: true)) ?? ""
        var tw = TabWriter(minwidth: 10, tabwidth: 1, padding: 3)
        tw.write(head)
        tw.write("\n")
        tw.write(body)
        return tw.flushString()
    }

    static func trimSpaces(_ s: String) -> String {
        var u = Substring(s)
        while u.first == " " { u.removeFirst() }
        while u.last == " " { u.removeLast() }
        return String(u)
    }
}

extension String {
    /// docker replaces the two-character sequences `\t` and `\n` in formats.
    func replacingEscapes() -> String {
        var out = ""
        var it = self.makeIterator()
        while let c = it.next() {
            if c == "\\" {
                if let n = it.next() {
                    if n == "t" { out.append("\t") } else if n == "n" { out.append("\n") } else { out.append(c); out.append(n) }
                } else {
                    out.append(c)
                }
            } else {
                out.append(c)
            }
        }
        return out
    }
}

/// The header row of a table: each field's column title (SubHeaderContext).
struct HeaderContext: TemplateObject {
    let titles: [String: String]
    let goTypeName: String

    func templateField(_ name: String, args: [TemplateValue]) throws -> TemplateValue? {
        if name == "Label" {
            // SubHeaderContext.Label: last dotted part, `-`/`_` as spaces.
            let raw: String
            if case .string(let s) = args.first?.scalar ?? .null { raw = s } else { raw = "" }
            let last = raw.split(separator: ".", omittingEmptySubsequences: false).last.map(String.init) ?? raw
            return .string(String(last.map { $0 == "-" || $0 == "_" ? " " : $0 }))
        }
        if let t = titles[name] { return .string(t) }
        return .missing
    }

    func templateJSON() -> JSON { .object(JSONObject(titles.keys.sorted().map { ($0, .string(titles[$0] ?? "")) })) }
}
