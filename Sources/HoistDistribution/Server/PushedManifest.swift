import Foundation
import HoistOCI

/// A manifest as a client pushes it: checked for shape and media type, kept byte for byte.
/// Only the fields the registry acts on are read (references, subject, artifact type);
/// everything else passes through untouched so the digest stays the client's.
struct PushedManifest {
    static let maxSize = 4 << 20

    enum Kind { case image, index }

    let kind: Kind
    let mediaType: String
    /// Blobs (config and layers) an image manifest needs in the repository.
    let blobs: [Digest]
    /// Manifests an index needs in the repository.
    let manifests: [Digest]
    let subject: Digest?
    let artifactType: String?
    let annotations: [String: String]?

    static let imageTypes: Set<String> = [MediaType.ociManifest, MediaType.dockerManifest]
    static let indexTypes: Set<String> = [MediaType.ociIndex, MediaType.dockerManifestList]

    /// `contentType`: the request's Content-Type (its parameters dropped), if any.
    init(bytes: [UInt8], contentType: String?) throws {
        func invalid(_ why: String) -> DistributionError { DistributionError(.manifestInvalid, "manifest invalid", detail: why) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw invalid("the manifest is not a JSON object")
        }
        let declared = object["mediaType"] as? String
        if let declared, let contentType, declared != contentType {
            throw invalid("mediaType \"\(declared)\" in the manifest does not match Content-Type \"\(contentType)\"")
        }
        if let v = object["schemaVersion"] as? Int, v != 2 {
            throw DistributionError(.manifestInvalid, "manifest invalid", detail: "schemaVersion \(v) is not supported")
        }
        let hasConfig = object["config"] != nil, hasManifests = object["manifests"] != nil
        var type = contentType ?? declared
        if type == nil || !(Self.imageTypes.contains(type!) || Self.indexTypes.contains(type!)) {
            // An unknown or missing type: the body's shape decides how it is checked, the
            // pushed type (if any) is still what the registry serves it as.
            guard hasConfig || hasManifests else { throw invalid("unsupported manifest media type \"\(type ?? "")\"") }
        }
        if type == nil { type = hasManifests ? MediaType.ociIndex : MediaType.ociManifest }
        mediaType = type!
        let isIndex = Self.indexTypes.contains(mediaType) || (!Self.imageTypes.contains(mediaType) && hasManifests)

        func descriptor(_ any: Any?, _ what: String) throws -> (Digest, [String: Any]) {
            guard let d = any as? [String: Any], let s = d["digest"] as? String, let digest = try? Digest(parsing: s) else {
                throw invalid("\(what) has no valid digest")
            }
            return (digest, d)
        }
        if isIndex {
            kind = .index
            guard let list = object["manifests"] as? [Any] else { throw invalid("an index needs a \"manifests\" array") }
            manifests = try list.map { try descriptor($0, "a manifest entry").0 }
            blobs = []
        } else {
            kind = .image
            let config = try descriptor(object["config"], "config")
            guard let layers = object["layers"] as? [Any] else { throw invalid("an image manifest needs a \"layers\" array") }
            var needed = [config.0]
            for layer in layers {
                let (d, fields) = try descriptor(layer, "a layer")
                // Non-distributable layers (with `urls`) live elsewhere.
                if fields["urls"] == nil { needed.append(d) }
            }
            blobs = needed
            manifests = []
        }
        subject = try object["subject"].map { try descriptor($0, "subject").0 }
        let configType = (object["config"] as? [String: Any])?["mediaType"] as? String
        artifactType = (object["artifactType"] as? String) ?? (kind == .image ? configType : nil)
        annotations = object["annotations"] as? [String: String]
    }

    /// Its descriptor as the referrers API lists it.
    func referrerDescriptor(digest: Digest, size: Int) -> [UInt8] {
        var d: [String: Any] = ["mediaType": mediaType, "digest": digest.description, "size": size]
        if let artifactType { d["artifactType"] = artifactType }
        if let annotations { d["annotations"] = annotations }
        return Array((try? JSONSerialization.data(withJSONObject: d, options: [.sortedKeys])) ?? Data())
    }

    /// Media type from a Content-Type header value (parameters such as charset dropped).
    static func baseType(_ header: String?) -> String? {
        guard let header else { return nil }
        let base = header.split(separator: ";", maxSplits: 1).first.map { String($0).registryTrimmed() } ?? ""
        return base.isEmpty ? nil : base
    }
}
