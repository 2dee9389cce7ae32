//! Versioned schema migrations, applied at open in one transaction. Each runs once per
//! database; the applied versions are recorded in `authlite_migrations`. The same transaction
//! brings stored session tokens in line with the `hashSessionTokens` option.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::sessions::hash_token;
use crate::error::{AuthError, AuthResult, Code};
use crate::foreign_tables;

const METHOD: &str = "open";

/// One step of the schema: SQL, or code first for what SQL alone cannot say, then SQL.
pub struct Migration {
  pub version: i64,
  pub name: &'static str,
  pub code: Option<fn(&Connection) -> rusqlite::Result<()>>,
  pub sql: &'static str,
}

/// The schema, in order. Versions are never renumbered or edited once released.
pub const MIGRATIONS: &[Migration] = &[
  Migration {
    version: 1,
    name: "auth_tables",
    code: None,
    sql: include_str!("../../migrations/sqlite/0001_auth_tables.sql"),
  },
  Migration {
    version: 2,
    name: "extra_fields_and_indexes",
    code: None,
    sql: include_str!("../../migrations/sqlite/0002_extra_fields_and_indexes.sql"),
  },
  Migration {
    version: 3,
    name: "lean_tables",
    code: Some(without_rowid),
    sql: include_str!("../../migrations/sqlite/0003_lean_tables.sql"),
  },
];

/// The tables whose rows are small and always found by primary key.
const LEAN_TABLES: &[&str] = &["user", "session", "verificationToken"];

/// Rebuilds each of `LEAN_TABLES` as a WITHOUT ROWID table, from its own `CREATE TABLE` text,
/// so every column, constraint, index and trigger it had (another tool's included) is kept.
/// A table without a primary key, or already without rowid, is left as it is. Runs with
/// foreign keys off (see `migrate`), so dropping `user` cascades nowhere.
fn without_rowid(conn: &Connection) -> rusqlite::Result<()> {
  for table in LEAN_TABLES {
    let create: Option<String> = conn
      .query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [table],
        |r| r.get(0),
      )
      .optional()?;
    let Some(create) = create else { continue };
    let has_key: bool = conn.query_row(
      "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE pk > 0",
      [table],
      |r| r.get(0),
    )?;
    let body = match create.find('(') {
      Some(open) => create[open..].trim_end(),
      None => continue,
    };
    if !has_key || body.to_ascii_uppercase().contains("WITHOUT ROWID") {
      continue;
    }
    // After the closing parenthesis come table options (STRICT), separated by commas.
    let options = if body.ends_with(')') {
      " WITHOUT ROWID"
    } else {
      ", WITHOUT ROWID"
    };
    let rebuilt = format!("authlite_rebuild_{table}");
    let dependents: Vec<String> = {
      let mut stmt = conn.prepare(
        "SELECT sql FROM sqlite_schema WHERE tbl_name = ?1 AND type IN ('index', 'trigger') AND sql IS NOT NULL",
      )?;
      let rows = stmt.query_map([table], |r| r.get(0))?;
      rows.collect::<rusqlite::Result<_>>()?
    };
    conn.execute_batch(&format!(
      r#"CREATE TABLE "{rebuilt}" {body}{options};
         INSERT INTO "{rebuilt}" SELECT * FROM "{table}";
         DROP TABLE "{table}";
         ALTER TABLE "{rebuilt}" RENAME TO "{table}";"#
    ))?;
    for sql in dependents {
      conn.execute_batch(&sql)?;
    }
  }
  Ok(())
}

const BOOKKEEPING: &str = r#"
CREATE TABLE IF NOT EXISTS "authlite_migrations" (
  "version" INTEGER PRIMARY KEY NOT NULL,
  "name" TEXT NOT NULL,
  "applied_at" INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS "authlite_meta" (
  "key" TEXT PRIMARY KEY NOT NULL,
  "value" TEXT NOT NULL
);
"#;

/// How session tokens are kept in the `session` table.
const TOKENS_KEY: &str = "sessionTokens";
const HASHED: &str = "sha256";
const RAW: &str = "raw";

/// Brings the schema to the latest version and the stored session tokens to the requested form.
/// Safe to run from several processes at once: the first takes the write lock, the others wait
/// (busy timeout) and then find nothing left to do.
pub fn migrate(conn: &mut Connection, hash_session_tokens: bool) -> AuthResult<()> {
  // Table rebuilds drop and recreate tables that others reference: with foreign keys on, that
  // would cascade. The pragma has no effect inside a transaction, so it is set around it.
  conn
    .execute_batch("PRAGMA foreign_keys = OFF")
    .map_err(AuthError::db(METHOD))?;
  let migrated = migrate_in_transaction(conn, hash_session_tokens);
  let restored = conn
    .execute_batch("PRAGMA foreign_keys = ON")
    .map_err(AuthError::db(METHOD));
  migrated.and(restored)
}

/// For a handle opened without migrating (`migrate: false`, the command line): refuses a
/// database holding another auth library's tables, whose rows the maintenance methods would
/// misread (dates in other encodings, other column names), unless authlite migrated it before.
pub fn refuse_foreign_tables(conn: &Connection) -> AuthResult<()> {
  let db = AuthError::db(METHOD);
  let ours: bool = conn
    .query_row(
      "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'authlite_migrations'",
      [],
      |r| r.get(0),
    )
    .map_err(&db)?;
  if ours {
    return Ok(());
  }
  match foreign_tables::other_adapters_tables(&tables(conn).map_err(&db)?) {
    Some(found) => Err(foreign_tables::refusal(METHOD, &found)),
    None => Ok(()),
  }
}

/// The database's tables and their columns.
fn tables(conn: &Connection) -> rusqlite::Result<Vec<foreign_tables::Table>> {
  let mut statement = conn.prepare(
    "SELECT m.name, p.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' ORDER BY m.name, p.cid",
  )?;
  let pairs = statement
    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
    .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
  Ok(foreign_tables::group(pairs))
}

fn migrate_in_transaction(conn: &mut Connection, hash_session_tokens: bool) -> AuthResult<()> {
  let db = AuthError::db(METHOD);
  let tx = conn
    .transaction_with_behavior(TransactionBehavior::Immediate)
    .map_err(&db)?;
  tx.execute_batch(BOOKKEEPING).map_err(&db)?;
  let current: i64 = tx
    .query_row(
      r#"SELECT coalesce(max("version"), 0) FROM "authlite_migrations""#,
      [],
      |r| r.get(0),
    )
    .map_err(&db)?;
  if current == 0 {
    // authlite's first look at this database: refused, before any change, if another auth
    // library's tables are in it (the transaction, bookkeeping table included, rolls back).
    if let Some(found) = foreign_tables::other_adapters_tables(&tables(&tx).map_err(&db)?) {
      return Err(foreign_tables::refusal(METHOD, &found));
    }
  }
  let latest = MIGRATIONS.last().map_or(0, |m| m.version);
  if current > latest {
    return Err(AuthError::new(
      Code::Database,
      METHOD,
      format!(
        "this database has schema version {current}, made by a newer authlite (this one knows up to {latest}); upgrade authlite"
      ),
    ));
  }
  for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
    let failed = |err: rusqlite::Error| {
      AuthError::new(
        Code::Database,
        METHOD,
        format!(
          "migration {} ({}) failed: {err}",
          migration.version, migration.name
        ),
      )
    };
    if let Some(code) = migration.code {
      code(&tx).map_err(failed)?;
    }
    tx.execute_batch(migration.sql).map_err(failed)?;
    tx.execute(
      r#"INSERT INTO "authlite_migrations" ("version", "name", "applied_at") VALUES (?1, ?2, ?3)"#,
      rusqlite::params![migration.version, migration.name, now_ms()],
    )
    .map_err(&db)?;
  }
  reconcile_session_tokens(&tx, hash_session_tokens)?;
  tx.commit().map_err(&db)
}

/// Hashes raw session tokens (a database another adapter made, or one used with
/// `hashSessionTokens: false` before) so their users stay signed in. Hashes cannot be turned
/// back into tokens, so going the other way is refused while sessions exist.
fn reconcile_session_tokens(conn: &Connection, hash: bool) -> AuthResult<()> {
  let db = AuthError::db(METHOD);
  let stored: Option<String> = conn
    .query_row(
      r#"SELECT "value" FROM "authlite_meta" WHERE "key" = ?1"#,
      [TOKENS_KEY],
      |r| r.get(0),
    )
    .optional()
    .map_err(&db)?;
  let wanted = if hash { HASHED } else { RAW };
  if stored.as_deref() == Some(wanted) {
    return Ok(());
  }
  if hash {
    let raw: Vec<String> = {
      let mut stmt = conn
        .prepare(r#"SELECT "sessionToken" FROM "session""#)
        .map_err(&db)?;
      let rows = stmt.query_map([], |r| r.get(0)).map_err(&db)?;
      rows.collect::<Result<_, _>>().map_err(&db)?
    };
    let mut update = conn
      .prepare(r#"UPDATE "session" SET "sessionToken" = ?1 WHERE "sessionToken" = ?2"#)
      .map_err(&db)?;
    for token in raw {
      update.execute([hash_token(&token), token]).map_err(&db)?;
    }
  } else if stored.as_deref() == Some(HASHED) {
    let sessions: i64 = conn
      .query_row(r#"SELECT count(*) FROM "session""#, [], |r| r.get(0))
      .map_err(&db)?;
    if sessions > 0 {
      return Err(AuthError::invalid(
        METHOD,
        format!(
          "hashSessionTokens is false, but this database stores its {sessions} session token(s) as SHA-256 hashes, which cannot be turned back into tokens; remove the option (or delete the rows of the \"session\" table, which signs everyone out)"
        ),
      ));
    }
  }
  conn
    .execute(
      r#"INSERT INTO "authlite_meta" ("key", "value") VALUES (?1, ?2)
         ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value""#,
      [TOKENS_KEY, wanted],
    )
    .map_err(&db)?;
  Ok(())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
  std::time::SystemTime::now()
    .duration_since(std::time::UNIX_EPOCH)
    .map_or(0, |d| d.as_millis() as i64)
}
