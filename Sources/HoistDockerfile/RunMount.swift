import HoistCore

/// One `RUN --mount=...` value. Docker validates most keys only when the step runs,
/// after variable expansion, so the AST keeps the fields and `resolved` does the rest.
public struct RunMount: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        /// Lowercased key.
        public var key: String
        /// nil for a bare key (`ro`, `required`).
        public var value: String?

        public init(key: String, value: String?) {
            self.key = key
            self.value = value
        }
    }

    /// The flag value as written (`type=cache,target=/root/.cache`).
    public var raw: String
    public var fields: [Field]

    init(raw: String) throws(DetailError) {
        self.raw = raw
        self.fields = try Self.csvFields(raw).map { field in
            if let eq = field.firstIndex(of: "=") {
                return Field(key: field[..<eq].lowercased(), value: String(field[field.index(after: eq)...]))
            }
            return Field(key: field.lowercased(), value: nil)
        }
        for field in fields where field.key == "from" {
            // Docker refuses variables in `from` (stage references are resolved statically).
            if let v = field.value, let dollar = v.firstIndex(of: "$"), v.index(after: dollar) != v.endIndex {
                throw DetailError("'from' doesn't support variable expansion, define alias stage instead")
            }
        }
    }

    public enum MountType: String, Sendable, Equatable, CaseIterable {
        case bind, cache, tmpfs, secret, ssh
    }

    /// A validated mount, values expanded.
    public struct Spec: Sendable, Equatable {
        public var type: MountType = .bind
        /// Stage or image providing the source (bind, cache).
        public var from: String?
        public var source: String?
        public var target: String?
        public var readOnly = true
        /// `id` (cache id, secret id, ssh id).
        public var id: String?
        /// Cache sharing mode: `shared`, `private` or `locked`.
        public var sharing: String?
        public var required = false
        public var mode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?
        /// Secret exposed as this environment variable (`env=`).
        public var env: String?
        /// tmpfs `size=` as written.
        public var size: String?
    }

    /// Expands the values with `expand` (the step's variables) and validates them with
    /// Docker's rules and messages.
    public func resolved(_ expand: (String) throws -> String) throws -> Spec {
        do {
            return try resolve(expand)
        } catch let error as DetailError {
            throw HoistError(.invalidArgument, error.detail)
        }
    }

    /// Validates values that were already expanded (after `InstructionNode.expanded`).
    public func resolved() throws -> Spec { try resolved { $0 } }

    private func resolve(_ expand: (String) throws -> String) throws -> Spec {
        var m = Spec()
        var readOnlyAuto = true
        func bool(_ key: String, _ v: String) throws -> Bool {
            switch v.lowercased() {
            case "1", "t", "true": return true
            case "0", "f", "false": return false
            default: throw DetailError("invalid value for \(key): \(v)")
            }
        }
        func number(_ key: String, _ v: String, radix: Int) throws -> UInt32 {
            guard let n = UInt32(v, radix: radix) else { throw DetailError("invalid value \(v) for \(key)") }
            return n
        }
        for field in fields {
            guard let rawValue = field.value else {
                switch field.key {
                case "readonly", "ro": m.readOnly = true; readOnlyAuto = false
                case "readwrite", "rw": m.readOnly = false; readOnlyAuto = false
                case "required":
                    guard m.type == .secret || m.type == .ssh else {
                        throw DetailError("unexpected key 'required' for mount type '\(m.type.rawValue)'")
                    }
                    m.required = true
                default:
                    throw DetailError("invalid field '\(field.key)' must be a key=value pair")
                }
                continue
            }
            let value = try expand(rawValue)
            switch field.key {
            case "type":
                guard let t = MountType(rawValue: value.lowercased()) else {
                    throw DetailError("unsupported mount type \(GoText.quote(value))")
                }
                m.type = t
            case "from": m.from = value
            case "source", "src": m.source = value
            case "target", "dst", "destination": m.target = value
            case "readonly", "ro": m.readOnly = try bool(field.key, value); readOnlyAuto = false
            case "readwrite", "rw": m.readOnly = try !bool(field.key, value); readOnlyAuto = false
            case "required":
                guard m.type == .secret || m.type == .ssh else {
                    throw DetailError("unexpected key 'required' for mount type '\(m.type.rawValue)'")
                }
                m.required = try bool(field.key, value)
            case "id": m.id = value
            case "sharing":
                guard ["shared", "private", "locked"].contains(value.lowercased()) else {
                    throw DetailError("unsupported sharing value \(GoText.quote(value))")
                }
                m.sharing = value.lowercased()
            case "mode": m.mode = try number("mode", value, radix: 8)
            case "uid": m.uid = try number("uid", value, radix: 10)
            case "gid": m.gid = try number("gid", value, radix: 10)
            case "env": m.env = value
            case "size": m.size = value
            default:
                throw DetailError("unexpected key '\(field.key)' in '\(field.key)=\(rawValue)'")
            }
        }
        let fileInfoAllowed = m.type == .secret || m.type == .ssh || m.type == .cache
        if m.mode != nil && !fileInfoAllowed { throw DetailError("mode not allowed for \"\(m.type.rawValue)\" type mounts") }
        if m.uid != nil && !fileInfoAllowed { throw DetailError("uid not allowed for \"\(m.type.rawValue)\" type mounts") }
        if m.gid != nil && !fileInfoAllowed { throw DetailError("gid not allowed for \"\(m.type.rawValue)\" type mounts") }
        if readOnlyAuto { m.readOnly = !(m.type == .cache || m.type == .tmpfs) }
        if m.sharing != nil && m.type != .cache {
            throw DetailError("invalid cache sharing set for \(m.type.rawValue) mount")
        }
        if m.type == .secret {
            if m.from != nil { throw DetailError("secret mount should not have a from") }
            if m.source == nil && m.target == nil && m.id == nil && m.env == nil {
                throw DetailError("invalid secret mount. one of source, target required")
            }
            if m.source != nil && m.id != nil { throw DetailError("both source and id can't be set") }
        }
        return m
    }

    /// One CSV record (Go's `encoding/csv`, comma separated, `"` quoting).
    static func csvFields(_ text: String) throws(DetailError) -> [String] {
        guard !text.isEmpty else { throw DetailError("failed to parse csv mounts: EOF") }
        let s = Array(text.unicodeScalars)
        var fields: [String] = []
        var i = 0
        while true {
            var field = String.UnicodeScalarView()
            if i < s.count, s[i] == "\"" {
                i += 1
                var closed = false
                while i < s.count {
                    if s[i] == "\"" {
                        if i + 1 < s.count, s[i + 1] == "\"" {
                            field.append("\"")
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    field.append(s[i])
                    i += 1
                }
                if !closed || (i < s.count && s[i] != ",") {
                    throw DetailError("failed to parse csv mounts: parse error: extraneous or missing \" in quoted-field")
                }
            } else {
                while i < s.count, s[i] != "," {
                    if s[i] == "\"" {
                        throw DetailError("failed to parse csv mounts: parse error: bare \" in non-quoted-field")
                    }
                    field.append(s[i])
                    i += 1
                }
            }
            fields.append(String(field))
            if i >= s.count { break }
            i += 1  // the comma
        }
        return fields
    }
}
