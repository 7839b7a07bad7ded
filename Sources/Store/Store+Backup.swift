import CSQLite

extension Store {
    /// Writes a consistent copy of the database to `destination` while the service keeps running, with
    /// SQLite's online backup API (https://sqlite.org/backup.html). It reads through the reader connection in
    /// one step, inside one read transaction: WAL keeps that snapshot consistent while writes go on beside it.
    /// PostgreSQL is backed up with its own tools (`pg_dump`): this refuses.
    public func backup(to destination: String) throws(StoreError) {
        guard let sqlite = database as? SQLiteDatabase else { throw StoreError.backupByServerTools }
        do {
            let target = try SQLiteConnection(path: destination)
            try sqlite.readers.first.accessNow { source in
                guard let backup = sqlite3_backup_init(target.handle, "main", source.handle, "main") else {
                    throw SQLiteError(code: sqlite3_extended_errcode(target.handle), connection: target.handle)
                }
                let code = sqlite3_backup_step(backup, -1)
                sqlite3_backup_finish(backup)
                guard code == SQLITE_DONE else { throw SQLiteError(code: code, connection: target.handle) }
            }
            try target.execute("PRAGMA integrity_check")
        } catch {
            throw StoreError.backupFailed(destination: destination, reason: "\(error)")
        }
    }
}
