import Foundation

/// A durable unit of work (create an issue, push a status to Craft.io, reconcile a workspace).
public struct Job: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case queued
        /// Leased by a worker until `leaseExpiresAt`; a crashed worker's job is leased again after that.
        case running
        case done
        case dead
    }

    public var id: Int64
    public var kind: String
    /// JSON the job's handler understands.
    public var payload: String
    /// At most one queued or running job per key (e.g. one pending push per mapping).
    public var dedupeKey: String?
    public var state: State
    /// Leases taken so far, including the current one.
    public var attempts: Int
    public var maxAttempts: Int
    public var nextAttemptAt: Date
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var lastError: String?
    public var createdAt: Date
}
