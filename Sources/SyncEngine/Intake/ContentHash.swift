import CraftAPI
import DevTools
import Foundation
import Support

/// The item fields that are synced, as an issue was created from them: hashed to notice edits made in Craft.io
/// after the create (the integration guide warns they misalign the two tools), and kept whole so a dry run can say
/// which field changed and how.
struct SyncedContent: Codable, Equatable, Sendable {
    var title: String
    var description: String
    var type: String
    var priority: String
    var labels: [String]

    init(_ item: CraftItem) {
        title = item.title
        description = item.description ?? ""
        type = item.type ?? ""
        priority = item.importance?.name ?? ""
        labels = (item.labels ?? []).sorted()
    }

    var hash: String {
        let fields = [title, description, type, priority, labels.joined(separator: ",")]
        return Digest.sha256Hex(Array(fields.joined(separator: "\u{1F}").utf8))
    }

    var json: String? { (try? JSONEncoder.sortedKeys.encode(self)).map { String(decoding: $0, as: UTF8.self) } }

    init?(json: String?) {
        guard let json, let decoded = try? JSONDecoder().decode(Self.self, from: Data(json.utf8)) else { return nil }
        self = decoded
    }

    /// The fields that differ from `earlier`, by name, with both values.
    func changes(since earlier: SyncedContent) -> [FieldChange] {
        var changes: [FieldChange] = []
        func compare(_ name: String, _ old: String, _ new: String) {
            if old != new { changes.append(FieldChange(field: name, before: old, after: new)) }
        }
        compare("title", earlier.title, title)
        compare("description", earlier.description, description)
        compare("type", earlier.type, type)
        compare("priority", earlier.priority, priority)
        compare("labels", earlier.labels.joined(separator: ", "), labels.joined(separator: ", "))
        return changes
    }
}

/// One field of a linked item that changed in Craft.io after its issue was created.
public struct FieldChange: Sendable, Equatable {
    public var field: String
    public var before: String
    public var after: String
}

enum ContentHash {
    static func of(_ item: CraftItem) -> String { SyncedContent(item).hash }
}

extension JSONEncoder {
    static let sortedKeys: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
