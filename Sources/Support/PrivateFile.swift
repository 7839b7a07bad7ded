#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files only their owner may read: the database (SQLite gives its -wal and -shm files the database file's
/// mode), backups, and written configurations, which hold credentials. Created mode 0600 whatever the umask.
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let code: Int32
        public var description: String { "cannot create \(path) with owner-only permissions: \(String(cString: strerror(code)))" }
    }

    /// Creates `path` empty with mode 0600 if it does not exist; leaves an existing file as it is.
    public static func create(_ path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        guard errno == EEXIST else { throw Failure(path: path, code: errno) }
    }

    /// Writes `contents` to `path`, replacing what was there, leaving the file mode 0600.
    public static func write(_ contents: [UInt8], to path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: path, code: errno) }
        defer { close(descriptor) }
        // An existing file keeps its mode through O_TRUNC: tighten it before anything secret is written.
        guard fchmod(descriptor, 0o600) == 0 else { throw Failure(path: path, code: errno) }
        var written = 0
        while written < contents.count {
            let count = contents[written...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, code: errno)
            }
            written += count
        }
    }
}

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}
