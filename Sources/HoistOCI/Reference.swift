import HoistCore

/// An image reference normalised as Docker does: `busybox` is
/// `docker.io/library/busybox:latest`; `host:5000/a/b:tag`, `name@sha256:...`.
public struct Reference: Hashable, Sendable, CustomStringConvertible {
    public static let defaultDomain = "docker.io"
    public var domain: String
    /// Repository path within the domain, e.g. `library/busybox`.
    public var path: String
    public var tag: String?
    public var digest: Digest?

    public init(domain: String, path: String, tag: String?, digest: Digest?) {
        self.domain = domain; self.path = path; self.tag = tag; self.digest = digest
    }

    /// Parses and normalises; a reference with neither tag nor digest gets `latest`.
    public init(parsing input: String, defaultTag: Bool = true) throws {
        var s = input
        guard !s.isEmpty else { throw HoistError.invalid("invalid reference format") }
        // A bare 64-hex string is an image ID, never a repository (Docker refuses it too).
        if s.utf8.count == 64 && s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
            throw HoistError.invalid("invalid repository name (\(s)), cannot specify 64-byte hexadecimal strings")
        }
        var dig: Digest?
        if let at = s.firstIndex(of: "@") {
            dig = try? Digest(parsing: String(s[s.index(after: at)...]))
            guard dig != nil else { throw HoistError.invalid("invalid reference format") }
            s = String(s[..<at])
        }
        var tg: String?
        if let colon = s.lastIndex(of: ":"), !s[s.index(after: colon)...].contains("/") {
            tg = String(s[s.index(after: colon)...])
            s = String(s[..<colon])
            guard let t = tg, Reference.isValidTag(t) else { throw HoistError.invalid("invalid reference format") }
        }
        var comps = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var dom = Reference.defaultDomain
        if comps.count > 1, let first = comps.first, first.contains(".") || first.contains(":") || first == "localhost" || first != first.lowercased() {
            dom = first
            comps.removeFirst()
        }
        guard Reference.isValidDomain(dom) else { throw HoistError.invalid("invalid reference format") }
        if dom == "index.docker.io" { dom = Reference.defaultDomain }
        if dom == Reference.defaultDomain && comps.count == 1 { comps.insert("library", at: 0) }
        for c in comps {
            guard !c.isEmpty else { throw HoistError.invalid("invalid reference format") }
            if c != c.lowercased() {
                throw HoistError.invalid("invalid reference format: repository name (\(comps.joined(separator: "/"))) must be lowercase")
            }
            guard Reference.isValidPathComponent(c) else { throw HoistError.invalid("invalid reference format") }
        }
        guard dom.utf8.count + 1 + comps.joined(separator: "/").utf8.count <= 255 else {
            throw HoistError.invalid("invalid reference format: repository name must not be more than 255 characters")
        }
        domain = dom
        path = comps.joined(separator: "/")
        tag = tg ?? ((dig == nil && defaultTag) ? "latest" : nil)
        digest = dig
    }

    /// `docker.io/library/busybox`
    public var repository: String { "\(domain)/\(path)" }

    /// What `docker images` shows in REPOSITORY: `busybox`, `user/app`, `host:5000/a/b`.
    public var familiarRepository: String {
        if domain == Reference.defaultDomain {
            return path.hasPrefix("library/") ? String(path.dropFirst(8)) : path
        }
        return repository
    }

    /// Fully qualified: `docker.io/library/busybox:latest` (or `@sha256:...`).
    public var description: String {
        var s = repository
        if let tag { s += ":\(tag)" }
        if let digest { s += "@\(digest)" }
        return s
    }

    /// Familiar form: `busybox:latest`.
    public var familiarString: String {
        var s = familiarRepository
        if let tag { s += ":\(tag)" }
        if let digest { s += "@\(digest)" }
        return s
    }

    static func isValidTag(_ t: String) -> Bool {
        guard let f = t.unicodeScalars.first, t.count <= 128 else { return false }
        func word(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" }
        return word(f) && t.unicodeScalars.allSatisfy { word($0) || $0 == "." || $0 == "-" }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, as Docker's path-component grammar.
    static func isValidPathComponent(_ c: String) -> Bool {
        func alnum(_ x: UInt8) -> Bool { (x >= 97 && x <= 122) || (x >= 48 && x <= 57) }
        let b = Array(c.utf8)
        guard let f = b.first, let l = b.last, alnum(f), alnum(l) else { return false }
        var i = 0
        while i < b.count {
            if alnum(b[i]) { i += 1; continue }
            var j = i
            while j < b.count && !alnum(b[j]) { j += 1 }
            let sep = b[i..<j]
            let ok = sep.elementsEqual([46]) || sep.elementsEqual([95]) || sep.elementsEqual([95, 95]) || sep.allSatisfy { $0 == 45 }
            guard ok else { return false }
            i = j
        }
        return true
    }

    /// Host names (`[a-zA-Z0-9]` or `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`, dot-separated) or a
    /// bracketed IPv6 address, with an optional `:port`.
    static func isValidDomain(_ d: String) -> Bool {
        var host = Substring(d)
        if let colon = d.lastIndex(of: ":"), !d[colon...].contains("]") {
            let port = d[d.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
            host = d[..<colon]
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return false }
            return host.dropFirst().dropLast().utf8.allSatisfy { ($0 >= 48 && $0 <= 58) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
        }
        func alnum(_ x: UInt8) -> Bool { (x >= 97 && x <= 122) || (x >= 65 && x <= 90) || (x >= 48 && x <= 57) }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            let b = Array(label.utf8)
            guard let f = b.first, let l = b.last, alnum(f), alnum(l) else { return false }
            return b.allSatisfy { alnum($0) || $0 == 45 }
        }
    }
}
