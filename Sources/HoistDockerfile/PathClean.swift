/// Go's `path.Clean` (= `filepath.Clean` on Linux): the shortest equivalent path,
/// lexically. `""` → `"."`, `a//b/./c/..` → `a/b`, `/../x` → `/x`, `../x` kept.
enum PathClean {
    static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let rooted = path.hasPrefix("/")
        var out: [Substring] = []
        for element in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch element {
            case ".":
                continue
            case "..":
                if let last = out.last, last != ".." {
                    out.removeLast()
                } else if !rooted {
                    out.append(element)
                }
            default:
                out.append(element)
            }
        }
        let joined = out.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Go's `path.Dir`: everything but the last element, cleaned.
    static func dir(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return clean(String(path[...slash]))
    }
}
