//! The writer thread: owns the write connection and runs the writes that cannot run on the JS
//! thread because another connection (another process) holds the write lock, waiting for it
//! there so the event loop never does. The writes queued at a time share one transaction and
//! one commit, then each settles its JS promise through a napi deferred. It also runs the WAL
//! checkpoints (the one fsync of WAL with `synchronous=NORMAL`) that the JS thread's commits
//! ask for.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::Env;
use rusqlite::Connection;

use crate::busy_wait;
use crate::error::{AuthError, AuthResult, Code};
use crate::held::HoldSignal;
use crate::wal_restart;

/// What the writer thread runs: a write, which runs in the transaction shared with the other
/// writes queued at the time and settles its promise once that transaction ends, or a
/// checkpoint, which runs outside any transaction.
pub enum Job {
  Write(Box<dyn FnOnce(&mut Connection) -> Settle + Send>),
  Checkpoint(Box<dyn FnOnce(&mut Connection) + Send>),
}

/// Settles a write's promise, given how its transaction ended (`Some` if it rolled back).
pub type Settle = Box<dyn FnOnce(Option<&AuthError>) + Send>;

/// At most this many queued writes share one transaction.
const MAX_BATCH: usize = 1024;

/// The connection shared by the writer thread and, for `:memory:`, the JS thread.
pub type SharedConnection = Arc<Mutex<Connection>>;

/// Handle to the writer thread; dropping it lets the thread finish its queue and exit.
pub struct Writer {
  queue: Option<Sender<Job>>,
  thread: Option<JoinHandle<()>>,
  /// Writes queued and not yet finished: while there are any, new writes queue behind them.
  queued: Arc<AtomicUsize>,
  checkpoints: Arc<Checkpoints>,
}

/// Asks the writer thread for a WAL checkpoint, one at a time.
pub struct Checkpoints {
  queue: Mutex<Option<Sender<Job>>>,
  pending: AtomicBool,
  /// Raised while a checkpoint holds writes off (they wait on the JS thread, see `held`).
  hold: Arc<HoldSignal>,
  /// Whether other processes let held checkpoints start the WAL over (see `wal_restart`).
  restarts: wal_restart::Restarts,
}

impl Checkpoints {
  /// The WAL started over (the JS thread's WAL hook saw it shrink).
  pub fn restarted(&self) {
    self.restarts.happened();
  }

  /// Queues a checkpoint unless one is already queued.
  ///
  /// Usually it runs beside the JS thread's writes, which go on meanwhile: the event loop
  /// never waits for the fsync. But the WAL starts over only when a write begins with every
  /// frame copied back, which under a steady stream of writes never happens, so past a size
  /// (`hold_writes`) the checkpoint holds new writes off: they wait on the JS thread (the event
  /// loop does not), and once it is done the JS thread runs them, the first starting the WAL
  /// over.
  pub fn request(self: &Arc<Self>, hold_writes: bool) {
    if self.pending.swap(true, Ordering::AcqRel) {
      return;
    }
    let me = Arc::clone(self);
    let job = Job::Checkpoint(Box::new(move |conn| {
      if hold_writes {
        wal_restart::checkpoint_holding_writes(conn, &me.restarts);
      } else {
        wal_restart::checkpoint_beside_writes(conn);
      }
      me.pending.store(false, Ordering::Release);
      if hold_writes {
        me.hold.end();
      }
    }));
    if hold_writes {
      self.hold.begin();
    }
    let sent = match self.queue.lock() {
      Ok(queue) => queue.as_ref().map(|q| q.send(job).is_ok()).unwrap_or(false),
      Err(_) => false,
    };
    if !sent {
      if hold_writes {
        self.hold.end();
      }
      self.pending.store(false, Ordering::Release);
    }
  }
}

/// The writer thread's loop: takes every job queued so far, runs the writes among them in one
/// transaction (one commit for all), checkpoints outside it, then settles the writes.
fn run(conn: &SharedConnection, jobs: &Receiver<Job>, queued: &AtomicUsize) {
  while let Ok(first) = jobs.recv() {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
      match jobs.try_recv() {
        Ok(job) => batch.push(job),
        Err(_) => break,
      }
    }
    // A poisoned lock only means an earlier job panicked; the connection is still usable.
    let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut open = Transaction::default();
    let mut writes = 0;
    for job in batch {
      match job {
        Job::Checkpoint(checkpoint) => {
          open.end(&guard);
          checkpoint(&mut guard);
        }
        Job::Write(write) => {
          writes += 1;
          open.begin(&guard);
          let settle = write(&mut guard);
          open.add(&guard, settle);
        }
      }
    }
    open.end(&guard);
    queued.fetch_sub(writes, Ordering::AcqRel);
  }
}

/// The writer thread's open transaction and the writes waiting for it to end.
#[derive(Default)]
struct Transaction {
  open: bool,
  waiting: Vec<Settle>,
}

impl Transaction {
  /// Opens the transaction unless it is open. `BEGIN IMMEDIATE` waits for the lock (busy
  /// timeout); should it fail, the write runs on its own, as a statement of its own.
  fn begin(&mut self, conn: &Connection) {
    if !self.open {
      self.open = conn.execute_batch("BEGIN IMMEDIATE").is_ok();
    }
  }

  /// Records a write that ran; if SQLite rolled the whole transaction back (a full disk), the
  /// writes before it are gone and settle now as rolled back.
  fn add(&mut self, conn: &Connection, settle: Settle) {
    if self.open && conn.is_autocommit() {
      self.open = false;
      let err = AuthError::new(Code::Database, "commit", "the transaction was rolled back");
      for waiting in self.waiting.drain(..) {
        waiting(Some(&err));
      }
    }
    self.waiting.push(settle);
  }

  /// Commits (or, failing that, rolls back) and settles every write waiting for it.
  fn end(&mut self, conn: &Connection) {
    let failed = if self.open {
      self.open = false;
      conn.execute_batch("COMMIT").err().map(|err| {
        let _ = conn.execute_batch("ROLLBACK");
        AuthError::new(Code::Database, "commit", err.to_string())
      })
    } else {
      None
    };
    for settle in self.waiting.drain(..) {
      settle(failed.as_ref());
    }
  }
}

/// Queues jobs on the writer thread. Dropped before the thread is stopped, or it never stops.
#[derive(Clone)]
pub struct WriterQueue {
  queue: Sender<Job>,
  queued: Arc<AtomicUsize>,
}

impl WriterQueue {
  /// Queues a job; gives it back if the thread has stopped.
  pub fn send(&self, job: Job) -> Result<(), Job> {
    self.queued.fetch_add(1, Ordering::AcqRel);
    self.queue.send(job).map_err(|err| {
      self.queued.fetch_sub(1, Ordering::AcqRel);
      err.0
    })
  }
}

/// Runs `work`, turning a panic into an `AUTHLITE_INTERNAL` error (never taking Node down).
fn guarded<T>(method: &'static str, work: impl FnOnce() -> AuthResult<T>) -> AuthResult<T> {
  catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
    Err(AuthError::new(
      Code::Internal,
      method,
      "panicked; please report this bug",
    ))
  })
}

/// A write job: runs `work` in the writer's shared transaction and hands `done` its outcome once
/// that transaction ends (an error if it rolled back).
pub fn write_job<T: Send + 'static>(
  method: &'static str,
  work: impl FnOnce(&mut Connection) -> AuthResult<T> + Send + 'static,
  done: impl FnOnce(AuthResult<T>) + Send + 'static,
) -> Job {
  Job::Write(Box::new(move |conn| {
    let outcome = guarded(method, || work(conn));
    Box::new(move |rolled_back: Option<&AuthError>| {
      done(match (outcome, rolled_back) {
        (Ok(_), Some(err)) => Err(AuthError::new(
          err.code,
          method,
          format!("the write was rolled back: {}", err.message),
        )),
        (outcome, _) => outcome,
      })
    }) as Settle
  }))
}

/// A write as a job for the writer thread (or `run_here`), and the promise it settles. A panic
/// in `work` rejects the promise with an `AUTHLITE_INTERNAL` error instead of taking Node down.
pub fn job<'env, T, F>(env: &'env Env, method: &'static str, work: F) -> AuthResult<(Job, Object<'env>)>
where
  T: ToNapiValue + Send + 'static,
  F: FnOnce(&mut Connection) -> AuthResult<T> + Send + 'static,
{
  let internal = |err: napi::Error| AuthError::new(Code::Internal, method, err.reason.clone());
  let (deferred, promise) = env.create_deferred().map_err(internal)?;
  let job = write_job(method, work, move |outcome| {
    deferred.resolve(move |env| outcome.map_err(|err| err.into_napi(&env)));
  });
  Ok((job, promise))
}

impl Writer {
  /// Starts the thread that runs writes on `conn`.
  /// `busy_timeout` is how long it waits for another process's write lock (`None`: it never
  /// meets one, `:memory:`), trying often (see `busy_wait`).
  pub fn start(
    conn: SharedConnection,
    hold: Arc<HoldSignal>,
    busy_timeout: Option<Duration>,
  ) -> AuthResult<Self> {
    let (queue, jobs) = channel::<Job>();
    let queued = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&queued);
    let thread = std::thread::Builder::new()
      .name("authlite-writer".into())
      .spawn(move || {
        if let Some(limit) = busy_timeout {
          if let Ok(mut guard) = conn.lock() {
            // Failing that, SQLite's own handler waits, in longer and longer sleeps.
            if busy_wait::install(&mut guard, limit).is_err() {
              let _ = guard.busy_timeout(limit);
            }
          }
        }
        run(&conn, &jobs, &counter)
      })
      .map_err(|err| {
        AuthError::new(
          Code::Database,
          "open",
          format!("cannot start the writer thread: {err}"),
        )
      })?;
    Ok(Writer {
      checkpoints: Arc::new(Checkpoints {
        queue: Mutex::new(Some(queue.clone())),
        pending: AtomicBool::new(false),
        hold,
        restarts: wal_restart::Restarts::default(),
      }),
      queue: Some(queue),
      thread: Some(thread),
      queued,
    })
  }

  /// Whether no write is queued or running here.
  pub fn idle(&self) -> bool {
    self.queued.load(Ordering::Acquire) == 0
  }

  /// The checkpoint requester, for the JS thread's WAL hook.
  pub fn checkpoints(&self) -> Arc<Checkpoints> {
    Arc::clone(&self.checkpoints)
  }

  /// Queues `work` and returns the promise it settles. A panic in `work` rejects the promise
  /// with an `AUTHLITE_INTERNAL` error instead of taking Node down.
  pub fn submit<'env, T, F>(&self, env: &'env Env, method: &'static str, work: F) -> AuthResult<Object<'env>>
  where
    T: ToNapiValue + Send + 'static,
    F: FnOnce(&mut Connection) -> AuthResult<T> + Send + 'static,
  {
    let (job, promise) = job(env, method, work)?;
    self.send(job).map_err(|_| AuthError::closed(method))?;
    Ok(promise)
  }

  /// Queues `work` to run outside any transaction of the writer thread (it makes its own, and
  /// may checkpoint after it), and returns the promise it settles.
  pub fn submit_alone<'env, T, F>(
    &self,
    env: &'env Env,
    method: &'static str,
    work: F,
  ) -> AuthResult<Object<'env>>
  where
    T: ToNapiValue + Send + 'static,
    F: FnOnce(&mut Connection) -> AuthResult<T> + Send + 'static,
  {
    let internal = |err: napi::Error| AuthError::new(Code::Internal, method, err.reason.clone());
    let (deferred, promise) = env.create_deferred().map_err(internal)?;
    let job = Job::Checkpoint(Box::new(move |conn| {
      let outcome = catch_unwind(AssertUnwindSafe(|| work(conn))).unwrap_or_else(|_| {
        Err(AuthError::new(
          Code::Internal,
          method,
          "panicked; please report this bug",
        ))
      });
      deferred.resolve(move |env| outcome.map_err(|err| err.into_napi(&env)));
    }));
    let queue = self.queue.as_ref().ok_or_else(|| AuthError::closed(method))?;
    queue.send(job).map_err(|_| AuthError::closed(method))?;
    Ok(promise)
  }

  /// Queues a job made by `job`; gives it back if the thread has stopped.
  pub fn send(&self, job: Job) -> Result<(), Job> {
    match self.handle() {
      Some(handle) => handle.send(job),
      None => Err(job),
    }
  }

  /// The raw queue, for jobs outside the write count (the cleanup timer); drop it before `close`.
  pub fn jobs(&self) -> Option<Sender<Job>> {
    self.queue.clone()
  }

  /// A handle that queues jobs here, until `close`.
  pub fn handle(&self) -> Option<WriterQueue> {
    self.queue.as_ref().map(|queue| WriterQueue {
      queue: queue.clone(),
      queued: Arc::clone(&self.queued),
    })
  }

  /// Waits for every queued write to finish, then stops the thread.
  pub fn close(&mut self) {
    self.queue.take();
    if let Ok(mut queue) = self.checkpoints.queue.lock() {
      queue.take();
    }
    if let Some(thread) = self.thread.take() {
      let _ = thread.join();
    }
  }
}
