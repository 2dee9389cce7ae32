//! The `session` table. The stored key is the lowercase hex SHA-256 of the session token
//! (unless `hashSessionTokens: false`), so a copy of the file yields no live sessions; callers
//! always pass and get back the token itself.

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};

use super::users;
use crate::error::{AuthError, AuthResult};
use crate::methods;
use crate::model::{Session, SessionPatch, User};

/// Lowercase hex SHA-256 of a session token.
pub fn hash_token(token: &str) -> String {
  hex::encode(Sha256::digest(token.as_bytes()))
}

/// The value stored in `sessionToken` for a token: its hex SHA-256, kept on the stack (this
/// runs on every request), or the token itself with `hashSessionTokens: false`.
enum Key<'a> {
  Hashed([u8; 64]),
  Raw(&'a str),
}

fn key(token: &str, hashed: bool) -> Key<'_> {
  if !hashed {
    return Key::Raw(token);
  }
  let mut hex = [0u8; 64];
  // Cannot fail: 32 bytes always fill 64 hex digits.
  let _ = hex::encode_to_slice(Sha256::digest(token.as_bytes()), &mut hex);
  Key::Hashed(hex)
}

impl ToSql for Key<'_> {
  fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
    let text = match self {
      Key::Hashed(hex) => &hex[..],
      Key::Raw(token) => token.as_bytes(),
    };
    Ok(ToSqlOutput::Borrowed(ValueRef::Text(text)))
  }
}

/// Inserts a session for an existing user.
pub fn create(conn: &Connection, session: &Session, hashed: bool) -> AuthResult<Session> {
  const METHOD: &str = methods::CREATE_SESSION;
  conn
    .prepare_cached(concat!(
      r#"INSERT INTO "session" ("#,
      session_columns!(),
      ") VALUES (?1, ?2, ?3)"
    ))
    .and_then(|mut stmt| {
      stmt.execute(params![
        key(&session.session_token, hashed),
        session.user_id,
        session.expires
      ])
    })
    .map_err(|err| AuthError::from_sqlite(METHOD, err, "a session with this sessionToken already exists"))?;
  Ok(session.clone())
}

/// The columns `get_session_and_user_row` reads: the session's `expires`, then the user's.
const SESSION_AND_USER: &str = concat!(
  r#"SELECT s."expires", u.* FROM "session" s JOIN (SELECT "#,
  user_columns!(),
  r#" FROM "user") u ON u."id" = s."userId" WHERE s."sessionToken" = ?1"#
);

/// Runs the one query of `getSessionAndUser` and hands its row (`expires`, then the user's
/// columns from index 1) to `read`, which may borrow the row's values without copying them.
pub fn with_session_and_user_row<R>(
  conn: &Connection,
  token: &str,
  hashed: bool,
  read: impl FnOnce(&Row<'_>) -> rusqlite::Result<R>,
) -> AuthResult<Option<R>> {
  const METHOD: &str = methods::GET_SESSION_AND_USER;
  let mut stmt = conn
    .prepare_cached(SESSION_AND_USER)
    .map_err(AuthError::db(METHOD))?;
  stmt
    .query_row([key(token, hashed)], read)
    .optional()
    .map_err(AuthError::db(METHOD))
}

/// The session and its user, in one query. Expired sessions are returned too: Auth.js checks
/// `expires` and deletes them itself.
pub fn get_session_and_user(
  conn: &Connection,
  token: &str,
  hashed: bool,
) -> AuthResult<Option<(Session, User)>> {
  with_session_and_user_row(conn, token, hashed, |row| {
    let user = users::from_row(row, 1)?;
    let session = Session {
      session_token: token.to_string(),
      user_id: user.id.clone(),
      expires: row.get(0)?,
    };
    Ok((session, user))
  })
}

/// Changes `expires` and/or `userId`; `None` when the session does not exist (Auth.js treats
/// that as signed out).
pub fn update(conn: &Connection, patch: &SessionPatch, hashed: bool) -> AuthResult<Option<Session>> {
  const METHOD: &str = methods::UPDATE_SESSION;
  // Only the given columns are set: setting `userId`, even to its own value, would rewrite the
  // session's entry in the userId index too, and Auth.js usually passes `expires` alone.
  let token = key(&patch.session_token, hashed);
  let read = |row: &rusqlite::Row<'_>| {
    Ok(Session {
      session_token: patch.session_token.clone(),
      user_id: row.get(0)?,
      expires: row.get(1)?,
    })
  };
  let run = |sql: &str, params: &[&dyn rusqlite::ToSql]| {
    conn
      .prepare_cached(sql)
      .and_then(|mut stmt| stmt.query_row(params, read).optional())
  };
  match (&patch.user_id, patch.expires) {
    (None, Some(expires)) => run(
      r#"UPDATE "session" SET "expires" = ?2 WHERE "sessionToken" = ?1 RETURNING "userId", "expires""#,
      params![token, expires],
    ),
    (Some(user_id), None) => run(
      r#"UPDATE "session" SET "userId" = ?2 WHERE "sessionToken" = ?1 RETURNING "userId", "expires""#,
      params![token, user_id],
    ),
    (Some(user_id), Some(expires)) => run(
      r#"UPDATE "session" SET "userId" = ?2, "expires" = ?3 WHERE "sessionToken" = ?1
         RETURNING "userId", "expires""#,
      params![token, user_id, expires],
    ),
    (None, None) => run(
      r#"SELECT "userId", "expires" FROM "session" WHERE "sessionToken" = ?1"#,
      params![token],
    ),
  }
  .map_err(|err| AuthError::from_sqlite(METHOD, err, "conflicting session"))
}

/// Deletes a session; returns it, or `None` when it was already gone.
pub fn delete(conn: &Connection, token: &str, hashed: bool) -> AuthResult<Option<Session>> {
  const METHOD: &str = methods::DELETE_SESSION;
  conn
    .prepare_cached(r#"DELETE FROM "session" WHERE "sessionToken" = ?1 RETURNING "userId", "expires""#)
    .and_then(|mut stmt| {
      stmt
        .query_row([key(token, hashed)], |row| {
          Ok(Session {
            session_token: token.to_string(),
            user_id: row.get(0)?,
            expires: row.get(1)?,
          })
        })
        .optional()
    })
    .map_err(AuthError::db(METHOD))
}

/// Deletes sessions that expired before `now_ms`; returns how many.
pub fn delete_expired(conn: &Connection, now_ms: i64) -> AuthResult<usize> {
  conn
    .prepare_cached(r#"DELETE FROM "session" WHERE "expires" < ?1"#)
    .and_then(|mut stmt| stmt.execute([now_ms]))
    .map_err(AuthError::db(methods::DELETE_EXPIRED))
}
