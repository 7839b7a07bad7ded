import CCrypto
import Support

/// HMAC-SHA256 signatures of webhook bodies, with OpenSSL's libcrypto (never hand-rolled).
public enum WebhookSignature {
    /// Lowercase hex HMAC-SHA256 of `body` under `secret`.
    public static func hmacSHA256Hex(secret: String, body: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let key = Array(secret.utf8)
        _ = key.withUnsafeBytes { keyBytes in
            body.withUnsafeBytes { bodyBytes in
                HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count), bodyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    bodyBytes.count, &digest, &length)
            }
        }
        return Digest.hex(digest.prefix(Int(length)))
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
