import CCrypto

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
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// True when `provided` (e.g. `sha256=<hex>`) matches `prefix + hex(HMAC)` for one of `secrets`, compared in
    /// constant time with `CRYPTO_memcmp` so the comparison leaks nothing about how much matched.
    public static func matches(provided: String?, prefix: String, secrets: [String], body: [UInt8]) -> Bool {
        guard let provided else { return false }
        let given = Array(provided.lowercased().utf8)
        var matched = false
        for secret in secrets where !secret.isEmpty {
            let expected = Array((prefix + hmacSHA256Hex(secret: secret, body: body)).utf8)
            guard expected.count == given.count else { continue }
            let equal = expected.withUnsafeBytes { a in given.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) } }
            if equal == 0 { matched = true }
        }
        return matched
    }
}
