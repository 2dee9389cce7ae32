//! The `authenticator` table (WebAuthn passkeys) on PostgreSQL.

use super::query::Conn;
use tokio_postgres::Row;

use super::query::{self, get};
use super::types::{Whole, WholeParam};
use crate::error::{AuthError, AuthResult};
use crate::methods;
use crate::model::Authenticator;

fn from_row(row: &Row, method: &'static str) -> AuthResult<Authenticator> {
  Ok(Authenticator {
    credential_id: get(row, method, 0)?,
    user_id: get(row, method, 1)?,
    provider_account_id: get(row, method, 2)?,
    credential_public_key: get(row, method, 3)?,
    counter: get::<Whole>(row, method, 4)?.0,
    credential_device_type: get(row, method, 5)?,
    credential_backed_up: get(row, method, 6)?,
    transports: get(row, method, 7)?,
  })
}

/// Stores a credential for an existing user; a credentialID already stored is a conflict.
pub async fn create(client: &Conn, authenticator: &Authenticator) -> AuthResult<Authenticator> {
  let conflict = |_: &str| {
    format!(
      "credentialID {:?} is already registered",
      authenticator.credential_id
    )
  };
  query::execute(
    client,
    methods::CREATE_AUTHENTICATOR,
    concat!(
      r#"INSERT INTO "authenticator" ("#,
      authenticator_columns!(),
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ),
    &[
      &authenticator.credential_id,
      &authenticator.user_id,
      &authenticator.provider_account_id,
      &authenticator.credential_public_key,
      &WholeParam(authenticator.counter, "authenticator.counter"),
      &authenticator.credential_device_type,
      &authenticator.credential_backed_up,
      &authenticator.transports,
    ],
    Some(&conflict),
  )
  .await?;
  Ok(authenticator.clone())
}

/// The credential with this id.
pub async fn get_one(client: &Conn, credential_id: &str) -> AuthResult<Option<Authenticator>> {
  const METHOD: &str = methods::GET_AUTHENTICATOR;
  let sql = concat!(
    "SELECT ",
    authenticator_columns!(),
    r#" FROM "authenticator" WHERE "credentialID" = $1"#
  );
  query::opt(client, METHOD, sql, &[&credential_id], None)
    .await?
    .map(|row| from_row(&row, METHOD))
    .transpose()
}

/// All of a user's credentials, oldest first.
pub async fn list_by_user(client: &Conn, user_id: &str) -> AuthResult<Vec<Authenticator>> {
  const METHOD: &str = methods::LIST_AUTHENTICATORS_BY_USER_ID;
  let sql = concat!(
    "SELECT ",
    authenticator_columns!(),
    r#" FROM "authenticator" WHERE "userId" = $1 ORDER BY "authlite_seq""#
  );
  query::all(client, METHOD, sql, &[&user_id])
    .await?
    .iter()
    .map(|row| from_row(row, METHOD))
    .collect()
}

/// Sets the signature counter; a credential that does not exist is an error.
pub async fn update_counter(client: &Conn, credential_id: &str, counter: i64) -> AuthResult<Authenticator> {
  const METHOD: &str = methods::UPDATE_AUTHENTICATOR_COUNTER;
  let sql = concat!(
    r#"UPDATE "authenticator" SET "counter" = $2 WHERE "credentialID" = $1 RETURNING "#,
    authenticator_columns!()
  );
  query::opt(
    client,
    METHOD,
    sql,
    &[&credential_id, &WholeParam(counter, "newCounter")],
    None,
  )
  .await?
  .map(|row| from_row(&row, METHOD))
  .transpose()?
  .ok_or_else(|| {
    AuthError::not_found(
      METHOD,
      format!("no authenticator has credentialID {credential_id:?}"),
    )
  })
}
