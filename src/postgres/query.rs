//! Running a statement, so that it works through any connection pooler, and its error mapped to
//! an authlite error.
//!
//! Every statement is sent unnamed, as one Parse/Bind/Describe/Execute/Sync message in a single
//! round trip (tokio-postgres's `query_typed`). No statement is ever prepared under a name: a
//! transaction pooler (PgBouncer in transaction mode, Supabase's and Neon's pooled URLs) hands
//! each transaction to whichever server connection is free, where a named statement may be
//! missing or, worse, be another client's statement of the same name, which would run instead.
//! An unnamed statement lives only until the next Parse of the same message, so a pooler cannot
//! separate it from its Bind.
//!
//! The binary encoding of a parameter depends on its type (`types`: a time as `timestamp` or
//! `timestamptz`, a counter as `integer` or `bigint`), which the server infers from the columns.
//! Those types are asked of the server once per statement text per open database
//! (`Statements`): the statement is `PREPARE`d under a name unique to this process and the query,
//! `pg_prepared_statements` read and the name deallocated, all in one simple-query message, which
//! a pooler keeps on one server connection. Every later call reuses the types.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::TryStreamExt;
use tokio_postgres::types::{Kind, ToSql, Type};
use tokio_postgres::{Row, RowStream, SimpleQueryMessage};

use super::error::{from_pg, Conflict};
use crate::error::{AuthError, AuthResult, Code};

/// Parameters of a statement.
pub type Params<'a> = [&'a (dyn ToSql + Sync)];

/// The parameter types of the statements run on one database, learnt once per statement text.
pub struct Statements {
  types: Mutex<HashMap<String, Arc<[Type]>>>,
  /// Makes this process's `PREPARE` names unique among every client of the server.
  tag: String,
  probes: AtomicU64,
}

impl Statements {
  /// An empty cache, with a random tag for its probes' names.
  pub fn new() -> Self {
    let mut bytes = [0u8; 8];
    // A tag that is not random only risks a loud "already exists" error, never a wrong result.
    let _ = getrandom::fill(&mut bytes);
    Statements {
      types: Mutex::new(HashMap::new()),
      tag: hex::encode(bytes),
      probes: AtomicU64::new(0),
    }
  }

  fn known(&self, sql: &str) -> Option<Arc<[Type]>> {
    self.types.lock().ok()?.get(sql).cloned()
  }

  fn remember(&self, sql: &str, types: Arc<[Type]>) {
    if let Ok(mut map) = self.types.lock() {
      map.insert(sql.to_string(), types);
    }
  }
}

impl Default for Statements {
  fn default() -> Self {
    Self::new()
  }
}

/// What statements run on: a pooled connection (`Conn`) or a transaction on one (`Tx`).
pub trait Runner: Sync {
  /// The tokio-postgres client the statement is sent on.
  fn pg(&self) -> &tokio_postgres::Client;
  /// The database's statement types.
  fn statements(&self) -> &Statements;
}

/// A connection from the pool, with its database's statement types (returned to the pool when
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
}

/// Runs `sql` and returns its row, if any; `conflict` words a unique-key violation.
pub async fn opt(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
) -> AuthResult<Option<Row>> {
  let rows = all_or(on, method, sql, params, conflict).await?;
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
  all_or(on, method, sql, params, None).await
}

async fn all_or(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
) -> AuthResult<Vec<Row>> {
  let stream = start(on, method, sql, params, conflict).await?;
  stream
    .try_collect()
    .await
    .map_err(|err| from_pg(method, &err, conflict))
}

/// Runs `sql` and returns how many rows it changed.
pub async fn execute(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
) -> AuthResult<u64> {
  let mut stream = pin!(start(on, method, sql, params, conflict).await?);
  while stream
    .try_next()
    .await
    .map_err(|err| from_pg(method, &err, conflict))?
    .is_some()
  {}
  Ok(stream.rows_affected().unwrap_or(0))
}

/// Sends the statement, unnamed, with its parameters typed as the server inferred them.
async fn start(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
) -> AuthResult<RowStream> {
  let types = parameter_types(on, method, sql, params.len()).await?;
  on.pg()
    .query_typed_raw(sql, params.iter().copied().zip(types.iter().cloned()))
    .await
    .map_err(|err| from_pg(method, &err, conflict))
}

/// The types of the statement's parameters: known, or asked of the server (once).
async fn parameter_types(
  on: &impl Runner,
  method: &'static str,
  sql: &str,
  count: usize,
) -> AuthResult<Arc<[Type]>> {
  if count == 0 {
    return Ok(Arc::from(Vec::new()));
  }
  let statements = on.statements();
  let types = match statements.known(sql) {
    Some(types) => types,
    None => {
      let types: Arc<[Type]> = probe(on, method, sql).await?.into();
      statements.remember(sql, Arc::clone(&types));
      types
    }
  };
  if types.len() != count {
    return Err(AuthError::new(
      Code::Internal,
      method,
      format!(
        "the statement has {} parameters but was given {count}; please report this bug",
        types.len()
      ),
    ));
  }
  Ok(types)
}

/// Asks the server which types it infers for the statement's parameters: `PREPARE`, read
/// `pg_prepared_statements`, `DEALLOCATE`, in one simple-query message (one round trip, on one
/// server connection even through a transaction pooler).
async fn probe(on: &impl Runner, method: &'static str, sql: &str) -> AuthResult<Vec<Type>> {
  let statements = on.statements();
  let name = format!(
    "authlite_types_{}_{}",
    statements.tag,
    statements.probes.fetch_add(1, Ordering::Relaxed)
  );
  let text = format!(
    "PREPARE {name} AS {sql};\n\
     SELECT t.oid::text, t.typname::text, n.nspname::text, t.typtype::text, t.typbasetype::text\n\
       FROM pg_prepared_statements s\n\
       CROSS JOIN LATERAL unnest(s.parameter_types::oid[]) WITH ORDINALITY AS p(type, position)\n\
       JOIN pg_type t ON t.oid = p.type JOIN pg_namespace n ON n.oid = t.typnamespace\n\
       WHERE s.name = '{name}' ORDER BY p.position;\n\
     DEALLOCATE {name};"
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
  Ok(types)
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
