import Foundation
import HoistOCI

/// The cache key of a build step, as Docker's classic builder compares steps: the parent
/// image, the step's history text (the instruction after substitution; for COPY/ADD it
/// carries the sources' content checksum; for RUN the build args it sees) and the config
/// the step leaves behind (ENV, USER, WORKDIR... as they stand after it).
public enum BuildCacheKey {
    public static func compute(parentID: String?, createdBy: String, config: ContainerDefaults, author: String? = nil) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let configJSON = (try? encoder.encode(config)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var text = "hoist-build-cache-v1\n"
        text += "parent \(parentID ?? "scratch")\n"
        text += "created_by \(createdBy)\n"
        text += "author \(author ?? "")\n"
        text += "config \(configJSON)\n"
        return Digest.sha256(of: Array(text.utf8)).hex
    }
}
