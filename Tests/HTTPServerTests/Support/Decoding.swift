import HTTPServer

/// Feeds `wire` to a fresh decoder (all at once, or in pieces of `chunkSize`) and collects complete requests.
func decodeRequests(
    _ wire: String, limits: HTTPLimits = HTTPLimits(), chunkSize: Int? = nil
) throws(HTTPParseError) -> [(head: HTTPRequestHead, body: [UInt8])] {
    try decodeRequests(Array(wire.utf8), limits: limits, chunkSize: chunkSize)
}

func decodeRequests(
    _ bytes: [UInt8], limits: HTTPLimits = HTTPLimits(), chunkSize: Int? = nil
) throws(HTTPParseError) -> [(head: HTTPRequestHead, body: [UInt8])] {
    var decoder = HTTPRequestDecoder(limits: limits)
    var requests: [(head: HTTPRequestHead, body: [UInt8])] = []
    var offset = 0
    repeat {
        let end = min(bytes.count, offset + (chunkSize ?? bytes.count))
        decoder.append(bytes[offset..<end])
        offset = end
        while let event = try decoder.next() {
            if case .request(let head, let body) = event { requests.append((head, body)) }
        }
    } while offset < bytes.count
    return requests
}

/// The error the decoder reports for `wire`, or nil if it parsed (possibly incompletely).
func decodeError(_ wire: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
    do {
        _ = try decodeRequests(wire, limits: limits)
        return nil
    } catch {
        return error
    }
}

extension String {
    /// Test wire text is written with `\n`; the wire uses CRLF.
    var crlf: String { replacingOccurrences(of: "\n", with: "\r\n") }
}
