//! The one error type: every failure carries the adapter method it came from, a stable code
//! and a message that says what to fix. It becomes a JS `Error` whose message starts with
//! `authlite: <method>:` and whose `code` property is one of the `Code` strings.

use std::fmt;

use napi::bindgen_prelude::{JsObjectValue, JsValue};
use napi::Env;

/// Stable error codes, exposed to JS as `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
  /// An argument has the wrong type, is missing, or is out of range.
  InvalidInput,
  /// The row to update does not exist.
  NotFound,
  /// A unique key is already taken (duplicate email, account, credential, token).
  Conflict,
  /// The database failed: the file cannot be opened, is locked too long, is corrupt, or is
  /// full; or PostgreSQL refused a statement or the connection settings.
  Database,
  /// PostgreSQL cannot be reached right now (connection lost, server shutting down, no writable
  /// primary among the hosts): retryable. A write that got this error may or may not have
  /// been committed.
  Unavailable,
  /// The database handle was closed.
  Closed,
  /// A stored token could not be decrypted (wrong or missing `encryptionKey`, or tampering).
  Decrypt,
  /// The database holds another auth library's tables, which authlite neither takes over nor
  /// sits beside; nothing was changed.
  ForeignTables,
  /// A bug in authlite (a caught panic); please report it.
  Internal,
}

impl Code {
  /// The string JS code sees in `error.code`.
  pub fn as_str(self) -> &'static str {
    match self {
      Code::InvalidInput => "AUTHLITE_INVALID_INPUT",
      Code::NotFound => "AUTHLITE_NOT_FOUND",
      Code::Conflict => "AUTHLITE_CONFLICT",
      Code::Database => "AUTHLITE_DATABASE",
      Code::Unavailable => "AUTHLITE_UNAVAILABLE",
      Code::Closed => "AUTHLITE_CLOSED",
      Code::Decrypt => "AUTHLITE_DECRYPT",
      Code::ForeignTables => "AUTHLITE_FOREIGN_TABLES",
      Code::Internal => "AUTHLITE_INTERNAL",
    }
  }
}

/// A failure of one authlite operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
  pub code: Code,
  pub method: &'static str,
  pub message: String,
  /// SQLite said another connection holds the lock (the write may be retried elsewhere).
  pub busy: bool,
}

/// Result of an authlite operation.
pub type AuthResult<T> = Result<T, AuthError>;

impl AuthError {
  pub fn new(code: Code, method: &'static str, message: impl Into<String>) -> Self {
    AuthError {
      code,
      method,
      message: message.into(),
      busy: false,
    }
  }

  pub fn invalid(method: &'static str, message: impl Into<String>) -> Self {
    Self::new(Code::InvalidInput, method, message)
  }

  pub fn not_found(method: &'static str, message: impl Into<String>) -> Self {
    Self::new(Code::NotFound, method, message)
  }

  pub fn closed(method: &'static str) -> Self {
    Self::new(Code::Closed, method, "the database is closed")
  }

  /// Maps a SQLite error, naming constraint violations by what they mean to an Auth.js user.
  /// `conflict` is the sentence used for a UNIQUE/PRIMARY KEY violation.
  pub fn from_sqlite(method: &'static str, err: rusqlite::Error, conflict: &str) -> Self {
    use rusqlite::ffi::{
      SQLITE_CONSTRAINT_FOREIGNKEY, SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE,
    };
    if let rusqlite::Error::SqliteFailure(ffi_err, _) = &err {
      match ffi_err.extended_code {
        SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY => {
          return Self::new(Code::Conflict, method, conflict.to_string());
        }
        SQLITE_CONSTRAINT_FOREIGNKEY => {
          return Self::not_found(method, "userId does not name an existing user");
        }
        _ => {}
      }
    }
    Self::database(method, &err)
  }

  /// The SQLite error of a statement that cannot violate a constraint.
  pub fn db(method: &'static str) -> impl Fn(rusqlite::Error) -> Self {
    move |err| Self::database(method, &err)
  }

  fn database(method: &'static str, err: &rusqlite::Error) -> Self {
    let busy = matches!(
      err,
      rusqlite::Error::SqliteFailure(e, _)
        if e.code == rusqlite::ErrorCode::DatabaseBusy || e.code == rusqlite::ErrorCode::DatabaseLocked
    );
    AuthError {
      busy,
      ..Self::new(Code::Database, method, err.to_string())
    }
  }

  /// Builds the JS `Error` (message and `code`) as a `napi::Error` that napi throws or rejects
  /// with as-is.
  pub fn into_napi(self, env: &Env) -> napi::Error {
    let message = self.to_string();
    let code = self.code.as_str();
    let build = || -> napi::Result<napi::Error> {
      let mut object = env.create_error(napi::Error::from_reason(message.clone()))?;
      object.set_named_property("code", code)?;
      Ok(napi::Error::from(object.to_unknown()))
    };
    build().unwrap_or_else(|_| napi::Error::new(napi::Status::GenericFailure, message))
  }
}

impl fmt::Display for AuthError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "authlite: {}: {}", self.method, self.message)
  }
}

impl std::error::Error for AuthError {}
