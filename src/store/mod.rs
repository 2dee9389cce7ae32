//! The SQLite store: one file per table family, each holding its SQL next to the code that
//! runs it. Reads take `&Connection`; writes take `&mut Connection` and run in one transaction.
//! `Sqlite` is this backend's implementation of `backend::Backend`.

pub mod accounts;
pub mod admin;
pub mod authenticators;
pub mod backup;
pub mod connection;
pub mod migrations;
pub mod sessions;
pub mod users;
pub mod verification_tokens;

use rusqlite::types::Type;

use crate::backend::{Backend, Expired};
use crate::error::{AuthError, AuthResult};
use crate::model::{
  Account, Authenticator, Extra, Session, SessionPatch, User, UserPatch, VerificationToken,
};

pub(crate) use users::email_taken;

/// The JSON text stored for a row's extra fields; `NULL` when there are none.
pub(crate) fn extra_to_sql(extra: &Extra) -> Option<String> {
  if extra.is_empty() {
    None
  } else {
    Some(serde_json::Value::Object(extra.clone()).to_string())
  }
}

/// Reads the extra-fields column at `index`. Text that is not a JSON object is reported, not
/// dropped: silently losing a user's fields would be worse than an error that names the row.
pub(crate) fn extra_from_sql(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Extra> {
  let text: Option<String> = row.get(index)?;
  match text {
    None => Ok(Extra::new()),
    Some(text) => match serde_json::from_str::<serde_json::Value>(&text) {
      Ok(serde_json::Value::Object(map)) => Ok(map),
      Ok(_) => Err(not_an_object(index)),
      Err(err) => Err(rusqlite::Error::FromSqlConversionFailure(
        index,
        Type::Text,
        Box::new(err),
      )),
    },
  }
}

fn not_an_object(index: usize) -> rusqlite::Error {
  rusqlite::Error::FromSqlConversionFailure(
    index,
    Type::Text,
    "authlite_extra does not hold a JSON object".into(),
  )
}

/// The SQLite backend on one connection, with the settings its operations need.
pub struct Sqlite<'c> {
  pub conn: &'c mut rusqlite::Connection,
  /// `hashSessionTokens`.
  pub hashed: bool,
  /// The `encryptionKey` keys.
  pub keys: &'c crate::crypto::Keys,
}

impl Backend for Sqlite<'_> {
  type Out<'a, T: 'a>
    = AuthResult<T>
  where
    Self: 'a;

  fn create_user<'a>(&'a mut self, user: &'a User) -> AuthResult<User> {
    users::create(self.conn, user)
  }
  fn get_user<'a>(&'a mut self, id: &'a str) -> AuthResult<Option<User>> {
    users::get(self.conn, id)
  }
  fn get_user_by_email<'a>(&'a mut self, email: &'a str) -> AuthResult<Option<User>> {
    users::get_by_email(self.conn, email)
  }
  fn get_user_by_account<'a>(&'a mut self, provider: &'a str, id: &'a str) -> AuthResult<Option<User>> {
    users::get_by_account(self.conn, provider, id)
  }
  fn update_user<'a>(&'a mut self, patch: &'a UserPatch) -> AuthResult<User> {
    users::update(self.conn, patch)
  }
  fn delete_user<'a>(&'a mut self, id: &'a str) -> AuthResult<Option<User>> {
    users::delete(self.conn, id)
  }
  fn link_account<'a>(&'a mut self, account: &'a Account) -> AuthResult<Account> {
    accounts::link(self.conn, account, self.keys)
  }
  fn unlink_account<'a>(&'a mut self, provider: &'a str, id: &'a str) -> AuthResult<Option<Account>> {
    accounts::unlink(self.conn, provider, id, self.keys)
  }
  fn get_account<'a>(&'a mut self, id: &'a str, provider: &'a str) -> AuthResult<Option<Account>> {
    accounts::get(self.conn, id, provider, self.keys)
  }
  fn create_session<'a>(&'a mut self, session: &'a Session) -> AuthResult<Session> {
    sessions::create(self.conn, session, self.hashed)
  }
  fn get_session_and_user<'a>(&'a mut self, token: &'a str) -> AuthResult<Option<(Session, User)>> {
    sessions::get_session_and_user(self.conn, token, self.hashed)
  }
  fn update_session<'a>(&'a mut self, patch: &'a SessionPatch) -> AuthResult<Option<Session>> {
    sessions::update(self.conn, patch, self.hashed)
  }
  fn delete_session<'a>(&'a mut self, token: &'a str) -> AuthResult<Option<Session>> {
    sessions::delete(self.conn, token, self.hashed)
  }
  fn create_verification_token<'a>(
    &'a mut self,
    token: &'a VerificationToken,
  ) -> AuthResult<VerificationToken> {
    verification_tokens::create(self.conn, token)
  }
  fn use_verification_token<'a>(
    &'a mut self,
    identifier: &'a str,
    token: &'a str,
  ) -> AuthResult<Option<VerificationToken>> {
    verification_tokens::use_token(self.conn, identifier, token)
  }
  fn create_authenticator<'a>(&'a mut self, authenticator: &'a Authenticator) -> AuthResult<Authenticator> {
    authenticators::create(self.conn, authenticator)
  }
  fn get_authenticator<'a>(&'a mut self, credential_id: &'a str) -> AuthResult<Option<Authenticator>> {
    authenticators::get(self.conn, credential_id)
  }
  fn list_authenticators_by_user_id<'a>(&'a mut self, user_id: &'a str) -> AuthResult<Vec<Authenticator>> {
    authenticators::list_by_user(self.conn, user_id)
  }
  fn update_authenticator_counter<'a>(
    &'a mut self,
    credential_id: &'a str,
    counter: i64,
  ) -> AuthResult<Authenticator> {
    authenticators::update_counter(self.conn, credential_id, counter)
  }
  fn delete_expired(&mut self, now_ms: i64) -> AuthResult<Expired> {
    let method = crate::methods::DELETE_EXPIRED;
    let tx = self.conn.savepoint().map_err(AuthError::db(method))?;
    let sessions = sessions::delete_expired(&tx, now_ms)? as u64;
    let verification_tokens = verification_tokens::delete_expired(&tx, now_ms)? as u64;
    tx.commit().map_err(AuthError::db(method))?;
    Ok(Expired {
      sessions,
      verification_tokens,
    })
  }
  fn reencrypt(&mut self) -> AuthResult<u32> {
    let method = crate::methods::REENCRYPT;
    let tx = self.conn.savepoint().map_err(AuthError::db(method))?;
    let accounts = accounts::reencrypt(&tx, self.keys)?;
    tx.commit().map_err(AuthError::db(method))?;
    Ok(accounts)
  }
}

#[cfg(test)]
mod tests;
