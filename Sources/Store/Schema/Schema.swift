/// The schema, as the lists of steps that build it, one per backend. Never edit a released step: add a new one.
public enum Schema {
    public static func migrations(for dialect: SQLDialect) -> [Migration] {
        switch dialect {
        case .sqlite: migrations
        case .postgres: postgresMigrations
        }
    }

    public static func latestVersion(for dialect: SQLDialect) -> Int { migrations(for: dialect).last?.version ?? 0 }

    /// SQLite's steps.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "initial", sql: """
            CREATE TABLE mappings (
                id INTEGER PRIMARY KEY,
                workspace_id TEXT NOT NULL,
                craft_item_id TEXT NOT NULL,
                dev_tool_kind TEXT NOT NULL,
                dev_tool_instance TEXT NOT NULL,
                dev_issue_id TEXT,
                dev_issue_key TEXT,
                dev_issue_url TEXT,
                state TEXT NOT NULL CHECK (state IN ('pending', 'linked', 'failed')),
                failure_reason TEXT,
                content_hash TEXT,
                last_pushed_status TEXT,
                last_pushed_at REAL,
                last_event_order INTEGER,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                UNIQUE (workspace_id, craft_item_id, dev_tool_instance),
                UNIQUE (dev_tool_instance, dev_issue_id)
            );
            CREATE INDEX mappings_state ON mappings (state, id);

            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                tool TEXT NOT NULL,
                instance TEXT NOT NULL DEFAULT '',
                delivery_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                received_at REAL NOT NULL,
                headers TEXT NOT NULL,
                body BLOB NOT NULL,
                body_size INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('received', 'processed', 'ignored', 'failed', 'dead')),
                ignored_reason TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL,
                last_error TEXT,
                finished_at REAL,
                UNIQUE (tool, delivery_id)
            );
            CREATE INDEX events_due ON events (state, next_attempt_at);
            CREATE INDEX events_finished ON events (finished_at) WHERE state IN ('processed', 'ignored');

            CREATE TABLE jobs (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                dedupe_key TEXT,
                state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                next_attempt_at REAL NOT NULL,
                lease_owner TEXT,
                lease_expires_at REAL,
                last_error TEXT,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX jobs_due ON jobs (state, next_attempt_at);
            CREATE UNIQUE INDEX jobs_live_dedupe ON jobs (dedupe_key) WHERE state IN ('queued', 'running');

            CREATE TABLE sync_runs (
                id INTEGER PRIMARY KEY,
                workspace_id TEXT NOT NULL,
                trigger TEXT NOT NULL,
                dry_run INTEGER NOT NULL DEFAULT 0,
                started_at REAL NOT NULL,
                finished_at REAL,
                seen INTEGER NOT NULL DEFAULT 0,
                created INTEGER NOT NULL DEFAULT 0,
                skipped INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                drifted INTEGER NOT NULL DEFAULT 0,
                error TEXT
            );
            CREATE INDEX sync_runs_workspace ON sync_runs (workspace_id, started_at);

            CREATE TABLE cursors (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at REAL NOT NULL
            );

            CREATE TABLE IF NOT EXISTS health_probe (
                id INTEGER PRIMARY KEY,
                checked_at REAL NOT NULL
            );
            """),
        // Rebuilt (SQLite cannot change a CHECK constraint in place, https://www.sqlite.org/lang_altertable.html):
        // - state 'deleted': the issue was deleted in the dev tool; nothing is read or written for it any more;
        // - link_pending: the key and URL are still to be written into Craft.io's link field (set with the
        //   link, cleared once Craft.io took it), so a failed or interrupted write is retried instead of forgotten.
        // sync_runs.unreadable: items a poll could not read (reported, and retried by the next poll).
        // The jobs table goes: durable retries live where the work is (a pending claim and its lease for creates,
        // an event's next attempt for progress, link_pending for links), and the generic queue was never used.
        Migration(version: 2, name: "deleted issues and link field writes", sql: """
            CREATE TABLE mappings_v2 (
                id INTEGER PRIMARY KEY,
                workspace_id TEXT NOT NULL,
                craft_item_id TEXT NOT NULL,
                dev_tool_kind TEXT NOT NULL,
                dev_tool_instance TEXT NOT NULL,
                dev_issue_id TEXT,
                dev_issue_key TEXT,
                dev_issue_url TEXT,
                state TEXT NOT NULL CHECK (state IN ('pending', 'linked', 'failed', 'deleted')),
                failure_reason TEXT,
                content_hash TEXT,
                last_pushed_status TEXT,
                last_pushed_at REAL,
                last_event_order INTEGER,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                link_pending INTEGER NOT NULL DEFAULT 0,
                UNIQUE (workspace_id, craft_item_id, dev_tool_instance),
                UNIQUE (dev_tool_instance, dev_issue_id)
            );
            INSERT INTO mappings_v2 (
                id, workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, dev_issue_id, dev_issue_key, dev_issue_url, state,
                failure_reason, content_hash, last_pushed_status, last_pushed_at, last_event_order, created_at, updated_at)
            SELECT
                id, workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, dev_issue_id, dev_issue_key, dev_issue_url, state,
                failure_reason, content_hash, last_pushed_status, last_pushed_at, last_event_order, created_at, updated_at
            FROM mappings;
            DROP TABLE mappings;
            ALTER TABLE mappings_v2 RENAME TO mappings;
            CREATE INDEX mappings_state ON mappings (state, id);
            CREATE INDEX mappings_link_pending ON mappings (workspace_id, dev_tool_instance) WHERE link_pending = 1;
            DROP TABLE jobs;
            ALTER TABLE sync_runs ADD COLUMN unreadable INTEGER NOT NULL DEFAULT 0;
            """),
        // Each item's history of crossings (intake, webhooks, Craft.io writes, reconciliation, dead letters, replays,
        // drift, key changes), read by item, by dev-tool issue and by time. mappings.craft_item_url and craft_title: the
        // item's page in Craft.io and its title when claimed, for the status page's links and search.
        // mappings.content_snapshot: the synced fields as created (JSON), so a dry run can show what drifted.
        // Indexes for reads by item (the timeline, retry) and by time (the status page's last hour, the events API).
        // craft_parent_id and parent_linked: the item above this one in Craft.io, and whether the issue was linked
        // under that item's issue in the tool (sub-issue, Jira parent), which may happen long after both exist.
        // review_open: a pull request that will close the issue is open, which holds the open issue in review.
        Migration(version: 3, name: "item timeline", sql: """
            CREATE TABLE timeline (
                id INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                craft_item_id TEXT NOT NULL,
                workspace_id TEXT NOT NULL,
                dev_tool_instance TEXT NOT NULL,
                dev_issue_key TEXT,
                kind TEXT NOT NULL,
                outcome TEXT NOT NULL,
                detail TEXT NOT NULL,
                event_id INTEGER
            );
            CREATE INDEX timeline_item ON timeline (craft_item_id, id);
            CREATE INDEX timeline_issue ON timeline (dev_tool_instance, dev_issue_key, id);
            CREATE INDEX timeline_at ON timeline (at);
            CREATE INDEX timeline_event ON timeline (event_id) WHERE event_id IS NOT NULL;
            ALTER TABLE mappings ADD COLUMN craft_item_url TEXT;
            ALTER TABLE mappings ADD COLUMN craft_title TEXT;
            ALTER TABLE mappings ADD COLUMN content_snapshot TEXT;
            CREATE INDEX mappings_item ON mappings (craft_item_id, id);
            CREATE INDEX events_received ON events (received_at);
            CREATE INDEX mappings_issue_key ON mappings (dev_tool_instance, dev_issue_key);
            ALTER TABLE mappings ADD COLUMN craft_parent_id TEXT;
            ALTER TABLE mappings ADD COLUMN parent_linked INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE mappings ADD COLUMN review_open INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX mappings_parent ON mappings (dev_tool_instance, craft_parent_id) WHERE craft_parent_id IS NOT NULL;
            CREATE INDEX mappings_children ON mappings (workspace_id, craft_parent_id) WHERE craft_parent_id IS NOT NULL;
            """),
        // routed_by: the routing rule that sent the item to its tool (`type = Bug`), NULL for the workspace's default.
        Migration(version: 4, name: "routing rule on the mapping", sql: """
            ALTER TABLE mappings ADD COLUMN routed_by TEXT;
            """),
        // last_dev_status: the tool's status behind the last value pushed (`project:In Review`), for a state whose end
        // the tool gives no time for (a GitHub card taken off its board). dev_issue_alt_id: another id deliveries name
        // the issue by (GitHub's node id), so one about an issue not ours is told without asking the tool; the partial
        // index finds the linked mappings that have not learnt theirs yet.
        Migration(version: 5, name: "last dev status and alternate issue id on the mapping", sql: """
            ALTER TABLE mappings ADD COLUMN last_dev_status TEXT;
            ALTER TABLE mappings ADD COLUMN dev_issue_alt_id TEXT;
            CREATE INDEX mappings_alt_id ON mappings (dev_tool_instance, dev_issue_alt_id) WHERE dev_issue_alt_id IS NOT NULL;
            CREATE INDEX mappings_without_alt_id ON mappings (dev_tool_instance) WHERE dev_issue_alt_id IS NULL AND state = 'linked';
            """),
        // An item's event order more than 5 minutes ahead of the clock came from a forged or broken timestamp (a
        // signed `updated_at` of 9999-12-31): it would make every later event, and reconciliation, stale for good.
        // Such orders are forgotten (the next event or reconciliation's read sets a true one; last_event_order is in
        // milliseconds since 1970); from here on the engine never stores one (`EventTime`). events.body_digest: SHA-256 of a verified body from a tool that signs
        // only the body, so the same signed body under a new delivery id is known as a replay.
        Migration(version: 6, name: "bounded event orders and body digests", sql: """
            UPDATE mappings SET last_event_order = NULL
                WHERE last_event_order > (CAST(strftime('%s', 'now') AS INTEGER) + 300) * 1000;
            ALTER TABLE events ADD COLUMN body_digest TEXT;
            CREATE UNIQUE INDEX events_body_digest ON events (tool, event_type, body_digest) WHERE body_digest IS NOT NULL;
            """),
        // events.lane_key: the issue an event is about, stored when a processor claims it, so no processor (of any
        // replica) claims a later event of that issue while an earlier one is still to be finished.
        Migration(version: 7, name: "lane key on events", sql: """
            ALTER TABLE events ADD COLUMN lane_key TEXT;
            CREATE INDEX events_waiting_lane ON events (lane_key, id) WHERE lane_key IS NOT NULL AND state IN ('received', 'failed');
            """),
        // mappings.tool_note: what the dev tool's adapter remembers of an issue between deliveries, its own words
        // (GitHub: `review_open` while a pull request that will close the issue is open). review_open, the one such
        // memory the engine used to keep itself, becomes the GitHub adapter's note and is no longer read.
        Migration(version: 8, name: "the adapter's note on a mapping", sql: """
            ALTER TABLE mappings ADD COLUMN tool_note TEXT;
            UPDATE mappings SET tool_note = 'review_open' WHERE review_open = 1;
            """),
        // A pending claim's lease in columns of its own (it was updated_at, which every write touches): who holds it
        // (host, pid, run) and until when. A claim from before keeps the lease it had (the default claim lease, 5
        // minutes from its last touch); one released (updated_at 0) has none.
        Migration(version: 9, name: "claim leases", sql: """
            ALTER TABLE mappings ADD COLUMN lease_owner TEXT;
            ALTER TABLE mappings ADD COLUMN lease_until REAL;
            UPDATE mappings SET lease_owner = 'a run of an earlier version', lease_until = updated_at + 300
                WHERE state = 'pending' AND updated_at > 0;
            """),
        // replicas: one row per running `serve` (a heartbeat), so the status page and API can say which replicas share
        // this database and when each was last seen.
        Migration(version: 10, name: "replica heartbeats", sql: Schema.replicasTable),
        // Rebuilt (a CHECK cannot change in place) for state 'unlinked': a person ended the link (`craft-sync unlink`);
        // the issue stays in the tool, nothing more is synced, and the row is the tombstone that keeps intake from
        // creating the item's issue again. review_open (unread since step 8) is left behind.
        Migration(version: 11, name: "unlinked mappings", sql: """
            CREATE TABLE mappings_v11 (
                id INTEGER PRIMARY KEY,
                workspace_id TEXT NOT NULL,
                craft_item_id TEXT NOT NULL,
                dev_tool_kind TEXT NOT NULL,
                dev_tool_instance TEXT NOT NULL,
                dev_issue_id TEXT,
                dev_issue_key TEXT,
                dev_issue_url TEXT,
                dev_issue_alt_id TEXT,
                state TEXT NOT NULL CHECK (state IN ('pending', 'linked', 'failed', 'deleted', 'unlinked')),
                failure_reason TEXT,
                content_hash TEXT,
                content_snapshot TEXT,
                last_pushed_status TEXT,
                last_pushed_at REAL,
                last_dev_status TEXT,
                last_event_order INTEGER,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                link_pending INTEGER NOT NULL DEFAULT 0,
                craft_item_url TEXT,
                craft_title TEXT,
                craft_parent_id TEXT,
                parent_linked INTEGER NOT NULL DEFAULT 0,
                routed_by TEXT,
                tool_note TEXT,
                lease_owner TEXT,
                lease_until REAL,
                UNIQUE (workspace_id, craft_item_id, dev_tool_instance),
                UNIQUE (dev_tool_instance, dev_issue_id)
            );
            INSERT INTO mappings_v11 (\(mappingColumnsV11))
            SELECT \(mappingColumnsV11) FROM mappings;
            DROP TABLE mappings;
            ALTER TABLE mappings_v11 RENAME TO mappings;
            \(mappingIndexes)
            """),
        // signal_values: what craft-sync last wrote to each `progress.fields` field (JSON, signal to value), so an
        // unchanged assignee or sprint is not written again.
        Migration(version: 12, name: "signal values", sql: "ALTER TABLE mappings ADD COLUMN signal_values TEXT;"),
        // conflicts: a field edited on both sides since craft-sync last wrote it (`drift.policy: push`), for a person to
        // resolve; at most one open per mapping and field.
        Migration(version: 13, name: "conflicts", sql: Schema.conflictsTable),
    ]

    /// The same in both backends' types (an identity on PostgreSQL, a rowid alias on SQLite; see `conflictsID`).
    static func conflictsTable(id: String) -> String {
        """
        CREATE TABLE conflicts (
            id \(id),
            mapping_id BIGINT NOT NULL,
            workspace_id TEXT NOT NULL,
            craft_item_id TEXT NOT NULL,
            dev_tool_instance TEXT NOT NULL,
            dev_issue_key TEXT,
            field TEXT NOT NULL,
            base_value TEXT NOT NULL,
            craft_value TEXT NOT NULL,
            dev_value TEXT NOT NULL,
            detected_at DOUBLE PRECISION NOT NULL,
            resolved_at DOUBLE PRECISION,
            resolution TEXT,
            resolved_by TEXT
        );
        CREATE UNIQUE INDEX conflicts_open ON conflicts (mapping_id, field) WHERE resolved_at IS NULL;
        CREATE INDEX conflicts_item ON conflicts (craft_item_id, id);
        """
    }
    static let conflictsTable = conflictsTable(id: "INTEGER PRIMARY KEY")

    static let mappingColumnsV11 = """
        id, workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, dev_issue_id, dev_issue_key, dev_issue_url, dev_issue_alt_id,
        state, failure_reason, content_hash, content_snapshot, last_pushed_status, last_pushed_at, last_dev_status, last_event_order,
        created_at, updated_at, link_pending, craft_item_url, craft_title, craft_parent_id, parent_linked, routed_by, tool_note,
        lease_owner, lease_until
        """

    /// The mappings table's indexes, as both backends have them.
    static let mappingIndexes = """
        CREATE INDEX mappings_state ON mappings (state, id);
        CREATE INDEX mappings_link_pending ON mappings (workspace_id, dev_tool_instance) WHERE link_pending = 1;
        CREATE INDEX mappings_item ON mappings (craft_item_id, id);
        CREATE INDEX mappings_issue_key ON mappings (dev_tool_instance, dev_issue_key);
        CREATE INDEX mappings_parent ON mappings (dev_tool_instance, craft_parent_id) WHERE craft_parent_id IS NOT NULL;
        CREATE INDEX mappings_children ON mappings (workspace_id, craft_parent_id) WHERE craft_parent_id IS NOT NULL;
        CREATE INDEX mappings_alt_id ON mappings (dev_tool_instance, dev_issue_alt_id) WHERE dev_issue_alt_id IS NOT NULL;
        CREATE INDEX mappings_without_alt_id ON mappings (dev_tool_instance) WHERE dev_issue_alt_id IS NULL AND state = 'linked';
        """

    /// The same in both backends' types: text, and times as seconds since 1970.
    static let replicasTable = """
        CREATE TABLE replicas (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            version TEXT NOT NULL,
            started_at DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX replicas_last_seen ON replicas (last_seen);
        """

    public static var latestVersion: Int { migrations.last?.version ?? 0 }
}
