#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The few file operations the registry store needs, with the durability rules it relies
/// on: content reaches its final name only by `rename` after `fsync`.
enum RegistryFiles {
    static func errorText(_ op: String, _ path: String, _ err: Int32 = errno) -> DistributionError {
        DistributionError(.unknown, "\(op) \(path): \(String(cString: strerror(err)))")
    }

    static func makeDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DistributionError(.unknown, "cannot create \(path): \(error.localizedDescription)")
        }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Names in a directory (no `.`/`..`), empty when it does not exist.
    static func list(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Array(data)
    }

    static func readString(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func remove(_ path: String) {
        _ = try? FileManager.default.removeItem(atPath: path)
    }

    static func writeAll(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int, path: String) throws {
        var offset = 0
        while offset < count {
            let n = write(fd, base + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw errorText("cannot write", path)
            }
            offset += n
        }
    }

    static func fsyncPath(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw errorText("cannot open", path) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw errorText("cannot fsync", path) }
    }

    /// Makes `path`'s parent directories, then renames `temp` to `path` and syncs the directory.
    static func publish(_ temp: String, as path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !isDirectory(parent) { try makeDirectories(parent) }
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw errorText("cannot rename to", path, e)
        }
        try fsyncPath(parent)
    }

    /// Writes `bytes` to a new file in `tempDir`, fsyncs it and renames it to `path`.
    static func writeAtomically(_ bytes: [UInt8], to path: String, tempDir: String) throws {
        let temp = "\(tempDir)/\(UUID().uuidString.lowercased()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw errorText("cannot create", temp) }
        do {
            try bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress { try writeAll(fd, base, raw.count, path: temp) }
            }
            guard fsync(fd) == 0 else { throw errorText("cannot fsync", temp) }
        } catch {
            _ = close(fd)
            unlink(temp)
            throw error
        }
        guard close(fd) == 0 else {
            unlink(temp)
            throw errorText("cannot write", temp)
        }
        try publish(temp, as: path)
    }
}
