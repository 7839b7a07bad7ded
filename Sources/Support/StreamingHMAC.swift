import CCrypto

/// HMAC-SHA256 (RFC 2104) over bytes fed in pieces, through libcrypto's EVP signing interface (not deprecated in
/// OpenSSL 3, unlike `HMAC_CTX`): a body can be checked while it is inflated, without ever being held whole.
///
/// Not `Sendable`: one instance belongs to the code that feeds it.
public final class StreamingHMAC {
    private let context: OpaquePointer
    private let key: OpaquePointer

    /// Nil only if libcrypto cannot allocate.
    public init?(key secret: String) {
        let keyBytes = Array(secret.utf8)
        guard let key = keyBytes.withUnsafeBufferPointer({ EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, nil, $0.baseAddress, $0.count) })
        else { return nil }
        guard let context = EVP_MD_CTX_new() else {
            EVP_PKEY_free(key)
            return nil
        }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            EVP_MD_CTX_free(context)
            EVP_PKEY_free(key)
            return nil
        }
        self.context = context
        self.key = key
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_PKEY_free(key)
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // EVP_DigestSignUpdate is a macro for EVP_DigestUpdate (evp.h).
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    /// The MAC as lowercase hex; call once, after the last `update`.
    public func finalHex() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = digest.count
        _ = EVP_DigestSignFinal(context, &digest, &length)
        return Digest.hex(digest.prefix(length))
    }
}
