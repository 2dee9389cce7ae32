//! `PostgresDatabase`, the native handle behind `PostgresAdapter`: the same methods as
//! `AuthDatabase`, each returning a promise. Arguments are read and checked on the JS thread
//! (with the SQLite side's readers, so bad input gets the same errors); the statement runs on
//! the PostgreSQL runtime and the promise settles back on the JS thread.

use std::future::Future;
use std::sync::Arc;

use napi::bindgen_prelude::{Function, Object, ToNapiValue, Unknown};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::Env;

use super::copy::{self, CopyProgress};
use super::options::{self as pg_options, PostgresSettings};
use super::{admin, runtime, CatchPanic, PostgresStore};
use crate::backend::Backend;
use crate::convert::{self, Arg, SessionAndUser};
use crate::crypto::Keys;
use crate::error::{AuthError, AuthResult};
use crate::methods;
use crate::store::migrations::now_ms;
use crate::{BackupResult, DeletedExpired, Reencrypted};

/// An open authlite database on PostgreSQL: the native handle behind `PostgresAdapter`,
/// also returned by `openAuthDatabase({ url })`. Every method returns a promise; invalid
/// arguments throw. Connection failures reject with `AUTHLITE_UNAVAILABLE` (retryable: the
/// next call connects again, to the new primary after a failover).
#[napi]
pub struct PostgresDatabase {
  store: Option<Arc<PostgresStore>>,
  cleanup: Option<tokio::task::AbortHandle>,
}

/// A handle collected without `close()` stops its cleanup timer too (the timer's task would
/// otherwise keep the pool alive for the life of the process).
impl Drop for PostgresDatabase {
  fn drop(&mut self) {
    if let Some(cleanup) = self.cleanup.take() {
      cleanup.abort();
    }
  }
}

#[napi]
impl PostgresDatabase {
  /// Opens a pool on the database; nothing is connected until the first call (or `ready()`),
  /// which also creates or migrates the tables.
  #[napi(
    constructor,
    catch_unwind,
    ts_args_type = "options: string | PostgresDatabaseOptions"
  )]
  pub fn new(env: Env, options: Option<Unknown<'_>>) -> napi::Result<Self> {
    Self::open(pg_options::parse(options).map_err(|e| e.into_napi(&env))?).map_err(|e| e.into_napi(&env))
  }

  fn open(settings: PostgresSettings) -> AuthResult<Self> {
    let rt = runtime("open")?;
    let pool = {
      // The pool's timers belong to the runtime.
      let _entered = rt.enter();
      settings.pool()?
    };
    let store = Arc::new(PostgresStore::new(
      pool,
      settings.hash_session_tokens,
      Arc::new(Keys::new(&settings.encryption_keys.0)),
    ));
    let cleanup = settings.cleanup_interval.map(|every| {
      let store = Arc::clone(&store);
      rt.spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await;
        loop {
          ticks.tick().await;
          // Best effort: a failed run (server away) is retried at the next interval.
          if let Ok(mut backend) = store.backend(methods::DELETE_EXPIRED).await {
            let _ = backend.delete_expired(now_ms()).await;
          }
        }
      })
      .abort_handle()
    });
    Ok(PostgresDatabase {
      store: Some(store),
      cleanup,
    })
  }

  /// Runs `work` on the runtime and returns a promise of its result. `prepare` reads the JS
  /// arguments first, so bad input throws before anything is sent.
  fn call<'env, I, T, Fut>(
    &self,
    env: &'env Env,
    method: &'static str,
    prepare: impl FnOnce() -> AuthResult<I>,
    work: impl FnOnce(Arc<PostgresStore>, I) -> Fut,
  ) -> napi::Result<Object<'env>>
  where
    Fut: Future<Output = AuthResult<T>> + Send + 'static,
    T: ToNapiValue + Send + 'static,
  {
    let run = || -> AuthResult<Object<'env>> {
      let store = self.store.clone().ok_or_else(|| AuthError::closed(method))?;
      let input = prepare()?;
      let rt = runtime(method)?;
      let internal = |err: napi::Error| AuthError::new(crate::error::Code::Internal, method, err.reason);
      let (deferred, promise) = env.create_deferred().map_err(internal)?;
      let future = CatchPanic {
        method,
        future: Box::pin(work(store, input)),
      };
      rt.spawn(async move {
        let outcome = future.await;
        deferred.resolve(move |env| outcome.map_err(|err| err.into_napi(&env)));
      });
      Ok(promise)
    };
    run().map_err(|err| err.into_napi(env))
  }

  /// Resolves once the database is reachable and its tables are up to date; rejects with
  /// the reason otherwise. Optional: every call waits for the same.
  #[napi(catch_unwind, ts_return_type = "Promise<void>")]
  pub fn ready<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
    self.call(
      env,
      "open",
      || Ok(()),
      |store, ()| async move { store.client("open").await.map(|_| ()) },
    )
  }

  /// Creates a user, keeping `user.id` when given (a UUID otherwise).
  #[napi(
    catch_unwind,
    ts_args_type = "user: AdapterUserInput",
    ts_return_type = "Promise<AdapterUser>"
  )]
  pub fn create_user<'env>(&self, env: &'env Env, user: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::CREATE_USER;
    self.call(
      env,
      METHOD,
      || convert::user(user),
      |store, user| async move { store.backend(METHOD).await?.create_user(&user).await },
    )
  }

  /// The user with this id, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "id: string",
    ts_return_type = "Promise<AdapterUser | null>"
  )]
  pub fn get_user<'env>(&self, env: &'env Env, id: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::GET_USER;
    let id = || Arg::new(METHOD, "id", id).key();
    self.call(env, METHOD, id, |store, id| async move {
      store.backend(METHOD).await?.get_user(&id).await
    })
  }

  /// The user with this email, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "email: string",
    ts_return_type = "Promise<AdapterUser | null>"
  )]
  pub fn get_user_by_email<'env>(&self, env: &'env Env, email: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::GET_USER_BY_EMAIL;
    let email = || Arg::new(METHOD, "email", email).key();
    self.call(env, METHOD, email, |store, email| async move {
      store.backend(METHOD).await?.get_user_by_email(&email).await
    })
  }

  /// The user who linked this provider account, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "account: AccountKey",
    ts_return_type = "Promise<AdapterUser | null>"
  )]
  pub fn get_user_by_account<'env>(
    &self,
    env: &'env Env,
    account: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::GET_USER_BY_ACCOUNT;
    let key = || convert::account_key(METHOD, account);
    self.call(env, METHOD, key, |store, (provider, id)| async move {
      store
        .backend(METHOD)
        .await?
        .get_user_by_account(&provider, &id)
        .await
    })
  }

  /// Changes the given fields of a user (`null` clears one) and returns the whole user.
  #[napi(
    catch_unwind,
    ts_args_type = "user: AdapterUserPatch",
    ts_return_type = "Promise<AdapterUser>"
  )]
  pub fn update_user<'env>(&self, env: &'env Env, user: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::UPDATE_USER;
    self.call(
      env,
      METHOD,
      || convert::user_patch(user),
      |store, patch| async move { store.backend(METHOD).await?.update_user(&patch).await },
    )
  }

  /// Deletes a user with their sessions, accounts and authenticators, in one transaction.
  #[napi(
    catch_unwind,
    ts_args_type = "userId: string",
    ts_return_type = "Promise<AdapterUser | null>"
  )]
  pub fn delete_user<'env>(&self, env: &'env Env, user_id: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::DELETE_USER;
    let id = || Arg::new(METHOD, "userId", user_id).key();
    self.call(env, METHOD, id, |store, id| async move {
      store.backend(METHOD).await?.delete_user(&id).await
    })
  }

  /// Links a provider account to a user. Provider-specific fields are kept.
  #[napi(
    catch_unwind,
    ts_args_type = "account: AdapterAccount",
    ts_return_type = "Promise<AdapterAccount>"
  )]
  pub fn link_account<'env>(&self, env: &'env Env, account: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::LINK_ACCOUNT;
    self.call(
      env,
      METHOD,
      || convert::account(account),
      |store, account| async move { store.backend(METHOD).await?.link_account(&account).await },
    )
  }

  /// Unlinks a provider account. Resolves to the unlinked account, or `null` when none was.
  #[napi(
    catch_unwind,
    ts_args_type = "account: AccountKey",
    ts_return_type = "Promise<AdapterAccount | null>"
  )]
  pub fn unlink_account<'env>(&self, env: &'env Env, account: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::UNLINK_ACCOUNT;
    let key = || convert::account_key(METHOD, account);
    self.call(env, METHOD, key, |store, (provider, id)| async move {
      store.backend(METHOD).await?.unlink_account(&provider, &id).await
    })
  }

  /// The account with this provider and provider account id, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "providerAccountId: string, provider: string",
    ts_return_type = "Promise<AdapterAccount | null>"
  )]
  pub fn get_account<'env>(
    &self,
    env: &'env Env,
    provider_account_id: Unknown<'_>,
    provider: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::GET_ACCOUNT;
    let key = || convert::get_account_args(provider_account_id, provider);
    self.call(env, METHOD, key, |store, (id, provider)| async move {
      store.backend(METHOD).await?.get_account(&id, &provider).await
    })
  }

  /// Creates a session for an existing user.
  #[napi(
    catch_unwind,
    ts_args_type = "session: AdapterSession",
    ts_return_type = "Promise<AdapterSession>"
  )]
  pub fn create_session<'env>(&self, env: &'env Env, session: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::CREATE_SESSION;
    self.call(
      env,
      METHOD,
      || convert::session(session),
      |store, session| async move { store.backend(METHOD).await?.create_session(&session).await },
    )
  }

  /// The session with this token and its user, read in one query, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "sessionToken: string",
    ts_return_type = "Promise<{ session: AdapterSession; user: AdapterUser } | null>"
  )]
  pub fn get_session_and_user<'env>(
    &self,
    env: &'env Env,
    session_token: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::GET_SESSION_AND_USER;
    let token = || Arg::new(METHOD, "sessionToken", session_token).key();
    self.call(env, METHOD, token, |store, token| async move {
      let found = store.backend(METHOD).await?.get_session_and_user(&token).await?;
      Ok(found.map(|(session, user)| SessionAndUser(session, user)))
    })
  }

  /// Changes a session's `expires` (and/or `userId`); `null` when the session is gone.
  #[napi(
    catch_unwind,
    ts_args_type = "session: AdapterSessionPatch",
    ts_return_type = "Promise<AdapterSession | null>"
  )]
  pub fn update_session<'env>(&self, env: &'env Env, session: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::UPDATE_SESSION;
    self.call(
      env,
      METHOD,
      || convert::session_patch(session),
      |store, patch| async move { store.backend(METHOD).await?.update_session(&patch).await },
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
    const METHOD: &str = methods::DELETE_SESSION;
    let token = || Arg::new(METHOD, "sessionToken", session_token).key();
    self.call(env, METHOD, token, |store, token| async move {
      store.backend(METHOD).await?.delete_session(&token).await
    })
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
    const METHOD: &str = methods::CREATE_VERIFICATION_TOKEN;
    self.call(
      env,
      METHOD,
      || convert::verification_token(token),
      |store, token| async move {
        store
          .backend(METHOD)
          .await?
          .create_verification_token(&token)
          .await
      },
    )
  }

  /// Deletes and returns a verification token atomically, across processes: of concurrent
  /// calls for one token exactly one gets it.
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
    const METHOD: &str = methods::USE_VERIFICATION_TOKEN;
    let key = || convert::verification_token_key(params);
    self.call(env, METHOD, key, |store, (identifier, token)| async move {
      store
        .backend(METHOD)
        .await?
        .use_verification_token(&identifier, &token)
        .await
    })
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
    const METHOD: &str = methods::CREATE_AUTHENTICATOR;
    self.call(
      env,
      METHOD,
      || convert::authenticator(authenticator),
      |store, a| async move { store.backend(METHOD).await?.create_authenticator(&a).await },
    )
  }

  /// The WebAuthn credential with this id, or `null`.
  #[napi(
    catch_unwind,
    ts_args_type = "credentialID: string",
    ts_return_type = "Promise<AdapterAuthenticator | null>"
  )]
  pub fn get_authenticator<'env>(
    &self,
    env: &'env Env,
    credential_id: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::GET_AUTHENTICATOR;
    let id = || Arg::new(METHOD, "credentialID", credential_id).key();
    self.call(env, METHOD, id, |store, id| async move {
      store.backend(METHOD).await?.get_authenticator(&id).await
    })
  }

  /// All WebAuthn credentials of a user, oldest first.
  #[napi(
    catch_unwind,
    ts_args_type = "userId: string",
    ts_return_type = "Promise<AdapterAuthenticator[]>"
  )]
  pub fn list_authenticators_by_user_id<'env>(
    &self,
    env: &'env Env,
    user_id: Unknown<'_>,
  ) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::LIST_AUTHENTICATORS_BY_USER_ID;
    let id = || Arg::new(METHOD, "userId", user_id).key();
    self.call(env, METHOD, id, |store, id| async move {
      store
        .backend(METHOD)
        .await?
        .list_authenticators_by_user_id(&id)
        .await
    })
  }

  /// Sets a credential's signature counter and returns the credential.
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
    self.call(env, METHOD, input, |store, (id, counter)| async move {
      store
        .backend(METHOD)
        .await?
        .update_authenticator_counter(&id, counter)
        .await
    })
  }

  /// Deletes sessions and verification tokens whose `expires` has passed, in one statement.
  #[napi(catch_unwind, ts_return_type = "Promise<DeletedExpired>")]
  pub fn delete_expired<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
    self.call(
      env,
      methods::DELETE_EXPIRED,
      || Ok(()),
      |store, ()| async move {
        let expired = store
          .backend(methods::DELETE_EXPIRED)
          .await?
          .delete_expired(now_ms())
          .await?;
        Ok(DeletedExpired::from(expired))
      },
    )
  }

  /// Rewrites every stored account token under the first `encryptionKey`, in one transaction.
  #[napi(catch_unwind, ts_return_type = "Promise<Reencrypted>")]
  pub fn reencrypt<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::REENCRYPT;
    let enabled = self.store.as_ref().is_some_and(|s| s.keys.enabled());
    let check = || {
      if enabled || self.store.is_none() {
        Ok(())
      } else {
        Err(AuthError::invalid(
          METHOD,
          "no encryptionKey is set: open the database with one",
        ))
      }
    };
    self.call(env, METHOD, check, |store, ()| async move {
      let accounts = store.backend(METHOD).await?.reencrypt().await?;
      Ok(Reencrypted { accounts })
    })
  }

  /// Not available on PostgreSQL: rejects with `AUTHLITE_INVALID_INPUT` saying to use
  /// `pg_dump` (or the server's own backups), which copy a consistent snapshot while the app runs.
  #[napi(
    catch_unwind,
    ts_args_type = "destination: string",
    ts_return_type = "Promise<BackupResult>"
  )]
  pub fn backup<'env>(&self, env: &'env Env, _destination: Unknown<'_>) -> napi::Result<Object<'env>> {
    // A rejection, not a throw: the argument is fine, the operation is what does not exist here.
    self.call(env, methods::BACKUP, || Ok(()), |_, ()| async move {
      Err::<BackupResult, _>(AuthError::invalid(
        methods::BACKUP,
        "backup() copies a SQLite file; back up a PostgreSQL database with pg_dump or the server's own backups",
      ))
    })
  }

  /// Counts of everything (as `AuthDatabase.stats()`); `fileBytes` is the auth tables' size
  /// with their indexes, `walBytes` 0.
  #[napi(catch_unwind, ts_return_type = "Promise<DatabaseStats>")]
  pub fn stats<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::STATS;
    self.call(
      env,
      METHOD,
      || Ok(()),
      |store, ()| async move { admin::stats(&store.client(METHOD).await?, now_ms()).await },
    )
  }

  /// Users whose email or name contains `search` (any case) or whose id is `search`, by email;
  /// at most `limit` (default 50).
  #[napi(
    catch_unwind,
    ts_args_type = "options?: { search?: string; limit?: number }",
    ts_return_type = "Promise<UserSummary[]>"
  )]
  pub fn find_users<'env>(&self, env: &'env Env, options: Option<Unknown<'_>>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::FIND_USERS;
    self.call(
      env,
      METHOD,
      || convert::find_users_args(options),
      |store, (search, limit)| async move {
        admin::find_users(&store.client(METHOD).await?, search.as_deref(), limit, now_ms()).await
      },
    )
  }

  /// The user with this id, or else this email, with their accounts (never tokens), passkeys and
  /// session counts; `null` when there is none.
  #[napi(
    catch_unwind,
    ts_args_type = "idOrEmail: string",
    ts_return_type = "Promise<UserDetails | null>"
  )]
  pub fn user_details<'env>(&self, env: &'env Env, id_or_email: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::USER_DETAILS;
    let key = || Arg::new(METHOD, "idOrEmail", id_or_email).key();
    self.call(env, METHOD, key, |store, key| async move {
      if super::text::unstorable(&key) {
        return Ok(None);
      }
      admin::user_details(&store.client(METHOD).await?, &key, now_ms()).await
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
    self.call(env, METHOD, id, |store, id| async move {
      if super::text::unstorable(&id) {
        return Ok(0);
      }
      admin::revoke_sessions(&store.client(METHOD).await?, &id).await
    })
  }

  /// Deletes a user with their sessions, accounts and passkeys in one statement. Resolves to
  /// what went with the user, or `null` when there was no such user.
  #[napi(
    catch_unwind,
    ts_args_type = "userId: string",
    ts_return_type = "Promise<RemovedUser | null>"
  )]
  pub fn remove_user<'env>(&self, env: &'env Env, user_id: Unknown<'_>) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::REMOVE_USER;
    let id = || Arg::new(METHOD, "userId", user_id).key();
    self.call(env, METHOD, id, |store, id| async move {
      if super::text::unstorable(&id) {
        return Ok(None);
      }
      admin::remove_user(&store.client(METHOD).await?, &id).await
    })
  }

  /// Not available on PostgreSQL: rejects with `AUTHLITE_INVALID_INPUT` (the server checks its
  /// own pages; the `amcheck` extension checks more).
  #[napi(catch_unwind, ts_return_type = "Promise<IntegrityReport>")]
  pub fn check_integrity<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
    self.call(env, methods::CHECK_INTEGRITY, || Ok(()), |_, ()| async move {
      Err::<crate::store::admin::IntegrityReport, _>(AuthError::invalid(
        methods::CHECK_INTEGRITY,
        "checkIntegrity() checks a SQLite file; PostgreSQL checks its own pages (the amcheck extension checks more)",
      ))
    })
  }

  /// Copies an authlite (or @auth/drizzle-adapter) SQLite database file into this database in
  /// one transaction: users, accounts, sessions, verification tokens and passkeys. The file is
  /// only read. Refuses a database that already holds auth rows unless `merge` is true; with it,
  /// rows whose key is already there are kept as they are (so running it twice adds nothing).
  /// Signed-in users stay signed in: session tokens are carried over (and hashed when the file
  /// kept them raw). Encrypted account tokens are copied as they are: open this database with
  /// the same `encryptionKey`. `onProgress` is called after each batch of rows.
  #[napi(
    catch_unwind,
    ts_args_type = "sqlitePath: string, merge?: boolean, onProgress?: (progress: CopyProgress) => void",
    ts_return_type = "Promise<CopyResult>"
  )]
  pub fn copy_from_sqlite<'env>(
    &self,
    env: &'env Env,
    sqlite_path: Unknown<'_>,
    merge: Option<bool>,
    on_progress: Option<Function<'_, CopyProgress, ()>>,
  ) -> napi::Result<Object<'env>> {
    const METHOD: &str = methods::COPY_FROM_SQLITE;
    let progress = on_progress
      .map(|f| f.build_threadsafe_function::<CopyProgress>().build())
      .transpose()?;
    let path = || Arg::new(METHOD, "sqlitePath", sqlite_path).key();
    self.call(env, METHOD, path, move |store, path| async move {
      copy::copy_from_sqlite(&store, path, merge.unwrap_or(false), move |step| {
        if let Some(progress) = &progress {
          progress.call(step, ThreadsafeFunctionCallMode::NonBlocking);
        }
      })
      .await
    })
  }

  /// Closes the database: later calls reject with `AUTHLITE_CLOSED`; calls already made
  /// finish, each on its connection, and the pool closes once the last is done. Closing twice
  /// is harmless.
  #[napi(catch_unwind)]
  pub fn close(&mut self) {
    if let Some(cleanup) = self.cleanup.take() {
      cleanup.abort();
    }
    // The calls under way hold the store too; the pool (and its connections) goes with the last.
    self.store.take();
  }

  /// Whether `close()` has been called.
  #[napi(getter)]
  pub fn closed(&self) -> bool {
    self.store.is_none()
  }
}
