//! Writes that wait on the JS thread while a checkpoint brings the WAL back to its start.
//!
//! Past a size the WAL starts over only if a checkpoint can copy every frame back with no write
//! in between, so that checkpoint holds writes off (`HoldSignal`). The writes that come
//! meanwhile are held here, their promises already made and the event loop not waiting. When
//! the checkpoint is done the writer thread wakes the JS thread (a threadsafe function), which
//! runs them in one transaction on its own connection: the first of them starts the WAL over,
//! and the connection keeps its page cache, which a commit from another connection would have
//! emptied. Should another process hold the write lock just then, they go to the writer thread,
//! in order.

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use napi::{sys, Env};

use crate::batch::{self, Batch, HeldWrite};
use crate::error::{AuthError, Code};
use crate::writer::{self, WriterQueue};

/// A napi threadsafe function handle; napi allows calling it from any thread.
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: `napi_call_threadsafe_function` and `napi_release_threadsafe_function` may be called
// from any thread; the handle is only used through them (and under `HoldSignal::wake`'s lock).
unsafe impl Send for Tsfn {}

/// Whether a checkpoint is holding writes off, and how to wake the JS thread when it is done.
#[derive(Default)]
pub struct HoldSignal {
  holding: AtomicBool,
  wake: Mutex<Option<Tsfn>>,
  /// Whether the wake-up keeps the event loop alive: only while writes are held.
  referenced: AtomicBool,
}

impl HoldSignal {
  /// A checkpoint starts holding writes off.
  pub fn begin(&self) {
    self.holding.store(true, Ordering::Release);
  }

  /// The checkpoint is done: writes may run again, and the held ones are run.
  pub fn end(&self) {
    self.holding.store(false, Ordering::Release);
    if let Ok(wake) = self.wake.lock() {
      if let Some(tsfn) = wake.as_ref() {
        // SAFETY: the handle stays valid while it is in `wake` (released under this lock).
        unsafe {
          sys::napi_call_threadsafe_function(
            tsfn.0,
            ptr::null_mut(),
            sys::ThreadsafeFunctionCallMode::nonblocking,
          );
        }
      }
    }
  }

  fn holding(&self) -> bool {
    self.holding.load(Ordering::Acquire)
  }

  /// Makes the wake-up keep the event loop alive (`true`, writes are held: the process must
  /// not exit before they run) or not. On the JS thread.
  fn keep_alive(&self, env: &Env, on: bool) {
    if self.referenced.swap(on, Ordering::AcqRel) == on {
      return;
    }
    if let Ok(wake) = self.wake.lock() {
      if let Some(tsfn) = wake.as_ref() {
        // SAFETY: on the JS thread, with a handle napi has not finalized.
        unsafe {
          if on {
            sys::napi_ref_threadsafe_function(env.raw(), tsfn.0);
          } else {
            sys::napi_unref_threadsafe_function(env.raw(), tsfn.0);
          }
        }
      }
    }
  }
}

/// What the wake-up runs on the JS thread.
struct Resume {
  batch: Rc<Batch>,
  /// Where writes go when they cannot run here: the writer thread (gone once closed).
  writer: Rc<RefCell<Option<WriterQueue>>>,
  signal: Arc<HoldSignal>,
}

impl Resume {
  fn run(&self, env: &Env) {
    if self.signal.holding() {
      return; // another checkpoint began meanwhile; its end wakes us again
    }
    let left = self.batch.run_held(env);
    send_all(env, &self.writer, left);
    self.signal.keep_alive(env, false);
  }
}

/// Sends held writes to the writer thread, in order; each settles its promise back on the JS
/// thread. Once the writer thread is gone, they reject with `AUTHLITE_CLOSED`.
fn send_all(env: &Env, writer: &Rc<RefCell<Option<WriterQueue>>>, writes: Vec<HeldWrite>) {
  let writer = writer.borrow().clone();
  for HeldWrite {
    method,
    deferred,
    work,
  } in writes
  {
    let Some(writer) = &writer else {
      batch::reject(env, deferred, AuthError::closed(method));
      continue;
    };
    let (bridge, _promise) = match env.create_deferred() {
      Ok(made) => made,
      Err(err) => {
        batch::reject(env, deferred, AuthError::new(Code::Internal, method, err.reason));
        continue;
      }
    };
    let raw = deferred.0;
    let job = writer::write_job(method, work, move |outcome| {
      bridge.resolve(move |env: Env| {
        let deferred = deferred;
        match outcome.and_then(|to_js| {
          to_js(env.raw()).map_err(|err| AuthError::new(Code::Internal, method, err.reason))
        }) {
          // SAFETY: on the JS thread, settling the deferred this write was given.
          Ok(value) => unsafe {
            sys::napi_resolve_deferred(env.raw(), deferred.0, value);
          },
          Err(err) => batch::reject(&env, deferred, err),
        }
        Ok(())
      });
    });
    if let Err(job) = writer.send(job) {
      // The writer thread is gone: the job (and the settle inside it) never runs.
      drop(job);
      batch::reject(env, batch::RawDeferred(raw), AuthError::closed(method));
    }
  }
}

/// The JS thread's side: the wake-up, and the way out at close.
pub struct Held {
  batch: Rc<Batch>,
  signal: Arc<HoldSignal>,
  writer: Rc<RefCell<Option<WriterQueue>>>,
}

unsafe extern "C" fn call_js(
  env: sys::napi_env,
  _js: sys::napi_value,
  context: *mut c_void,
  _data: *mut c_void,
) {
  if env.is_null() || context.is_null() {
    return; // the environment is being torn down
  }
  // SAFETY: `context` is the `Resume` box made in `Held::new`, freed only by `finalize`, which
  // napi calls after the last call; this runs on the JS thread that owns it.
  let resume = &*(context as *const Resume);
  let env = Env::from_raw(env);
  // A panic must not cross into Node.
  let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| resume.run(&env)));
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
  // SAFETY: `data` is the `Resume` box, handed over once.
  let resume = Box::from_raw(data as *mut Resume);
  let signal = Arc::clone(&resume.signal);
  drop(resume);
  if let Ok(mut wake) = signal.wake.lock() {
    wake.take();
  };
}

impl Held {
  /// Sets up the wake-up for the writes `batch` holds, falling back to `writer`.
  pub fn new(
    env: &Env,
    batch: Rc<Batch>,
    writer: Option<WriterQueue>,
    signal: Arc<HoldSignal>,
  ) -> napi::Result<Held> {
    let writer = Rc::new(RefCell::new(writer));
    let resume = Box::into_raw(Box::new(Resume {
      batch: Rc::clone(&batch),
      writer: Rc::clone(&writer),
      signal: Arc::clone(&signal),
    }));
    let raw = env.raw();
    let mut name = ptr::null_mut();
    let mut tsfn = ptr::null_mut();
    // SAFETY: `raw` is the live env of this call; `resume` is handed to napi, which gives it
    // back to `call_js` and finally to `finalize`.
    unsafe {
      let label = "authliteResumeWrites";
      let status = sys::napi_create_string_utf8(raw, label.as_ptr().cast(), label.len() as isize, &mut name);
      let status = if status == sys::Status::napi_ok {
        sys::napi_create_threadsafe_function(
          raw,
          ptr::null_mut(),
          ptr::null_mut(),
          name,
          0,
          1,
          resume.cast(),
          Some(finalize),
          resume.cast(),
          Some(call_js),
          &mut tsfn,
        )
      } else {
        status
      };
      if status != sys::Status::napi_ok {
        drop(Box::from_raw(resume));
        return Err(napi::Error::from_reason("cannot create the write wake-up"));
      }
      // It must not keep the process alive.
      sys::napi_unref_threadsafe_function(raw, tsfn);
    }
    if let Ok(mut wake) = signal.wake.lock() {
      *wake = Some(Tsfn(tsfn));
    }
    Ok(Held {
      batch,
      signal,
      writer,
    })
  }

  /// Whether a new write must be held: a checkpoint holds writes off, or earlier writes still
  /// wait (they run first).
  pub fn active(&self) -> bool {
    self.signal.holding() || self.batch.has_held()
  }

  /// A write was held: the process must wait for it.
  pub fn held_one(&self, env: &Env) {
    self.signal.keep_alive(env, true);
  }

  /// The database is closing: the held writes go to the writer thread (which finishes them
  /// before it stops), and the wake-up is released.
  pub fn close(&self, env: &Env) {
    let held = self.batch.take_held();
    send_all(env, &self.writer, held);
    self.writer.borrow_mut().take();
    self.release();
  }

  fn release(&self) {
    if let Ok(mut wake) = self.signal.wake.lock() {
      if let Some(tsfn) = wake.take() {
        // SAFETY: the handle was in `wake`, so napi has not finalized it.
        unsafe {
          sys::napi_release_threadsafe_function(tsfn.0, sys::ThreadsafeFunctionReleaseMode::release);
        }
      }
    }
  }
}

impl Drop for Held {
  fn drop(&mut self) {
    self.writer.borrow_mut().take();
    self.release();
  }
}
