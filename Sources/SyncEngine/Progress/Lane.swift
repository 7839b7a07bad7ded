import Store

/// The events of one issue, in the order they arrived: processed one after another, while other issues' lanes run
/// beside it.
struct Lane: Sendable {
    var key: String
    var tool: String
    var events: [StoredEvent]

    /// Events grouped by their lane key, each lane in arrival order, lanes in the order of their first event.
    static func group(_ keyed: [(key: String, event: StoredEvent)]) -> [Lane] {
        var lanes: [Lane] = []
        var index: [String: Int] = [:]
        for (key, event) in keyed {
            if let position = index[key] {
                lanes[position].events.append(event)
            } else {
                index[key] = lanes.count
                lanes.append(Lane(key: key, tool: event.tool, events: [event]))
            }
        }
        return lanes
    }
}
