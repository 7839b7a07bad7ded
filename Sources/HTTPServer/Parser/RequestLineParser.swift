/// Parses `method SP request-target SP HTTP-version` (RFC 9112 §3).
enum RequestLineParser {
    static func parse(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        // RFC 9112 §3: exactly one SP between the parts. Other whitespace MAY be accepted; we do not,
        // since lenient splitting is a request-smuggling vector.
        let parts = line.split(separator: ByteClass.space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedRequestLine("expected method, target and version") }
        let (methodBytes, targetBytes, versionBytes) = (parts[0], parts[1], parts[2])

        guard ByteClass.isToken(methodBytes) else { throw .invalidMethod }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy(ByteClass.isTargetByte) else {
            throw .invalidTarget("empty or has characters outside visible ASCII")
        }
        let version = try parseVersion(versionBytes)
        return (
            HTTPMethod(String(decoding: methodBytes, as: UTF8.self)),
            String(decoding: targetBytes, as: UTF8.self),
            version
        )
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3). Anything else is malformed (400);
    /// a well-formed version other than 1.x is answered 505 (RFC 9110 §15.6.6).
    static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        let text = Array(bytes)
        guard text.count == 8, text[0..<5] == Array("HTTP/".utf8)[...],
            ByteClass.isDigit(text[5]), text[6] == UInt8(ascii: "."), ByteClass.isDigit(text[7])
        else {
            throw .malformedRequestLine("invalid HTTP version")
        }
        let version = HTTPVersion(major: Int(text[5] - 48), minor: Int(text[7] - 48))
        guard version.major == 1 else { throw .unsupportedVersion(version.description) }
        // RFC 9110 §6.2: a higher minor version of a major version we implement is handled as the highest we know.
        return version.minor == 0 ? .http1_0 : .http1_1
    }
}
