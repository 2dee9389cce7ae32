//! Starting the WAL over when other connections share it: other processes of the app, or a
//! replicator that keeps a read transaction open (Litestream).
//!
//! The WAL starts over only when a write begins with every frame copied back and no other
//! connection reading an old snapshot. Past a size, a checkpoint holds this process's writes off
//! for that (see `writer::Checkpoints`), but another process goes on writing and reading, so:
//! - without Litestream, the held checkpoint is a RESTART one: it takes the write lock from the
//!   other processes and waits for their readers, both bounded by `MAX_WAIT`; the next write,
//!   from any process, starts the WAL over. A reader that does not let go within that time
//!   (one left open in a transaction) makes the restart impossible, and the held checkpoints
//!   that follow copy back what they can without waiting, until the WAL has started over;
//! - Litestream holds a read transaction between its own checkpoints, so that no other
//!   connection can copy a frame back at all: only Litestream's checkpoint can (it releases its
//!   read lock around it), and a RESTART checkpoint would only wait for nothing. That
//!   checkpoint first takes the write lock, and SQLite's locks are not queued: under a steady
//!   stream of writes it waits its busy timeout out while the WAL grows by gigabytes. So the
//!   held writes stay held until the WAL starts over (Litestream got its turn), for `MAX_WAIT`
//!   at most: bounded backpressure, the rate of writes brought down to what Litestream copies.

use std::fs::File;
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::busy_wait;

/// The longest a checkpoint holds writes off waiting for another connection to start the WAL over.
pub const MAX_WAIT: Duration = Duration::from_millis(100);

/// How often the WAL header is read while waiting.
const POLL: Duration = Duration::from_millis(2);

/// A checkpoint beside the writes: copies back what it can, waiting for nothing.
pub fn checkpoint_beside_writes(conn: &Connection) {
  // Best effort: a checkpoint that cannot finish is retried at the next request.
  let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
}

/// A checkpoint while this process's writes are held off, so that the next write starts the WAL
/// over (see the module's doc).
pub fn checkpoint_holding_writes(conn: &Connection, restarts: &Restarts) {
  let wal = conn
    .path()
    .filter(|path| !path.is_empty())
    .map(|path| format!("{path}-wal"));
  if litestream_replicates(conn) {
    let copied = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
      Ok(row.get::<_, i64>(2)? >= row.get::<_, i64>(1)?)
    });
    if let (Ok(false), Some(wal)) = (copied, wal) {
      wait_for_restart(&wal, MAX_WAIT);
    }
    return;
  }
  if !restarts.worth_trying() {
    return checkpoint_beside_writes(conn);
  }
  if restart_checkpoint(conn, MAX_WAIT) {
    return restarts.happened();
  }
  // Busy: another process's checkpoint (then the WAL starts over meanwhile), or a writer or
  // reader that did not let go in time.
  match wal {
    Some(wal) if wait_for_restart(&wal, MAX_WAIT) => restarts.happened(),
    _ => restarts.failed(),
  }
}

/// Copies every frame back and empties the WAL file, so that it keeps no old page (after
/// `reencrypt`). Best effort, holding the write lock for at most a second: another process's
/// reader may keep it from finishing, and with Litestream it is not tried at all (its read
/// transaction makes it impossible, and its replica keeps the old pages anyway).
pub fn empty_wal(conn: &Connection) {
  if litestream_replicates(conn) {
    return checkpoint_beside_writes(conn);
  }
  busy_wait::with_limit(Duration::from_secs(1), || {
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
  });
}

/// Whether held checkpoints try to start the WAL over, which takes the write lock from other
/// processes and waits for their readers: after an attempt that a reader kept from succeeding,
/// not again for a while (1 s, doubling up to a minute while they keep failing), so that a
/// reader that never lets go costs one pause (of at most twice `MAX_WAIT`) a minute, not one per
/// checkpoint.
#[derive(Default)]
pub struct Restarts {
  backoff: Mutex<Backoff>,
}

#[derive(Default)]
struct Backoff {
  not_before: Option<Instant>,
  pause: Duration,
}

/// The first pause after a failed restart, and the longest.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);

impl Restarts {
  /// The WAL started over: the next held checkpoint tries again.
  pub fn happened(&self) {
    if let Ok(mut backoff) = self.backoff.lock() {
      *backoff = Backoff::default();
    }
  }

  fn worth_trying(&self) -> bool {
    self
      .backoff
      .lock()
      .map(|backoff| backoff.not_before.is_none_or(|at| Instant::now() >= at))
      .unwrap_or(true)
  }

  fn failed(&self) {
    if let Ok(mut backoff) = self.backoff.lock() {
      backoff.pause = (backoff.pause * 2).clamp(FIRST_PAUSE, LONGEST_PAUSE);
      backoff.not_before = Some(Instant::now() + backoff.pause);
    }
  }
}

/// A RESTART checkpoint that waits at most `limit` for other processes' writers and readers
/// (on the writer thread, whose connection waits through `busy_wait`); whether it copied every
/// frame back with no reader left on the WAL.
fn restart_checkpoint(conn: &Connection, limit: Duration) -> bool {
  // The first column is 1 when a writer or a reader did not let go in time.
  busy_wait::with_limit(limit, || {
    conn
      .query_row("PRAGMA wal_checkpoint(RESTART)", [], |row| row.get::<_, i64>(0))
      .map(|busy| busy == 0)
      .unwrap_or(false)
  })
}

/// Whether Litestream replicates this database: it keeps its position in a table of its own,
/// `_litestream_seq`, which it creates on its first sync and bumps at each of its checkpoints.
pub fn litestream_replicates(conn: &Connection) -> bool {
  conn
    .query_row(
      "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = '_litestream_seq'",
      [],
      |_| Ok(()),
    )
    .is_ok()
}

/// The WAL header's checkpoint sequence number and salts (bytes 12..24), which change whenever
/// the WAL starts over; `None` if the file is missing or shorter than a header (a TRUNCATE
/// checkpoint emptied it).
fn wal_generation(wal: &str) -> Option<[u8; 12]> {
  let mut header = [0u8; 24];
  File::open(wal).ok()?.read_exact(&mut header).ok()?;
  let mut generation = [0u8; 12];
  generation.copy_from_slice(&header[12..24]);
  Some(generation)
}

/// Waits until the WAL at `wal` starts over (or is emptied) or `limit` has passed; returns
/// whether it started over.
pub fn wait_for_restart(wal: &str, limit: Duration) -> bool {
  let before = wal_generation(wal);
  if before.is_none() {
    return true;
  }
  let deadline = Instant::now() + limit;
  while Instant::now() < deadline {
    std::thread::sleep(POLL);
    if wal_generation(wal) != before {
      return true;
    }
  }
  false
}

#[cfg(test)]
mod tests {
  use super::*;

  /// A WAL database in a directory of its own (removed when the guard drops), a connection to
  /// it and the WAL's path.
  fn wal_database(name: &str) -> (TempDir, Connection, String) {
    let dir =
      TempDir(std::env::temp_dir().join(format!("authlite-wal-restart-{}-{name}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).expect("temp dir");
    let path = dir.0.join("t.db");
    let conn = Connection::open(&path).expect("open");
    conn
      .execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x);")
      .expect("schema");
    let wal = format!("{}-wal", path.display());
    (dir, conn, wal)
  }

  struct TempDir(std::path::PathBuf);

  impl Drop for TempDir {
    fn drop(&mut self) {
      let _ = std::fs::remove_dir_all(&self.0);
    }
  }

  #[test]
  fn sees_litestream_by_its_table() {
    let (_dir, conn, _) = wal_database("table");
    assert!(!litestream_replicates(&conn));
    conn
      .execute_batch("CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER);")
      .expect("table");
    assert!(litestream_replicates(&conn));
  }

  #[test]
  fn waits_out_the_limit_when_nothing_restarts_the_wal() {
    let (_dir, conn, wal) = wal_database("limit");
    conn.execute("INSERT INTO t VALUES (1)", []).expect("insert");
    let start = Instant::now();
    assert!(!wait_for_restart(&wal, Duration::from_millis(40)));
    assert!(start.elapsed() >= Duration::from_millis(40));
  }

  #[test]
  fn returns_once_another_connection_starts_the_wal_over() {
    let (dir, conn, wal) = wal_database("restart");
    conn.execute("INSERT INTO t VALUES (1)", []).expect("insert");
    let path = dir.0.join("t.db");
    let restarter = std::thread::spawn(move || {
      std::thread::sleep(Duration::from_millis(30));
      let other = Connection::open(path).expect("open");
      other
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .expect("checkpoint");
      // The first write after a full checkpoint starts the WAL over.
      other.execute("INSERT INTO t VALUES (2)", []).expect("insert");
    });
    let start = Instant::now();
    assert!(wait_for_restart(&wal, Duration::from_secs(5)));
    assert!(start.elapsed() < Duration::from_secs(5));
    restarter.join().expect("restarter");
  }

  /// A connection waiting through `busy_wait`, as the writer thread's does.
  fn writer_connection(dir: &TempDir) -> Connection {
    let mut conn = Connection::open(dir.0.join("t.db")).expect("open");
    busy_wait::install(&mut conn, Duration::from_secs(5)).expect("busy handler");
    conn
  }

  /// A connection in a read transaction that has read `table`, so it holds its snapshot (and a
  /// read mark on the WAL) until dropped.
  fn reading_a_snapshot(dir: &TempDir, table: &str) -> Connection {
    let reader = Connection::open(dir.0.join("t.db")).expect("open");
    reader.execute_batch("BEGIN").expect("begin");
    let _: i64 = reader
      .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |row| row.get(0))
      .expect("read");
    reader
  }

  #[test]
  fn a_held_checkpoint_starts_the_wal_over_at_the_next_write() {
    let (dir, conn, wal) = wal_database("held");
    conn.execute("INSERT INTO t VALUES (1)", []).expect("insert");
    let before = wal_generation(&wal);
    let writer = writer_connection(&dir);
    let restarts = Restarts::default();
    checkpoint_holding_writes(&writer, &restarts);
    assert!(restarts.worth_trying());
    conn.execute("INSERT INTO t VALUES (2)", []).expect("insert");
    assert_ne!(wal_generation(&wal), before, "the WAL did not start over");
  }

  #[test]
  fn a_reader_that_never_lets_go_costs_one_bounded_pause_then_none() {
    let (dir, conn, wal) = wal_database("reader");
    conn.execute("INSERT INTO t VALUES (1)", []).expect("insert");
    let reader = reading_a_snapshot(&dir, "t");
    conn.execute("INSERT INTO t VALUES (2)", []).expect("insert");
    let writer = writer_connection(&dir);
    let restarts = Restarts::default();

    let start = Instant::now();
    checkpoint_holding_writes(&writer, &restarts);
    let first = start.elapsed();
    assert!(
      first >= MAX_WAIT && first < MAX_WAIT * 4,
      "the first pause took {first:?}"
    );
    assert!(!restarts.worth_trying());

    let start = Instant::now();
    checkpoint_holding_writes(&writer, &restarts);
    assert!(start.elapsed() < MAX_WAIT, "a second pause for the same reader");

    // Once the reader lets go and the WAL starts over, restarts are tried again.
    reader.execute_batch("COMMIT").expect("commit");
    checkpoint_beside_writes(&writer);
    let before = wal_generation(&wal);
    conn.execute("INSERT INTO t VALUES (3)", []).expect("insert");
    assert_ne!(wal_generation(&wal), before);
    restarts.happened();
    assert!(restarts.worth_trying());
  }

  #[test]
  fn with_litestream_it_waits_for_the_restart_and_never_takes_the_write_lock() {
    let (dir, conn, _wal) = wal_database("litestream");
    conn
      .execute_batch("CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER);")
      .expect("table");
    // Litestream's read transaction, as it holds one between its checkpoints.
    let _litestream = reading_a_snapshot(&dir, "_litestream_seq");
    conn.execute("INSERT INTO t VALUES (1)", []).expect("insert");
    // Another connection in a write transaction: a RESTART checkpoint would wait for it.
    let other = Connection::open(dir.0.join("t.db")).expect("open");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let writer = writer_connection(&dir);
    let restarts = Restarts::default();
    let start = Instant::now();
    checkpoint_holding_writes(&writer, &restarts);
    let took = start.elapsed();
    assert!(took >= MAX_WAIT && took < MAX_WAIT * 2, "waited {took:?}");
    assert!(
      restarts.worth_trying(),
      "Litestream's pin is not a failed restart"
    );
    other.execute_batch("ROLLBACK").expect("rollback");
  }

  #[test]
  fn emptying_the_wal_waits_a_bounded_time_and_not_at_all_with_litestream() {
    let (dir, conn, wal) = wal_database("empty");
    conn.execute("INSERT INTO t VALUES (1)", []).expect("insert");
    let writer = writer_connection(&dir);
    empty_wal(&writer);
    let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(size, 0, "with no other reader the WAL file is emptied");

    conn.execute("INSERT INTO t VALUES (2)", []).expect("insert");
    let _reader = reading_a_snapshot(&dir, "t");
    conn.execute("INSERT INTO t VALUES (3)", []).expect("insert");
    let start = Instant::now();
    empty_wal(&writer);
    let took = start.elapsed();
    assert!(
      took >= Duration::from_millis(900) && took < Duration::from_secs(3),
      "took {took:?}"
    );

    conn
      .execute_batch("CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER);")
      .expect("table");
    let start = Instant::now();
    empty_wal(&writer);
    assert!(
      start.elapsed() < Duration::from_millis(500),
      "waited for Litestream's reader"
    );
  }

  #[test]
  fn an_emptied_wal_counts_as_started_over() {
    let (_dir, conn, wal) = wal_database("emptied");
    conn.execute("INSERT INTO t VALUES (1)", []).expect("insert");
    conn
      .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
      .expect("truncate");
    assert!(wait_for_restart(&wal, Duration::from_secs(5)));
  }
}
