//! The writer thread: owns the write connection and runs every write, one at a time, off the
//! JS thread, so a lock wait or a WAL checkpoint's fsync never stalls the event loop. Each job
//! settles its JS promise through a napi deferred when it is done.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::Env;
use rusqlite::Connection;

use crate::error::{AuthError, AuthResult, Code};

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The connection shared by the writer thread and, for `:memory:`, the JS thread.
pub type SharedConnection = Arc<Mutex<Connection>>;

/// Handle to the writer thread; dropping it lets the thread finish its queue and exit.
pub struct Writer {
  queue: Option<Sender<Job>>,
  thread: Option<JoinHandle<()>>,
}

impl Writer {
  /// Starts the thread that runs writes on `conn`.
  pub fn start(conn: SharedConnection) -> AuthResult<Self> {
    let (queue, jobs) = channel::<Job>();
    let thread = std::thread::Builder::new()
      .name("authlite-writer".into())
      .spawn(move || {
        for job in jobs {
          // A poisoned lock only means an earlier job panicked; the connection is still usable
          // (every write is a transaction that rolled back when its guard dropped).
          let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
          job(&mut guard);
        }
      })
      .map_err(|err| {
        AuthError::new(
          Code::Database,
          "open",
          format!("cannot start the writer thread: {err}"),
        )
      })?;
    Ok(Writer {
      queue: Some(queue),
      thread: Some(thread),
    })
  }

  /// Queues `work` and returns the promise it settles. A panic in `work` rejects the promise
  /// with an `AUTHLITE_INTERNAL` error instead of taking Node down.
  pub fn submit<'env, T, F>(&self, env: &'env Env, method: &'static str, work: F) -> AuthResult<Object<'env>>
  where
    T: ToNapiValue + Send + 'static,
    F: FnOnce(&mut Connection) -> AuthResult<T> + Send + 'static,
  {
    let queue = self.queue.as_ref().ok_or_else(|| AuthError::closed(method))?;
    let internal = |err: napi::Error| AuthError::new(Code::Internal, method, err.reason.clone());
    let (deferred, promise) = env.create_deferred().map_err(internal)?;
    let job: Job = Box::new(move |conn| {
      let outcome = catch_unwind(AssertUnwindSafe(|| work(conn))).unwrap_or_else(|_| {
        Err(AuthError::new(
          Code::Internal,
          method,
          "panicked; please report this bug",
        ))
      });
      deferred.resolve(move |env| outcome.map_err(|err| err.into_napi(&env)));
    });
    queue.send(job).map_err(|_| AuthError::closed(method))?;
    Ok(promise)
  }

  /// Waits for every queued write to finish, then stops the thread.
  pub fn close(&mut self) {
    self.queue.take();
    if let Some(thread) = self.thread.take() {
      let _ = thread.join();
    }
  }
}
