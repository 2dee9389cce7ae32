//! How the writer thread waits for a write lock another process holds.
//!
//! SQLite's locks are not queued, and its own busy handler (`busy_timeout`) sleeps longer and
//! longer between attempts, up to 100 ms. A process that commits back to back leaves the lock
//! free only in gaps far shorter than that, so another process's writer finds it taken at
//! nearly every attempt and waits seconds (measured: 4.8 s with two busy processes). This
//! handler tries again every `POLL` until the connection's busy timeout has passed: it lands in
//! one of those gaps within a few attempts.

use std::cell::Cell;
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// The pause between two attempts at a lock.
const POLL: Duration = Duration::from_micros(250);

thread_local! {
  /// This thread's busy timeout, and when the current wait began.
  static WAIT: Cell<(Duration, Option<Instant>)> = const { Cell::new((Duration::ZERO, None)) };
}

/// Makes `conn` wait up to `limit` for a lock, trying every `POLL`. The limit is this thread's:
/// call it on the thread that uses the connection.
pub fn install(conn: &mut Connection, limit: Duration) -> rusqlite::Result<()> {
  WAIT.with(|wait| wait.set((limit, None)));
  conn.busy_handler(Some(busy))
}

/// Runs `work` with this thread's busy timeout set to `limit`, then sets it back.
pub fn with_limit<T>(limit: Duration, work: impl FnOnce() -> T) -> T {
  let before = WAIT.with(|wait| wait.replace((limit, None)));
  let outcome = work();
  WAIT.with(|wait| wait.set(before));
  outcome
}

/// SQLite's busy callback: `attempts` is how many times it was called for this lock so far;
/// `true` tries again.
fn busy(attempts: i32) -> bool {
  WAIT.with(|wait| {
    let (limit, began) = wait.get();
    let began = match (attempts, began) {
      (0, _) | (_, None) => {
        let now = Instant::now();
        wait.set((limit, Some(now)));
        now
      }
      (_, Some(began)) => began,
    };
    if began.elapsed() >= limit {
      return false;
    }
    std::thread::sleep(POLL);
    true
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  /// A WAL database in a directory of its own, removed when the guard drops.
  struct TempDir(std::path::PathBuf);

  impl Drop for TempDir {
    fn drop(&mut self) {
      let _ = std::fs::remove_dir_all(&self.0);
    }
  }

  fn database(name: &str) -> (TempDir, std::path::PathBuf) {
    let dir = TempDir(std::env::temp_dir().join(format!("authlite-busy-{}-{name}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).expect("temp dir");
    let path = dir.0.join("t.db");
    Connection::open(&path)
      .expect("open")
      .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x);")
      .expect("schema");
    (dir, path)
  }

  #[test]
  fn gives_up_after_the_limit() {
    let (_dir, path) = database("limit");
    let holder = Connection::open(&path).expect("open");
    holder.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let mut waiter = Connection::open(&path).expect("open");
    install(&mut waiter, Duration::from_millis(60)).expect("handler");
    let start = Instant::now();
    assert!(waiter.execute_batch("BEGIN IMMEDIATE").is_err());
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(60), "gave up after {waited:?}");
    // A shorter limit for one call, then the connection's own again.
    let start = Instant::now();
    assert!(with_limit(Duration::from_millis(5), || waiter
      .execute_batch("BEGIN IMMEDIATE"))
    .is_err());
    assert!(start.elapsed() < Duration::from_millis(60));
    let start = Instant::now();
    assert!(waiter.execute_batch("BEGIN IMMEDIATE").is_err());
    assert!(start.elapsed() >= Duration::from_millis(60));
  }

  #[test]
  fn takes_the_lock_in_a_gap_between_another_connections_commits() {
    let (_dir, path) = database("gaps");
    let busy_path = path.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_writer = std::sync::Arc::clone(&stop);
    // Commits back to back, leaving the lock free for a few microseconds between them.
    let writer = std::thread::spawn(move || {
      let conn = Connection::open(busy_path).expect("open");
      conn.busy_timeout(Duration::from_secs(5)).expect("timeout");
      while !stop_writer.load(std::sync::atomic::Ordering::Relaxed) {
        conn
          .execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT")
          .expect("write");
      }
    });
    let mut waiter = Connection::open(&path).expect("open");
    install(&mut waiter, Duration::from_secs(5)).expect("handler");
    let start = Instant::now();
    for _ in 0..20 {
      waiter
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (2); COMMIT")
        .expect("a write within the busy timeout");
    }
    let took = start.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().expect("writer");
    assert!(took < Duration::from_secs(5), "20 writes took {took:?}");
  }
}
