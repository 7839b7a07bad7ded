import Foundation

extension DatabaseQueue {
    /// Proves the database accepts a durable write now: takes the write lock, writes one row, commits.
    /// A read-only file, a full disk or a lock held elsewhere past the busy timeout all surface here.
    public func checkWritable() async throws {
        try await access { connection in
            try connection.transaction {
                try connection.execute("CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY, checked_at REAL NOT NULL)")
                try connection.run("INSERT OR REPLACE INTO health_probe (id, checked_at) VALUES (1, ?)", Date.now.timeIntervalSince1970)
            }
        }
    }
}
