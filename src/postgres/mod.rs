//! The PostgreSQL backend: the same operations as the SQLite store (`crate::store`), on a
//! pool of tokio-postgres connections (deadpool-postgres), each statement sent unnamed in one
//! round trip so that it works through any connection pooler (`query`). Calls are async: they run on a tokio runtime of authlite's own, started the
//! first time a PostgreSQL database is opened (an app on SQLite never starts it), and settle
//! their promise on the JS thread. `handle` is the napi class, `PostgresDatabase`.

pub mod accounts;
pub mod admin;
pub mod authenticators;
pub mod copy;
pub mod error;
pub mod handle;
pub mod literal;
pub mod migrations;
pub mod options;
pub mod query;
pub mod sessions;
pub mod text;
pub mod tls;
pub mod types;
pub mod users;
pub mod verification_tokens;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use deadpool_postgres::Pool;
use tokio::runtime::Runtime;

use crate::backend::{Backend, Expired};
use crate::crypto::Keys;
use crate::error::{AuthError, AuthResult, Code};
use crate::methods;
use crate::model::{Account, Authenticator, Session, SessionPatch, User, UserPatch, VerificationToken};
use query::{Conn, Statements};
use text::{unstorable, Storable};

/// The runtime PostgreSQL calls run on, started on first use: one worker thread, which runs
/// the calls and their connections' tasks, so a call wakes no second worker (on a small
/// machine shared with the server, idle workers searching for work cost more than they give:
/// measured 29-46k against 26-33k reads/s at 64 callers); `copy` reads SQLite on tokio's
/// blocking pool.
pub fn runtime(method: &'static str) -> AuthResult<&'static Runtime> {
  static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
  RUNTIME
    .get_or_init(|| {
      tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("authlite-pg")
        .enable_all()
        .build()
        .map_err(|err| err.to_string())
    })
    .as_ref()
    .map_err(|why| {
      AuthError::new(
        Code::Internal,
        method,
        format!("cannot start the PostgreSQL runtime: {why}"),
      )
    })
}

/// An open PostgreSQL database: its pool and settings. Connects, and creates or migrates the
/// schema, on first use; a failure there is retried by the next call.
pub struct PostgresStore {
  pool: Pool,
  pub hash_session_tokens: bool,
  pub keys: Arc<Keys>,
  migrated: tokio::sync::OnceCell<()>,
  /// The parameter types of the statements run so far (see `query`).
  statements: Arc<Statements>,
}

impl PostgresStore {
  /// A store over `pool`; nothing is connected yet.
  pub fn new(pool: Pool, hash_session_tokens: bool, keys: Arc<Keys>) -> Self {
    PostgresStore {
      pool,
      hash_session_tokens,
      keys,
      migrated: tokio::sync::OnceCell::new(),
      statements: Arc::new(Statements::new()),
    }
  }

  /// A connection from the pool, once the schema is up to date.
  pub async fn client(&self, method: &'static str) -> AuthResult<Conn> {
    self
      .migrated
      .get_or_try_init(|| async {
        let mut client = self.connect(method).await?;
        migrations::migrate(&mut client, self.hash_session_tokens).await
      })
      .await?;
    self.connect(method).await
  }

  /// A connection from the pool, the schema as it is (`copy` makes it in its own transaction).
  pub(crate) async fn connect(&self, method: &'static str) -> AuthResult<Conn> {
    let client = self
      .pool
      .get()
      .await
      .map_err(|err| error::from_pool(method, err))?;
    Ok(Conn::new(client, Arc::clone(&self.statements)))
  }
}

/// A future of an operation's result, borrowing the connection it runs on.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = AuthResult<T>> + Send + 'a>>;

/// An operation answered without a statement (see `text`).
fn done<'a, T: Send + 'a>(outcome: AuthResult<T>) -> Pending<'a, T> {
  Box::pin(std::future::ready(outcome))
}

/// The PostgreSQL backend on one pooled connection (returned to the pool when dropped).
pub struct Postgres<'s> {
  pub client: Conn,
  pub store: &'s PostgresStore,
}

impl PostgresStore {
  /// The backend on a connection from the pool, once the schema is up to date.
  pub async fn backend(&self, method: &'static str) -> AuthResult<Postgres<'_>> {
    Ok(Postgres {
      client: self.client(method).await?,
      store: self,
    })
  }
}

impl Backend for Postgres<'_> {
  type Out<'a, T: 'a>
    = Pending<'a, T>
  where
    Self: 'a;

  fn create_user<'a>(&'a mut self, user: &'a User) -> Pending<'a, User> {
    if let Err(err) = user.storable(methods::CREATE_USER) {
      return done(Err(err));
    }
    Box::pin(users::create(&self.client, user))
  }
  fn get_user<'a>(&'a mut self, id: &'a str) -> Pending<'a, Option<User>> {
    if unstorable(id) {
      return done(Ok(None));
    }
    Box::pin(users::get_by_id(&self.client, id))
  }
  fn get_user_by_email<'a>(&'a mut self, email: &'a str) -> Pending<'a, Option<User>> {
    if unstorable(email) {
      return done(Ok(None));
    }
    Box::pin(users::get_by_email(&self.client, email))
  }
  fn get_user_by_account<'a>(&'a mut self, provider: &'a str, id: &'a str) -> Pending<'a, Option<User>> {
    if unstorable(provider) || unstorable(id) {
      return done(Ok(None));
    }
    Box::pin(users::get_by_account(&self.client, provider, id))
  }
  fn update_user<'a>(&'a mut self, patch: &'a UserPatch) -> Pending<'a, User> {
    if let Err(err) = patch.storable(methods::UPDATE_USER) {
      return done(Err(err));
    }
    if unstorable(&patch.id) {
      let missing = AuthError::not_found(methods::UPDATE_USER, format!("no user has id {:?}", patch.id));
      return done(Err(missing));
    }
    Box::pin(users::update(&mut self.client, patch))
  }
  fn delete_user<'a>(&'a mut self, id: &'a str) -> Pending<'a, Option<User>> {
    if unstorable(id) {
      return done(Ok(None));
    }
    Box::pin(users::delete(&self.client, id))
  }
  fn link_account<'a>(&'a mut self, account: &'a Account) -> Pending<'a, Account> {
    if let Err(err) = account.storable(methods::LINK_ACCOUNT) {
      return done(Err(err));
    }
    Box::pin(accounts::link(&self.client, account, &self.store.keys))
  }
  fn unlink_account<'a>(&'a mut self, provider: &'a str, id: &'a str) -> Pending<'a, Option<Account>> {
    if unstorable(provider) || unstorable(id) {
      return done(Ok(None));
    }
    Box::pin(accounts::unlink(&mut self.client, provider, id, &self.store.keys))
  }
  fn get_account<'a>(&'a mut self, id: &'a str, provider: &'a str) -> Pending<'a, Option<Account>> {
    if unstorable(provider) || unstorable(id) {
      return done(Ok(None));
    }
    Box::pin(accounts::get_one(&self.client, id, provider, &self.store.keys))
  }
  fn create_session<'a>(&'a mut self, session: &'a Session) -> Pending<'a, Session> {
    if let Err(err) = text::session(session, self.store.hash_session_tokens, methods::CREATE_SESSION) {
      return done(Err(err));
    }
    Box::pin(sessions::create(
      &self.client,
      session,
      self.store.hash_session_tokens,
    ))
  }
  fn get_session_and_user<'a>(&'a mut self, token: &'a str) -> Pending<'a, Option<(Session, User)>> {
    if !self.store.hash_session_tokens && unstorable(token) {
      return done(Ok(None));
    }
    Box::pin(sessions::get_session_and_user(
      &self.client,
      token,
      self.store.hash_session_tokens,
    ))
  }
  fn update_session<'a>(&'a mut self, patch: &'a SessionPatch) -> Pending<'a, Option<Session>> {
    if let Err(err) = patch.storable(methods::UPDATE_SESSION) {
      return done(Err(err));
    }
    if !self.store.hash_session_tokens && unstorable(&patch.session_token) {
      return done(Ok(None));
    }
    Box::pin(sessions::update(
      &self.client,
      patch,
      self.store.hash_session_tokens,
    ))
  }
  fn delete_session<'a>(&'a mut self, token: &'a str) -> Pending<'a, Option<Session>> {
    if !self.store.hash_session_tokens && unstorable(token) {
      return done(Ok(None));
    }
    Box::pin(sessions::delete(
      &self.client,
      token,
      self.store.hash_session_tokens,
    ))
  }
  fn create_verification_token<'a>(
    &'a mut self,
    token: &'a VerificationToken,
  ) -> Pending<'a, VerificationToken> {
    if let Err(err) = token.storable(methods::CREATE_VERIFICATION_TOKEN) {
      return done(Err(err));
    }
    Box::pin(verification_tokens::create(&self.client, token))
  }
  fn use_verification_token<'a>(
    &'a mut self,
    identifier: &'a str,
    token: &'a str,
  ) -> Pending<'a, Option<VerificationToken>> {
    if unstorable(identifier) || unstorable(token) {
      return done(Ok(None));
    }
    Box::pin(verification_tokens::use_token(&self.client, identifier, token))
  }
  fn create_authenticator<'a>(&'a mut self, authenticator: &'a Authenticator) -> Pending<'a, Authenticator> {
    if let Err(err) = authenticator.storable(methods::CREATE_AUTHENTICATOR) {
      return done(Err(err));
    }
    Box::pin(authenticators::create(&self.client, authenticator))
  }
  fn get_authenticator<'a>(&'a mut self, credential_id: &'a str) -> Pending<'a, Option<Authenticator>> {
    if unstorable(credential_id) {
      return done(Ok(None));
    }
    Box::pin(authenticators::get_one(&self.client, credential_id))
  }
  fn list_authenticators_by_user_id<'a>(&'a mut self, user_id: &'a str) -> Pending<'a, Vec<Authenticator>> {
    if unstorable(user_id) {
      return done(Ok(Vec::new()));
    }
    Box::pin(authenticators::list_by_user(&self.client, user_id))
  }
  fn update_authenticator_counter<'a>(
    &'a mut self,
    credential_id: &'a str,
    counter: i64,
  ) -> Pending<'a, Authenticator> {
    if unstorable(credential_id) {
      let missing = AuthError::not_found(
        methods::UPDATE_AUTHENTICATOR_COUNTER,
        format!("no authenticator has credentialID {credential_id:?}"),
      );
      return done(Err(missing));
    }
    Box::pin(authenticators::update_counter(
      &self.client,
      credential_id,
      counter,
    ))
  }
  fn delete_expired<'a>(&'a mut self, now_ms: i64) -> Pending<'a, Expired> {
    Box::pin(delete_expired(&self.client, now_ms))
  }
  fn reencrypt<'a>(&'a mut self) -> Pending<'a, u32> {
    Box::pin(accounts::reencrypt(&mut self.client, &self.store.keys))
  }
}

/// Deletes the expired sessions and verification tokens, in one statement.
async fn delete_expired(client: &Conn, now_ms: i64) -> AuthResult<Expired> {
  const METHOD: &str = crate::methods::DELETE_EXPIRED;
  let row = query::opt(
    client,
    METHOD,
    r#"WITH s AS (DELETE FROM "session" WHERE "expires" < $1 RETURNING 1),
            v AS (DELETE FROM "verificationToken" WHERE "expires" < $1 RETURNING 1)
       SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM v)"#,
    &[&types::Time(now_ms, "now")],
    None,
  )
  .await?
  .ok_or_else(|| AuthError::new(Code::Internal, METHOD, "the count returned no row"))?;
  Ok(Expired {
    sessions: query::get::<i64>(&row, METHOD, 0)? as u64,
    verification_tokens: query::get::<i64>(&row, METHOD, 1)? as u64,
  })
}

/// A future whose panic becomes an `AUTHLITE_INTERNAL` error instead of a promise that never
/// settles.
pub struct CatchPanic<F> {
  pub method: &'static str,
  pub future: Pin<Box<F>>,
}

impl<T, F: Future<Output = AuthResult<T>>> Future for CatchPanic<F> {
  type Output = AuthResult<T>;

  fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
    let method = self.method;
    let future = self.future.as_mut();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.poll(cx))) {
      Ok(poll) => poll,
      Err(_) => Poll::Ready(Err(AuthError::new(
        Code::Internal,
        method,
        "panicked; please report this bug",
      ))),
    }
  }
}
