import Compression

/// Serialises a response for the wire: framing headers, `Date`, `Connection`, and gzip when it pays.
struct ResponseEncoder {
    var compressionThreshold: Int

    func encode(
        _ response: HTTPResponse, for head: HTTPRequestHead?, requestID: String?, keepAlive: Bool
    ) -> [UInt8] {
        var headers = response.headers
        var body = response.body
        if let head, shouldCompress(response, acceptEncoding: head.headers.values(.acceptEncoding)),
            let compressed = try? Zlib.compress(body, framing: .gzip)
        {
            body = compressed
            headers[.contentEncoding] = "gzip"
        }
        if head != nil && response.status.code >= 200 {
            // The answer depends on Accept-Encoding once compression is possible (RFC 9110 §12.5.5).
            if response.body.count > compressionThreshold && !headers.contains(.vary) {
                headers[.vary] = "Accept-Encoding"
            }
        }
        // RFC 9110 §8.6: no Content-Length in 1xx or 204 responses.
        let mayHaveBody = response.status.code >= 200 && response.status.code != 204 && response.status.code != 304
        if mayHaveBody { headers[.contentLength] = String(body.count) }
        headers[.date] = HTTPDate.now()
        if !keepAlive {
            headers[.connection] = "close"
        } else if head?.version == .http1_0 {
            headers[.connection] = "keep-alive"
        }
        if let requestID { headers[.requestID] = requestID }

        var output: [UInt8] = []
        output.reserveCapacity(128 + headers.count * 32 + body.count)
        // RFC 9110 §6.2: a server sends the highest minor version it conforms to.
        output.append(contentsOf: "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\n".utf8)
        for field in headers {
            output.append(contentsOf: field.name.rawName.utf8)
            output.append(contentsOf: ": ".utf8)
            output.append(contentsOf: field.value.utf8)
            output.append(contentsOf: "\r\n".utf8)
        }
        output.append(contentsOf: "\r\n".utf8)
        // RFC 9110 §9.3.2: HEAD gets the headers GET would, and no content.
        if mayHaveBody && head?.method != .head { output.append(contentsOf: body) }
        return output
    }

    private func shouldCompress(_ response: HTTPResponse, acceptEncoding: [String]) -> Bool {
        response.body.count > compressionThreshold
            && !response.headers.contains(.contentEncoding)
            && response.status.code >= 200 && response.status.code != 204
            && Self.acceptsGzip(acceptEncoding)
    }

    /// RFC 9110 §12.5.3: `gzip` (or `*`) listed with a non-zero weight.
    static func acceptsGzip(_ values: [String]) -> Bool {
        var gzip: Double?
        var wildcard: Double?
        for element in values.flatMap({ $0.split(separator: ",") }) {
            let parameters = element.split(separator: ";").map { $0.trimmingOWS().lowercased() }
            guard let coding = parameters.first else { continue }
            var weight = 1.0
            for parameter in parameters.dropFirst() where parameter.hasPrefix("q=") {
                weight = Double(parameter.dropFirst(2)) ?? 0
            }
            if coding == "gzip" || coding == "x-gzip" { gzip = weight }
            if coding == "*" { wildcard = weight }
        }
        return (gzip ?? wildcard ?? 0) > 0
    }
}
