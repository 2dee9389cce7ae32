//! Opening a connection with the settings every authlite connection uses.

use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::error::{AuthError, AuthResult, Code};

/// Prepared statements kept per connection; authlite runs fewer distinct statements than this.
const STATEMENT_CACHE: usize = 64;

/// How a commit reaches the disk (SQLite's `synchronous` in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
  /// A commit is written to the WAL without waiting for the disk; the WAL is synced at each
  /// checkpoint. An application crash loses nothing; a power cut or OS crash may lose the last
  /// commits (never corrupt the database).
  Normal,
  /// Each commit waits until the WAL is on disk: durable through a power cut.
  Full,
}

impl Synchronous {
  fn pragma(self) -> &'static str {
    match self {
      Synchronous::Normal => "NORMAL",
      Synchronous::Full => "FULL",
    }
  }
}

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

/// Opens `location` with WAL, the given `synchronous`, foreign keys, a busy timeout and QPSG (so
/// cached statements stay prepared: without it this SQLite build re-prepares them on every use).
/// A new database file is created readable and writable by its owner only (0600); SQLite gives
/// its `-wal` and `-shm` files the same permissions.
/// With `create: false` the file must exist: a missing one is an `AUTHLITE_INVALID_INPUT` error
/// that names it, and nothing is created.
pub fn open(
  location: &Location,
  busy_timeout: Duration,
  synchronous: Synchronous,
  create: bool,
) -> AuthResult<Connection> {
  let fail = |err: rusqlite::Error| AuthError::new(Code::Database, "open", open_message(location, &err));
  let mut flags =
    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
  if create {
    flags |= OpenFlags::SQLITE_OPEN_CREATE;
  }
  if let (Location::File(path), false) = (location, create) {
    if !path.starts_with("file:") && !std::path::Path::new(path).is_file() {
      return Err(AuthError::invalid(
        "open",
        format!("no database file at {path:?} (fileMustExist: nothing was created)"),
      ));
    }
  }
  if let (Location::File(path), true) = (location, create) {
    create_owner_only(path).map_err(|err| {
      AuthError::new(
        Code::Database,
        "open",
        open_message(location, &rusqlite::Error::ToSqlConversionFailure(Box::new(err))),
      )
    })?;
  }
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
  // journal_size_limit: when the WAL starts over (or a TRUNCATE checkpoint, e.g. Litestream's,
  // empties it) the file is cut back to 32 MiB, so a WAL that grew while a reader held an old
  // snapshot does not keep its size on disk.
  // A 16 MiB page cache (SQLite's default is 2 MiB; better-sqlite3 builds with 16): the auth
  // tables are read and written at random keys (UUIDs, token hashes), so a cache that holds
  // their upper levels and hot leaves saves a file read on most calls. Pages are only allocated
  // as they are used.
  conn
    .execute_batch(&format!(
      "PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000; PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT};",
      synchronous.pragma()
    ))
    .map_err(fail)?;
  Ok(conn)
}

/// Bytes the WAL file is cut back to when it starts over (`PRAGMA journal_size_limit`).
pub const JOURNAL_SIZE_LIMIT: i64 = 32 * 1024 * 1024;

/// Creates an empty database file with mode 0600 unless the file exists (or `path` is a URI,
/// which SQLite resolves itself). A missing directory is left for SQLite to report.
fn create_owner_only(path: &str) -> std::io::Result<()> {
  if path.starts_with("file:") || path.is_empty() {
    return Ok(());
  }
  let mut options = std::fs::OpenOptions::new();
  options.write(true).create_new(true);
  #[cfg(unix)]
  std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
  match options.open(path) {
    Ok(_) => Ok(()),
    Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
    Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
    Err(err) => Err(err),
  }
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

#[cfg(test)]
mod tests {
  use super::*;

  fn temp_path(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("authlite-conn-{}-{name}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir.join("auth.db").to_string_lossy().into_owned()
  }

  #[test]
  fn synchronous_is_applied() {
    for (mode, expected) in [(Synchronous::Normal, 1), (Synchronous::Full, 2)] {
      let path = temp_path(&format!("sync-{expected}"));
      let conn = open(&Location::File(path), Duration::from_millis(100), mode, true).expect("open");
      let level: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .expect("pragma");
      assert_eq!(level, expected);
    }
  }

  #[cfg(unix)]
  #[test]
  fn new_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let path = temp_path("mode");
    let _ = std::fs::remove_file(&path);
    let conn = open(
      &Location::File(path.clone()),
      Duration::from_millis(100),
      Synchronous::Normal,
      true,
    )
    .expect("open");
    conn
      .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
      .expect("write");
    for suffix in ["", "-wal", "-shm"] {
      let mode = std::fs::metadata(format!("{path}{suffix}"))
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
      assert_eq!(mode, 0o600, "{path}{suffix}");
    }
  }
}
