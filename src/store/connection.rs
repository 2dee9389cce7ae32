//! Opening a connection with the settings every authlite connection uses.

use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::error::{AuthError, AuthResult, Code};

/// Prepared statements kept per connection; authlite runs fewer distinct statements than this.
const STATEMENT_CACHE: usize = 64;

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
  /// A database file, created if missing.
  File(String),
  /// A private in-memory database (`:memory:`), gone when the handle closes.
  Memory,
}

impl Location {
  pub fn parse(path: &str) -> Self {
    if path == ":memory:" {
      Location::Memory
    } else {
      Location::File(path.to_string())
    }
  }
}

/// Opens `location` with WAL, `synchronous=NORMAL`, foreign keys, a busy timeout and QPSG (so
/// cached statements stay prepared: without it this SQLite build re-prepares them on every use).
pub fn open(location: &Location, busy_timeout: Duration) -> AuthResult<Connection> {
  let fail = |err: rusqlite::Error| AuthError::new(Code::Database, "open", open_message(location, &err));
  let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
    | OpenFlags::SQLITE_OPEN_CREATE
    | OpenFlags::SQLITE_OPEN_NO_MUTEX
    | OpenFlags::SQLITE_OPEN_URI;
  let conn = match location {
    Location::File(path) => Connection::open_with_flags(path, flags),
    Location::Memory => Connection::open_in_memory(),
  }
  .map_err(fail)?;
  conn.busy_timeout(busy_timeout).map_err(fail)?;
  conn
    .set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
    .map_err(fail)?;
  conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
  if let Location::File(_) = location {
    let mode: String = conn
      .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
      .map_err(fail)?;
    if !mode.eq_ignore_ascii_case("wal") {
      return Err(AuthError::new(
        Code::Database,
        "open",
        format!("could not switch the database to WAL mode (journal_mode is {mode})"),
      ));
    }
  }
  // A 16 MiB page cache (SQLite's default is 2 MiB; better-sqlite3 builds with 16): the auth
  // tables are read and written at random keys (UUIDs, token hashes), so a cache that holds
  // their upper levels and hot leaves saves a file read on most calls. Pages are only allocated
  // as they are used.
  conn
    .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000;")
    .map_err(fail)?;
  Ok(conn)
}

fn open_message(location: &Location, err: &rusqlite::Error) -> String {
  match location {
    Location::File(path) => {
      let dir = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty());
      match dir {
        Some(dir) if !dir.exists() => format!(
          "cannot open database {path:?} because the directory {} does not exist",
          dir.display()
        ),
        _ => format!("cannot open database {path:?}: {err}"),
      }
    }
    Location::Memory => format!("cannot open an in-memory database: {err}"),
  }
}
