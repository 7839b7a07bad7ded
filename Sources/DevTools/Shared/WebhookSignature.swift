import Compression
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

/// How a tool proves that a delivery is its own, which decides what must be read to check it (and so what an
/// unauthenticated request can cost us).
public enum WebhookAuthentication: Sendable, Equatable {
    /// The shared secret itself comes back in a header (GitLab's `X-Gitlab-Token`; Azure DevOps' Basic password or
    /// a custom header): checked from the headers alone, before any of the body is decoded or read.
    case secretInHeader
    /// An HMAC-SHA256 of the payload in `header`, as `prefix` + lowercase hex. The MAC is over the payload bytes as
    /// the tool produced them, before any `Content-Encoding` (GitHub's `X-Hub-Signature-256` and Jira's
    /// `X-Hub-Signature`, both `sha256=`; Linear's `Linear-Signature`, bare hex). Only the body is signed, not the
    /// delivery id or the event header, so a captured body can be sent again under a new delivery id.
    case bodySignature(header: String, prefix: String)
}

extension WebhookSignature {
    /// Whether the inflated form of a gzip `body` carries one of `secrets`' signatures, computed while inflating
    /// so the inflated bytes are never held: an unsigned bomb costs CPU time on a worker, not memory. False for a
    /// body that is not valid gzip or inflates past `limit`.
    public static func matchesInflated(
        provided: String?, prefix: String, secrets: [String], gzipBody: [UInt8], limit: Int
    ) -> Bool {
        guard let provided else { return false }
        let macs = secrets.filter { !$0.isEmpty }.compactMap { StreamingHMAC(key: $0) }
        guard !macs.isEmpty else { return false }
        do {
            try Zlib.inflate(gzipBody, framing: .gzip, limit: limit) { piece in
                for mac in macs { mac.update(UnsafeRawBufferPointer(piece)) }
            }
        } catch {
            return false
        }
        return anyMatches(presented: [provided.lowercased()], expected: macs.map { prefix + $0.finalHex() })
    }
}

extension WebhookSource {
    /// For a tool whose `webhookAuthentication` is a body signature: whether `body` carries one of `secrets`'.
    public func bodySignatureMatches(headers: [String: String], body: [UInt8], secrets: [String]) -> Bool {
        guard case .bodySignature(let header, let prefix) = webhookAuthentication else { return false }
        return WebhookSignature.matches(provided: headers[header], prefix: prefix, secrets: secrets, body: body)
    }
}
