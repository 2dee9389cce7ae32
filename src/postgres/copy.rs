//! `authlite copy <sqlite-file> <postgres-url>`: moves an authlite (or drizzle-adapter) SQLite
//! database into PostgreSQL in one transaction. The SQLite file is only read, in one read
//! transaction (a consistent snapshot while the app keeps running). Rows are sent in batches
//! with one `INSERT ... SELECT FROM unnest(...)` each, and `ON CONFLICT DO NOTHING`, so running
//! it again adds nothing. Session tokens keep working: hashed ones are copied as they are, raw
//! ones (a drizzle-made file) are hashed when the target hashes them. Encrypted account tokens
//! are copied as they are: open the target with the same `encryptionKey`.

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use tokio_postgres::types::ToSql;

use super::error::pg;
use super::types::{self, SecondsParam, WholeParam};
use super::PostgresStore;
use crate::error::{AuthError, AuthResult, Code};
use crate::store::sessions::hash_token;

const METHOD: &str = crate::methods::COPY_FROM_SQLITE;
/// Rows per INSERT.
const BATCH: usize = 1000;

/// How a column's SQLite value becomes a PostgreSQL one.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
  Text,
  /// Milliseconds since the epoch, to `timestamp`.
  Time,
  /// An account's `expires_at` in seconds.
  Secs,
  /// A whole number (a passkey counter).
  Int,
  Bool,
  /// `session.sessionToken`: hashed on the way when the source kept it raw.
  SessionKey,
}

/// A table to copy: its name, its columns (the one list in `schema.rs`) and their kinds, in order.
struct Table {
  name: &'static str,
  columns: &'static str,
  kinds: &'static [Kind],
  /// Copy in insertion order (passkeys are listed oldest first).
  by_rowid: bool,
}

use Kind::*;

const TABLES: [Table; 5] = [
  Table {
    name: "user",
    columns: user_columns!(),
    kinds: &[Text, Text, Text, Time, Text, Text],
    by_rowid: false,
  },
  Table {
    name: "account",
    columns: account_columns!(),
    kinds: &[
      Text, Text, Text, Text, Text, Text, Secs, Text, Text, Text, Text, Text,
    ],
    by_rowid: false,
  },
  Table {
    name: "session",
    columns: session_columns!(),
    kinds: &[SessionKey, Text, Time],
    by_rowid: false,
  },
  Table {
    name: "verificationToken",
    columns: verification_token_columns!(),
    kinds: &[Text, Text, Time],
    by_rowid: false,
  },
  Table {
    name: "authenticator",
    columns: authenticator_columns!(),
    kinds: &[Text, Text, Text, Text, Int, Text, Bool, Text],
    by_rowid: true,
  },
];

/// The rows copied, per table.
#[napi(object)]
#[derive(Debug, Default, Clone)]
pub struct CopyResult {
  /// Users copied.
  pub users: u32,
  /// Accounts (OAuth, email, WebAuthn links) copied.
  pub accounts: u32,
  /// Sessions copied (their users stay signed in).
  pub sessions: u32,
  /// Verification (magic-link) tokens copied.
  pub verification_tokens: u32,
  /// Passkeys copied.
  pub authenticators: u32,
  /// Rows already in the target (same key), left as they were.
  pub skipped: u32,
}

/// Where a copy is: `table` has `done` of its `total` rows sent.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CopyProgress {
  /// The table being copied: `user`, `account`, `session`, `verificationToken`, `authenticator`.
  pub table: String,
  /// Its rows sent so far.
  pub done: u32,
  /// Its rows in the SQLite file.
  pub total: u32,
}

/// A batch of one table's rows, column by column.
struct Batch {
  table: usize,
  columns: Vec<Column>,
  rows: usize,
}

enum Column {
  Text(Vec<Option<String>>),
  Time(Vec<Option<types::Time>>),
  Seconds(Vec<Option<SecondsParam>>),
  Whole(Vec<Option<WholeParam>>),
  Bool(Vec<Option<bool>>),
}

impl Column {
  fn new(kind: Kind) -> Self {
    match kind {
      Text | SessionKey => Column::Text(Vec::new()),
      Time => Column::Time(Vec::new()),
      Secs => Column::Seconds(Vec::new()),
      Int => Column::Whole(Vec::new()),
      Bool => Column::Bool(Vec::new()),
    }
  }

  fn sql_type(&self) -> &'static str {
    match self {
      Column::Text(_) => "text[]",
      Column::Time(_) => "timestamp[]",
      Column::Seconds(_) => "float8[]",
      Column::Whole(_) => "int8[]",
      Column::Bool(_) => "bool[]",
    }
  }

  fn param(&self) -> &(dyn ToSql + Sync) {
    match self {
      Column::Text(v) => v,
      Column::Time(v) => v,
      Column::Seconds(v) => v,
      Column::Whole(v) => v,
      Column::Bool(v) => v,
    }
  }

  /// Appends a SQLite value; `what` names it in an error.
  fn push(
    &mut self,
    value: Value,
    hash: bool,
    field: &'static str,
    what: &dyn Fn() -> String,
  ) -> AuthResult<()> {
    let wrong =
      |expected: &str| AuthError::new(Code::Database, METHOD, format!("{} is not {expected}", what()));
    match (self, value) {
      (Column::Text(v), Value::Null) => v.push(None),
      (Column::Text(v), Value::Text(text)) => v.push(Some(if hash { hash_token(&text) } else { text })),
      (Column::Text(v), Value::Integer(n)) => v.push(Some(n.to_string())),
      (Column::Time(v), Value::Null) => v.push(None),
      (Column::Time(v), Value::Integer(ms)) => v.push(Some(types::Time(ms, field))),
      (Column::Time(v), Value::Real(ms)) if ms.fract() == 0.0 => v.push(Some(types::Time(ms as i64, field))),
      (Column::Seconds(v), Value::Null) => v.push(None),
      (Column::Seconds(v), Value::Integer(s)) => v.push(Some(SecondsParam(s as f64, field))),
      (Column::Seconds(v), Value::Real(s)) => v.push(Some(SecondsParam(s, field))),
      (Column::Whole(v), Value::Null) => v.push(None),
      (Column::Whole(v), Value::Integer(n)) => v.push(Some(WholeParam(n, field))),
      (Column::Bool(v), Value::Null) => v.push(None),
      (Column::Bool(v), Value::Integer(n)) => v.push(Some(n != 0)),
      (Column::Time(_), _) => return Err(wrong("a time in milliseconds")),
      (Column::Seconds(_), _) => return Err(wrong("a number of seconds")),
      (Column::Whole(_), _) => return Err(wrong("a whole number")),
      (Column::Bool(_), _) => return Err(wrong("a boolean (0 or 1)")),
      (Column::Text(_), _) => return Err(wrong("text")),
    }
    Ok(())
  }
}

/// The column names of a `schema.rs` list (`"a", "b"` → `a`, `b`).
fn names(columns: &'static str) -> Vec<&'static str> {
  columns.split(',').map(|c| c.trim().trim_matches('"')).collect()
}

fn sqlite_error(err: rusqlite::Error) -> AuthError {
  AuthError::new(Code::Database, METHOD, format!("reading the SQLite file: {err}"))
}

/// Reads the SQLite file's rows in one read transaction, sending batches to `send`; returns
/// first the row counts per table (through `totals`).
fn read_sqlite(
  path: &str,
  hash_target: bool,
  totals: impl FnOnce(Vec<u64>) -> bool,
  mut send: impl FnMut(Batch) -> bool,
) -> AuthResult<()> {
  if !std::path::Path::new(path).is_file() {
    return Err(AuthError::invalid(
      METHOD,
      format!("no SQLite database at {path:?}"),
    ));
  }
  let mut conn = Connection::open_with_flags(
    path,
    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
  )
  .map_err(sqlite_error)?;
  let tx = conn.transaction().map_err(sqlite_error)?;
  let stored_hashed = tx
    .query_row(
      r#"SELECT "value" FROM "authlite_meta" WHERE "key" = 'sessionTokens'"#,
      [],
      |r| r.get::<_, String>(0),
    )
    .optional()
    .unwrap_or(None)
    .is_some_and(|mode| mode == "sha256");
  if stored_hashed && !hash_target {
    return Err(AuthError::invalid(
      METHOD,
      "the SQLite database stores session tokens as SHA-256 hashes, which cannot be turned back into tokens: open the PostgreSQL database with hashSessionTokens: true (the default)",
    ));
  }
  let mut present = Vec::new();
  let mut counts = Vec::new();
  for table in &TABLES {
    let existing: Vec<String> = tx
      .prepare(&format!(
        r#"SELECT name FROM pragma_table_info('{}')"#,
        table.name
      ))
      .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
      .map_err(sqlite_error)?;
    if existing.is_empty() {
      return Err(AuthError::invalid(
        METHOD,
        format!(
          "{path:?} has no {:?} table: it is not an Auth.js database made by authlite or the drizzle adapter",
          table.name
        ),
      ));
    }
    let count: i64 = tx
      .query_row(&format!(r#"SELECT count(*) FROM "{}""#, table.name), [], |r| {
        r.get(0)
      })
      .map_err(sqlite_error)?;
    counts.push(count as u64);
    present.push(existing);
  }
  if !totals(counts) {
    return Ok(());
  }
  for (index, table) in TABLES.iter().enumerate() {
    let columns = names(table.columns);
    let select = columns
      .iter()
      .map(|c| {
        if present[index].iter().any(|p| p == c) {
          format!(r#""{c}""#)
        } else {
          "NULL".to_string()
        }
      })
      .collect::<Vec<_>>()
      .join(", ");
    let order = if table.by_rowid { " ORDER BY rowid" } else { "" };
    let mut stmt = tx
      .prepare(&format!(r#"SELECT {select} FROM "{}"{order}"#, table.name))
      .map_err(sqlite_error)?;
    let mut rows = stmt.query([]).map_err(sqlite_error)?;
    let fresh = || Batch {
      table: index,
      columns: table.kinds.iter().map(|k| Column::new(*k)).collect(),
      rows: 0,
    };
    let mut batch = fresh();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
      for (at, kind) in table.kinds.iter().enumerate() {
        let value: Value = row.get(at).map_err(sqlite_error)?;
        let hash = *kind == SessionKey && hash_target && !stored_hashed;
        let what = || format!("{}.{} of row {}", table.name, columns[at], batch.rows + 1);
        batch.columns[at].push(value, hash, columns[at], &what)?;
      }
      batch.rows += 1;
      if batch.rows == BATCH && !send(std::mem::replace(&mut batch, fresh())) {
        return Ok(());
      }
    }
    if batch.rows > 0 && !send(batch) {
      return Ok(());
    }
  }
  Ok(())
}

/// Copies the SQLite database at `path` into the store's database, in one transaction.
/// Refuses a target that already has rows unless `merge`. `progress` is told after each batch.
pub async fn copy_from_sqlite(
  store: &PostgresStore,
  path: String,
  merge: bool,
  progress: impl Fn(CopyProgress) + Send + 'static,
) -> AuthResult<CopyResult> {
  let db = pg(METHOD);
  // The schema is made (or migrated) in the copy's transaction: a failed copy leaves no table.
  let mut client = store.connect(METHOD).await?;
  let hash_target = store.hash_session_tokens;
  let (totals_tx, totals_rx) = tokio::sync::oneshot::channel::<Vec<u64>>();
  let (batches_tx, mut batches_rx) = tokio::sync::mpsc::channel::<Batch>(4);
  let reader = tokio::task::spawn_blocking(move || {
    read_sqlite(
      &path,
      hash_target,
      |totals| totals_tx.send(totals).is_ok(),
      |batch| batches_tx.blocking_send(batch).is_ok(),
    )
  });
  // The file is checked (and its rows counted) before anything is written.
  let Ok(totals) = totals_rx.await else {
    return Err(reader_error(reader.await));
  };
  let tx = client.transaction().await.map_err(&db)?;
  super::migrations::migrate_in(&tx, store.hash_session_tokens).await?;
  if !merge {
    let row = super::query::opt(
      &tx,
      METHOD,
      r#"SELECT (SELECT count(*) FROM "user") + (SELECT count(*) FROM "account") + (SELECT count(*) FROM "session")
                + (SELECT count(*) FROM "verificationToken") + (SELECT count(*) FROM "authenticator")"#,
      &[],
      None,
    )
    .await?
    .ok_or_else(|| AuthError::new(Code::Internal, METHOD, "the count returned no row"))?;
    let rows: i64 = super::query::get(&row, METHOD, 0)?;
    if rows > 0 {
      return Err(AuthError::invalid(
        METHOD,
        format!("the PostgreSQL database already holds {rows} auth rows; copy into an empty database, or pass --merge (merge: true) to add only the rows it lacks"),
      ));
    }
  }
  let mut result = CopyResult::default();
  let mut done = [0u64; 5];
  while let Some(batch) = batches_rx.recv().await {
    let table = &TABLES[batch.table];
    let columns = names(table.columns);
    let unnest = batch
      .columns
      .iter()
      .enumerate()
      .map(|(i, c)| format!("${}::{}", i + 1, c.sql_type()))
      .collect::<Vec<_>>()
      .join(", ");
    let sql = format!(
      r#"INSERT INTO "{}" ({}) SELECT * FROM unnest({unnest}) ON CONFLICT DO NOTHING"#,
      table.name, table.columns
    );
    let params: Vec<&(dyn ToSql + Sync)> = batch.columns.iter().map(Column::param).collect();
    let inserted = super::query::execute(&tx, METHOD, &sql, &params, None)
      .await
      .map_err(|mut e| {
        e.message = format!("copying {:?} ({}): {}", table.name, columns.join(", "), e.message);
        e
      })?;
    result.skipped += (batch.rows as u64 - inserted) as u32;
    let count = match batch.table {
      0 => &mut result.users,
      1 => &mut result.accounts,
      2 => &mut result.sessions,
      3 => &mut result.verification_tokens,
      _ => &mut result.authenticators,
    };
    *count += inserted as u32;
    done[batch.table] += batch.rows as u64;
    progress(CopyProgress {
      table: table.name.to_string(),
      done: done[batch.table] as u32,
      total: totals[batch.table] as u32,
    });
  }
  match reader.await {
    Ok(Ok(())) => {}
    other => return Err(reader_error(other)),
  }
  tx.commit().await.map_err(&db)?;
  Ok(result)
}

fn reader_error(outcome: Result<AuthResult<()>, tokio::task::JoinError>) -> AuthError {
  match outcome {
    Ok(Err(err)) => err,
    Ok(Ok(())) => AuthError::new(Code::Internal, METHOD, "the SQLite reader stopped early"),
    Err(_) => AuthError::new(
      Code::Internal,
      METHOD,
      "the SQLite reader panicked; please report this bug",
    ),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn every_table_has_a_kind_per_column() {
    for table in &TABLES {
      assert_eq!(names(table.columns).len(), table.kinds.len(), "{}", table.name);
    }
    assert_eq!(names(user_columns!())[3], "emailVerified");
  }
}
