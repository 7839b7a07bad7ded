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
        let given = provided.lowercased()
        var matched = false
        // Every secret is checked, so the time taken does not tell which one matched.
        for secret in secrets where !secret.isEmpty {
            if ConstantTime.equals(prefix + hmacSHA256Hex(secret: secret, body: body), given) { matched = true }
        }
        return matched
    }
}
