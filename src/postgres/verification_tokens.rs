//! The `verificationToken` table on PostgreSQL.

use super::query::Conn;

use super::query::{self, get};
use super::types::{Millis, Time};
use crate::error::AuthResult;
use crate::methods;
use crate::model::VerificationToken;

/// Stores a token.
pub async fn create(client: &Conn, token: &VerificationToken) -> AuthResult<VerificationToken> {
  let conflict = |_: &str| "this verification token already exists".to_string();
  query::execute(
    client,
    methods::CREATE_VERIFICATION_TOKEN,
    concat!(
      r#"INSERT INTO "verificationToken" ("#,
      verification_token_columns!(),
      ") VALUES ($1, $2, $3)"
    ),
    &[
      &token.identifier,
      &token.token,
      &Time(token.expires, "verificationToken.expires"),
    ],
    Some(&conflict),
  )
  .await?;
  Ok(token.clone())
}

/// Deletes and returns the token in one statement: of concurrent callers, in any process,
/// exactly one gets it.
pub async fn use_token(
  client: &Conn,
  identifier: &str,
  token: &str,
) -> AuthResult<Option<VerificationToken>> {
  const METHOD: &str = methods::USE_VERIFICATION_TOKEN;
  let sql = concat!(
    r#"DELETE FROM "verificationToken" WHERE "identifier" = $1 AND "token" = $2 RETURNING "#,
    verification_token_columns!()
  );
  query::opt(client, METHOD, sql, &[&identifier, &token], None)
    .await?
    .map(|row| {
      Ok(VerificationToken {
        identifier: get(&row, METHOD, 0)?,
        token: get(&row, METHOD, 1)?,
        expires: get::<Millis>(&row, METHOD, 2)?.0,
      })
    })
    .transpose()
}
