//! PostgreSQL and pool failures as authlite errors: constraint violations mean what they mean
//! on SQLite (`AUTHLITE_CONFLICT`, `AUTHLITE_NOT_FOUND`), a lost or refused connection is
//! `AUTHLITE_UNAVAILABLE` (retryable: the next call gets a new connection, to the new primary
//! after a failover), anything else `AUTHLITE_DATABASE` with the server's message.

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

use crate::error::{AuthError, Code};

/// The sentence for a unique/primary-key violation, given the violated constraint's name.
pub type Conflict<'a> = &'a (dyn Fn(&str) -> String + Sync);

fn unavailable_state(state: &SqlState) -> bool {
  let code = state.code();
  // 08: connection exception (but 08P01, a protocol violation, is no lost connection: retrying
  // sends the same messages); 57P01-57P03: admin/crash shutdown, cannot connect now; 25006:
  // read-only transaction (a standby, or a primary being demoted).
  (code.starts_with("08") && code != "08P01") || matches!(code, "57P01" | "57P02" | "57P03" | "25006")
}

/// A prepared statement that went missing, already existed, or took other parameters (by
/// SQLSTATE and message): what a connection pooler that moves clients between server
/// connections does to named statements. authlite sends none, so something between it and the
/// server (or another client of the same pooler connection) named one; retrying cannot help.
fn pooler_mixup(state: &str, message: &str) -> bool {
  matches!(state, "26000" | "42P05")
    || (state == "08P01" && (message.contains("prepared statement") || message.contains("bind message")))
}

/// The message for `pooler_mixup`: what happened and what to change.
fn pooler_message(db: &tokio_postgres::error::DbError) -> String {
  format!(
    "PostgreSQL: {} (SQLSTATE {}). A prepared statement was lost or mixed up between connections: \
     this is what a transaction pooler (PgBouncer in transaction mode, Supabase's or Neon's pooled \
     URL) does to named prepared statements. authlite itself sends only unnamed statements, so \
     check what else shares this pooler connection; with PgBouncer 1.21 or later set \
     max_prepared_statements (e.g. 200), or use the session pooler or a direct URL",
    db.message(),
    db.code().code()
  )
}

/// Maps a statement's error; `violation` names unique-key conflicts (`None`: cannot happen).
pub fn from_pg(
  method: &'static str,
  err: &tokio_postgres::Error,
  conflict: Option<Conflict<'_>>,
) -> AuthError {
  if let Some(db) = err.as_db_error() {
    let state = db.code();
    if *state == SqlState::UNIQUE_VIOLATION {
      if let Some(conflict) = conflict {
        return AuthError::new(Code::Conflict, method, conflict(db.constraint().unwrap_or("")));
      }
    }
    if *state == SqlState::FOREIGN_KEY_VIOLATION {
      return AuthError::not_found(method, "userId does not name an existing user");
    }
    if pooler_mixup(state.code(), db.message()) {
      return AuthError::new(Code::Database, method, pooler_message(db));
    }
    if unavailable_state(state) {
      return unavailable(method, db.message());
    }
    return AuthError::new(Code::Database, method, format!("PostgreSQL: {}", db.message()));
  }
  if let Some(why) = does_not_fit(err) {
    return AuthError::invalid(method, why);
  }
  if err.is_closed() || is_io(err) {
    return unavailable(method, &with_causes(err));
  }
  AuthError::new(
    Code::Database,
    method,
    format!("PostgreSQL: {}", with_causes(err)),
  )
}

/// The error and its causes, `outer: inner: ...` (tokio-postgres says "error connecting to
/// server" and keeps the reason, e.g. "Connection refused", in its source).
pub fn with_causes(err: &(dyn std::error::Error + 'static)) -> String {
  let mut text = err.to_string();
  let mut source = err.source();
  while let Some(inner) = source {
    let more = inner.to_string();
    if !text.contains(&more) {
      text.push_str(": ");
      text.push_str(&more);
    }
    source = inner.source();
  }
  text
}

/// A statement error where no constraint can be violated.
pub fn pg(method: &'static str) -> impl Fn(tokio_postgres::Error) -> AuthError {
  move |err| from_pg(method, &err, None)
}

/// A value that `ToSql` refused while authlite wrote it into a statement (`literal`): one that
/// does not fit its column is invalid input naming the field, anything else a database error.
pub fn from_value(method: &'static str, err: &(dyn std::error::Error + 'static)) -> AuthError {
  if let Some(fit) = err.downcast_ref::<super::types::DoesNotFit>() {
    return AuthError::invalid(method, fit.0.clone());
  }
  AuthError::new(
    Code::Database,
    method,
    format!("PostgreSQL: a value cannot be sent: {}", with_causes(err)),
  )
}

/// The message of a value that did not fit its column (`types::DoesNotFit`).
fn does_not_fit(err: &tokio_postgres::Error) -> Option<String> {
  let mut source = std::error::Error::source(err);
  while let Some(inner) = source {
    if let Some(fit) = inner.downcast_ref::<super::types::DoesNotFit>() {
      return Some(fit.0.clone());
    }
    source = inner.source();
  }
  None
}

fn is_io(err: &tokio_postgres::Error) -> bool {
  let mut source = std::error::Error::source(err);
  while let Some(inner) = source {
    if inner.is::<std::io::Error>() {
      return true;
    }
    source = inner.source();
  }
  false
}

fn unavailable(method: &'static str, why: &str) -> AuthError {
  AuthError::new(
    Code::Unavailable,
    method,
    format!("PostgreSQL is unavailable ({why}); retry the call"),
  )
}

/// Maps a failure to get a connection from the pool.
pub fn from_pool(method: &'static str, err: PoolError) -> AuthError {
  match err {
    PoolError::Backend(err) => {
      if let Some(db) = err.as_db_error() {
        if unavailable_state(db.code()) {
          return from_pg(method, &err, None);
        }
        // Wrong password or database, refused by pg_hba: a setting to fix, not a retry.
        return AuthError::new(
          Code::Database,
          method,
          format!("cannot connect to PostgreSQL: {}", db.message()),
        );
      }
      let text = with_causes(&err);
      let lower = text.to_ascii_lowercase();
      // A certificate that does not check out, or a server without TLS when TLS is required:
      // retrying cannot help, the settings (sslmode, ca) must change.
      if ["certificate", "tls", "ssl", "password", "authentication"]
        .iter()
        .any(|word| lower.contains(word))
      {
        return AuthError::new(
          Code::Database,
          method,
          format!("cannot connect to PostgreSQL: {text}"),
        );
      }
      unavailable(method, &format!("cannot connect: {text}"))
    }
    PoolError::Timeout(_) => unavailable(method, "timed out waiting for a connection"),
    PoolError::Closed => AuthError::closed(method),
    other => AuthError::new(Code::Internal, method, format!("connection pool: {other}")),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_pooler_mixup_is_recognised_and_not_retryable() {
    assert!(pooler_mixup("26000", "prepared statement \"s5\" does not exist"));
    assert!(pooler_mixup("42P05", "prepared statement \"s5\" already exists"));
    assert!(pooler_mixup(
      "08P01",
      "bind message supplies 6 parameters, but prepared statement \"s5\" requires 3"
    ));
    assert!(!pooler_mixup("08P01", "invalid frontend message type 0"));
    assert!(!pooler_mixup("23505", "duplicate key value"));
    assert!(!unavailable_state(&SqlState::PROTOCOL_VIOLATION));
    assert!(unavailable_state(&SqlState::CONNECTION_FAILURE));
  }
}
