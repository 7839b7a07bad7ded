import DevTools
import Store

/// The events of one issue, in the order they arrived: processed one after another, while other issues' lanes run
/// beside it.
struct Lane: Sendable {
    var key: String
    var tool: String
    var entries: [Entry]
    /// The key stored with each event's claim, so no replica runs an issue's events out of order; nil for an event that
    /// names no issue (nothing is ordered against it).
    var storedKey: String? = nil

    /// An event and what its adapter parsed from its payload (read once, for its lane and its decision).
    struct Entry: Sendable {
        var event: StoredEvent
        var parsed: Result<WebhookEvent, any Error>?
    }

    /// Events grouped by the issue they are about (`subject`, nil for none: a lane of its own), each lane in arrival
    /// order, lanes in the order of their first event.
    static func group(_ keyed: [(subject: String?, entry: Entry)]) -> [Lane] {
        var lanes: [Lane] = []
        var index: [String: Int] = [:]
        for (subject, entry) in keyed {
            let key = subject ?? "event \(entry.event.id)"
            if let position = index[key] {
                lanes[position].entries.append(entry)
            } else {
                index[key] = lanes.count
                lanes.append(Lane(key: key, tool: entry.event.tool, entries: [entry], storedKey: subject))
            }
        }
        return lanes
    }
}

/// Which lanes run now, in one pass of the progress processor. Lanes are admitted as their events are read (the pass
/// reads more whenever a lane ends, so events arriving mid-pass do not wait for the slowest lane of the batch), start
/// in the order their first events arrived while the caps allow, and a lane never starts while another of the same
/// key runs. A value: the processor owns one per pass; tested on its own.
struct LaneSchedule {
    let maxLanes: Int
    let maxLanesPerTool: Int
    /// Admitted lanes not started yet, in arrival order.
    private(set) var waiting: [Lane] = []
    private(set) var runningKeys: Set<String> = []
    private(set) var runningByTool: [String: Int] = [:]
    /// Every event admitted in this pass, run or not: never admitted twice (an event whose claim was refused, because an
    /// earlier one of its issue waits for a retry, is not read again and again within the pass).
    private(set) var held: Set<Int64> = []

    init(maxLanes: Int, maxLanesPerTool: Int) {
        self.maxLanes = max(1, maxLanes)
        self.maxLanesPerTool = max(1, maxLanesPerTool)
    }

    var running: Int { runningKeys.count }
    var isIdle: Bool { waiting.isEmpty && runningKeys.isEmpty }
    /// Few enough events wait that reading more is worth it when a lane ends.
    var wantsMore: Bool { waiting.reduce(0) { $0 + $1.entries.count } < maxLanes }

    /// Adds what was read, but events already admitted: joins a waiting lane of the same key (one lane a key waits),
    /// or waits as a new lane.
    mutating func admit(_ lanes: [Lane]) {
        for var lane in lanes {
            lane.entries.removeAll { held.contains($0.event.id) }
            guard !lane.entries.isEmpty else { continue }
            held.formUnion(lane.entries.map(\.event.id))
            if let position = waiting.firstIndex(where: { $0.key == lane.key }) {
                waiting[position].entries += lane.entries
            } else {
                waiting.append(lane)
            }
        }
    }

    /// The first waiting lane the caps allow, whose key is not running and whose tool `allowed` says may go; marked
    /// running.
    mutating func start(allowed: (String) -> Bool = { _ in true }) -> Lane? {
        guard running < maxLanes, let index = waiting.firstIndex(where: {
            !runningKeys.contains($0.key) && runningByTool[$0.tool, default: 0] < maxLanesPerTool && allowed($0.tool)
        }) else { return nil }
        let lane = waiting.remove(at: index)
        runningKeys.insert(lane.key)
        runningByTool[lane.tool, default: 0] += 1
        return lane
    }

    mutating func finish(_ lane: Lane) {
        runningKeys.remove(lane.key)
        runningByTool[lane.tool, default: 1] -= 1
        if runningByTool[lane.tool] == 0 { runningByTool[lane.tool] = nil }
    }

    /// Forgets the waiting lanes `drop` says may not start in this pass (an open breaker, a paused tool): their events
    /// stay due in the log, unclaimed.
    mutating func dropWaiting(where drop: (Lane) -> Bool) {
        waiting.removeAll(where: drop)
    }
}
