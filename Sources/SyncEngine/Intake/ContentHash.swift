import CCrypto
import Foundation
import CraftAPI

/// A fingerprint of the item fields that are synced, to notice edits made in Craft.io after the issue was
/// created (the integration guide warns they misalign the two tools). SHA-256 from libcrypto.
enum ContentHash {
    static func of(_ item: CraftItem) -> String {
        let fields = [item.title, item.description ?? "", item.type ?? "", item.importance?.name ?? "", (item.labels ?? []).sorted().joined(separator: ",")]
        let bytes = Array(fields.joined(separator: "\u{1F}").utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { buffer in _ = SHA256(buffer.baseAddress, buffer.count, &digest) }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
