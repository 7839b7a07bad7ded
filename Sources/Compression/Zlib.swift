import CZlib

/// zlib compression for HTTP bodies (gzip framing, RFC 1952) and stored payloads (zlib framing, RFC 1950).
public enum Zlib {
    /// Which header and trailer wrap the deflate stream. zlib picks it from `windowBits` (zlib.h, deflateInit2).
    public enum Framing: Sendable {
        /// RFC 1950: 2-byte header, Adler-32 trailer. Compact; used for payloads at rest.
        case zlib
        /// RFC 1952: what `Content-Encoding: gzip` carries.
        case gzip

        var windowBits: Int32 {
            switch self {
            case .zlib: 15
            case .gzip: 15 + 16
            }
        }
    }

    /// Compresses `input` in one go.
    public static func compress(_ input: some Collection<UInt8>, framing: Framing, level: Int32 = 6) throws(CompressionError) -> [UInt8] {
        var stream = z_stream()
        guard czlib_deflate_init2(&stream, level, framing.windowBits) == Z_OK else {
            throw CompressionError.initializationFailed
        }
        defer { deflateEnd(&stream) }

        var source = Array(input)
        let bound = Int(deflateBound(&stream, UInt(source.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = source.withUnsafeMutableBufferPointer { sourceBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = sourceBuffer.baseAddress
                stream.avail_in = UInt32(sourceBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        // deflateBound guarantees one Z_FINISH call is enough (zlib.h).
        guard status == Z_STREAM_END else { throw CompressionError.corrupt }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    /// Decompresses `input`, refusing to produce more than `limit` bytes: a few KiB of gzip can inflate to gigabytes.
    public static func decompress(
        _ input: some Collection<UInt8>, framing: Framing, limit: Int = .max
    ) throws(CompressionError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(input.count * 4, 256)))
        try inflate(input, framing: framing, limit: limit) { output.append(contentsOf: $0) }
        return output
    }

    /// Decompresses `input` in pieces of at most 64 KiB handed to `consume`, so a caller that only needs to look at
    /// the output (a signature over it) never holds it whole; stops with `.tooLarge` past `limit` bytes.
    public static func inflate(
        _ input: some Collection<UInt8>, framing: Framing, limit: Int = .max, consume: (UnsafeBufferPointer<UInt8>) -> Void
    ) throws(CompressionError) {
        var stream = z_stream()
        guard czlib_inflate_init2(&stream, framing.windowBits) == Z_OK else {
            throw CompressionError.initializationFailed
        }
        defer { inflateEnd(&stream) }

        var source = Array(input)
        var produced = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var result: Result<Void, CompressionError> = .success(())

        source.withUnsafeMutableBufferPointer { sourceBuffer in
            stream.next_in = sourceBuffer.baseAddress
            stream.avail_in = UInt32(sourceBuffer.count)
            chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                while true {
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    let count = chunkBuffer.count - Int(stream.avail_out)
                    if count > limit - produced {
                        result = .failure(.tooLarge(limit: limit))
                        return
                    }
                    produced += count
                    consume(UnsafeBufferPointer(rebasing: chunkBuffer[0..<count]))
                    switch status {
                    case Z_STREAM_END:
                        // Bytes after the end of the stream are not ours to ignore silently.
                        if stream.avail_in != 0 { result = .failure(.corrupt) }
                        return
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR where stream.avail_in == 0:
                        result = .failure(.truncated)
                        return
                    default:
                        result = .failure(.corrupt)
                        return
                    }
                }
            }
        }
        try result.get()
    }
}

/// Why a body could not be compressed or decompressed.
public enum CompressionError: Error, Equatable, Sendable, CustomStringConvertible {
    case initializationFailed
    case corrupt
    case truncated
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .initializationFailed: "zlib could not be initialised (out of memory?)"
        case .corrupt: "the compressed data is corrupt"
        case .truncated: "the compressed data ends before its stream does"
        case .tooLarge(let limit): "the data decompresses to more than \(limit) bytes"
        }
    }
}
