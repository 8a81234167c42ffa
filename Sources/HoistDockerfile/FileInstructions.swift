/// An inline source of COPY/ADD given as a heredoc (`COPY <<EOF /etc/motd`).
public struct SourceContent: Sendable, Equatable {
    /// The heredoc name, used as the file name when the destination is a directory.
    public var path: String
    /// The body (leading tabs already removed for `<<-`).
    public var data: String
    /// False for a quoted delimiter: the body is copied verbatim, not variable-expanded.
    public var expand: Bool

    public init(path: String, data: String, expand: Bool) {
        self.path = path
        self.data = data
        self.expand = expand
    }
}

/// `COPY [--from=<stage|image>] [--chown=<user>:<group>] [--chmod=<perms>] [--link] <src>... <dest>`
public struct CopyInstruction: Sendable, Equatable {
    /// Source paths or globs relative to the context (or to the `--from` root), as written.
    public var sources: [String]
    /// Heredoc sources, in the order they appear.
    public var sourceContents: [SourceContent]
    public var destination: String
    /// `--from`: a stage name, a stage index or an image reference; nil for the build context.
    public var from: String?
    public var chown: String?
    public var chmod: String?
    public var link: Bool

    public init(sources: [String], sourceContents: [SourceContent] = [], destination: String,
                from: String? = nil, chown: String? = nil, chmod: String? = nil, link: Bool = false) {
        self.sources = sources
        self.sourceContents = sourceContents
        self.destination = destination
        self.from = from
        self.chown = chown
        self.chmod = chmod
        self.link = link
    }
}

/// `ADD [--chown=...] [--chmod=...] [--link] [--checksum=<digest>] [--keep-git-dir] <src>... <dest>`:
/// like COPY, plus URL sources and local tar archives extracted.
public struct AddInstruction: Sendable, Equatable {
    public var sources: [String]
    public var sourceContents: [SourceContent]
    public var destination: String
    public var chown: String?
    public var chmod: String?
    public var link: Bool
    /// `--checksum`: expected digest of a remote source.
    public var checksum: String?
    /// `--keep-git-dir` for git sources.
    public var keepGitDir: Bool
    /// `--unpack[=bool]`: nil when absent (Docker's default: unpack local archives only).
    public var unpack: Bool?

    public init(sources: [String], sourceContents: [SourceContent] = [], destination: String,
                chown: String? = nil, chmod: String? = nil, link: Bool = false, checksum: String? = nil,
                keepGitDir: Bool = false, unpack: Bool? = nil) {
        self.sources = sources
        self.sourceContents = sourceContents
        self.destination = destination
        self.chown = chown
        self.chmod = chmod
        self.link = link
        self.checksum = checksum
        self.keepGitDir = keepGitDir
        self.unpack = unpack
    }
}
