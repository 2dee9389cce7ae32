//! The PostgreSQL backend: the same operations as the SQLite store (`crate::store`), on a
//! pool of tokio-postgres connections (deadpool-postgres), each statement prepared once per
//! connection. Calls are async: they run on a tokio runtime of authlite's own, started the
//! first time a PostgreSQL database is opened (an app on SQLite never starts it), and settle
//! their promise on the JS thread. `handle` is the napi class, `PostgresDatabase`.

pub mod accounts;
pub mod authenticators;
pub mod copy;
pub mod error;
pub mod handle;
pub mod migrations;
pub mod options;
pub mod query;
pub mod sessions;
pub mod tls;
pub mod types;
pub mod users;
pub mod verification_tokens;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use deadpool_postgres::{Client, Pool};
use tokio::runtime::Runtime;

use crate::crypto::Keys;
use crate::error::{AuthError, AuthResult, Code};

/// The runtime PostgreSQL calls run on, started on first use.
pub fn runtime(method: &'static str) -> AuthResult<&'static Runtime> {
  static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
  RUNTIME
    .get_or_init(|| {
      tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("authlite-pg")
        .enable_all()
        .build()
        .map_err(|err| err.to_string())
    })
    .as_ref()
    .map_err(|why| AuthError::new(Code::Internal, method, format!("cannot start the PostgreSQL runtime: {why}")))
}

/// An open PostgreSQL database: its pool and settings. Connects, and creates or migrates the
/// schema, on first use; a failure there is retried by the next call.
pub struct PostgresStore {
  pool: Pool,
  pub hash_session_tokens: bool,
  pub keys: Arc<Keys>,
  migrated: tokio::sync::OnceCell<()>,
}

impl PostgresStore {
  /// A store over `pool`; nothing is connected yet.
  pub fn new(pool: Pool, hash_session_tokens: bool, keys: Arc<Keys>) -> Self {
    PostgresStore {
      pool,
      hash_session_tokens,
      keys,
      migrated: tokio::sync::OnceCell::new(),
    }
  }

  /// A connection from the pool, once the schema is up to date.
  pub async fn client(&self, method: &'static str) -> AuthResult<Client> {
    self
      .migrated
      .get_or_try_init(|| async {
        let mut client = self.connect(method).await?;
        migrations::migrate(&mut client, self.hash_session_tokens).await
      })
      .await?;
    self.connect(method).await
  }

  async fn connect(&self, method: &'static str) -> AuthResult<Client> {
    self.pool.get().await.map_err(|err| error::from_pool(method, err))
  }

  /// Deletes the expired sessions and verification tokens, in one statement.
  pub async fn delete_expired(&self) -> AuthResult<(u64, u64)> {
    const METHOD: &str = crate::methods::DELETE_EXPIRED;
    let client = self.client(METHOD).await?;
    let now = types::Millis(crate::store::migrations::now_ms());
    let row = query::opt(
      &client,
      METHOD,
      r#"WITH s AS (DELETE FROM "session" WHERE "expires" < $1 RETURNING 1),
              v AS (DELETE FROM "verificationToken" WHERE "expires" < $1 RETURNING 1)
         SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM v)"#,
      &[&now],
      None,
    )
    .await?
    .ok_or_else(|| AuthError::new(Code::Internal, METHOD, "the count returned no row"))?;
    Ok((query::get::<i64>(&row, METHOD, 0)? as u64, query::get::<i64>(&row, METHOD, 1)? as u64))
  }

  /// Stops handing out connections; the calls under way finish on theirs.
  pub fn close(&self) {
    self.pool.close();
  }
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
