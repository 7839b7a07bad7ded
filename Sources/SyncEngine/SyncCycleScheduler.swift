import Foundation
import Logging
import Support

/// Runs the sync cycle — intake of every target, then reconciliation of linked items — once at start and then every
/// `interval`, give or take `jitter` (so replicas and restarts do not hit Craft.io in step). "Sync now" calls the
/// engine directly; its single flight per workspace keeps a manual run and a scheduled one from overlapping.
public struct SyncCycleScheduler: Sendable {
    public let engine: IntakeEngine
    public let targets: [IntakeTarget]
    let interval: Duration
    let jitter: Duration
    let clock: any SyncClock
    let random: @Sendable () -> Double
    /// Runs after each cycle's intake, so a missed webhook is healed within one cycle.
    let reconciler: Reconciler?
    /// Runs after each whole cycle (the service gives memory back to the system there).
    let afterCycle: @Sendable () -> Void

    public init(
        engine: IntakeEngine, targets: [IntakeTarget], interval: Duration, jitter: Duration, clock: any SyncClock,
        reconciler: Reconciler? = nil, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        afterCycle: @escaping @Sendable () -> Void = {}
    ) {
        self.afterCycle = afterCycle
        self.reconciler = reconciler
        self.engine = engine
        self.targets = targets
        self.interval = interval
        self.jitter = jitter
        self.clock = clock
        self.random = random
    }

    /// Runs until the task is cancelled.
    public func run() async {
        var trigger = "startup"
        while !Task.isCancelled {
            _ = await runAll(trigger: trigger)
            trigger = "schedule"
            let wait = nextWait()
            await engine.scheduleNext(at: clock.now().addingTimeInterval(wait.timeInterval))
            do {
                try await clock.sleep(for: wait)
            } catch {
                return
            }
        }
    }

    public func runAll(trigger: String) async -> [IntakeReport] {
        var reports: [IntakeReport] = []
        for target in targets { reports.append(await engine.run(target, trigger: trigger)) }
        _ = await reconciler?.run()
        afterCycle()
        return reports
    }

    /// `interval` plus a uniform offset in `-jitter...jitter`, never below a second.
    func nextWait() -> Duration {
        let offset = jitter * (random() * 2 - 1)
        return max(.seconds(1), interval + offset)
    }
}
