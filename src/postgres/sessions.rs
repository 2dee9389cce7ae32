//! The `session` table on PostgreSQL. As on SQLite, the stored key is the SHA-256 hex of the
//! token unless `hashSessionTokens: false`; callers pass and get back the token itself.

use super::query::Conn;

use super::query::{self, get};
use super::types::{Millis, Time};
use super::users;
use crate::error::AuthResult;
use crate::methods;
use crate::model::{Session, SessionPatch, User};
use crate::store::sessions::hash_token;

/// The value stored in `sessionToken` for a token.
fn key(token: &str, hashed: bool) -> String {
  if hashed {
    hash_token(token)
  } else {
    token.to_string()
  }
}

/// Inserts a session for an existing user.
pub async fn create(client: &Conn, session: &Session, hashed: bool) -> AuthResult<Session> {
  let conflict = |_: &str| "a session with this sessionToken already exists".to_string();
  query::execute(
    client,
    methods::CREATE_SESSION,
    concat!(
      r#"INSERT INTO "session" ("#,
      session_columns!(),
      ") VALUES ($1, $2, $3)"
    ),
    &[
      &key(&session.session_token, hashed),
      &session.user_id,
      &Time(session.expires, "session.expires"),
    ],
    Some(&conflict),
  )
  .await?;
  Ok(session.clone())
}

/// The session and its user, in one query. Expired sessions are returned too: Auth.js checks
/// `expires` and deletes them itself.
pub async fn get_session_and_user(
  client: &Conn,
  token: &str,
  hashed: bool,
) -> AuthResult<Option<(Session, User)>> {
  const METHOD: &str = methods::GET_SESSION_AND_USER;
  let sql = concat!(
    r#"SELECT s."expires", u.* FROM "session" s JOIN (SELECT "#,
    user_columns!(),
    r#" FROM "user") u ON u."id" = s."userId" WHERE s."sessionToken" = $1"#
  );
  let Some(row) = query::opt(client, METHOD, sql, &[&key(token, hashed)], None).await? else {
    return Ok(None);
  };
  let user = users::from_row(&row, METHOD, 1)?;
  let session = Session {
    session_token: token.to_string(),
    user_id: user.id.clone(),
    expires: get::<Millis>(&row, METHOD, 0)?.0,
  };
  Ok(Some((session, user)))
}

/// Changes `expires` and/or `userId`; `None` when the session does not exist.
pub async fn update(client: &Conn, patch: &SessionPatch, hashed: bool) -> AuthResult<Option<Session>> {
  const METHOD: &str = methods::UPDATE_SESSION;
  let token = key(&patch.session_token, hashed);
  let conflict = |_: &str| "conflicting session".to_string();
  let row = query::opt(
    client,
    METHOD,
    r#"UPDATE "session" SET
         "userId" = coalesce($2, "userId"),
         "expires" = coalesce($3, "expires")
       WHERE "sessionToken" = $1 RETURNING "userId", "expires""#,
    &[
      &token,
      &patch.user_id,
      &patch.expires.map(|ms| Time(ms, "session.expires")),
    ],
    Some(&conflict),
  )
  .await?;
  row
    .map(|row| {
      Ok(Session {
        session_token: patch.session_token.clone(),
        user_id: get(&row, METHOD, 0)?,
        expires: get::<Millis>(&row, METHOD, 1)?.0,
      })
    })
    .transpose()
}

/// Deletes a session; returns it, or `None` when it was already gone.
pub async fn delete(client: &Conn, token: &str, hashed: bool) -> AuthResult<Option<Session>> {
  const METHOD: &str = methods::DELETE_SESSION;
  let row = query::opt(
    client,
    METHOD,
    r#"DELETE FROM "session" WHERE "sessionToken" = $1 RETURNING "userId", "expires""#,
    &[&key(token, hashed)],
    None,
  )
  .await?;
  row
    .map(|row| {
      Ok(Session {
        session_token: token.to_string(),
        user_id: get(&row, METHOD, 0)?,
        expires: get::<Millis>(&row, METHOD, 1)?.0,
      })
    })
    .transpose()
}
