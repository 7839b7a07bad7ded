import HTTPServer

/// libFuzzer entry point. Besides "never crash", it checks one property: the decoder's result does not depend
/// on how the bytes are split across reads (the first input byte picks the split point).
///
/// Raw bytes rarely spell a chunk size or Content-Length within a few units of an arithmetic edge (Int.max, the
/// body limit), which is where an overflow trap once hid. So an input whose second byte is odd is read as a
/// recipe instead: a request head, then chunks whose sizes are such edges plus or minus the following bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    let bytes = input.count > 1 && input[1] & 1 == 1 ? numericEdges(from: input) : input
    let split = bytes.isEmpty || input.isEmpty ? 0 : Int(input[0]) % (bytes.count + 1)
    let whole = decode([bytes[...]])
    let pieces = decode([bytes[..<split], bytes[split...]])
    if whole != pieces {
        fatalError("split at \(split) changed the result:\n\(whole)\nvs\n\(pieces)")
    }
    return 0
}

let limits: HTTPLimits = {
    var limits = HTTPLimits()
    limits.requestLine = 256
    limits.headerSection = 1024
    limits.headerFields = 16
    limits.chunkExtension = 64
    limits.body = 4096
    return limits
}()

/// Values near which arithmetic on a peer's number could overflow or cross a limit.
let edges: [UInt64] = [
    0, 1, UInt64(limits.body), UInt64(Int.max), UInt64(Int.max) / 16, UInt64(Int32.max), UInt64(UInt32.max),
    UInt64.max,
]

/// Builds a request from a recipe: byte 2 picks chunked or Content-Length framing; each following group of three
/// bytes is an edge (index), a signed offset from it, and how many body bytes to send after it.
func numericEdges(from input: [UInt8]) -> [UInt8] {
    let chunked = input.count > 2 && input[2] & 1 == 0
    var groups = input.dropFirst(3)
    func nextNumber() -> (value: UInt64, sendCount: Int)? {
        guard groups.count >= 3 else { return nil }
        let edge = edges[Int(groups.removeFirst()) % edges.count]
        let offset = Int64(Int8(bitPattern: groups.removeFirst()))
        let value = offset < 0 ? edge &- UInt64(-offset) : edge &+ UInt64(offset)
        return (value, Int(groups.removeFirst()))
    }
    var wire = Array("POST /webhooks/github HTTP/1.1\r\nHost: x\r\n".utf8)
    if chunked {
        wire += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
        while let (size, sendCount) = nextNumber() {
            wire += Array(String(size, radix: 16).utf8) + [13, 10]
            wire += Array(repeating: UInt8(ascii: "a"), count: min(sendCount, Int(clamping: size)))
            wire += [13, 10]
        }
        wire += Array("0\r\n\r\n".utf8)
    } else if let (length, sendCount) = nextNumber() {
        wire += Array("Content-Length: \(length)\r\n\r\n".utf8)
        wire += Array(repeating: UInt8(ascii: "a"), count: sendCount)
    }
    return wire
}

func decode(_ pieces: [ArraySlice<UInt8>]) -> [String] {
    var decoder = HTTPRequestDecoder(limits: limits)
    var results: [String] = []
    for piece in pieces {
        decoder.append(piece)
        do {
            while let event = try decoder.next() {
                switch event {
                case .head(let head):
                    // Exercise the route limit path too, with a limit the head's path bytes pick.
                    if head.bodyFraming != .none { try decoder.limitBody(to: head.path.utf8.count * 64) }
                case .request(let head, let body):
                    results.append("\(head.method) \(head.target) \(head.path) \(head.headers.count) \(body.count) \(head.keepAlive)")
                }
            }
        } catch {
            results.append("error")
            return results
        }
    }
    return results
}
