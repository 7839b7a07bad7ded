import Testing
@testable import Compression

@Suite("zlib deflate and inflate")
struct ZlibTests {
    static let text = Array(String(repeating: "craft-sync keeps Craft.io and the dev tool in step. ", count: 200).utf8)

    @Test("what is compressed decompresses to the same bytes, in both framings", arguments: [Zlib.Framing.gzip, .zlib])
    func roundTrip(_ framing: Zlib.Framing) throws {
        let compressed = try Zlib.compress(Self.text, framing: framing)
        #expect(compressed.count < Self.text.count / 10)
        #expect(try Zlib.decompress(compressed, framing: framing) == Self.text)
    }

    @Test("gzip output starts with the gzip magic number (RFC 1952 §2.3.1)")
    func gzipMagic() throws {
        #expect(Array(try Zlib.compress(Self.text, framing: .gzip).prefix(2)) == [0x1F, 0x8B])
    }

    @Test("inflating past the limit stops with tooLarge, whatever the input's size: a bomb costs nothing")
    func limit() throws {
        let bomb = try Zlib.compress([UInt8](repeating: 0, count: 8 << 20), framing: .gzip)
        #expect(bomb.count < 64 * 1024)
        #expect(throws: CompressionError.tooLarge(limit: 1 << 20)) { try Zlib.decompress(bomb, framing: .gzip, limit: 1 << 20) }
        #expect(try Zlib.decompress(bomb, framing: .gzip, limit: 8 << 20).count == 8 << 20)
    }

    @Test("corrupt input, truncated input and bytes after the stream are refused", arguments: ["corrupt", "truncated", "trailing"])
    func refused(_ kind: String) throws {
        var bytes = try Zlib.compress(Self.text, framing: .gzip)
        switch kind {
        case "corrupt": bytes[bytes.count / 2] ^= 0xFF
        case "truncated": bytes.removeLast(bytes.count / 2)
        default: bytes += [1, 2, 3]
        }
        #expect(throws: CompressionError.self) { try Zlib.decompress(bytes, framing: .gzip) }
    }
}
