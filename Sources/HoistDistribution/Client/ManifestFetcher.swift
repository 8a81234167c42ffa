import AsyncHTTPClient
import Foundation
import HoistCore
import HoistOCI
import NIOCore
import NIOHTTP1

/// A manifest as fetched: its bytes (whose sha256 is its digest) and media type.
public struct FetchedManifest: Sendable {
    public var bytes: [UInt8]
    public var digest: Digest
    public var mediaType: String

    public var isIndex: Bool { mediaType == MediaType.ociIndex || mediaType == MediaType.dockerManifestList }
}

extension RegistryClient {
    static let manifestAccept = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.dockerManifest, MediaType.ociManifest]
        .joined(separator: ", ")
    /// Manifests are small; a registry sending more is refused rather than buffered.
    static let maxManifestSize = 4 << 20

    /// `GET /v2/<name>/manifests/<tag|digest>`, checked against the digest asked for or,
    /// by tag, against the registry's `Docker-Content-Digest`.
    public func fetchManifest(repository: String, reference: String, display: Reference) async throws -> FetchedManifest {
        let resp = try await send(.GET, "/v2/\(repository)/manifests/\(reference)", headers: [("Accept", Self.manifestAccept)],
                                  scopes: ["repository:\(repository):pull"], timeout: .seconds(120))
        let body: ByteBuffer
        do { body = try await resp.body.collect(upTo: Self.maxManifestSize) } catch {
            throw RegistryClient.transportError(error, method: .GET, url: url("/v2/\(repository)/manifests/\(reference)"))
        }
        guard resp.status == .ok else {
            if let e = RegistryError.parse(status: resp.status, body: body) {
                throw RegistryClient.pullError(e, ref: display)
            }
            if resp.status == .notFound {
                throw HoistError.notFound("manifest for \(display.familiarString) not found: manifest unknown: manifest unknown")
            }
            throw RegistryError.from(status: resp.status, body: body, fallback: "unexpected status \(resp.status.code) fetching manifest for \(display.familiarString)")
        }
        let bytes = Array(buffer: body)
        let digest = Digest.sha256(of: bytes)
        if let expected = try? Digest(parsing: reference), expected != digest {
            throw HoistError.invalid("manifest verification failed for digest \(expected)")
        }
        if let header = resp.headers.first(name: "Docker-Content-Digest"), let announced = try? Digest(parsing: header), announced != digest {
            throw HoistError.invalid("manifest verification failed for digest \(announced)")
        }
        struct Probe: Decodable { var mediaType: String?; var manifests: [Descriptor]?; var config: Descriptor? ; var schemaVersion: Int? }
        let probe = try? JSONDecoder().decode(Probe.self, from: Data(bytes))
        var mediaType = probe?.mediaType ?? ""
        if mediaType.isEmpty {
            let header = resp.headers.first(name: "Content-Type")?.split(separator: ";").first.map(String.init) ?? ""
            mediaType = header.isEmpty || header == "application/json" ? (probe?.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest) : header
        }
        if probe?.schemaVersion == 1 || mediaType.contains("v1+prettyjws") || mediaType == "application/vnd.docker.distribution.manifest.v1+json" {
            throw HoistError.invalid("support for Docker Image Format v1 (schema 1 manifests) has been removed: \(display.familiarString)")
        }
        return FetchedManifest(bytes: bytes, digest: digest, mediaType: mediaType)
    }

    /// Docker's messages for registry errors on pull (moby's translatePullError).
    static func pullError(_ e: RegistryError, ref: Reference) -> HoistError {
        switch e.code {
        case "DENIED":
            return HoistError(.notFound, "pull access denied for \(ref.familiarRepository), repository does not exist or may require 'docker login': \(e.description)")
        case "MANIFEST_UNKNOWN":
            return HoistError.notFound("manifest for \(ref.familiarString) not found: \(e.description)")
        case "NAME_UNKNOWN":
            return HoistError.notFound("repository \(ref.familiarRepository) not found: \(e.description)")
        case "UNAUTHORIZED":
            return HoistError(.unauthorized, e.description)
        default:
            return e.status == 404 ? HoistError.notFound(e.description) : HoistError(.unavailable, e.description)
        }
    }

    /// `GET /v2/<name>/blobs/<digest>` of a small blob (a config), verified, whole.
    public func fetchSmallBlob(repository: String, digest: Digest, maxSize: Int = 32 << 20) async throws -> [UInt8] {
        let path = "/v2/\(repository)/blobs/\(digest)"
        let resp = try await send(.GET, path, scopes: ["repository:\(repository):pull"], timeout: .seconds(300))
        let body: ByteBuffer
        do { body = try await resp.body.collect(upTo: maxSize) } catch {
            throw RegistryClient.transportError(error, method: .GET, url: url(path))
        }
        guard resp.status == .ok else {
            throw RegistryError.from(status: resp.status, body: body, fallback: "unexpected status \(resp.status.code) fetching blob \(digest)")
        }
        let bytes = Array(buffer: body)
        guard Digest.sha256(of: bytes) == digest else { throw HoistError.invalid("blob verification failed for digest \(digest)") }
        return bytes
    }
}

/// Picks the linux/amd64 image of an index (Docker's default platform matcher here).
/// `--platform os/arch[/variant]`, normalised as containerd's platforms.Parse does.
public struct PullPlatform: Sendable, Equatable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    /// The only platform Hoist runs: linux/amd64.
    public static let host = PullPlatform(os: "linux", architecture: "amd64", variant: nil)

    public init(os: String, architecture: String, variant: String?) {
        self.os = os; self.architecture = architecture; self.variant = variant
    }

    static let knownOS: Set<String> = ["linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos",
                                       "aix", "android", "dragonfly", "ios", "js", "plan9", "wasip1"]
    static let architectures: [String: (String, String?)] = [
        "amd64": ("amd64", nil), "x86_64": ("amd64", nil), "x86-64": ("amd64", nil), "386": ("386", nil), "i386": ("386", nil),
        "arm64": ("arm64", nil), "aarch64": ("arm64", nil), "armhf": ("arm", "v7"), "armel": ("arm", "v6"), "arm": ("arm", nil),
        "ppc64le": ("ppc64le", nil), "s390x": ("s390x", nil), "riscv64": ("riscv64", nil), "mips64le": ("mips64le", nil),
        "loong64": ("loong64", nil), "wasm": ("wasm", nil),
    ]

    public init(parsing s: String) throws {
        let parts = s.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let invalid = HoistError.invalid("\"\(s)\": unknown operating system or architecture: invalid argument")
        switch parts.count {
        case 1:
            if Self.knownOS.contains(parts[0]) { self.init(os: parts[0], architecture: "amd64", variant: nil); return }
            guard let (arch, variant) = Self.architectures[parts[0]] else { throw invalid }
            self.init(os: "linux", architecture: arch, variant: variant)
        case 2, 3:
            guard Self.knownOS.contains(parts[0]), let (arch, defaultVariant) = Self.architectures[parts[1]] else { throw invalid }
            var variant = parts.count == 3 ? parts[2] : defaultVariant
            if arch == "arm64" && variant == "v8" { variant = nil }  // arm64 is v8 unless said otherwise
            if parts.count == 3 && parts[2].isEmpty { throw invalid }
            self.init(os: parts[0], architecture: arch, variant: variant)
        default:
            throw invalid
        }
    }

    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }
}

enum PlatformSelection {
    static func select(_ index: Index, platform: PullPlatform = .host) -> Descriptor? {
        let candidates = index.manifests.filter { d in
            guard let p = d.platform else { return false }
            return p.os == platform.os && p.architecture == platform.architecture
                && (platform.variant == nil || p.variant == platform.variant
                    || (platform.architecture == "arm64" && platform.variant == nil && p.variant == "v8"))
                && (d.mediaType == MediaType.ociManifest || d.mediaType == MediaType.dockerManifest)
        }
        // The plain architecture first; a variant (v2, v3) only when nothing plainer is there.
        return candidates.first { ($0.platform?.variant ?? "").isEmpty } ?? candidates.first
    }
}

extension RegistryClient {
    /// `GET /v2/<name>/tags/list` (`pull -a`), sorted.
    public func listTags(repository: String, display: Reference) async throws -> [String] {
        let path = "/v2/\(repository)/tags/list"
        let resp = try await send(.GET, path, scopes: ["repository:\(repository):pull"], timeout: .seconds(120))
        let body: ByteBuffer
        do { body = try await resp.body.collect(upTo: 16 << 20) } catch {
            throw RegistryClient.transportError(error, method: .GET, url: url(path))
        }
        guard resp.status == .ok else {
            if let e = RegistryError.parse(status: resp.status, body: body) { throw RegistryClient.pullError(e, ref: display) }
            throw RegistryError.from(status: resp.status, body: body, fallback: "unexpected status \(resp.status.code) listing tags of \(display.familiarRepository)")
        }
        struct Tags: Decodable { var tags: [String]? }
        let tags = (try? JSONDecoder().decode(Tags.self, from: Data(body.readableBytesView)))?.tags ?? []
        return tags.sorted()
    }
}
