#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HoistArchive
import HoistCore
import HoistOCI
import HoistStore
import HoistSys

/// `save` and `load`: image archives in Docker 25's format, which is both a docker-archive
/// (`manifest.json`, `repositories`) and an OCI image layout (`oci-layout`, `index.json`,
/// `blobs/sha256/...`). Load reads either kind; every blob is verified by its digest and an
/// image is recorded only once all its blobs are in the content store.
extension Engine {
    /// Writes the archive of `names` (tags or IDs) to a temporary file; the caller removes it.
    public func saveImages(_ names: [String]) async throws -> String {
        guard !names.isEmpty else { throw HoistError.invalid("no images specified") }
        // Resolve everything first: an unknown name fails before any work.
        var order: [String] = []
        var byID: [String: (image: ImageRecord, tags: [Reference])] = [:]
        for name in names {
            let img = try images.resolve(name)
            if byID[img.id] == nil { order.append(img.id); byID[img.id] = (img, []) }
            // A name that is a tag (not an ID) is saved with the image.
            let isID = img.id == name || img.id.hasPrefix("sha256:" + name) || img.id.hasPrefix(name)
            if !isID, let ref = try? Reference(parsing: name), ref.digest == nil, !byID[img.id]!.tags.contains(ref) {
                byID[img.id]!.tags.append(ref)
            }
        }
        let stage = try FileSystem.makeTempDir(in: paths.tmp, prefix: "save-")
        defer { try? FileSystem.removeTree(stage) }
        try FileSystem.mkdirAll(stage + "/blobs/sha256", mode: 0o755)
        var manifestEntries: [[String: Any]] = []
        var indexEntries: [[String: Any]] = []
        var repositories: [String: [String: String]] = [:]
        for id in order {
            let (img, tags) = byID[id]!
            let manifestBytes = try images.manifestBytes(of: img)
            let manifest = try images.manifest(of: img)
            let manifestDigest = try Digest(parsing: img.manifestDigest)
            try placeBlob(manifestDigest, in: stage)
            try placeBlob(manifest.config.digest, in: stage)
            for l in manifest.layers { try placeBlob(l.digest, in: stage) }
            let layerPaths = manifest.layers.map { "blobs/sha256/\($0.digest.hex)" }
            manifestEntries.append([
                "Config": "blobs/sha256/\(manifest.config.digest.hex)",
                "RepoTags": tags.map(\.familiarString),
                "Layers": layerPaths,
            ])
            let mediaType = manifest.mediaType ?? MediaType.ociManifest
            let base: [String: Any] = ["mediaType": mediaType, "digest": manifestDigest.description, "size": manifestBytes.count]
            if tags.isEmpty {
                indexEntries.append(base)
            } else {
                for t in tags {
                    var e = base
                    e["annotations"] = ["io.containerd.image.name": t.description,
                                        "org.opencontainers.image.ref.name": t.tag ?? "latest"]
                    indexEntries.append(e)
                    if let top = manifest.layers.last {
                        repositories[t.familiarRepository, default: [:]][t.tag ?? "latest"] = top.digest.hex
                    }
                }
            }
        }
        func json(_ v: Any) throws -> [UInt8] {
            [UInt8](try JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .withoutEscapingSlashes]))
        }
        try FileSystem.atomicWrite(stage + "/oci-layout", try json(["imageLayoutVersion": "1.0.0"]))
        try FileSystem.atomicWrite(stage + "/index.json", try json(["schemaVersion": 2, "mediaType": MediaType.ociIndex,
                                                                    "manifests": indexEntries] as [String: Any]))
        try FileSystem.atomicWrite(stage + "/manifest.json", try json(manifestEntries))
        if !repositories.isEmpty { try FileSystem.atomicWrite(stage + "/repositories", try json(repositories)) }
        let tar = try ArchiveOps.writeTar(tmpDir: paths.tmp) { try $0.addContents(of: stage) }
        for id in order { emitImage("save", imageID: id, name: id) }
        return tar
    }

    /// Hardlinks (or copies) a blob of the content store into the staging layout.
    private func placeBlob(_ digest: Digest, in stage: String) throws {
        let dest = "\(stage)/blobs/sha256/\(digest.hex)"
        if FileSystem.exists(dest) { return }
        let src = images.content.path(of: digest)
        guard FileSystem.exists(src) else { throw HoistError.notFound("blob \(digest) not found in the content store") }
        if link(src, dest) == 0 { return }
        try FileSystem.atomicWrite(dest, try FileSystem.readFile(src))
    }

    /// Loads an archive (docker-archive or OCI layout); returns the messages Docker prints
    /// (`Loaded image: busybox:latest`, `Loaded image ID: sha256:...`).
    public func loadImages(tarPath: String) async throws -> [String] {
        let work = try FileSystem.makeTempDir(in: paths.tmp, prefix: "load-")
        defer { try? FileSystem.removeTree(work) }
        let fd = open(tarPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HoistError.internal("cannot open \(tarPath)") }
        do {
            var unpacker = ArchiveUnpacker(destination: work)
            unpacker.ownership = .process
            try unpacker.extract(fd: fd)
            close(fd)
        } catch {
            close(fd)
            throw HoistError.invalid("invalid image archive: \(error)")
        }
        let loader = ArchiveLoader(root: try FileSystem.realPath(work), content: images.content)
        let plans: [ArchiveLoader.Plan]
        if FileSystem.exists(work + "/manifest.json") {
            plans = try loader.dockerArchive()
        } else if FileSystem.exists(work + "/index.json") {
            plans = try loader.ociLayout()
        } else {
            throw HoistError.invalid("invalid image archive: neither manifest.json nor index.json found")
        }
        guard !plans.isEmpty else { throw HoistError.invalid("invalid image archive: no images found") }
        var messages: [String] = []
        for p in plans {
            let img = try images.recordImage(manifestBytes: p.manifestBytes, configBytes: p.configBytes, references: p.references)
            emitImage("load", imageID: img.id, name: img.id)
            if p.references.isEmpty {
                messages.append("Loaded image ID: \(img.id)")
            } else {
                for r in p.references {
                    emitImage("tag", imageID: img.id, name: r.familiarString)
                    messages.append("Loaded image: \(r.familiarString)")
                }
            }
        }
        return messages
    }
}

/// Reads an extracted archive: every blob is streamed into the content store and verified.
struct ArchiveLoader {
    struct Plan { var manifestBytes: [UInt8]; var configBytes: [UInt8]; var references: [Reference] }
    let root: String
    let content: ContentStore

    /// A path inside the archive: no `..`, no escape through symlinks.
    func file(_ rel: String) throws -> String {
        let parts = rel.split(separator: "/")
        guard !rel.hasPrefix("/"), !parts.contains(".."), !parts.isEmpty else {
            throw HoistError.invalid("invalid image archive: bad path \(rel)")
        }
        let joined = root + "/" + rel
        guard let real = try? FileSystem.realPath(joined), real.hasPrefix(root + "/"), !FileSystem.isDirectory(real) else {
            throw HoistError.invalid("invalid image archive: \(rel) is missing")
        }
        return real
    }

    func read(_ rel: String) throws -> [UInt8] { try FileSystem.readFile(try file(rel)) }

    /// The digest a `blobs/<alg>/<hex>` path names.
    static func digest(ofBlobPath rel: String) -> Digest? {
        let parts = rel.split(separator: "/")
        guard parts.count == 3, parts[0] == "blobs" else { return nil }
        return try? Digest(parsing: "\(parts[1]):\(parts[2])")
    }

    /// Streams a file into the content store; returns its descriptor (media type by magic).
    func ingest(_ rel: String, expected: Digest?, expectedSize: Int64? = nil) throws -> Descriptor {
        let path = try file(rel)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HoistError.invalid("invalid image archive: cannot open \(rel)") }
        defer { close(fd) }
        let w = try BlobWriter(store: content)
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var head: [UInt8] = []
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw HoistError.internal("read \(rel): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            if head.count < 4 { head += buf[0..<min(n, 4 - head.count)] }
            try buf.withUnsafeBytes { try w.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        let size = w.count
        let digest: Digest
        do { digest = try w.commit(expected: expected, expectedSize: expectedSize).digest } catch {
            throw HoistError.invalid("invalid image archive: \(rel): \(error)")
        }
        let mediaType: String
        if head.starts(with: [0x1f, 0x8b]) { mediaType = MediaType.ociLayerGzip }
        else if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { mediaType = MediaType.ociLayerZstd }
        else { mediaType = MediaType.ociLayer }
        return Descriptor(mediaType: mediaType, digest: digest, size: size)
    }

    private struct DockerEntry: Decodable { var Config: String; var RepoTags: [String]?; var Layers: [String] }

    func dockerArchive() throws -> [Plan] {
        let entries: [DockerEntry]
        do { entries = try JSONDecoder().decode([DockerEntry].self, from: Data(try read("manifest.json"))) } catch {
            throw HoistError.invalid("invalid image archive: manifest.json: \(error)")
        }
        // Manifests of the OCI layout, if there is one (Docker 25+): kept as they are.
        var ociManifests: [Digest: [UInt8]] = [:]
        if let index = try? JSONDecoder().decode(Index.self, from: Data(try read("index.json"))) {
            for d in index.manifests {
                guard let bytes = try? read("blobs/\(d.digest.algorithm)/\(d.digest.hex)"), Digest.sha256(of: bytes) == d.digest,
                      let m = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else { continue }
                ociManifests[m.config.digest] = bytes
            }
        }
        var plans: [Plan] = []
        for e in entries {
            let configBytes = try read(e.Config)
            let configDigest = Digest.sha256(of: configBytes)
            if let named = Self.digest(ofBlobPath: e.Config), named != configDigest {
                throw HoistError.invalid("invalid image archive: \(e.Config) has digest \(configDigest)")
            }
            var layers: [Descriptor] = []
            for l in e.Layers { layers.append(try ingest(l, expected: Self.digest(ofBlobPath: l))) }
            let configDesc = Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count))
            var manifestBytes: [UInt8]
            if let bytes = ociManifests[configDigest],
               let m = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)), m.layers.map(\.digest) == layers.map(\.digest) {
                manifestBytes = bytes
            } else {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                manifestBytes = [UInt8](try enc.encode(Manifest(config: configDesc, layers: layers)))
            }
            var refs: [Reference] = []
            for t in e.RepoTags ?? [] {
                guard let r = try? Reference(parsing: t), r.digest == nil else {
                    throw HoistError.invalid("invalid image archive: invalid tag \(t)")
                }
                refs.append(r)
            }
            plans.append(Plan(manifestBytes: manifestBytes, configBytes: configBytes, references: refs))
        }
        return plans
    }

    func ociLayout() throws -> [Plan] {
        let index: Index
        do { index = try JSONDecoder().decode(Index.self, from: Data(try read("index.json"))) } catch {
            throw HoistError.invalid("invalid image archive: index.json: \(error)")
        }
        var plans: [Plan] = []
        for d in index.manifests {
            var desc = d
            var bytes = try verifiedBlob(desc)
            if desc.mediaType == MediaType.ociIndex || desc.mediaType == MediaType.dockerManifestList {
                let nested = try JSONDecoder().decode(Index.self, from: Data(bytes))
                let pick = nested.manifests.first { $0.platform?.os == "linux" && $0.platform?.architecture == Self.hostArch }
                    ?? nested.manifests.first
                guard let p = pick else { continue }
                desc = p
                bytes = try verifiedBlob(p)
            }
            let manifest: Manifest
            do { manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes)) } catch {
                throw HoistError.invalid("invalid image archive: manifest \(desc.digest): \(error)")
            }
            let configBytes = try verifiedBlob(manifest.config)
            for l in manifest.layers {
                _ = try ingest("blobs/\(l.digest.algorithm)/\(l.digest.hex)", expected: l.digest, expectedSize: l.size)
            }
            var refs: [Reference] = []
            let ann = d.annotations ?? [:]
            if let name = ann["io.containerd.image.name"], let r = try? Reference(parsing: name), r.digest == nil {
                refs.append(r)
            } else if let name = ann["org.opencontainers.image.ref.name"], name.contains(":") || name.contains("/"),
                      let r = try? Reference(parsing: name), r.digest == nil {
                refs.append(r)
            }
            plans.append(Plan(manifestBytes: bytes, configBytes: configBytes, references: refs))
        }
        return plans
    }

    private func verifiedBlob(_ d: Descriptor) throws -> [UInt8] {
        let bytes = try read("blobs/\(d.digest.algorithm)/\(d.digest.hex)")
        guard Digest.sha256(of: bytes) == d.digest else {
            throw HoistError.invalid("invalid image archive: blob \(d.digest) does not match its digest")
        }
        return bytes
    }

    static var hostArch: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }
}
