/// `FROM [--platform=<platform>] <image> [AS <name>]`: starts a build stage.
public struct FromInstruction: Sendable, Equatable {
    /// The base: an image reference, `scratch`, or the name of an earlier stage. May
    /// contain `$VARS` from ARGs declared before the first FROM (expanded by `BuildArgs`).
    public var image: String
    /// The stage name given with `AS`, lowercased (Docker compares stage names case-insensitively).
    public var stageName: String?
    /// `--platform` as written (may reference `$BUILDPLATFORM` etc.), nil when absent.
    public var platform: String?

    public init(image: String, stageName: String? = nil, platform: String? = nil) {
        self.image = image
        self.stageName = stageName
        self.platform = platform
    }

    /// `^[a-z][a-z0-9-_.]*$`, checked on the lowercased name.
    static func isValidStageName(_ name: String) -> Bool {
        let s = Array(name.unicodeScalars)
        guard let first = s.first, first.value >= 0x61, first.value <= 0x7A else { return false }
        return s.dropFirst().allSatisfy {
            ($0.value >= 0x61 && $0.value <= 0x7A) || GoText.isASCIIDigit($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }
}
