//! What a storage backend must do: the operations behind the Auth.js adapter methods (and the
//! maintenance ones), written once. The two implementations sit side by side:
//!
//! - `store::Sqlite` (src/store/): synchronous, on a `rusqlite::Connection`, called on the JS
//!   thread (or the writer thread) by `lib.rs`; an operation's result is the value itself.
//! - `postgres::Postgres` (src/postgres/): async, on a pooled tokio-postgres connection, called
//!   on authlite's tokio runtime by `postgres/handle.rs`; an operation's result is a future.
//!
//! Both take and return the plain records of `model`; converting JS values to and from them
//! (`convert`) is shared, so both backends accept the same input, reject bad input with the
//! same messages and return the same shapes. Session tokens are passed as tokens: each
//! backend stores `sessions::hash_token(token)` unless `hashSessionTokens: false`.

use crate::model::{Account, Authenticator, Session, SessionPatch, User, UserPatch, VerificationToken};

/// What `delete_expired` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expired {
  pub sessions: u64,
  pub verification_tokens: u64,
}

/// The operations of an authlite backend. `Out<'a, T>` is how a result comes back: `AuthResult<T>`
/// for SQLite, a future of it for PostgreSQL.
pub trait Backend {
  type Out<'a, T: 'a>
  where
    Self: 'a;

  /// `createUser`: inserts a user; a duplicate id or email is `AUTHLITE_CONFLICT`.
  fn create_user<'a>(&'a mut self, user: &'a User) -> Self::Out<'a, User>;
  /// `getUser`.
  fn get_user<'a>(&'a mut self, id: &'a str) -> Self::Out<'a, Option<User>>;
  /// `getUserByEmail` (exact match).
  fn get_user_by_email<'a>(&'a mut self, email: &'a str) -> Self::Out<'a, Option<User>>;
  /// `getUserByAccount`.
  fn get_user_by_account<'a>(
    &'a mut self,
    provider: &'a str,
    provider_account_id: &'a str,
  ) -> Self::Out<'a, Option<User>>;
  /// `updateUser`: a missing user is `AUTHLITE_NOT_FOUND`.
  fn update_user<'a>(&'a mut self, patch: &'a UserPatch) -> Self::Out<'a, User>;
  /// `deleteUser`, with the user's sessions, accounts and passkeys, in one transaction.
  fn delete_user<'a>(&'a mut self, id: &'a str) -> Self::Out<'a, Option<User>>;
  /// `linkAccount` (tokens sealed when `encryptionKey` is set).
  fn link_account<'a>(&'a mut self, account: &'a Account) -> Self::Out<'a, Account>;
  /// `unlinkAccount`: the account, or `None` when it was not linked.
  fn unlink_account<'a>(
    &'a mut self,
    provider: &'a str,
    provider_account_id: &'a str,
  ) -> Self::Out<'a, Option<Account>>;
  /// `getAccount`.
  fn get_account<'a>(
    &'a mut self,
    provider_account_id: &'a str,
    provider: &'a str,
  ) -> Self::Out<'a, Option<Account>>;
  /// `createSession`.
  fn create_session<'a>(&'a mut self, session: &'a Session) -> Self::Out<'a, Session>;
  /// `getSessionAndUser`, in one query.
  fn get_session_and_user<'a>(&'a mut self, token: &'a str) -> Self::Out<'a, Option<(Session, User)>>;
  /// `updateSession`: `None` when the session is gone.
  fn update_session<'a>(&'a mut self, patch: &'a SessionPatch) -> Self::Out<'a, Option<Session>>;
  /// `deleteSession`.
  fn delete_session<'a>(&'a mut self, token: &'a str) -> Self::Out<'a, Option<Session>>;
  /// `createVerificationToken`.
  fn create_verification_token<'a>(
    &'a mut self,
    token: &'a VerificationToken,
  ) -> Self::Out<'a, VerificationToken>;
  /// `useVerificationToken`: atomic, across processes.
  fn use_verification_token<'a>(
    &'a mut self,
    identifier: &'a str,
    token: &'a str,
  ) -> Self::Out<'a, Option<VerificationToken>>;
  /// `createAuthenticator`.
  fn create_authenticator<'a>(&'a mut self, authenticator: &'a Authenticator)
    -> Self::Out<'a, Authenticator>;
  /// `getAuthenticator`.
  fn get_authenticator<'a>(&'a mut self, credential_id: &'a str) -> Self::Out<'a, Option<Authenticator>>;
  /// `listAuthenticatorsByUserId`, oldest first.
  fn list_authenticators_by_user_id<'a>(&'a mut self, user_id: &'a str) -> Self::Out<'a, Vec<Authenticator>>;
  /// `updateAuthenticatorCounter`: a missing credential is `AUTHLITE_NOT_FOUND`.
  fn update_authenticator_counter<'a>(
    &'a mut self,
    credential_id: &'a str,
    counter: i64,
  ) -> Self::Out<'a, Authenticator>;
  /// `deleteExpired`: expired sessions and verification tokens, in one transaction.
  fn delete_expired<'a>(&'a mut self, now_ms: i64) -> Self::Out<'a, Expired>;
  /// `reencrypt`: every stored token under the first key, in one transaction.
  fn reencrypt<'a>(&'a mut self) -> Self::Out<'a, u32>;
}
