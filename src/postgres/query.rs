//! Running a statement, so that it is planned once yet works through any connection pooler, and
//! its error mapped to an authlite error.
//!
//! A transaction pooler (PgBouncer in transaction mode, Supabase's and Neon's pooled URLs) hands
//! each transaction to whichever server connection is free. A protocol-level prepared statement
//! named by a counter (tokio-postgres's `s0`, `s1`, ...) may then be missing there or, worse, be
//! another process's statement of the same name, which would run instead. So authlite never
//! prepares one. Instead:
//!
//! - Each statement is prepared at the SQL level under a name derived from its text and the
//!   schema version (`authlite_<version>_<sha-256 of the text>`): two statements of the same
//!   name are the same statement, whichever process or server connection prepared it, so a
//!   name can never run another statement.
//! - A call sends `EXECUTE <name>(<values>)`: one round trip, and the server reuses its plan. A
//!   utility statement takes no protocol parameters, so the values are written into it exactly
//!   (`literal`); a value of a type `literal` does not write sends the statement itself. A call
//!   that reads rows sends it unnamed as Parse/Bind/Describe/Execute/Sync (tokio-postgres's
//!   `query_typed`, for binary results); one that only counts changed rows sends it as a simple
//!   query, one message that the server and a pooler handle with less work (measured through
//!   PgBouncer at 64 concurrent callers: 7-10% less server CPU per session churn flow).
//! - Where the server connection lacks it (a pooler's other connection, a new connection) the
//!   server answers "prepared statement does not exist" before running anything; the call then
//!   prepares it (for the next calls there) and runs the statement itself unnamed.
//! - Inside a transaction, which a pooler keeps on one server connection but which a failed
//!   `EXECUTE` would abort, the statement itself is sent unnamed.
//!
//! The binary encoding of a parameter depends on its type (`types`: a time as `timestamp` or
//! `timestamptz`, a counter as `integer` or `bigint`), which the server infers from the columns.
//! Preparing a statement also reads those types from `pg_prepared_statements`, in the same
//! simple-query message (one round trip, on one server connection even through a pooler); they
//! are kept per open database (`Statements`).

use std::collections::{HashMap, HashSet};
use std::pin::pin;
use std::sync::{Arc, Mutex};

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{Kind, ToSql, Type};
use tokio_postgres::{Row, SimpleQueryMessage};

use super::error::{from_pg, Conflict};
use crate::error::{AuthError, AuthResult, Code};

/// Parameters of a statement.
pub type Params<'a> = [&'a (dyn ToSql + Sync)];

/// A statement as authlite runs it: its prepared name and its parameter types.
struct Prepared {
  name: String,
  types: Arc<[Type]>,
}

/// The statements run on one database so far, by text, and which of them each connection of the
/// pool has prepared (so that a direct connection never sends an `EXECUTE` the server must
/// refuse, and its log stays clean).
#[derive(Default)]
pub struct Statements {
  known: Mutex<HashMap<String, Arc<Prepared>>>,
  here: Mutex<HashMap<deadpool::managed::ObjectId, HashSet<String>>>,
}

/// Connections whose prepared statements are remembered; past that the memory starts over (it
/// only saves a round trip; connections the pool closed leave entries behind).
const REMEMBERED_CONNECTIONS: usize = 1024;

impl Statements {
  /// An empty cache.
  pub fn new() -> Self {
    Self::default()
  }

  fn get(&self, sql: &str) -> Option<Arc<Prepared>> {
    self.known.lock().ok()?.get(sql).cloned()
  }

  fn remember(&self, sql: &str, prepared: Arc<Prepared>) {
    if let Ok(mut map) = self.known.lock() {
      map.insert(sql.to_string(), prepared);
    }
  }

  /// Whether this connection prepared the statement `name` (as far as this process knows).
  fn prepared_on(&self, connection: deadpool::managed::ObjectId, name: &str) -> bool {
    self
      .here
      .lock()
      .is_ok_and(|map| map.get(&connection).is_some_and(|names| names.contains(name)))
  }

  fn mark_prepared_on(&self, connection: deadpool::managed::ObjectId, name: &str) {
    if let Ok(mut map) = self.here.lock() {
      if map.len() >= REMEMBERED_CONNECTIONS && !map.contains_key(&connection) {
        map.clear();
      }
      map.entry(connection).or_default().insert(name.to_string());
    }
  }
}

/// The name a statement is prepared under: the schema version and a digest of its text, so the
/// same name always means the same statement.
fn prepared_name(sql: &str) -> String {
  let digest = Sha256::digest(sql.as_bytes());
  format!(
    "authlite_{}_{}",
    super::migrations::latest_version(),
    hex::encode(&digest[..12])
  )
}

/// What statements run on: a pooled connection (`Conn`) or a transaction on one (`Tx`).
pub trait Runner: Sync {
  /// The tokio-postgres client the statement is sent on.
  fn pg(&self) -> &tokio_postgres::Client;
  /// The database's statements.
  fn statements(&self) -> &Statements;
  /// The pool connection statements are sent on, or `None` in a transaction (where a failed
  /// `EXECUTE` would abort it, so statements are sent unnamed).
  fn connection(&self) -> Option<deadpool::managed::ObjectId>;
}

/// A connection from the pool, with its database's statements (returned to the pool when
/// dropped).
pub struct Conn {
  client: deadpool_postgres::Client,
  statements: Arc<Statements>,
}

impl Conn {
  /// Wraps a pooled connection.
  pub fn new(client: deadpool_postgres::Client, statements: Arc<Statements>) -> Self {
    Conn { client, statements }
  }

  /// Begins a transaction (a simple-query `BEGIN`, as its `COMMIT`).
  pub async fn transaction(&mut self) -> Result<Tx<'_>, tokio_postgres::Error> {
    Ok(Tx {
      tx: self.client.transaction().await?,
      statements: &self.statements,
    })
  }
}

impl Runner for Conn {
  fn pg(&self) -> &tokio_postgres::Client {
    &self.client
  }
  fn statements(&self) -> &Statements {
    &self.statements
  }
  fn connection(&self) -> Option<deadpool::managed::ObjectId> {
    Some(deadpool_postgres::Client::id(&self.client))
  }
}

/// A transaction on a pooled connection; rolled back when dropped uncommitted.
pub struct Tx<'a> {
  tx: deadpool_postgres::Transaction<'a>,
  statements: &'a Statements,
}

impl Tx<'_> {
  /// Commits the transaction.
  pub async fn commit(self) -> Result<(), tokio_postgres::Error> {
    self.tx.commit().await
  }

  /// Runs statements without parameters, in the simple-query protocol.
  pub async fn batch_execute(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
    self.tx.batch_execute(sql).await
  }
}

impl Runner for Tx<'_> {
  fn pg(&self) -> &tokio_postgres::Client {
    self.tx.client()
  }
  fn statements(&self) -> &Statements {
    self.statements
  }
  fn connection(&self) -> Option<deadpool::managed::ObjectId> {
    None
  }
}

/// Runs `sql` and returns its row, if any; `conflict` words a unique-key violation.
pub async fn opt(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
) -> AuthResult<Option<Row>> {
  let (rows, _) = run(on, method, sql, params, conflict, Answer::Rows).await?;
  if rows.len() > 1 {
    return Err(AuthError::new(
      Code::Database,
      method,
      format!(
        "the statement returned {} rows where one was expected",
        rows.len()
      ),
    ));
  }
  Ok(rows.into_iter().next())
}

/// Runs `sql` and returns its rows.
pub async fn all(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
) -> AuthResult<Vec<Row>> {
  Ok(run(on, method, sql, params, None, Answer::Rows).await?.0)
}

/// Runs `sql` and returns how many rows it changed.
pub async fn execute(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
) -> AuthResult<u64> {
  Ok(run(on, method, sql, params, conflict, Answer::Count).await?.1)
}

/// Runs the statement (see the module's documentation); returns its rows and how many rows it
/// changed.
async fn run(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
  answer: Answer,
) -> AuthResult<(Vec<Row>, u64)> {
  let failed = |err: tokio_postgres::Error| from_pg(method, &err, conflict);
  let statements = on.statements();
  let prepared = match statements.get(sql) {
    Some(prepared) => prepared,
    None => {
      // The first call in this process: prepared on this server connection as it is learnt.
      let prepared = Arc::new(prepare(on, method, sql, false).await?);
      statements.remember(sql, Arc::clone(&prepared));
      if let Some(connection) = on.connection() {
        statements.mark_prepared_on(connection, &prepared.name);
      }
      prepared
    }
  };
  if prepared.types.len() != params.len() {
    return Err(AuthError::new(
      Code::Internal,
      method,
      format!(
        "the statement has {} parameters but was given {}; please report this bug",
        prepared.types.len(),
        params.len()
      ),
    ));
  }
  if let Some(connection) = on.connection() {
    if let Some(execute) = execute_text(method, &prepared, params)? {
      if !statements.prepared_on(connection, &prepared.name) {
        // A connection new to this statement: prepared first (if the server connection does
        // not have it already), so a direct connection never gets an EXECUTE it must refuse.
        prepare(on, method, sql, false).await?;
        statements.mark_prepared_on(connection, &prepared.name);
      }
      let sent = match answer {
        Answer::Rows => send(on, &execute, &[], &[]).await,
        Answer::Count => send_simple(on, &execute).await,
      };
      match sent {
        Err(err) if let Some(stale) = not_prepared_here(&err) => {
          // Nothing ran. Prepared for the next call on this server connection (through a
          // pooler, on whichever it is now), then this call runs the statement itself.
          prepare(on, method, sql, stale).await?;
        }
        outcome => return outcome.map_err(failed),
      }
    }
  }
  send(on, sql, &prepared.types, params).await.map_err(failed)
}

/// `EXECUTE <name>(<values>)`, or `None` when a value's type cannot be written (see `literal`).
fn execute_text(
  method: &'static str,
  prepared: &Prepared,
  params: &Params<'_>,
) -> AuthResult<Option<String>> {
  let mut values = Vec::with_capacity(params.len());
  for (param, ty) in params.iter().zip(prepared.types.iter()) {
    match super::literal::literal(*param, ty) {
      Ok(Some(value)) => values.push(value),
      Ok(None) => return Ok(None),
      Err(err) => return Err(super::error::from_value(method, &*err)),
    }
  }
  Ok(Some(if values.is_empty() {
    format!("EXECUTE {}", prepared.name)
  } else {
    format!("EXECUTE {}({})", prepared.name, values.join(", "))
  }))
}

/// Whether the `EXECUTE` ran nothing because the server connection lacks the prepared statement
/// (`Some(false)`) or has a stale one, whose result columns changed since it was prepared
/// because a tool altered the table (`Some(true)`).
fn not_prepared_here(err: &tokio_postgres::Error) -> Option<bool> {
  let db = err.as_db_error()?;
  if *db.code() == SqlState::INVALID_SQL_STATEMENT_NAME {
    Some(false)
  } else if *db.code() == SqlState::FEATURE_NOT_SUPPORTED && db.message().contains("cached plan") {
    Some(true)
  } else {
    None
  }
}

/// What a caller wants back from a statement.
#[derive(Clone, Copy)]
enum Answer {
  /// Its rows, decoded (binary results need the extended protocol).
  Rows,
  /// Only how many rows it changed: an `EXECUTE` then goes as one simple-query message, which
  /// the server and a pooler handle with less work than Parse/Bind/Describe/Execute/Sync.
  Count,
}

/// Sends `sql` (an `EXECUTE` whose values are literals) as a simple query; how many rows it
/// changed.
async fn send_simple(on: &impl Runner, sql: &str) -> Result<(Vec<Row>, u64), tokio_postgres::Error> {
  let changed = on
    .pg()
    .simple_query(sql)
    .await?
    .iter()
    .find_map(|message| match message {
      SimpleQueryMessage::CommandComplete(changed) => Some(*changed),
      _ => None,
    })
    .unwrap_or(0);
  Ok((Vec::new(), changed))
}

/// Sends `sql` unnamed with its typed parameters and reads the whole answer.
async fn send(
  on: &impl Runner,
  sql: &str,
  types: &[Type],
  params: &Params<'_>,
) -> Result<(Vec<Row>, u64), tokio_postgres::Error> {
  let stream = on
    .pg()
    .query_typed_raw(sql, params.iter().copied().zip(types.iter().cloned()))
    .await?;
  let mut stream = pin!(stream);
  let mut rows = Vec::new();
  while let Some(row) = stream.try_next().await? {
    rows.push(row);
  }
  let changed = stream.rows_affected().unwrap_or(0);
  Ok((rows, changed))
}

/// Prepares the statement under its name on the server connection the message lands on (unless
/// it is there already; `replace`: in place of the one there) and reads its parameter types, in
/// one simple-query message.
async fn prepare(on: &impl Runner, method: &'static str, sql: &str, replace: bool) -> AuthResult<Prepared> {
  let name = prepared_name(sql);
  let there = format!("EXISTS (SELECT FROM pg_prepared_statements WHERE name = '{name}')");
  let make = format!("EXECUTE $authlite_sql$PREPARE {name} AS {sql}$authlite_sql$;");
  let body = if replace {
    format!("IF {there} THEN EXECUTE 'DEALLOCATE {name}'; END IF; {make}")
  } else {
    format!("IF NOT {there} THEN {make} END IF;")
  };
  let text = format!(
    "DO $authlite$ BEGIN {body} END $authlite$;\n\
     SELECT t.oid::text, t.typname::text, n.nspname::text, t.typtype::text, t.typbasetype::text\n\
       FROM pg_prepared_statements s\n\
       CROSS JOIN LATERAL unnest(s.parameter_types::oid[]) WITH ORDINALITY AS p(type, position)\n\
       JOIN pg_type t ON t.oid = p.type JOIN pg_namespace n ON n.oid = t.typnamespace\n\
       WHERE s.name = '{name}' ORDER BY p.position"
  );
  let messages = on
    .pg()
    .simple_query(&text)
    .await
    .map_err(|err| from_pg(method, &err, None))?;
  let mut types = Vec::new();
  for message in &messages {
    let SimpleQueryMessage::Row(row) = message else {
      continue;
    };
    let column = |index: usize| row.get(index).unwrap_or_default();
    let number = |index: usize| {
      column(index).parse::<u32>().map_err(|_| {
        AuthError::new(
          Code::Database,
          method,
          format!(
            "PostgreSQL described a parameter type as {:?}, not an oid",
            column(index)
          ),
        )
      })
    };
    types.push(parameter_type(
      number(0)?,
      column(1),
      column(2),
      column(3),
      number(4)?,
    ));
  }
  Ok(Prepared {
    name,
    types: types.into(),
  })
}

/// The tokio-postgres type for a parameter type the server named: a built-in one, a domain's
/// base type when that is built in (the server casts it to the domain), or another (e.g.
/// `citext`) by name.
fn parameter_type(oid: u32, name: &str, schema: &str, typtype: &str, base: u32) -> Type {
  if let Some(known) = Type::from_oid(oid) {
    return known;
  }
  if typtype == "d" {
    if let Some(known) = Type::from_oid(base) {
      return known;
    }
  }
  Type::new(name.to_string(), oid, Kind::Simple, schema.to_string())
}

/// Reads a column, reporting a value of an unexpected type as a database error.
pub fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
  row: &'a Row,
  method: &'static str,
  index: usize,
) -> AuthResult<T> {
  row.try_get(index).map_err(|err| {
    AuthError::new(
      Code::Database,
      method,
      format!(
        "column {:?} cannot be read: {err}",
        row.columns().get(index).map(|c| c.name()).unwrap_or("?")
      ),
    )
  })
}

/// Reads the custom-fields column (a JSON object as text, `NULL` for none).
pub fn extra(row: &Row, method: &'static str, index: usize) -> AuthResult<crate::model::Extra> {
  let text: Option<String> = get(row, method, index)?;
  match text {
    None => Ok(crate::model::Extra::new()),
    Some(text) => match serde_json::from_str::<serde_json::Value>(&text) {
      Ok(serde_json::Value::Object(map)) => Ok(map),
      _ => Err(AuthError::new(
        Code::Database,
        method,
        "authlite_extra does not hold a JSON object",
      )),
    },
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_prepared_name_is_the_same_for_the_same_text_only() {
    let a = prepared_name("SELECT 1");
    assert_eq!(a, prepared_name("SELECT 1"));
    assert_ne!(a, prepared_name("SELECT 2"));
    assert!(a.starts_with(&format!(
      "authlite_{}_",
      super::super::migrations::latest_version()
    )));
    assert!(a.len() < 64, "PostgreSQL names are at most 63 bytes: {a}");
  }

  #[test]
  fn parameter_types_are_built_in_or_named() {
    assert_eq!(
      parameter_type(1114, "timestamp", "pg_catalog", "b", 0),
      Type::TIMESTAMP
    );
    assert_eq!(parameter_type(99999, "email", "public", "d", 25), Type::TEXT);
    let citext = parameter_type(88888, "citext", "public", "b", 0);
    assert_eq!(
      (citext.oid(), citext.name(), citext.schema()),
      (88888, "citext", "public")
    );
  }
}
