import HTTPServer

/// libFuzzer entry point. Besides "never crash", it checks one property: the decoder's result does not depend
/// on how the bytes are split across reads (the first input byte picks the split point).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    let whole = decode([bytes[...]])
    let pieces = decode([bytes[..<split], bytes[split...]])
    if whole != pieces {
        fatalError("split at \(split) changed the result:\n\(whole)\nvs\n\(pieces)")
    }
    return 0
}

func decode(_ pieces: [ArraySlice<UInt8>]) -> [String] {
    var limits = HTTPLimits()
    limits.requestLine = 256
    limits.headerSection = 1024
    limits.headerFields = 16
    limits.chunkExtension = 64
    limits.body = 4096
    var decoder = HTTPRequestDecoder(limits: limits)
    var results: [String] = []
    for piece in pieces {
        decoder.append(piece)
        do {
            while let event = try decoder.next() {
                if case .request(let head, let body) = event {
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
