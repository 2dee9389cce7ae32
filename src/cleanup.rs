//! The periodic cleanup of `cleanupIntervalMs`: a timer thread that, once per interval, has the
//! writer thread delete expired sessions and verification tokens, off the JS thread. A run is
//! skipped while the previous one is still queued or running, so runs never overlap; `stop`
//! (from `close()`) ends the timer at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::writer::Job;

/// The running timer.
pub struct Cleanup {
  stop: Option<Sender<()>>,
  thread: Option<JoinHandle<()>>,
}

impl Cleanup {
  /// Starts the timer: every `interval`, `run` is queued on the writer thread through `jobs`.
  pub fn start(
    interval: Duration,
    jobs: Sender<Job>,
    run: impl Fn(&mut Connection) + Send + Sync + 'static,
  ) -> std::io::Result<Cleanup> {
    let run = Arc::new(run);
    let (stop, stopped) = channel::<()>();
    let busy = Arc::new(AtomicBool::new(false));
    let thread = std::thread::Builder::new()
      .name("authlite-cleanup".into())
      .spawn(move || loop {
        match stopped.recv_timeout(interval) {
          Err(RecvTimeoutError::Timeout) => {}
          // `stop` was called (or the handle dropped).
          _ => return,
        }
        if busy.swap(true, Ordering::AcqRel) {
          continue; // the last run has not finished: never two at once
        }
        let done = Arc::clone(&busy);
        let run = Arc::clone(&run);
        let job = Job::Checkpoint(Box::new(move |conn| {
          run(conn);
          done.store(false, Ordering::Release);
        }));
        if jobs.send(job).is_err() {
          return; // the writer thread is gone
        }
      })?;
    Ok(Cleanup {
      stop: Some(stop),
      thread: Some(thread),
    })
  }

  /// Stops the timer (a run already queued still finishes on the writer thread).
  pub fn stop(&mut self) {
    self.stop.take();
    if let Some(thread) = self.thread.take() {
      let _ = thread.join();
    }
  }
}

impl Drop for Cleanup {
  fn drop(&mut self) {
    self.stop();
  }
}
