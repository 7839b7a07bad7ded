/// What a connection's protocol logic (`HTTPConnection`) asks of its transport. `SocketChannel` implements it over
/// a socket and an event queue; tests implement it in memory, with a clock they move by hand.
protocol ConnectionIO: AnyObject {
    /// The transport's clock; deadlines are instants on it.
    var now: ContinuousClock.Instant { get }
    /// Sends what the peer takes now and keeps the rest, in order. After `.pending`, `outputDrained()` follows once
    /// everything is sent; after `.failed` the connection is unusable.
    func write(_ bytes: [UInt8]) -> WriteOutcome
    /// Whether incoming bytes are delivered (`received`, `peerClosedOutput`).
    func setReading(_ enabled: Bool)
    /// The connection's one deadline: `deadlineReached()` is called once it has passed; nil disarms it.
    func setDeadline(_ deadline: ContinuousClock.Instant?)
    /// Delivers whatever has already arrived before returning, even with reading paused.
    func readPending()
    /// Shuts down our sending side (FIN) while still reading.
    func shutdownOutput()
    /// Stops delivering events and releases the connection; `reset` sends an RST instead of a FIN.
    func close(reset: Bool)
}

enum WriteOutcome: Equatable {
    case flushed
    case pending
    case failed
}
