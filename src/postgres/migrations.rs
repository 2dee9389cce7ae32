//! The PostgreSQL schema, created and migrated on first use in one transaction under an
//! advisory lock, so several instances starting at once take turns: the first migrates, the
//! others find nothing left to do. Applied versions are recorded in `authlite_migrations`, as
//! on SQLite; the same transaction brings stored session tokens in line with
//! `hashSessionTokens`.

use super::error::pg;
use super::query::{self, get, Conn, Tx};
use crate::error::{AuthError, AuthResult, Code};
use crate::foreign_tables;

const METHOD: &str = "open";

/// The advisory lock migrations hold ("authlite" in ASCII).
const LOCK: i64 = 0x6175_7468_6c69_7465;

/// One step of the schema. Versions are never renumbered or edited once released.
pub struct Migration {
  pub version: i32,
  pub name: &'static str,
  pub sql: &'static str,
}

/// The schema, in order.
/// The schema version the migrations bring a database to.
pub fn latest_version() -> i32 {
  MIGRATIONS.last().map_or(0, |m| m.version)
}

pub const MIGRATIONS: &[Migration] = &[
  Migration {
    version: 1,
    name: "auth_tables",
    sql: include_str!("../../migrations/postgres/0001_auth_tables.sql"),
  },
  Migration {
    version: 2,
    name: "authlite_columns",
    sql: include_str!("../../migrations/postgres/0002_authlite_columns.sql"),
  },
  Migration {
    version: 3,
    name: "wide_numbers",
    sql: include_str!("../../migrations/postgres/0003_wide_numbers.sql"),
  },
];

const BOOKKEEPING: &str = r#"
CREATE TABLE IF NOT EXISTS "authlite_migrations" (
  "version" integer PRIMARY KEY NOT NULL,
  "name" text NOT NULL,
  "applied_at" timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "authlite_meta" (
  "key" text PRIMARY KEY NOT NULL,
  "value" text NOT NULL
);
"#;

const TOKENS_KEY: &str = "sessionTokens";

/// The tables of the schema authlite works in (the first of `search_path`) and their columns.
async fn tables(tx: &Tx<'_>) -> AuthResult<Vec<foreign_tables::Table>> {
  let rows = query::all(
    tx,
    METHOD,
    "SELECT table_name::text, column_name::text FROM information_schema.columns \
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
    &[],
  )
  .await?;
  let pairs = rows
    .iter()
    .map(|row| Ok((get(row, METHOD, 0)?, get(row, METHOD, 1)?)))
    .collect::<AuthResult<Vec<(String, String)>>>()?;
  Ok(foreign_tables::group(pairs))
}

/// Brings the schema to the latest version and the stored session tokens to the wanted form,
/// in one transaction.
pub async fn migrate(client: &mut Conn, hash_session_tokens: bool) -> AuthResult<()> {
  let db = pg(METHOD);
  let tx = client.transaction().await.map_err(&db)?;
  migrate_in(&tx, hash_session_tokens).await?;
  tx.commit().await.map_err(&db)
}

/// `migrate`'s work inside the caller's transaction (`copy` makes the schema in the transaction
/// that copies the rows, so that a failed copy leaves no table behind).
pub async fn migrate_in(tx: &Tx<'_>, hash_session_tokens: bool) -> AuthResult<()> {
  let db = pg(METHOD);
  // Held until commit: other instances wait here, then see the migrated schema.
  query::all(tx, METHOD, "SELECT pg_advisory_xact_lock($1)", &[&LOCK]).await?;
  tx.batch_execute(BOOKKEEPING).await.map_err(&db)?;
  let row = query::opt(
    tx,
    METHOD,
    r#"SELECT coalesce(max("version"), 0)::int4 FROM "authlite_migrations""#,
    &[],
    None,
  )
  .await?
  .ok_or_else(|| AuthError::new(Code::Internal, METHOD, "the version query returned no row"))?;
  let current: i32 = get(&row, METHOD, 0)?;
  if current == 0 {
    // authlite's first look at this schema: refused, before any change, if another auth
    // library's tables are in it (the transaction, bookkeeping table included, rolls back).
    if let Some(found) = foreign_tables::other_adapters_tables(&tables(tx).await?) {
      return Err(foreign_tables::refusal(METHOD, &found));
    }
  }
  let latest = latest_version();
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
    let failed = |err: tokio_postgres::Error| {
      let why = err
        .as_db_error()
        .map_or_else(|| err.to_string(), |e| e.message().to_string());
      AuthError::new(
        Code::Database,
        METHOD,
        format!(
          "migration {} ({}) failed: {why}",
          migration.version, migration.name
        ),
      )
    };
    tx.batch_execute(migration.sql).await.map_err(failed)?;
    query::execute(
      tx,
      METHOD,
      r#"INSERT INTO "authlite_migrations" ("version", "name") VALUES ($1, $2)"#,
      &[&migration.version, &migration.name],
      None,
    )
    .await?;
  }
  reconcile_session_tokens(tx, hash_session_tokens).await
}

/// Hashes raw session tokens (a database another adapter made, or one used with
/// `hashSessionTokens: false`) so their users stay signed in; going back is refused while
/// sessions exist, as hashes cannot be turned back into tokens.
async fn reconcile_session_tokens(tx: &Tx<'_>, hash: bool) -> AuthResult<()> {
  let stored: Option<String> = query::opt(
    tx,
    METHOD,
    r#"SELECT "value"::text FROM "authlite_meta" WHERE "key" = $1"#,
    &[&TOKENS_KEY],
    None,
  )
  .await?
  .map(|row| get(&row, METHOD, 0))
  .transpose()?;
  let wanted = if hash { "sha256" } else { "raw" };
  if stored.as_deref() == Some(wanted) {
    return Ok(());
  }
  if hash {
    query::execute(
      tx,
      METHOD,
      r#"UPDATE "session" SET "sessionToken" = encode(sha256(convert_to("sessionToken", 'UTF8')), 'hex')"#,
      &[],
      None,
    )
    .await?;
  } else if stored.as_deref() == Some("sha256") {
    let row = query::opt(tx, METHOD, r#"SELECT count(*) FROM "session""#, &[], None)
      .await?
      .ok_or_else(|| AuthError::new(Code::Internal, METHOD, "the count returned no row"))?;
    let sessions: i64 = get(&row, METHOD, 0)?;
    if sessions > 0 {
      return Err(AuthError::invalid(
        METHOD,
        format!(
          "hashSessionTokens is false, but this database stores its {sessions} session token(s) as SHA-256 hashes, which cannot be turned back into tokens; remove the option (or delete the rows of the \"session\" table, which signs everyone out)"
        ),
      ));
    }
  }
  query::execute(
    tx,
    METHOD,
    r#"INSERT INTO "authlite_meta" ("key", "value") VALUES ($1, $2)
       ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value""#,
    &[&TOKENS_KEY, &wanted],
    None,
  )
  .await?;
  Ok(())
}
