/// A tar entry name, cleaned: empty and `.` components dropped; `..` and a leading `/`
/// remembered, because both make the entry unsafe (the applier refuses the layer).
struct LayerPath {
    var components: [[UInt8]]
    var absolute: Bool
    var hasDotDot: Bool

    init(_ raw: [UInt8]) {
        absolute = raw.first == UInt8(ascii: "/")
        components = raw.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
            .map(Array.init)
            .filter { $0 != [UInt8(ascii: ".")] }
        hasDotDot = components.contains([UInt8(ascii: "."), UInt8(ascii: ".")])
    }

    var isSafe: Bool { !absolute && !hasDotDot }

    /// `root/a/b` (or `root` for the root itself).
    func join(root: String) -> [UInt8] {
        var out = Array(root.utf8)
        for c in components { out.append(UInt8(ascii: "/")); out.append(contentsOf: c) }
        return out
    }

    static func display(_ raw: [UInt8]) -> String { String(decoding: raw, as: UTF8.self) }
}

/// OCI whiteout names.
enum Whiteout {
    static let prefix = Array(".wh.".utf8)
    static let opaque = Array(".wh..wh..opq".utf8)
    static let metaPrefix = Array(".wh..wh.".utf8)
}
