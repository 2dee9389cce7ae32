//! Versioned schema migrations, applied at open in one transaction. Each runs once per
//! database; the applied versions are recorded in `authlite_migrations`. The same transaction
//! brings stored session tokens in line with the `hashSessionTokens` option.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::sessions::hash_token;
use crate::error::{AuthError, AuthResult, Code};

const METHOD: &str = "open";

/// The schema, in order. Versions are never renumbered or edited once released.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
  (
    1,
    "auth_tables",
    include_str!("../../migrations/0001_auth_tables.sql"),
  ),
  (
    2,
    "extra_fields_and_indexes",
    include_str!("../../migrations/0002_extra_fields_and_indexes.sql"),
  ),
];

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
  let latest = MIGRATIONS.last().map_or(0, |m| m.0);
  if current > latest {
    return Err(AuthError::new(
      Code::Database,
      METHOD,
      format!(
        "this database has schema version {current}, made by a newer authlite (this one knows up to {latest}); upgrade authlite"
      ),
    ));
  }
  for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
    tx.execute_batch(sql).map_err(|err| {
      AuthError::new(
        Code::Database,
        METHOD,
        format!("migration {version} ({name}) failed: {err}"),
      )
    })?;
    tx.execute(
      r#"INSERT INTO "authlite_migrations" ("version", "name", "applied_at") VALUES (?1, ?2, ?3)"#,
      rusqlite::params![version, name, now_ms()],
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
