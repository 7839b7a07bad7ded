/// What the engine reports for metrics. The engine knows nothing of how they are exposed.
public protocol SyncObserver: Sendable {
    func intakeFinished(_ report: IntakeReport, devTool: String)
    func craftWrite(succeeded: Bool)
    func eventRetried()
    func eventDead()
    /// A delivery accepted but of no interest (ping, comment, foreign issue, stale, echo).
    func eventIgnored(tool: String)
    /// A status arrived that the status mapping has no Craft value for.
    func statusUnmapped(tool: String)
}

/// Reports nothing.
public struct NoSyncObserver: SyncObserver {
    public init() {}
    public func intakeFinished(_ report: IntakeReport, devTool: String) {}
    public func craftWrite(succeeded: Bool) {}
    public func eventRetried() {}
    public func eventDead() {}
    public func eventIgnored(tool: String) {}
    public func statusUnmapped(tool: String) {}
}
