//! authlite: an Auth.js database adapter on embedded SQLite.
//!
//! This file is the napi surface only: `AuthDatabase`, the native handle, and its methods.
//! Reads run synchronously on the calling JS thread (the hot path: `getSessionAndUser` runs on
//! every authenticated request). Writes return a promise: they run on the JS thread too when
//! the database is free, sharing one commit per turn of the event loop (`batch`), and on the
//! writer thread when another process holds the lock (`writer`). `adapter.js` wraps the handle
//! in the plain object of async functions Auth.js expects.

#[macro_use]
extern crate napi_derive;

#[macro_use]
mod schema;

pub mod backend;
pub mod batch;
pub mod busy_wait;
pub mod cleanup;
pub mod convert;
pub mod crypto;
pub mod error;
pub mod foreign_tables;
pub mod held;
pub mod methods;
pub mod model;
pub mod options;
pub mod postgres;
pub mod store;
pub mod wal_restart;
pub mod writer;

use std::rc::Rc;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{FromNapiValue, Function, Object, Unknown};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::Env;
use rusqlite::Connection;

use crate::backend::{Backend, Expired};
use crate::batch::{Batch, Wrote};
use crate::convert::{Arg, SessionAndUser};
use crate::error::{AuthError, AuthResult};
use crate::held::{Held, HoldSignal};
use crate::model::{Account, Authenticator, User};
use crate::options::Settings;
use crate::store::connection::{self, Location};
use crate::store::{admin, migrations, sessions, Sqlite};
use crate::writer::{SharedConnection, Writer};

/// WAL pages past which a commit on the JS thread asks for a checkpoint (SQLite's default).
const CHECKPOINT_PAGES: std::ffi::c_int = 1000;
/// WAL pages (16 MiB of 4 KiB pages) past which the checkpoint holds writes off so the WAL can
/// start over (it was 8,000: the WAL then reached 36-48 MiB under load from one process, now 24).
const WAL_RESTART_PAGES: std::ffi::c_int = 4000;

/// Checks options as `openAuthDatabase` would (throwing the same errors) and returns every one
/// of them with its default filled in; the path is returned as given (or the default), not
/// resolved. `SqliteAdapter` uses it to find a database it already opened for the same file.
#[napi(catch_unwind, ts_args_type = "options?: string | AuthDatabaseOptions")]
pub fn normalize_options(env: Env, options: Option<Unknown<'_>>) -> napi::Result<options::NormalizedOptions> {
  let settings = options::parse(options).map_err(|e| e.into_napi(&env))?;
  Ok(options::NormalizedOptions::from(&settings))
}

/// What the SQLite backend's operations need besides a connection, cloned into each write.
#[derive(Clone)]
struct StoreSettings {
  hash_session_tokens: bool,
  /// The `encryptionKey` keys (none when not set).
  keys: Arc<crypto::Keys>,
}

impl StoreSettings {
  /// The backend on `conn`.
  fn on<'c>(&'c self, conn: &'c mut Connection) -> Sqlite<'c> {
    Sqlite {
      conn,
      hashed: self.hash_session_tokens,
      keys: &self.keys,
    }
  }

  /// A write's work: `op` on the backend over the connection the write runs on.
  fn run<I, T>(
    &self,
    op: impl Fn(&mut Sqlite<'_>, &I) -> AuthResult<T> + Send + 'static,
  ) -> impl Fn(&mut Connection, &I) -> AuthResult<T> + Send + 'static {
    let settings = self.clone();
    move |conn, input| op(&mut settings.on(conn), input)
  }
}

impl From<Expired> for DeletedExpired {
  fn from(expired: Expired) -> Self {
    DeletedExpired {
      sessions: expired.sessions as u32,
      verification_tokens: expired.verification_tokens as u32,
    }
  }
}

/// What `reencrypt()` rewrote.
#[napi(object)]
pub struct Reencrypted {
  /// Accounts whose tokens were encrypted again under the first `encryptionKey`.
  pub accounts: u32,
}

/// What `backup()` copied.
#[napi(object)]
pub struct BackupResult {
  /// The database pages copied.
  pub pages: u32,
  /// Their size in bytes.
  pub bytes: f64,
}

/// How far `backup()` is: `pages` of `total` copied.
#[napi(object)]
pub struct BackupProgress {
  /// Pages copied so far.
  pub pages: u32,
  /// Pages in the database.
  pub total: u32,
}

/// What `deleteExpired()` removed.
#[napi(object)]
pub struct DeletedExpired {
  /// Sessions whose `expires` had passed.
  pub sessions: u32,
  /// Verification (magic-link) tokens whose `expires` had passed.
  pub verification_tokens: u32,
}

/// An open authlite database: the native handle behind `SqliteAdapter`, also returned by
/// `openAuthDatabase` for what is not part of the Adapter interface (`deleteExpired`,
/// `close`). Pass it to `SqliteAdapter(db)` to use it with Auth.js.
///
/// Called directly, the adapter methods here differ from the adapter's in one way: reads
/// return their result (not a promise) and invalid arguments throw. `SqliteAdapter` turns
/// both into promises.
#[napi]
pub struct AuthDatabase {
  reader: Option<SharedConnection>,
  batch: Rc<Batch>,
  /// Writes waiting for a checkpoint that restarts the WAL (`None` for `:memory:`).
  held: Option<Held>,
  writer: Writer,
  in_memory: bool,
  /// The database file (`None` for `:memory:`).
  file: Option<String>,
  /// `hashSessionTokens` and the `encryptionKey` keys, which the backend's operations need.
  store: StoreSettings,
  /// The `cleanupIntervalMs` timer, when set.
  cleanup: Option<cleanup::Cleanup>,
  /// Writes run on the JS thread when they can; with `synchronous: "full"` each commit waits
  /// for an fsync, so they all go to the writer thread and the event loop never waits for it.
  writes_on_js_thread: bool,
}

#[napi]
impl AuthDatabase {
  /// Opens (creating if needed) the database and brings its schema up to date.
  #[napi(
    constructor,
    catch_unwind,
    ts_args_type = "options?: string | AuthDatabaseOptions"
  )]
  pub fn new(env: Env, options: Option<Unknown<'_>>) -> napi::Result<Self> {
    Self::open(&env, options::parse(options).map_err(|e| e.into_napi(&env))?).map_err(|e| e.into_napi(&env))
  }

  fn open(env: &Env, settings: Settings) -> AuthResult<Self> {
    let create = !settings.file_must_exist;
    let mut write_conn = connection::open(
      &settings.location,
      settings.busy_timeout,
      settings.synchronous,
      create,
    )?;
    if settings.migrate {
      migrations::migrate(&mut write_conn, settings.hash_session_tokens)?;
    } else {
      migrations::refuse_foreign_tables(&write_conn)?;
    }
    let write_conn = Arc::new(Mutex::new(write_conn));
    let hold = Arc::new(HoldSignal::default());
    let busy_wait = match settings.location {
      Location::File(_) => Some(settings.busy_timeout),
      Location::Memory => None,
    };
    let writer = Writer::start(Arc::clone(&write_conn), Arc::clone(&hold), busy_wait)?;
    // `:memory:` is private to its connection, so the JS thread shares the writer's.
    let js_conn = match &settings.location {
      Location::Memory => write_conn,
      Location::File(_) => {
        let mut conn = connection::open(
          &settings.location,
          settings.busy_timeout,
          settings.synchronous,
          create,
        )?;
        // Commits on the JS thread never checkpoint (an fsync): past the usual WAL size they
        // ask the writer thread to, which replaces SQLite's automatic checkpoint here.
        let checkpoints = writer.checkpoints();
        let mut threshold = CHECKPOINT_PAGES;
        conn
          .wal_hook(Some(
            move |_: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
              // Once per CHECKPOINT_PAGES pages, not on every commit while the WAL is long: the
              // WAL starts over (and `pages` drops) at the first commit after a full checkpoint.
              if pages < threshold - CHECKPOINT_PAGES {
                threshold = CHECKPOINT_PAGES;
                checkpoints.restarted();
              }
              if pages >= threshold {
                threshold = pages + CHECKPOINT_PAGES;
                checkpoints.request(pages >= WAL_RESTART_PAGES);
              }
              Ok(())
            },
          ))
          .map_err(AuthError::db("open"))?;
        Arc::new(Mutex::new(conn))
      }
    };
    let in_memory = settings.location == Location::Memory;
    let batch = Rc::new(Batch::new(Arc::clone(&js_conn), settings.busy_timeout));
    let held = if in_memory {
      None
    } else {
      let held = Held::new(env, Rc::clone(&batch), writer.handle(), hold)
        .map_err(|err| AuthError::new(crate::error::Code::Internal, "open", err.reason))?;
      Some(held)
    };
    let store = StoreSettings {
      hash_session_tokens: settings.hash_session_tokens,
      keys: Arc::new(crypto::Keys::new(&settings.encryption_keys.0)),
    };
    let cleanup = match (settings.cleanup_interval, writer.jobs()) {
      (Some(interval), Some(jobs)) => Some(
        cleanup::Cleanup::start(interval, jobs, {
          let store = store.clone();
          move |conn| {
            // Best effort: a failed run (e.g. a full disk) is retried at the next interval.
            let _ = store.on(conn).delete_expired(migrations::now_ms());
          }
        })
        .map_err(|err| {
          AuthError::new(
            crate::error::Code::Internal,
            "open",
            format!("cannot start the cleanup timer: {err}"),
          )
        })?,
      ),
      _ => None,
    };
    Ok(AuthDatabase {
      cleanup,
      store,
      in_memory,
      file: match &settings.location {
        Location::File(path) => Some(path.clone()),
        Location::Memory => None,
      },
      writes_on_js_thread: in_memory || settings.synchronous == connection::Synchronous::Normal,
      held,
      batch,
      reader: Some(js_conn),
      writer,
    })
  }

  /// Runs a read on the JS thread.
  fn read<T>(
    &self,
    env: &Env,
    method: &'static str,
    work: impl FnOnce(Sqlite<'_>) -> AuthResult<T>,
  ) -> napi::Result<T> {
    let run = || {
      let reader = self.reader.as_ref().ok_or_else(|| AuthError::closed(method))?;
      let mut conn = reader.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
      work(self.store.on(&mut conn))
    };
    run().map_err(|err| err.into_napi(env))
  }

  /// Runs a write: at once on the JS thread when the database is free and no earlier write is
  /// queued (committed with the others of this turn of the event loop), on the writer thread
  /// otherwise. `prepare` reads the JS arguments first, so bad input fails before anything runs.
  fn write<'env, I, T, F>(
    &self,
    env: &'env Env,
    method: &'static str,
    prepare: impl FnOnce() -> AuthResult<I>,
    work: F,
  ) -> napi::Result<Object<'env>>
  where
    I: Send + 'static,
    T: napi::bindgen_prelude::ToNapiValue + Send + 'static,
    F: Fn(&mut Connection, &I) -> AuthResult<T> + Send + 'static,
  {
    self.write_where(env, method, true, prepare, work)
  }

  /// `write`, or with `inline: false` always on the writer thread (for work that may take long).
  fn write_where<'env, I, T, F>(
    &self,
    env: &'env Env,
    method: &'static str,
    inline: bool,
    prepare: impl FnOnce() -> AuthResult<I>,
    work: F,
  ) -> napi::Result<Object<'env>>
  where
    I: Send + 'static,
    T: napi::bindgen_prelude::ToNapiValue + Send + 'static,
    F: Fn(&mut Connection, &I) -> AuthResult<T> + Send + 'static,
  {
    let run = || {
      if self.reader.is_none() {
        return Err(AuthError::closed(method));
      }
      let input = prepare()?;
      // `:memory:` has one connection: the writer thread would run inside this thread's
      // transaction, so everything stays here.
      if ((inline && self.writes_on_js_thread) || self.in_memory) && self.writer.idle() {
        if let Some(held) = self.held.as_ref().filter(|held| held.active()) {
          let promise = self.batch.hold(env, method, move |conn| work(conn, &input))?;
          held.held_one(env);
          return Ok(promise);
        }
        if let Wrote::Done(promise) = self.batch.write(env, method, |conn| work(conn, &input))? {
          return Ok(promise);
        }
      }
      self.writer.submit(env, method, move |conn| work(conn, &input))
    };
    run().map_err(|err| err.into_napi(env))
  }

  /// Creates a user, keeping `user.id` when given (a UUID otherwise). Fields other than `id`,
  /// `name`, `email`, `emailVerified` and `image` are kept as extra fields.
  #[napi(
    catch_unwind,
    ts_args_type = "user: AdapterUserInput",
    ts_return_type = "Promise<AdapterUser>"
  )]
  pub fn create_user<'env>(&self, env: &'env Env, user: Unknown<'_>) -> napi::Result<Object<'env>> {
    self.write(
      env,
      methods::CREATE_USER,
      || convert::user(user),
      self.store.run(|s, user| s.create_user(user)),
    )
  }

  /// The user with this id, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "id: string",
    ts_return_type = "AdapterUser | null"
  )]
  pub fn get_user(&self, env: Env, id: Unknown<'_>) -> napi::Result<Option<User>> {
    self.read(&env, methods::GET_USER, |mut s| {
      s.get_user(&Arg::new(methods::GET_USER, "id", id).key()?)
    })
  }

  /// The user with this email, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "email: string",
    ts_return_type = "AdapterUser | null"
  )]
  pub fn get_user_by_email(&self, env: Env, email: Unknown<'_>) -> napi::Result<Option<User>> {
    self.read(&env, methods::GET_USER_BY_EMAIL, |mut s| {
      s.get_user_by_email(&Arg::new(methods::GET_USER_BY_EMAIL, "email", email).key()?)
    })
  }

  /// The user who linked this provider account, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "account: AccountKey",
    ts_return_type = "AdapterUser | null"
  )]
  pub fn get_user_by_account(&self, env: Env, account: Unknown<'_>) -> napi::Result<Option<User>> {
    self.read(&env, methods::GET_USER_BY_ACCOUNT, |mut s| {
      let (provider, provider_account_id) = convert::account_key(methods::GET_USER_BY_ACCOUNT, account)?;
      s.get_user_by_account(&provider, &provider_account_id)
    })
  }

  /// Changes the given fields of a user (`null` clears one) and returns the whole user.
  /// Rejects with `AUTHLITE_NOT_FOUND` when there is no such user.
  #[napi(
    catch_unwind,
    ts_args_type = "user: AdapterUserPatch",
    ts_return_type = "Promise<AdapterUser>"
  )]
  pub fn update_user<'env>(&self, env: &'env Env, user: Unknown<'_>) -> napi::Result<Object<'env>> {
    self.write(
      env,
      methods::UPDATE_USER,
      || convert::user_patch(user),
      self.store.run(|s, patch| s.update_user(patch)),
    )
  }

  /// Deletes a user with their sessions, accounts and authenticators, in one transaction.
  /// Resolves to the deleted user, or `null` when there was none.
  #[napi(
    catch_unwind,
    ts_args_type = "userId: string",
    ts_return_type = "Promise<AdapterUser | null>"
  )]
  pub fn delete_user<'env>(&self, env: &'env Env, user_id: Unknown<'_>) -> napi::Result<Object<'env>> {
    let id = || Arg::new(methods::DELETE_USER, "userId", user_id).key();
    self.write(
      env,
      methods::DELETE_USER,
      id,
      self.store.run(|s, id: &String| s.delete_user(id)),
    )
  }

  /// Links a provider account to a user. Provider-specific fields are kept.
  #[napi(
    catch_unwind,
    ts_args_type = "account: AdapterAccount",
    ts_return_type = "Promise<AdapterAccount>"
  )]
  pub fn link_account<'env>(&self, env: &'env Env, account: Unknown<'_>) -> napi::Result<Object<'env>> {
    self.write(
      env,
      methods::LINK_ACCOUNT,
      || convert::account(account),
      self.store.run(|s, account| s.link_account(account)),
    )
  }

  /// Unlinks a provider account. Resolves to the unlinked account, or `null` when none was.
  #[napi(
    catch_unwind,
    ts_args_type = "account: AccountKey",
    ts_return_type = "Promise<AdapterAccount | null>"
  )]
  pub fn unlink_account<'env>(&self, env: &'env Env, account: Unknown<'_>) -> napi::Result<Object<'env>> {
    let key = || convert::account_key(methods::UNLINK_ACCOUNT, account);
    let unlink = self
      .store
      .run(|s, (provider, id): &(String, String)| s.unlink_account(provider, id));
    self.write(env, methods::UNLINK_ACCOUNT, key, unlink)
  }

  /// The account with this provider and provider account id, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "providerAccountId: string, provider: string",
    ts_return_type = "AdapterAccount | null"
  )]
  pub fn get_account(
    &self,
    env: Env,
    provider_account_id: Unknown<'_>,
    provider: Unknown<'_>,
  ) -> napi::Result<Option<Account>> {
    self.read(&env, methods::GET_ACCOUNT, |mut s| {
      let (id, provider) = convert::get_account_args(provider_account_id, provider)?;
      s.get_account(&id, &provider)
    })
  }

  /// Creates a session for an existing user.
  #[napi(
    catch_unwind,
    ts_args_type = "session: AdapterSession",
    ts_return_type = "Promise<AdapterSession>"
  )]
  pub fn create_session<'env>(&self, env: &'env Env, session: Unknown<'_>) -> napi::Result<Object<'env>> {
    self.write(
      env,
      methods::CREATE_SESSION,
      || convert::session(session),
      self.store.run(|s, session| s.create_session(session)),
    )
  }

  /// The session with this token and its user, read in one query, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionToken: string",
    ts_return_type = "{ session: AdapterSession; user: AdapterUser } | null"
  )]
  pub fn get_session_and_user(
    &self,
    env: Env,
    session_token: Unknown<'_>,
  ) -> napi::Result<Option<SessionAndUser>> {
    self.read(&env, methods::GET_SESSION_AND_USER, |mut s| {
      let token = Arg::new(methods::GET_SESSION_AND_USER, "sessionToken", session_token).key()?;
      let found = s.get_session_and_user(&token)?;
      Ok(found.map(|(session, user)| SessionAndUser(session, user)))
    })
  }

  /// `getSessionAndUser` for `adapter.js`: the same query, whose row is handed to
  /// `shape(sessionToken, expires, userId, name, email, emailVerified, image, extraJson)`;
  /// returns what `shape` returns, or `null` when there is no such session.
  #[napi(catch_unwind, skip_typescript)]
  pub fn get_session_and_user_with<'env>(
    &self,
    env: &'env Env,
    session_token: Unknown<'env>,
    shape: Unknown<'env>,
  ) -> napi::Result<Option<Unknown<'env>>> {
    const METHOD: &str = methods::GET_SESSION_AND_USER;
    // The hot path, outside `Backend`: the row goes to `shape` without a `User` in between.
    let shaped = self.read(env, METHOD, |s| {
      let token = Arg::new(METHOD, "sessionToken", session_token).key()?;
      sessions::with_session_and_user_row(s.conn, &token, s.hashed, |row| {
        Ok(convert::shape_session_and_user_row(
          env,
          &shape,
          &session_token,
          row,
        ))
      })
    })?;
    match shaped.transpose()? {
      Some(raw) => Ok(Some(unsafe { Unknown::from_napi_value(env.raw(), raw)? })),
      None => Ok(None),
    }
  }

  /// Changes a session's `expires` (and/or `userId`). Resolves to the updated session, or
  /// `null` when the session no longer exists.
  #[napi(
    catch_unwind,
    ts_args_type = "session: AdapterSessionPatch",
    ts_return_type = "Promise<AdapterSession | null>"
  )]
  pub fn update_session<'env>(&self, env: &'env Env, session: Unknown<'_>) -> napi::Result<Object<'env>> {
    let patch = || convert::session_patch(session);
    self.write(
      env,
      methods::UPDATE_SESSION,
      patch,
      self.store.run(|s, patch| s.update_session(patch)),
    )
  }

  /// Deletes a session. Resolves to the deleted session, or `null` when it was already gone.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionToken: string",
    ts_return_type = "Promise<AdapterSession | null>"
  )]
  pub fn delete_session<'env>(
    &self,
    env: &'env Env,
    session_token: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    let token = || Arg::new(methods::DELETE_SESSION, "sessionToken", session_token).key();
    self.write(
      env,
      methods::DELETE_SESSION,
      token,
      self.store.run(|s, token: &String| s.delete_session(token)),
    )
  }

  /// Stores a verification (magic-link) token.
  #[napi(
    catch_unwind,
    ts_args_type = "verificationToken: VerificationToken",
    ts_return_type = "Promise<VerificationToken>"
  )]
  pub fn create_verification_token<'env>(
    &self,
    env: &'env Env,
    token: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    let token = || convert::verification_token(token);
    let create = self.store.run(|s, token| s.create_verification_token(token));
    self.write(env, methods::CREATE_VERIFICATION_TOKEN, token, create)
  }

  /// Deletes and returns a verification token atomically: of concurrent calls for one token,
  /// exactly one gets it; the others (and later calls) get `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "params: { identifier: string; token: string }",
    ts_return_type = "Promise<VerificationToken | null>"
  )]
  pub fn use_verification_token<'env>(
    &self,
    env: &'env Env,
    params: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    let key = || convert::verification_token_key(params);
    self.write(
      env,
      methods::USE_VERIFICATION_TOKEN,
      key,
      self
        .store
        .run(|s, (identifier, token): &(String, String)| s.use_verification_token(identifier, token)),
    )
  }

  /// Stores a WebAuthn credential for an existing user.
  #[napi(
    catch_unwind,
    ts_args_type = "authenticator: AdapterAuthenticator",
    ts_return_type = "Promise<AdapterAuthenticator>"
  )]
  pub fn create_authenticator<'env>(
    &self,
    env: &'env Env,
    authenticator: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    let input = || convert::authenticator(authenticator);
    let create = self.store.run(|s, a| s.create_authenticator(a));
    self.write(env, methods::CREATE_AUTHENTICATOR, input, create)
  }

  /// The WebAuthn credential with this id, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "credentialID: string",
    ts_return_type = "AdapterAuthenticator | null"
  )]
  pub fn get_authenticator(
    &self,
    env: Env,
    credential_id: Unknown<'_>,
  ) -> napi::Result<Option<Authenticator>> {
    self.read(&env, methods::GET_AUTHENTICATOR, |mut s| {
      s.get_authenticator(&Arg::new(methods::GET_AUTHENTICATOR, "credentialID", credential_id).key()?)
    })
  }

  /// All WebAuthn credentials of a user, oldest first.
  #[napi(
    catch_unwind,
    ts_args_type = "userId: string",
    ts_return_type = "AdapterAuthenticator[]"
  )]
  pub fn list_authenticators_by_user_id(
    &self,
    env: Env,
    user_id: Unknown<'_>,
  ) -> napi::Result<Vec<Authenticator>> {
    self.read(&env, methods::LIST_AUTHENTICATORS_BY_USER_ID, |mut s| {
      s.list_authenticators_by_user_id(
        &Arg::new(methods::LIST_AUTHENTICATORS_BY_USER_ID, "userId", user_id).key()?,
      )
    })
  }

  /// Sets a credential's signature counter and returns the credential. Rejects with
  /// `AUTHLITE_NOT_FOUND` when there is no such credential.
  #[napi(
    catch_unwind,
    ts_args_type = "credentialID: string, newCounter: number",
    ts_return_type = "Promise<AdapterAuthenticator>"
  )]
  pub fn update_authenticator_counter<'env>(
    &self,
    env: &'env Env,
    credential_id: Unknown<'_>,
    new_counter: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::UPDATE_AUTHENTICATOR_COUNTER;
    let input = || convert::counter_update(credential_id, new_counter);
    let update = self
      .store
      .run(|s, (id, counter): &(String, i64)| s.update_authenticator_counter(id, *counter));
    self.write(env, METHOD, input, update)
  }

  /// Deletes sessions and verification tokens whose `expires` has passed. Auth.js deletes an
  /// expired session only when its owner comes back; run this now and then (e.g. daily) to
  /// keep the file small.
  #[napi(catch_unwind, ts_return_type = "Promise<DeletedExpired>")]
  pub fn delete_expired<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
    // On the writer thread: deleting many rows must not hold up the event loop.
    self.write_where(
      env,
      methods::DELETE_EXPIRED,
      false,
      || Ok(()),
      self
        .store
        .run(|s, ()| s.delete_expired(migrations::now_ms()).map(DeletedExpired::from)),
    )
  }

  /// Copies the live database to a new file `destination` with SQLite's online backup API, on
  /// a thread of its own, while the app keeps reading and writing. Resolves once the copy is
  /// complete: one consistent snapshot (writes made meanwhile are not in it), a database file
  /// `openAuthDatabase` opens with everything in it, created owner-only. Never overwrites a file:
  /// an existing `destination` rejects with `AUTHLITE_INVALID_INPUT`.
  #[napi(
    catch_unwind,
    ts_args_type = "destination: string, onProgress?: (progress: BackupProgress) => void",
    ts_return_type = "Promise<BackupResult>"
  )]
  pub fn backup<'env>(
    &self,
    env: &'env Env,
    destination: Unknown<'_>,
    on_progress: Option<Function<'_, BackupProgress, ()>>,
  ) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::BACKUP;
    let progress = on_progress
      .map(|f| f.build_threadsafe_function::<BackupProgress>().build())
      .transpose()?;
    let run = || -> AuthResult<Object<'env>> {
      if self.reader.is_none() {
        return Err(AuthError::closed(METHOD));
      }
      let destination = Arg::new(METHOD, "destination", destination).key()?;
      let internal = |err: napi::Error| AuthError::new(crate::error::Code::Internal, METHOD, err.reason);
      let (deferred, promise) = env.create_deferred().map_err(internal)?;
      let Some(source) = self.file.clone() else {
        // A rejection, not a throw: the argument is fine, there is just no file to copy.
        let why = AuthError::invalid(
          METHOD,
          "an in-memory database (\":memory:\") has no file to back up",
        );
        deferred.reject(why.into_napi(env));
        return Ok(promise);
      };
      std::thread::Builder::new()
        .name("authlite-backup".into())
        .spawn(move || {
          let report = |pages: u32, total: u32| {
            if let Some(progress) = &progress {
              progress.call(
                BackupProgress { pages, total },
                ThreadsafeFunctionCallMode::NonBlocking,
              );
            }
          };
          let outcome = std::panic::catch_unwind(|| store::backup::run(&source, &destination, report))
            .unwrap_or_else(|_| {
              Err(AuthError::new(
                crate::error::Code::Internal,
                METHOD,
                "panicked; please report this bug",
              ))
            });
          deferred.resolve(move |env| {
            outcome
              .map(|copied| BackupResult {
                pages: copied.pages,
                bytes: copied.bytes as f64,
              })
              .map_err(|err| err.into_napi(&env))
          });
        })
        .map_err(|err| {
          AuthError::new(
            crate::error::Code::Internal,
            METHOD,
            format!("cannot start the backup thread: {err}"),
          )
        })?;
      Ok(promise)
    };
    run().map_err(|err| err.into_napi(env))
  }

  /// Rewrites every stored account token under the first `encryptionKey`: tokens encrypted
  /// under an older key (still listed) and tokens stored before a key was set. Runs on the
  /// writer thread in one transaction: a token that does not decrypt rejects with
  /// `AUTHLITE_DECRYPT` and nothing changes.
  #[napi(catch_unwind, ts_return_type = "Promise<Reencrypted>")]
  pub fn reencrypt<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::REENCRYPT;
    let check = || {
      if self.store.keys.enabled() {
        Ok(())
      } else {
        Err(AuthError::invalid(
          METHOD,
          "no encryptionKey is set: open the database with one",
        ))
      }
    };
    let run = || -> AuthResult<Object<'env>> {
      if self.reader.is_none() {
        return Err(AuthError::closed(METHOD));
      }
      check()?;
      let store = self.store.clone();
      // Outside the writer's shared transaction: it commits on its own, then checkpoints.
      self.writer.submit_alone(env, METHOD, move |conn| {
        let db = AuthError::db(METHOD);
        // Overwrite the old values' bytes instead of leaving them in free space.
        conn.execute_batch("PRAGMA secure_delete = ON").map_err(&db)?;
        let rewritten = store.on(conn).reencrypt();
        let _ = conn.execute_batch("PRAGMA secure_delete = OFF");
        let accounts = rewritten?;
        if accounts > 0 {
          // Best effort: copy the new pages into the file and empty the WAL, so neither keeps
          // the old values (a reader elsewhere may keep it from finishing now).
          wal_restart::empty_wal(conn);
        }
        Ok(Reencrypted { accounts })
      })
    };
    run().map_err(|err| err.into_napi(env))
  }

  /// Counts of everything (users, accounts by provider, live and expired sessions, verification
  /// tokens, passkeys), the file's and the WAL's size, and the schema version. Reads every row
  /// of the session table: meant for an operator, not for every request.
  #[napi(catch_unwind)]
  pub fn stats(&self, env: Env) -> napi::Result<admin::DatabaseStats> {
    let now = migrations::now_ms();
    self.read(&env, methods::STATS, |s| {
      admin::stats(s.conn, self.file.as_deref(), now)
    })
  }

  /// Users whose email or name contains `search` (any case) or whose id is `search`, by email;
  /// all users without `search`. At most `limit` (default 50).
  #[napi(catch_unwind, ts_args_type = "options?: { search?: string; limit?: number }")]
  pub fn find_users(&self, env: Env, options: Option<Unknown<'_>>) -> napi::Result<Vec<admin::UserSummary>> {
    const METHOD: &str = methods::FIND_USERS;
    let now = migrations::now_ms();
    self.read(&env, METHOD, |s| {
      let (search, limit) = convert::find_users_args(options)?;
      admin::find_users(s.conn, search.as_deref(), limit, now)
    })
  }

  /// The user with this id, or else this email, with their accounts (providers, never tokens),
  /// passkeys and session counts; `null` when there is none.
  #[napi(catch_unwind, ts_args_type = "idOrEmail: string")]
  pub fn user_details(&self, env: Env, id_or_email: Unknown<'_>) -> napi::Result<Option<admin::UserDetails>> {
    const METHOD: &str = methods::USER_DETAILS;
    let now = migrations::now_ms();
    self.read(&env, METHOD, |s| {
      admin::user_details(s.conn, &Arg::new(METHOD, "idOrEmail", id_or_email).key()?, now)
    })
  }

  /// Signs a user out everywhere: deletes all their sessions. Resolves to how many.
  #[napi(
    catch_unwind,
    ts_args_type = "userId: string",
    ts_return_type = "Promise<number>"
  )]
  pub fn revoke_sessions<'env>(&self, env: &'env Env, user_id: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::REVOKE_SESSIONS;
    let id = || Arg::new(METHOD, "userId", user_id).key();
    self.write(env, METHOD, id, |conn, id: &String| {
      admin::revoke_sessions(conn, id)
    })
  }

  /// Deletes a user with their sessions, accounts and passkeys in one transaction, on any
  /// schema (`deleteUser` needs authlite's): the operator's delete. Resolves to what went with
  /// the user, or `null` when there was no such user.
  #[napi(
    catch_unwind,
    ts_args_type = "userId: string",
    ts_return_type = "Promise<RemovedUser | null>"
  )]
  pub fn remove_user<'env>(&self, env: &'env Env, user_id: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::REMOVE_USER;
    let id = || Arg::new(METHOD, "userId", user_id).key();
    self.write(env, METHOD, id, |conn, id: &String| admin::remove_user(conn, id))
  }

  /// `PRAGMA integrity_check` (is every page and index consistent?) and the schema version.
  /// Reads the whole file.
  #[napi(catch_unwind)]
  pub fn check_integrity(&self, env: Env) -> napi::Result<admin::IntegrityReport> {
    self.read(&env, methods::CHECK_INTEGRITY, |s| admin::check_integrity(s.conn))
  }

  /// Finishes the queued writes and closes the database. Later calls reject with
  /// `AUTHLITE_CLOSED`. Closing twice is harmless.
  #[napi(catch_unwind)]
  pub fn close(&mut self, env: Env) {
    self.batch.flush(&env);
    self.batch.detach();
    if let Some(mut cleanup) = self.cleanup.take() {
      cleanup.stop();
    }
    if let Some(held) = &self.held {
      held.close(&env);
    }
    if let Some(reader) = self.reader.take() {
      let mut conn = reader.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
      let _ = conn.wal_hook(None::<fn(&mut rusqlite::hooks::Wal, std::ffi::c_int) -> rusqlite::Result<()>>);
    }
    self.writer.close();
  }

  /// Whether `close()` has been called.
  #[napi(getter)]
  pub fn closed(&self) -> bool {
    self.reader.is_none()
  }
}
