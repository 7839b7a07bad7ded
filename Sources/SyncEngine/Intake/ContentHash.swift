import CraftAPI
import DevTools
import Support

/// A fingerprint of the item fields that are synced, to notice edits made in Craft.io after the issue was
/// created (the integration guide warns they misalign the two tools).
enum ContentHash {
    static func of(_ item: CraftItem) -> String {
        let fields = [item.title, item.description ?? "", item.type ?? "", item.importance?.name ?? "", (item.labels ?? []).sorted().joined(separator: ",")]
        return Digest.sha256Hex(Array(fields.joined(separator: "\u{1F}").utf8))
    }
}
