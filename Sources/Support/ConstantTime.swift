import CCrypto

/// Comparisons of secrets that take the same time however much matches (OpenSSL's `CRYPTO_memcmp`).
public enum ConstantTime {
    public static func equals(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return left.withUnsafeBytes { l in right.withUnsafeBytes { r in CRYPTO_memcmp(l.baseAddress, r.baseAddress, l.count) } } == 0
    }
}
