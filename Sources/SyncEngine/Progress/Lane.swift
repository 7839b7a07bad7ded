import DevTools
import Store

/// The events of one issue, in the order they arrived: processed one after another, while other issues' lanes run
/// beside it.
struct Lane: Sendable {
    var key: String
    var tool: String
    var entries: [Entry]

    /// An event and what its adapter parsed from its payload (read once, for its lane and its decision).
    struct Entry: Sendable {
        var event: StoredEvent
        var parsed: Result<WebhookEvent, any Error>?
    }

    /// Events grouped by their lane key, each lane in arrival order, lanes in the order of their first event.
    static func group(_ keyed: [(key: String, entry: Entry)]) -> [Lane] {
        var lanes: [Lane] = []
        var index: [String: Int] = [:]
        for (key, entry) in keyed {
            if let position = index[key] {
                lanes[position].entries.append(entry)
            } else {
                index[key] = lanes.count
                lanes.append(Lane(key: key, tool: entry.event.tool, entries: [entry]))
            }
        }
        return lanes
    }
}
