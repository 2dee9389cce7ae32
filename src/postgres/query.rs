//! Running a statement: prepared once per connection (deadpool's statement cache), so a call
//! costs one round trip, and its error mapped to an authlite error.

use deadpool_postgres::Client;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::error::{from_pg, Conflict};
use crate::error::AuthResult;

/// Parameters of a statement.
pub type Params<'a> = [&'a (dyn ToSql + Sync)];

/// Runs `sql` and returns its row, if any; `conflict` words a unique-key violation.
pub async fn opt(
  client: &Client,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
) -> AuthResult<Option<Row>> {
  let stmt = client
    .prepare_cached(sql)
    .await
    .map_err(|err| from_pg(method, &err, None))?;
  client
    .query_opt(&stmt, params)
    .await
    .map_err(|err| from_pg(method, &err, conflict))
}

/// Runs `sql` and returns its rows.
pub async fn all(
  client: &Client,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
) -> AuthResult<Vec<Row>> {
  let stmt = client
    .prepare_cached(sql)
    .await
    .map_err(|err| from_pg(method, &err, None))?;
  client
    .query(&stmt, params)
    .await
    .map_err(|err| from_pg(method, &err, None))
}

/// Runs `sql` and returns how many rows it changed.
pub async fn execute(
  client: &Client,
  method: &'static str,
  sql: &str,
  params: &Params<'_>,
  conflict: Option<Conflict<'_>>,
) -> AuthResult<u64> {
  let stmt = client
    .prepare_cached(sql)
    .await
    .map_err(|err| from_pg(method, &err, None))?;
  client
    .execute(&stmt, params)
    .await
    .map_err(|err| from_pg(method, &err, conflict))
}

/// Reads a column, reporting a value of an unexpected type as a database error.
pub fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
  row: &'a Row,
  method: &'static str,
  index: usize,
) -> AuthResult<T> {
  row.try_get(index).map_err(|err| {
    crate::error::AuthError::new(
      crate::error::Code::Database,
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
      _ => Err(crate::error::AuthError::new(
        crate::error::Code::Database,
        method,
        "authlite_extra does not hold a JSON object",
      )),
    },
  }
}
