//! The `user` table.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{extra_from_sql, extra_to_sql};
use crate::error::{AuthError, AuthResult};
use crate::methods;
use crate::model::{User, UserPatch};

/// Reads a user from `user_columns!()` starting at column `at`.
pub(crate) fn from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<User> {
  Ok(User {
    id: row.get(at)?,
    name: row.get(at + 1)?,
    email: row.get(at + 2)?,
    email_verified: row.get(at + 3)?,
    image: row.get(at + 4)?,
    extra: extra_from_sql(row, at + 5)?,
  })
}

/// Runs `sql` with the user's columns as ?1..?6, in `user_columns!()` order.
fn execute_with_user(conn: &Connection, sql: &'static str, user: &User) -> rusqlite::Result<usize> {
  conn.prepare_cached(sql)?.execute(params![
    user.id,
    user.name,
    user.email,
    user.email_verified,
    user.image,
    extra_to_sql(&user.extra)
  ])
}

/// The conflict message of a taken email (or id, for a user without one).
pub(crate) fn email_taken(email: &Option<String>) -> String {
  match email {
    Some(email) => format!("a user with email {email:?} already exists"),
    None => "a user with this id already exists".to_string(),
  }
}

/// Inserts a user; a duplicate id or email is a conflict.
pub fn create(conn: &Connection, user: &User) -> AuthResult<User> {
  const METHOD: &str = methods::CREATE_USER;
  execute_with_user(
    conn,
    concat!(
      r#"INSERT INTO "user" ("#,
      user_columns!(),
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    ),
    user,
  )
  .map_err(|err| {
    let taken = get(conn, &user.id).ok().flatten().is_some();
    let conflict = if taken {
      format!("a user with id {:?} already exists", user.id)
    } else {
      email_taken(&user.email)
    };
    AuthError::from_sqlite(METHOD, err, &conflict)
  })?;
  Ok(user.clone())
}

fn get_where(
  conn: &Connection,
  method: &'static str,
  sql: &'static str,
  key: &str,
) -> AuthResult<Option<User>> {
  let mut stmt = conn.prepare_cached(sql).map_err(AuthError::db(method))?;
  stmt
    .query_row([key], |row| from_row(row, 0))
    .optional()
    .map_err(AuthError::db(method))
}

/// The user with this id.
pub fn get(conn: &Connection, id: &str) -> AuthResult<Option<User>> {
  get_where(
    conn,
    methods::GET_USER,
    concat!("SELECT ", user_columns!(), r#" FROM "user" WHERE "id" = ?1"#),
    id,
  )
}

/// The user with this email (exact match; Auth.js normalizes emails before it asks).
pub fn get_by_email(conn: &Connection, email: &str) -> AuthResult<Option<User>> {
  let sql = concat!("SELECT ", user_columns!(), r#" FROM "user" WHERE "email" = ?1"#);
  get_where(conn, methods::GET_USER_BY_EMAIL, sql, email)
}

/// The user who owns the account `provider`/`provider_account_id`.
pub fn get_by_account(
  conn: &Connection,
  provider: &str,
  provider_account_id: &str,
) -> AuthResult<Option<User>> {
  const METHOD: &str = methods::GET_USER_BY_ACCOUNT;
  let sql = concat!(
    "SELECT ",
    user_columns!(),
    r#" FROM "user" WHERE "id" = (SELECT "userId" FROM "account" WHERE "provider" = ?1 AND "providerAccountId" = ?2)"#
  );
  let mut stmt = conn.prepare_cached(sql).map_err(AuthError::db(METHOD))?;
  stmt
    .query_row([provider, provider_account_id], |row| from_row(row, 0))
    .optional()
    .map_err(AuthError::db(METHOD))
}

/// Applies `patch` to the stored user and returns the result; a missing user is an error.
pub fn update(conn: &mut Connection, patch: &UserPatch) -> AuthResult<User> {
  const METHOD: &str = methods::UPDATE_USER;
  let tx = conn.savepoint().map_err(AuthError::db(METHOD))?;
  let mut user = get(&tx, &patch.id)
    .map_err(|e| AuthError { method: METHOD, ..e })?
    .ok_or_else(|| AuthError::not_found(METHOD, format!("no user has id {:?}", patch.id)))?;
  // The email has a unique index: set it only when it changes, or every update rewrites the
  // user's index entry too.
  let email_changes = patch.email.as_ref().is_some_and(|email| *email != user.email);
  user.apply(patch);
  let sql = if email_changes {
    r#"UPDATE "user" SET "name" = ?2, "email" = ?3, "emailVerified" = ?4, "image" = ?5,
       "authlite_extra" = ?6 WHERE "id" = ?1"#
  } else {
    // ?3 unused: SQLite numbers parameters up to the highest, so the same six still bind.
    r#"UPDATE "user" SET "name" = ?2, "emailVerified" = ?4, "image" = ?5,
       "authlite_extra" = ?6 WHERE "id" = ?1"#
  };
  execute_with_user(&tx, sql, &user)
    .map_err(|err| AuthError::from_sqlite(METHOD, err, &email_taken(&user.email)))?;
  tx.commit().map_err(AuthError::db(METHOD))?;
  Ok(user)
}

/// Deletes the user with their sessions, accounts and authenticators, in one transaction (not
/// relying on foreign-key cascades, which a database made by another tool may lack). Returns
/// the deleted user, or `None` when there was none.
pub fn delete(conn: &mut Connection, id: &str) -> AuthResult<Option<User>> {
  const METHOD: &str = methods::DELETE_USER;
  let db = AuthError::db(METHOD);
  let tx = conn.savepoint().map_err(&db)?;
  for sql in [
    r#"DELETE FROM "session" WHERE "userId" = ?1"#,
    r#"DELETE FROM "account" WHERE "userId" = ?1"#,
    r#"DELETE FROM "authenticator" WHERE "userId" = ?1"#,
  ] {
    tx.prepare_cached(sql)
      .and_then(|mut stmt| stmt.execute([id]))
      .map_err(&db)?;
  }
  let deleted = tx
    .prepare_cached(concat!(
      r#"DELETE FROM "user" WHERE "id" = ?1 RETURNING "#,
      user_columns!()
    ))
    .and_then(|mut stmt| stmt.query_row([id], |row| from_row(row, 0)).optional())
    .map_err(&db)?;
  tx.commit().map_err(&db)?;
  Ok(deleted)
}
