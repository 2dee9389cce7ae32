//! Writes on the JS thread, committed together. A write that finds the database free runs at
//! once on the calling thread, inside a transaction that the first such write opens with
//! `BEGIN IMMEDIATE` (never waiting for a lock: busy means the writer thread takes it). The
//! writes of one turn of the event loop share that transaction; a microtask commits it and then
//! settles every promise, so a promise resolves only once its write is committed, and 64
//! concurrent callers pay for one commit instead of 64. With WAL and `synchronous=NORMAL` a
//! commit appends to the WAL without an fsync; checkpoints (the fsync) run on the writer thread.
//!
//! Every write here is one statement, or one savepoint around several, so a failed write rolls
//! back alone and rejects at once; the others in the transaction are unaffected. Should SQLite
//! roll the whole transaction back (a full disk), every write in it rejects.

use std::cell::RefCell;
use std::ptr;
use std::rc::Rc;
use std::time::Duration;

use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{Function, FunctionRef, Object, ToNapiValue, Unknown};
use napi::{sys, Env, JsValue};
use rusqlite::Connection;

use crate::error::{AuthError, AuthResult, Code};
use crate::writer::SharedConnection;

/// A promise made on the JS thread, settled there when its transaction ends.
struct Pending {
  method: &'static str,
  deferred: sys::napi_deferred,
  value: Box<dyn FnOnce(sys::napi_env) -> napi::Result<sys::napi_value>>,
}

/// Builds a write's result in JS.
pub type ToJs = Box<dyn FnOnce(sys::napi_env) -> napi::Result<sys::napi_value> + Send>;

/// A held write's work: runs on a connection, returns how to build its result.
pub type HeldWork = Box<dyn FnOnce(&mut Connection) -> AuthResult<ToJs> + Send>;

/// A promise's napi deferred. It may travel to the writer thread and back, but is settled on
/// the JS thread only.
pub struct RawDeferred(pub sys::napi_deferred);

// SAFETY: the pointer is only dereferenced by napi on the JS thread that made it (`reject`, and
// the settle callbacks napi runs there).
unsafe impl Send for RawDeferred {}

/// A write held while a checkpoint restarts the WAL (see `held`): its promise is made, its work
/// not yet run.
pub struct HeldWrite {
  pub method: &'static str,
  pub deferred: RawDeferred,
  pub work: HeldWork,
}

/// What the flush microtask shares with the handle.
struct State {
  /// `None` once the database is closed.
  conn: Option<SharedConnection>,
  /// Whether this connection is inside the transaction `BEGIN IMMEDIATE` opened.
  open: bool,
  pending: Vec<Pending>,
  /// Writes held until a checkpoint is done, oldest first.
  held: Vec<HeldWrite>,
  /// Whether a write already ran in this turn of the event loop (the next one opens the
  /// shared transaction).
  wrote: bool,
  /// Whether the end-of-turn microtask is queued.
  scheduled: bool,
}

/// The JS thread's write transaction and the promises waiting for its commit.
pub struct Batch {
  state: Rc<RefCell<State>>,
  busy_timeout: Duration,
  /// `queueMicrotask` and the flush function, made on first use.
  scheduler: RefCell<Option<Scheduler>>,
}

/// `queueMicrotask`, and the function it is given: commit, then settle.
struct Scheduler {
  queue_microtask: FunctionRef<Unknown<'static>, ()>,
  flush: FunctionRef<(), ()>,
}

/// How a write went on the JS thread.
pub enum Wrote<'env> {
  /// It ran (or failed, having changed nothing): its promise.
  Done(Object<'env>),
  /// Another connection holds the write lock: nothing ran.
  Busy,
}

/// Whether a write could start here, or must go to the writer thread.
pub enum Begin {
  /// The transaction is open: run the write with `Batch::run`.
  Ready,
  /// Another connection holds the write lock.
  Busy,
}

impl Batch {
  /// A batch over the JS thread's connection.
  pub fn new(conn: SharedConnection, busy_timeout: Duration) -> Self {
    Batch {
      state: Rc::new(RefCell::new(State {
        conn: Some(conn),
        open: false,
        pending: Vec::new(),
        held: Vec::new(),
        wrote: false,
        scheduled: false,
      })),
      busy_timeout,
      scheduler: RefCell::new(None),
    }
  }

  /// Runs a write here unless another connection holds the lock. The first write of a turn
  /// of the event loop runs on its own and commits as it runs, like a lone write in any
  /// adapter; the ones after it in the same turn share one transaction, committed by a
  /// microtask before their promises resolve. At one caller that saves a `BEGIN` and a
  /// `COMMIT` per write; at many, all but the first share one commit.
  pub fn write<'env, T>(
    &self,
    env: &'env Env,
    method: &'static str,
    work: impl FnOnce(&mut Connection) -> AuthResult<T>,
  ) -> AuthResult<Wrote<'env>>
  where
    T: ToNapiValue + 'static,
  {
    let (open, wrote) = {
      let state = self.state.borrow();
      (state.open, state.wrote)
    };
    if open || wrote {
      return match self.begin(env, method)? {
        Begin::Ready => self.run(env, method, work).map(Wrote::Done),
        Begin::Busy => Ok(Wrote::Busy),
      };
    }
    let outcome = {
      let shared = self
        .state
        .borrow()
        .conn
        .clone()
        .ok_or_else(|| AuthError::closed(method))?;
      let mut conn = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
      let db = AuthError::db(method);
      conn.busy_timeout(Duration::ZERO).map_err(&db)?;
      let outcome = work(&mut conn);
      conn.busy_timeout(self.busy_timeout).map_err(&db)?;
      outcome
    };
    let value = match outcome {
      Err(err) if err.busy => return Ok(Wrote::Busy),
      outcome => outcome?,
    };
    // Committed. The next write of this turn opens a transaction, unless the end-of-turn
    // microtask cannot be queued: then each write stays on its own.
    if self.schedule_once(env).is_ok() {
      self.state.borrow_mut().wrote = true;
    }
    let internal = |e: napi::Error| AuthError::new(Code::Internal, method, e.reason);
    let (deferred, promise) = create_promise(env).map_err(internal)?;
    // SAFETY: on the JS thread, settling the promise just made.
    let js = unsafe { T::to_napi_value(env.raw(), value) }.map_err(internal)?;
    unsafe { sys::napi_resolve_deferred(env.raw(), deferred, js) };
    Ok(Wrote::Done(promise))
  }

  /// Queues the end-of-turn microtask unless it is queued.
  fn schedule_once(&self, env: &Env) -> napi::Result<()> {
    if self.state.borrow().scheduled {
      return Ok(());
    }
    self.schedule_flush(env)?;
    self.state.borrow_mut().scheduled = true;
    Ok(())
  }

  /// Opens the transaction unless it is open, without waiting for a lock.
  pub fn begin(&self, env: &Env, method: &'static str) -> AuthResult<Begin> {
    {
      let mut state = self.state.borrow_mut();
      if state.open {
        return Ok(Begin::Ready);
      }
      let shared = state.conn.clone().ok_or_else(|| AuthError::closed(method))?;
      let conn = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
      let db = AuthError::db(method);
      conn.busy_timeout(Duration::ZERO).map_err(&db)?;
      let begun = conn
        .prepare_cached("BEGIN IMMEDIATE")
        .and_then(|mut stmt| stmt.execute([]));
      conn.busy_timeout(self.busy_timeout).map_err(&db)?;
      drop(conn);
      match begun {
        Ok(_) => state.open = true,
        Err(err) if is_busy(&err) => return Ok(Begin::Busy),
        Err(err) => return Err(db(err)),
      }
    }
    if let Err(err) = self.schedule_once(env) {
      let state = self.state.borrow();
      if let Some(conn) = &state.conn {
        let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = conn.execute_batch("ROLLBACK");
      }
      drop(state);
      self.state.borrow_mut().open = false;
      return Err(AuthError::new(
        Code::Internal,
        method,
        format!("cannot schedule the commit: {}", err.reason),
      ));
    }
    Ok(Begin::Ready)
  }

  /// Holds a write until `run_held`; returns its promise.
  pub fn hold<'env, T, F>(&self, env: &'env Env, method: &'static str, work: F) -> AuthResult<Object<'env>>
  where
    T: ToNapiValue + Send + 'static,
    F: FnOnce(&mut Connection) -> AuthResult<T> + Send + 'static,
  {
    let (deferred, promise) =
      create_promise(env).map_err(|e| AuthError::new(Code::Internal, method, e.reason))?;
    self.state.borrow_mut().held.push(HeldWrite {
      method,
      deferred: RawDeferred(deferred),
      work: Box::new(move |conn| {
        work(conn).map(|value| Box::new(move |env| unsafe { T::to_napi_value(env, value) }) as ToJs)
      }),
    });
    Ok(promise)
  }

  /// Takes the held writes (the database is closing).
  pub fn take_held(&self) -> Vec<HeldWrite> {
    std::mem::take(&mut self.state.borrow_mut().held)
  }

  /// Whether writes are held.
  pub fn has_held(&self) -> bool {
    !self.state.borrow().held.is_empty()
  }

  /// Runs the held writes in this thread's transaction, their promises settled by its commit
  /// like any other write's. Returns them untouched when another connection holds the lock.
  pub fn run_held(&self, env: &Env) -> Vec<HeldWrite> {
    let held = std::mem::take(&mut self.state.borrow_mut().held);
    let Some(first) = held.first() else {
      return held;
    };
    match self.begin(env, first.method) {
      Ok(Begin::Ready) => {
        for write in held {
          let HeldWrite {
            method,
            deferred,
            work,
          } = write;
          let raw = deferred.0;
          if let Err(err) = self.run_raw(env, method, raw, work) {
            reject(env, deferred, err);
          }
        }
        Vec::new()
      }
      Ok(Begin::Busy) => held,
      Err(err) => {
        for write in held {
          reject(
            env,
            write.deferred,
            AuthError::new(err.code, write.method, err.message.clone()),
          );
        }
        Vec::new()
      }
    }
  }

  /// Runs a held write in the open transaction; its promise waits for the commit. A failed
  /// write returns its error (the caller rejects the promise), having changed nothing.
  fn run_raw(
    &self,
    env: &Env,
    method: &'static str,
    deferred: sys::napi_deferred,
    work: HeldWork,
  ) -> AuthResult<()> {
    let value = self.in_transaction(env, method, work)?;
    self.state.borrow_mut().pending.push(Pending {
      method,
      deferred,
      value,
    });
    Ok(())
  }

  /// Runs `work` in the open transaction; returns the promise its commit settles. A failed
  /// write throws here, having changed nothing.
  pub fn run<'env, T, F>(&self, env: &'env Env, method: &'static str, work: F) -> AuthResult<Object<'env>>
  where
    T: ToNapiValue + 'static,
    F: FnOnce(&mut Connection) -> AuthResult<T>,
  {
    let value = self.in_transaction(env, method, work)?;
    let (deferred, promise) =
      create_promise(env).map_err(|e| AuthError::new(Code::Internal, method, e.reason))?;
    self.state.borrow_mut().pending.push(Pending {
      method,
      deferred,
      value: Box::new(move |env| unsafe { T::to_napi_value(env, value) }),
    });
    Ok(promise)
  }

  /// Runs `work` on the connection, inside the open transaction.
  fn in_transaction<T>(
    &self,
    env: &Env,
    method: &'static str,
    work: impl FnOnce(&mut Connection) -> AuthResult<T>,
  ) -> AuthResult<T> {
    let mut state = self.state.borrow_mut();
    let shared = state.conn.clone().ok_or_else(|| AuthError::closed(method))?;
    let mut conn = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let outcome = work(&mut conn);
    if conn.is_autocommit() {
      // SQLite rolled the whole transaction back (e.g. the disk is full): every write in it is
      // gone, so every promise waiting for it rejects now.
      state.open = false;
      let pending = std::mem::take(&mut state.pending);
      drop(conn);
      drop(state);
      let err = outcome
        .as_ref()
        .err()
        .cloned()
        .unwrap_or_else(|| AuthError::new(Code::Database, method, "the transaction was rolled back"));
      settle(env, pending, Some(&err));
      return Err(err);
    }
    outcome
  }

  /// Commits the open transaction and settles its promises; what `close()` calls first.
  pub fn flush(&self, env: &Env) {
    flush(env, &self.state);
  }

  /// Stops using the connection (the database is closing).
  pub fn detach(&self) {
    self.state.borrow_mut().conn = None;
  }

  fn schedule_flush(&self, env: &Env) -> napi::Result<()> {
    let mut scheduler = self.scheduler.borrow_mut();
    if scheduler.is_none() {
      let queue_microtask: Function<Unknown<'static>, ()> =
        env.get_global()?.get_named_property_unchecked("queueMicrotask")?;
      let state = Rc::clone(&self.state);
      let flush_fn = env.create_function_from_closure::<(), (), _>("authliteCommit", move |ctx| {
        flush(ctx.env, &state);
        Ok(())
      })?;
      *scheduler = Some(Scheduler {
        queue_microtask: queue_microtask.create_ref()?,
        flush: flush_fn.create_ref()?,
      });
    }
    let scheduler = scheduler
      .as_ref()
      .ok_or_else(|| napi::Error::from_reason("no scheduler"))?;
    let flush_fn = scheduler.flush.borrow_back(env)?;
    scheduler
      .queue_microtask
      .borrow_back(env)?
      .call(flush_fn.to_unknown())
  }
}

fn flush(env: &Env, state: &Rc<RefCell<State>>) {
  let (pending, committed) = {
    let mut state = state.borrow_mut();
    state.wrote = false;
    state.scheduled = false;
    if !state.open {
      return;
    }
    state.open = false;
    let pending = std::mem::take(&mut state.pending);
    let committed = match &state.conn {
      None => Err("the database was closed".to_string()),
      Some(conn) => {
        let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let result = conn
          .prepare_cached("COMMIT")
          .and_then(|mut stmt| stmt.execute([]));
        result.map(|_| ()).map_err(|err| {
          let _ = conn.execute_batch("ROLLBACK");
          err.to_string()
        })
      }
    };
    (pending, committed)
  };
  match committed {
    Ok(()) => settle(env, pending, None),
    Err(message) => {
      let err = AuthError::new(Code::Database, "commit", message);
      settle(env, pending, Some(&err));
    }
  }
}

/// Resolves each pending promise with its value, or rejects it with `failure` (renamed to its
/// own method).
fn settle(env: &Env, pending: Vec<Pending>, failure: Option<&AuthError>) {
  for Pending {
    method,
    deferred,
    value,
  } in pending
  {
    let raw_env = env.raw();
    let settled = match failure {
      None => value(raw_env).map(|v| unsafe { sys::napi_resolve_deferred(raw_env, deferred, v) }),
      Some(err) => {
        let err = AuthError::new(
          err.code,
          method,
          format!("the write was rolled back: {}", err.message),
        );
        reject_value(env, err).map(|v| unsafe { sys::napi_reject_deferred(raw_env, deferred, v) })
      }
    };
    if settled.is_err() {
      // Converting the value failed: reject instead, so the promise never hangs.
      let err = AuthError::new(Code::Internal, method, "cannot convert the result");
      if let Ok(v) = reject_value(env, err) {
        unsafe { sys::napi_reject_deferred(raw_env, deferred, v) };
      }
    }
  }
}

/// Rejects one promise with `err` as it is. On the JS thread that made the promise.
pub fn reject(env: &Env, deferred: RawDeferred, err: AuthError) {
  if let Ok(value) = reject_value(env, err) {
    // SAFETY: `deferred` is an unsettled deferred of this env (settling consumes it).
    unsafe { sys::napi_reject_deferred(env.raw(), deferred.0, value) };
  }
}

fn reject_value(env: &Env, err: AuthError) -> napi::Result<sys::napi_value> {
  let error = err.into_napi(env);
  unsafe { ToNapiValue::to_napi_value(env.raw(), error) }
}

fn create_promise<'env>(env: &'env Env) -> napi::Result<(sys::napi_deferred, Object<'env>)> {
  let mut deferred = ptr::null_mut();
  let mut promise = ptr::null_mut();
  let status = unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) };
  if status != sys::Status::napi_ok {
    return Err(napi::Error::from_reason("cannot create a promise"));
  }
  Ok((deferred, Object::from_raw(env.raw(), promise)))
}

fn is_busy(err: &rusqlite::Error) -> bool {
  matches!(
    err,
    rusqlite::Error::SqliteFailure(e, _)
      if e.code == rusqlite::ErrorCode::DatabaseBusy || e.code == rusqlite::ErrorCode::DatabaseLocked
  )
}
