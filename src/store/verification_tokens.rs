//! The `verificationToken` table (magic-link tokens; Auth.js hashes them before they get here).

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{AuthError, AuthResult};
use crate::methods;
use crate::model::VerificationToken;

/// Stores a token.
pub fn create(conn: &Connection, token: &VerificationToken) -> AuthResult<VerificationToken> {
  const METHOD: &str = methods::CREATE_VERIFICATION_TOKEN;
  conn
    .prepare_cached(concat!(
      r#"INSERT INTO "verificationToken" ("#,
      verification_token_columns!(),
      ") VALUES (?1, ?2, ?3)"
    ))
    .and_then(|mut stmt| stmt.execute(params![token.identifier, token.token, token.expires]))
    .map_err(|err| AuthError::from_sqlite(METHOD, err, "this verification token already exists"))?;
  Ok(token.clone())
}

/// Deletes and returns the token in one statement, so of concurrent callers (in this process
/// or another) exactly one gets it. Expired tokens are returned too: Auth.js checks `expires`.
pub fn use_token(conn: &Connection, identifier: &str, token: &str) -> AuthResult<Option<VerificationToken>> {
  const METHOD: &str = methods::USE_VERIFICATION_TOKEN;
  conn
    .prepare_cached(concat!(
      r#"DELETE FROM "verificationToken" WHERE "identifier" = ?1 AND "token" = ?2 RETURNING "#,
      verification_token_columns!()
    ))
    .and_then(|mut stmt| {
      stmt
        .query_row([identifier, token], |row| {
          Ok(VerificationToken {
            identifier: row.get(0)?,
            token: row.get(1)?,
            expires: row.get(2)?,
          })
        })
        .optional()
    })
    .map_err(AuthError::db(METHOD))
}

/// Deletes tokens that expired before `now_ms`; returns how many.
pub fn delete_expired(conn: &Connection, now_ms: i64) -> AuthResult<usize> {
  conn
    .prepare_cached(r#"DELETE FROM "verificationToken" WHERE "expires" < ?1"#)
    .and_then(|mut stmt| stmt.execute([now_ms]))
    .map_err(AuthError::db(methods::DELETE_EXPIRED))
}
