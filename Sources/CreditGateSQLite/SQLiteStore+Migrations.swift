import GRDB

extension SQLiteStore {
  /// The schema, one migration per step. The identifiers are stored in the database
  /// (`grdb_migrations`): they never change, so that every database written so far still opens.
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE subject (
            code TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL
          );
          CREATE TABLE record (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            provider_record_id TEXT NOT NULL,
            subject_code TEXT NOT NULL REFERENCES subject(code),
            category TEXT NOT NULL,
            severity TEXT,
            title TEXT NOT NULL,
            document_number TEXT NOT NULL,
            act_date INTEGER NOT NULL,
            decided_on INTEGER NOT NULL,
            act_ended_on INTEGER,
            disclosure_until INTEGER NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL,
            UNIQUE (provider_id, provider_record_id)
          );
          CREATE INDEX record_subject ON record(subject_code, decided_on);
          CREATE TABLE audit_entry (
            sequence INTEGER PRIMARY KEY NOT NULL,
            origin TEXT NOT NULL,
            time_us INTEGER NOT NULL,
            institution_id TEXT NOT NULL,
            certificate_fingerprint TEXT NOT NULL,
            operator_id TEXT NOT NULL,
            method TEXT NOT NULL,
            purpose TEXT NOT NULL,
            consent_id TEXT NOT NULL,
            subject_pseudonym TEXT NOT NULL,
            outcome TEXT NOT NULL,
            status_code INTEGER NOT NULL,
            reason TEXT NOT NULL,
            categories_disclosed TEXT NOT NULL,
            records_disclosed INTEGER NOT NULL,
            response_digest TEXT NOT NULL
          );
          CREATE INDEX audit_institution ON audit_entry(institution_id, sequence);
          CREATE INDEX audit_time ON audit_entry(time_us);
          CREATE INDEX audit_subject ON audit_entry(subject_pseudonym, sequence);
          """)
    }
    migrator.registerMigration("v2-consents") { db in
      try db.execute(
        sql: """
          CREATE TABLE consent (
            id TEXT PRIMARY KEY NOT NULL,
            subject_code TEXT NOT NULL,
            grantee_id TEXT NOT NULL,
            purpose TEXT NOT NULL,
            categories TEXT NOT NULL,
            valid_from_us INTEGER NOT NULL,
            valid_until_us INTEGER NOT NULL,
            max_uses INTEGER NOT NULL,
            uses INTEGER NOT NULL,
            evidence_digest TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            revoked_at_us INTEGER
          );
          CREATE INDEX consent_subject ON consent(subject_code);
          """)
    }
    migrator.registerMigration("v3-leaf-hash") { db in
      // The leaf hash as computed when the entry was appended (RFC 9162 leaf of its
      // deterministic encoding). An entry changed later no longer matches it.
      try db.execute(sql: "ALTER TABLE audit_entry ADD COLUMN leaf_hash BLOB")
    }
    migrator.registerMigration("v4-checkpoints") { db in
      // Every signed checkpoint, stored in the transaction of the batch it covers; and a table
      // that `probeWritable` writes to and rolls back.
      try db.execute(
        sql: """
          CREATE TABLE checkpoint (
            origin TEXT NOT NULL,
            tree_size INTEGER NOT NULL,
            root_hash BLOB NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (origin, tree_size)
          );
          CREATE TABLE write_probe (payload BLOB);
          """)
    }
    migrator.registerMigration("v5-audit-origins") { db in try migrateToLogsPerOrigin(db) }
    migrator.registerMigration("v6-cases") { db in
      // Objections and repair applications (DESIGN §9); and each entry's link to the previous
      // entry of its log about the same subject, found through `audit_subject_chain`. Entries
      // written before carry 0: `subject_chain` keeps, per log, the first sequence number that
      // links (a log first written after this migration has no row: it links from 1).
      try db.execute(
        sql: """
          CREATE TABLE credit_case (
            id TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            record_id TEXT NOT NULL,
            subject_code TEXT NOT NULL,
            category TEXT NOT NULL,
            statement TEXT NOT NULL,
            filed_at_us INTEGER NOT NULL,
            filed_sequence INTEGER NOT NULL,
            filed_origin TEXT NOT NULL,
            decide_by INTEGER NOT NULL,
            provisional_reason TEXT,
            status TEXT NOT NULL,
            decision_reason TEXT NOT NULL,
            decided_at_us INTEGER,
            decided_by TEXT NOT NULL
          );
          CREATE INDEX case_record ON credit_case(record_id);
          CREATE INDEX case_subject ON credit_case(subject_code);
          CREATE INDEX case_status ON credit_case(status, filed_at_us);
          ALTER TABLE audit_entry ADD COLUMN previous_subject_sequence INTEGER NOT NULL DEFAULT 0;
          CREATE INDEX audit_subject_chain ON audit_entry(origin, subject_pseudonym, sequence);
          CREATE TABLE subject_chain (
            origin TEXT PRIMARY KEY NOT NULL,
            first_sequence INTEGER NOT NULL
          );
          INSERT INTO subject_chain (origin, first_sequence)
            SELECT origin, max(sequence) + 1 FROM audit_entry GROUP BY origin;
          """)
    }
    migrator.registerMigration("v7-suspensions") { db in
      // Suspensions of institutions and operators, with their history; the grounds a repair
      // application cites (comma-separated record ids, which hold no comma).
      try db.execute(
        sql: """
          CREATE TABLE suspension (
            id TEXT PRIMARY KEY NOT NULL,
            institution_id TEXT NOT NULL,
            operator_id TEXT,
            reason TEXT NOT NULL,
            since_us INTEGER NOT NULL,
            until_us INTEGER,
            suspended_by TEXT NOT NULL,
            anomaly_rule TEXT,
            anomaly_description TEXT NOT NULL,
            anomaly_sequences TEXT NOT NULL,
            lifted_at_us INTEGER,
            lifted_by TEXT NOT NULL,
            lift_reason TEXT NOT NULL
          );
          ALTER TABLE credit_case ADD COLUMN grounds TEXT NOT NULL DEFAULT '';
          CREATE INDEX record_category ON record(category, subject_code);
          """)
    }
    return migrator
  }

  /// One log per origin (DESIGN §8): entries are keyed by (origin, sequence), each origin's
  /// numbered from 1, where `sequence` was the table's integer key. SQLite changes a key by
  /// rebuilding the table; the rows keep every value, so their leaf hashes and the checkpoints
  /// signed over them still hold, and they keep their order in the file. The indexes are built
  /// after the copy: `audit_log` serves one log in sequence order (the start-up check, appends),
  /// `audit_sequence` searches across logs.
  ///
  /// Until now a database held one log, numbered as one sequence whatever the origin of its
  /// entries. One whose entries carry more than one origin (the origin was changed) cannot be
  /// split into logs that each start at 1, and is refused.
  static func migrateToLogsPerOrigin(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE audit_entry_by_origin (
          origin TEXT NOT NULL,
          sequence INTEGER NOT NULL,
          time_us INTEGER NOT NULL,
          institution_id TEXT NOT NULL,
          certificate_fingerprint TEXT NOT NULL,
          operator_id TEXT NOT NULL,
          method TEXT NOT NULL,
          purpose TEXT NOT NULL,
          consent_id TEXT NOT NULL,
          subject_pseudonym TEXT NOT NULL,
          outcome TEXT NOT NULL,
          status_code INTEGER NOT NULL,
          reason TEXT NOT NULL,
          categories_disclosed TEXT NOT NULL,
          records_disclosed INTEGER NOT NULL,
          response_digest TEXT NOT NULL,
          leaf_hash BLOB
        );
        INSERT INTO audit_entry_by_origin (origin, sequence, time_us, institution_id,
          certificate_fingerprint, operator_id, method, purpose, consent_id, subject_pseudonym,
          outcome, status_code, reason, categories_disclosed, records_disclosed, response_digest,
          leaf_hash)
        SELECT origin, sequence, time_us, institution_id, certificate_fingerprint, operator_id,
          method, purpose, consent_id, subject_pseudonym, outcome, status_code, reason,
          categories_disclosed, records_disclosed, response_digest, leaf_hash
        FROM audit_entry ORDER BY sequence;
        CREATE UNIQUE INDEX audit_log ON audit_entry_by_origin(origin, sequence);
        """)
    // Both ends of the new key: one seek each, where a scan for a second origin would read
    // every row again.
    let first = try String.fetchOne(db, sql: "SELECT origin FROM audit_entry_by_origin ORDER BY origin LIMIT 1")
    let last = try String.fetchOne(db, sql: "SELECT origin FROM audit_entry_by_origin ORDER BY origin DESC LIMIT 1")
    if let first, let last, first != last {
      throw SQLiteStoreError(
        "the audit log holds entries of more than one origin (\"\(first)\" … \"\(last)\") in one sequence: the audit origin was changed while it was written. This version numbers each origin's log on its own and cannot split it; keep the database with the version that wrote it, or move it aside to start a new log")
    }
    try db.execute(
      sql: """
        DROP TABLE audit_entry;
        ALTER TABLE audit_entry_by_origin RENAME TO audit_entry;
        CREATE INDEX audit_sequence ON audit_entry(sequence, origin);
        CREATE INDEX audit_institution ON audit_entry(institution_id, sequence);
        CREATE INDEX audit_time ON audit_entry(time_us);
        CREATE INDEX audit_subject ON audit_entry(subject_pseudonym, sequence);
        """)
  }
}
