import CSQLite
import Foundation
import Ranking

/// One stored LLM result: labels for the documents of one call, or an abstention with the raw
/// text. Keyed by everything that decides the answer, so a key is never asked twice.
public struct StoredAnnotation: Sendable, Equatable, Codable {
    public var key: String
    public var strategy: String
    public var queryID: String
    public var documentIDs: [String]
    /// Per document, in `documentIDs` order; nil for an abstention.
    public var labels: [Double]?
    public var raw: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// HTTP requests this result cost: parse retries and retries of 5xx, 429 and lost
    /// connections included, so the store accounts for every request the endpoint billed.
    public var attempts: Int

    public init(key: String, strategy: String, queryID: String, documentIDs: [String], labels: [Double]?, raw: String,
                promptTokens: Int, completionTokens: Int, attempts: Int) {
        self.key = key
        self.strategy = strategy
        self.queryID = queryID
        self.documentIDs = documentIDs
        self.labels = labels
        self.raw = raw
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.attempts = attempts
    }

    public var abstained: Bool { labels == nil }
}

/// The annotation store: SQLite in the run directory (WAL, synchronous=FULL), owned by one
/// process. `put` returns only after the row is durable.
public final class AnnotationStore: @unchecked Sendable {
    private var db: OpaquePointer?
    private let lock = NSLock()
    public let path: String

    public init(path: String) throws {
        self.path = path
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "unknown error"
            sqlite3_close(db)
            throw InputError(file: path, "cannot open the annotation store: \(message)", hint: "check the run directory is writable")
        }
        sqlite3_busy_timeout(db, 5000)
        try exec("PRAGMA journal_mode=WAL")
        try exec("PRAGMA synchronous=FULL")
        try exec("""
            CREATE TABLE IF NOT EXISTS annotations (
              key TEXT PRIMARY KEY, strategy TEXT NOT NULL, query_id TEXT NOT NULL, document_ids TEXT NOT NULL,
              labels TEXT, raw TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
              attempts INTEGER NOT NULL, created_at REAL NOT NULL)
            """)
        // Every HTTP request, written (and synced) before it is sent and settled after: what
        // the endpoint billed, whatever happened to the process in between.
        try exec("""
            CREATE TABLE IF NOT EXISTS requests (
              id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, sent_at REAL NOT NULL,
              finished_at REAL, outcome TEXT, prompt_tokens INTEGER, completion_tokens INTEGER,
              source TEXT, source_id INTEGER, UNIQUE (source, source_id))
            """)
    }

    /// A store failure: the run stops rather than pay again for what it could not record.
    public struct StoreError: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private func failure(_ what: String) -> StoreError {
        StoreError(description: "\(path): \(what): \(String(cString: sqlite3_errmsg(db))) (check free disk space and the file; nothing more is asked until it can be stored)")
    }

    deinit { sqlite3_close(db) }

    private func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>? = nil
        guard sqlite3_exec(db, sql, nil, nil, &err) == SQLITE_OK else {
            let message = err.map { String(cString: $0) } ?? "error"
            sqlite3_free(err)
            throw StoreError(description: "\(path): SQLite: \(message) (check free disk space and the file)")
        }
    }

    /// Stores a result (the first one for a key wins; later ones are ignored).
    public func put(_ a: StoredAnnotation) throws {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        let sql = "INSERT OR IGNORE INTO annotations VALUES (?,?,?,?,?,?,?,?,?,?)"
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot store a result") }
        defer { sqlite3_finalize(stmt) }
        let encoder = JSONEncoder()
        let docs = String(decoding: try encoder.encode(a.documentIDs), as: UTF8.self)
        let labels = try a.labels.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let t = famol_sqlite_transient()
        sqlite3_bind_text(stmt, 1, a.key, -1, t)
        sqlite3_bind_text(stmt, 2, a.strategy, -1, t)
        sqlite3_bind_text(stmt, 3, a.queryID, -1, t)
        sqlite3_bind_text(stmt, 4, docs, -1, t)
        if let labels { sqlite3_bind_text(stmt, 5, labels, -1, t) } else { sqlite3_bind_null(stmt, 5) }
        sqlite3_bind_text(stmt, 6, a.raw, -1, t)
        sqlite3_bind_int64(stmt, 7, Int64(a.promptTokens))
        sqlite3_bind_int64(stmt, 8, Int64(a.completionTokens))
        sqlite3_bind_int64(stmt, 9, Int64(a.attempts))
        sqlite3_bind_double(stmt, 10, Date().timeIntervalSince1970)
        guard sqlite3_step(stmt) == SQLITE_DONE else {
            throw failure("cannot store a result")
        }
    }

    /// The stored result of a key; a read error or a corrupt row throws (a miss would pay again).
    public func get(_ key: String) throws -> StoredAnnotation? {
        try all(where: "key = ?", key).first
    }

    public func all() throws -> [StoredAnnotation] { try all(where: nil, nil) }

    public var count: Int {
        get throws { try scalar("SELECT COUNT(*) FROM annotations") }
    }

    /// HTTP requests recorded as sent (answered, failed or never settled).
    public var requestCount: Int {
        get throws { try scalar("SELECT COUNT(*) FROM requests") }
    }

    private func scalar(_ sql: String) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot read") }
        defer { sqlite3_finalize(stmt) }
        guard sqlite3_step(stmt) == SQLITE_ROW else { throw failure("cannot read") }
        return Int(sqlite3_column_int64(stmt, 0))
    }

    /// Records a request about to be sent for `key`; returns only once the row is durable.
    public func recordSending(key: String) throws -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "INSERT INTO requests (key, sent_at) VALUES (?, ?)", -1, &stmt, nil) == SQLITE_OK else {
            throw failure("cannot record a request")
        }
        defer { sqlite3_finalize(stmt) }
        sqlite3_bind_text(stmt, 1, key, -1, famol_sqlite_transient())
        sqlite3_bind_double(stmt, 2, Date().timeIntervalSince1970)
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw failure("cannot record a request") }
        return sqlite3_last_insert_rowid(db)
    }

    /// Settles a recorded request: "answered", or why it failed; tokens from the reply's usage.
    public func recordFinished(_ id: Int64, outcome: String, promptTokens: Int, completionTokens: Int) throws {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        let sql = "UPDATE requests SET finished_at = ?, outcome = ?, prompt_tokens = ?, completion_tokens = ? WHERE id = ?"
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot settle a request") }
        defer { sqlite3_finalize(stmt) }
        sqlite3_bind_double(stmt, 1, Date().timeIntervalSince1970)
        sqlite3_bind_text(stmt, 2, outcome, -1, famol_sqlite_transient())
        sqlite3_bind_int64(stmt, 3, Int64(promptTokens))
        sqlite3_bind_int64(stmt, 4, Int64(completionTokens))
        sqlite3_bind_int64(stmt, 5, id)
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw failure("cannot settle a request") }
    }

    /// Takes in another store's answers and requests (a worker's own store): the first answer
    /// of a key wins; requests keep their origin (`source`, their id there), so importing the
    /// same store again adds nothing and updates the outcomes settled since.
    public func importStore(at path: String, source: String) throws -> (answers: Int, requests: Int) {
        let other = try AnnotationStore(path: path)
        let before = try count
        for a in try other.all() { try put(a) }
        let rows = try other.requestRows()
        lock.lock()
        defer { lock.unlock() }
        try exec("BEGIN")
        do {
            for r in rows {
                var stmt: OpaquePointer?
                let sql = """
                    INSERT INTO requests (key, sent_at, finished_at, outcome, prompt_tokens, completion_tokens, source, source_id)
                    VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (source, source_id) DO UPDATE SET
                    finished_at = excluded.finished_at, outcome = excluded.outcome,
                    prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens
                    """
                guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot import requests") }
                defer { sqlite3_finalize(stmt) }
                let t = famol_sqlite_transient()
                sqlite3_bind_text(stmt, 1, r.key, -1, t)
                sqlite3_bind_double(stmt, 2, r.sentAt)
                if let f = r.finishedAt { sqlite3_bind_double(stmt, 3, f) } else { sqlite3_bind_null(stmt, 3) }
                if let o = r.outcome { sqlite3_bind_text(stmt, 4, o, -1, t) } else { sqlite3_bind_null(stmt, 4) }
                sqlite3_bind_int64(stmt, 5, Int64(r.promptTokens))
                sqlite3_bind_int64(stmt, 6, Int64(r.completionTokens))
                sqlite3_bind_text(stmt, 7, source, -1, t)
                sqlite3_bind_int64(stmt, 8, r.id)
                guard sqlite3_step(stmt) == SQLITE_DONE else { throw failure("cannot import requests") }
            }
            try exec("COMMIT")
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
        lock.unlock()
        let after = try count
        lock.lock()
        return (after - before, rows.count)
    }

    struct RequestRow {
        var id: Int64
        var key: String
        var sentAt: Double
        var finishedAt: Double?
        var outcome: String?
        var promptTokens: Int
        var completionTokens: Int
    }

    func requestRows() throws -> [RequestRow] {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        let sql = "SELECT id, key, sent_at, finished_at, outcome, COALESCE(prompt_tokens, 0), COALESCE(completion_tokens, 0) FROM requests ORDER BY id"
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot read the requests") }
        defer { sqlite3_finalize(stmt) }
        var out: [RequestRow] = []
        while sqlite3_step(stmt) == SQLITE_ROW {
            out.append(RequestRow(id: sqlite3_column_int64(stmt, 0), key: String(cString: sqlite3_column_text(stmt, 1)),
                                  sentAt: sqlite3_column_double(stmt, 2),
                                  finishedAt: sqlite3_column_type(stmt, 3) == SQLITE_NULL ? nil : sqlite3_column_double(stmt, 3),
                                  outcome: sqlite3_column_text(stmt, 4).map { String(cString: $0) },
                                  promptTokens: Int(sqlite3_column_int64(stmt, 5)), completionTokens: Int(sqlite3_column_int64(stmt, 6))))
        }
        return out
    }

    /// Keys asked again after a request of theirs was left unanswered (a worker died with it in
    /// flight and its call went to another): each may have been paid twice.
    public func keysAskedAgain() throws -> [String] {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        let sql = "SELECT DISTINCT key FROM requests WHERE outcome IS NULL AND key IN (SELECT key FROM annotations) ORDER BY key"
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot read the requests") }
        defer { sqlite3_finalize(stmt) }
        var out: [String] = []
        while sqlite3_step(stmt) == SQLITE_ROW { out.append(String(cString: sqlite3_column_text(stmt, 0))) }
        return out
    }

    /// Keys whose requests were sent and never settled, with no stored answer: the process
    /// died with the request in flight. The endpoint may have billed them.
    public func unansweredKeys() throws -> [String] {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        let sql = "SELECT DISTINCT key FROM requests WHERE outcome IS NULL AND key NOT IN (SELECT key FROM annotations) ORDER BY key"
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot read the requests") }
        defer { sqlite3_finalize(stmt) }
        var out: [String] = []
        while sqlite3_step(stmt) == SQLITE_ROW { out.append(String(cString: sqlite3_column_text(stmt, 0))) }
        return out
    }

    private func all(where clause: String?, _ value: String?) throws -> [StoredAnnotation] {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        let sql = "SELECT key, strategy, query_id, document_ids, labels, raw, prompt_tokens, completion_tokens, attempts FROM annotations"
            + (clause.map { " WHERE " + $0 } ?? "") + " ORDER BY key"
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot read") }
        defer { sqlite3_finalize(stmt) }
        if let value { sqlite3_bind_text(stmt, 1, value, -1, famol_sqlite_transient()) }
        var out: [StoredAnnotation] = []
        let decoder = JSONDecoder()
        func text(_ i: Int32) -> String? { sqlite3_column_text(stmt, i).map { String(cString: $0) } }
        while true {
            let step = sqlite3_step(stmt)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw failure("cannot read") }
            let key = text(0) ?? ""
            // A row that does not decode is corruption, not an abstention.
            guard let docs = try? decoder.decode([String].self, from: Data((text(3) ?? "").utf8)) else {
                throw StoreError(description: "\(path): the stored result \(key.prefix(12)) has corrupt document ids; restore the store or delete that row")
            }
            var labels: [Double]? = nil
            if let t = text(4) {
                guard let l = try? decoder.decode([Double].self, from: Data(t.utf8)) else {
                    throw StoreError(description: "\(path): the stored result \(key.prefix(12)) has corrupt labels; restore the store or delete that row")
                }
                labels = l
            }
            out.append(StoredAnnotation(key: key, strategy: text(1) ?? "", queryID: text(2) ?? "", documentIDs: docs,
                                        labels: labels, raw: text(5) ?? "", promptTokens: Int(sqlite3_column_int64(stmt, 6)),
                                        completionTokens: Int(sqlite3_column_int64(stmt, 7)), attempts: Int(sqlite3_column_int64(stmt, 8))))
        }
        return out
    }
}
