import Support

/// HMAC-SHA256 signatures of webhook bodies, with OpenSSL's libcrypto (never hand-rolled).
public enum WebhookSignature {
    /// Lowercase hex HMAC-SHA256 of `body` under `secret`.
    public static func hmacSHA256Hex(secret: String, body: [UInt8]) -> String {
        Digest.hmacSHA256Hex(key: secret, message: body)
    }

    /// True when `provided` (e.g. `sha256=<hex>`) matches `prefix + hex(HMAC)` for one of `secrets`, compared in
    /// constant time with `CRYPTO_memcmp` so the comparison leaks nothing about how much matched.
    public static func matches(provided: String?, prefix: String, secrets: [String], body: [UInt8]) -> Bool {
        guard let provided else { return false }
        let expected = secrets.filter { !$0.isEmpty }.map { prefix + hmacSHA256Hex(secret: $0, body: body) }
        return anyMatches(presented: [provided.lowercased()], expected: expected)
    }

    /// Whether any presented value equals any expected one (a secret itself, for tools that send it back instead of
    /// signing). Every pair is compared in constant time, so the time taken tells neither which matched nor how much.
    public static func anyMatches(presented: [String], expected: [String]) -> Bool {
        var matched = false
        for value in presented {
            for candidate in expected where !candidate.isEmpty && ConstantTime.equals(value, candidate) { matched = true }
        }
        return matched
    }
}
