//! The `authenticator` table: WebAuthn credentials (passkeys).

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{AuthError, AuthResult};
use crate::methods;
use crate::model::Authenticator;

fn from_row(row: &Row<'_>) -> rusqlite::Result<Authenticator> {
  Ok(Authenticator {
    credential_id: row.get(0)?,
    user_id: row.get(1)?,
    provider_account_id: row.get(2)?,
    credential_public_key: row.get(3)?,
    counter: row.get(4)?,
    credential_device_type: row.get(5)?,
    credential_backed_up: row.get(6)?,
    transports: row.get(7)?,
  })
}

/// Stores a credential for an existing user; a credentialID already stored is a conflict.
pub fn create(conn: &Connection, authenticator: &Authenticator) -> AuthResult<Authenticator> {
  const METHOD: &str = methods::CREATE_AUTHENTICATOR;
  conn
    .prepare_cached(concat!(
      r#"INSERT INTO "authenticator" ("#,
      authenticator_columns!(),
      r#") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"#
    ))
    .and_then(|mut stmt| {
      stmt.execute(params![
        authenticator.credential_id,
        authenticator.user_id,
        authenticator.provider_account_id,
        authenticator.credential_public_key,
        authenticator.counter,
        authenticator.credential_device_type,
        authenticator.credential_backed_up,
        authenticator.transports,
      ])
    })
    .map_err(|err| {
      let conflict = format!(
        "credentialID {:?} is already registered",
        authenticator.credential_id
      );
      AuthError::from_sqlite(METHOD, err, &conflict)
    })?;
  Ok(authenticator.clone())
}

/// The credential with this id.
pub fn get(conn: &Connection, credential_id: &str) -> AuthResult<Option<Authenticator>> {
  conn
    .prepare_cached(concat!(
      r#"SELECT "#,
      authenticator_columns!(),
      r#" FROM "authenticator" WHERE "credentialID" = ?1"#
    ))
    .and_then(|mut stmt| stmt.query_row([credential_id], from_row).optional())
    .map_err(AuthError::db(methods::GET_AUTHENTICATOR))
}

/// All of a user's credentials, oldest first.
pub fn list_by_user(conn: &Connection, user_id: &str) -> AuthResult<Vec<Authenticator>> {
  conn
    .prepare_cached(concat!(
      r#"SELECT "#,
      authenticator_columns!(),
      r#" FROM "authenticator" WHERE "userId" = ?1 ORDER BY rowid"#
    ))
    .and_then(|mut stmt| stmt.query_map([user_id], from_row)?.collect())
    .map_err(AuthError::db(methods::LIST_AUTHENTICATORS_BY_USER_ID))
}

/// Sets the signature counter; a credential that does not exist is an error.
pub fn update_counter(conn: &Connection, credential_id: &str, counter: i64) -> AuthResult<Authenticator> {
  const METHOD: &str = methods::UPDATE_AUTHENTICATOR_COUNTER;
  conn
    .prepare_cached(concat!(
      r#"UPDATE "authenticator" SET "counter" = ?2 WHERE "credentialID" = ?1 RETURNING "#,
      authenticator_columns!()
    ))
    .and_then(|mut stmt| {
      stmt
        .query_row(params![credential_id, counter], from_row)
        .optional()
    })
    .map_err(AuthError::db(METHOD))?
    .ok_or_else(|| {
      AuthError::not_found(
        METHOD,
        format!("no authenticator has credentialID {credential_id:?}"),
      )
    })
}
