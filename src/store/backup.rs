//! Online backups: a consistent copy of the live database, made with SQLite's backup API on a
//! connection of its own while the app keeps reading and writing.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::error::{AuthError, AuthResult, Code};
use crate::methods;

const METHOD: &str = methods::BACKUP;
/// Pages copied per backup step.
const PAGES_PER_STEP: i32 = 1024;

/// What a backup copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
  pub pages: u32,
  pub bytes: u64,
}

/// Copies the database at `source` to a new file `destination` (never over an existing one),
/// created owner-only. The copy is one snapshot: the source connection holds one read
/// transaction for the whole copy, so writes made meanwhile (by any connection) are not in it
/// and do not make the copy start over. `progress(copied, total)` is called after each step.
pub fn run(source: &str, destination: &str, mut progress: impl FnMut(u32, u32)) -> AuthResult<Copied> {
  let db = |err: rusqlite::Error| AuthError::new(Code::Database, METHOD, err.to_string());
  let dest = Path::new(destination);
  if dest.exists() {
    return Err(AuthError::invalid(
      METHOD,
      format!("{destination:?} already exists; back up to a new file (authlite never overwrites one)"),
    ));
  }
  if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
    if !dir.is_dir() {
      return Err(AuthError::invalid(
        METHOD,
        format!(
          "cannot back up to {destination:?}: the directory {} does not exist",
          dir.display()
        ),
      ));
    }
  }
  create_owner_only(dest).map_err(|err| {
    AuthError::new(
      Code::Database,
      METHOD,
      format!("cannot create {destination:?}: {err}"),
    )
  })?;
  let result = copy(source, destination, &mut progress).map_err(db);
  if result.is_err() {
    let _ = std::fs::remove_file(dest);
  }
  result
}

fn copy(source: &str, destination: &str, progress: &mut impl FnMut(u32, u32)) -> rusqlite::Result<Copied> {
  let from = Connection::open_with_flags(
    source,
    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
  )?;
  from.busy_timeout(Duration::from_secs(5))?;
  let mut to = Connection::open(destination)?;
  // One read transaction around every step: one snapshot, no restarts.
  from.execute_batch("BEGIN")?;
  from.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
  let copied = {
    let backup = Backup::new(&from, &mut to)?;
    loop {
      let step = backup.step(PAGES_PER_STEP)?;
      let p = backup.progress();
      let total = p.pagecount.max(0) as u32;
      progress(total.saturating_sub(p.remaining.max(0) as u32), total);
      match step {
        StepResult::Done => break total,
        StepResult::More => {}
        // Only the destination, which nothing else uses, could be busy: wait and retry.
        _ => std::thread::sleep(Duration::from_millis(10)),
      }
    }
  };
  from.execute_batch("COMMIT")?;
  let page_size: i64 = to.query_row("PRAGMA page_size", [], |r| r.get(0))?;
  // The copy is a plain file of its own: no WAL left beside it.
  to.execute_batch("PRAGMA journal_mode = DELETE")?;
  Ok(Copied {
    pages: copied,
    bytes: u64::from(copied) * page_size.max(0) as u64,
  })
}

fn create_owner_only(path: &Path) -> std::io::Result<()> {
  let mut options = std::fs::OpenOptions::new();
  options.write(true).create_new(true);
  #[cfg(unix)]
  std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
  options.open(path).map(|_| ())
}
