//! The `user` table on PostgreSQL.

use super::query::Conn;
use tokio_postgres::Row;

use super::query::{self, get};
use super::types::{Millis, Time};
use crate::error::{AuthError, AuthResult};
use crate::methods;
use crate::model::{User, UserPatch};
use crate::store::{email_taken, extra_to_sql};

/// Reads a user from `user_columns!()` starting at column `at`.
pub fn from_row(row: &Row, method: &'static str, at: usize) -> AuthResult<User> {
  Ok(User {
    id: get(row, method, at)?,
    name: get(row, method, at + 1)?,
    email: get(row, method, at + 2)?,
    email_verified: get::<Option<Millis>>(row, method, at + 3)?.map(|m| m.0),
    image: get(row, method, at + 4)?,
    extra: query::extra(row, method, at + 5)?,
  })
}

/// Inserts a user; a duplicate id or email is a conflict.
pub async fn create(client: &Conn, user: &User) -> AuthResult<User> {
  let conflict = |constraint: &str| {
    if constraint.ends_with("pkey") {
      format!("a user with id {:?} already exists", user.id)
    } else {
      email_taken(&user.email)
    }
  };
  query::execute(
    client,
    methods::CREATE_USER,
    concat!(
      r#"INSERT INTO "user" ("#,
      user_columns!(),
      ") VALUES ($1, $2, $3, $4, $5, $6)"
    ),
    &[
      &user.id,
      &user.name,
      &user.email,
      &user.email_verified.map(|ms| Time(ms, "user.emailVerified")),
      &user.image,
      &extra_to_sql(&user.extra),
    ],
    Some(&conflict),
  )
  .await?;
  Ok(user.clone())
}

async fn get_where(
  client: &Conn,
  method: &'static str,
  sql: &str,
  keys: &query::Params<'_>,
) -> AuthResult<Option<User>> {
  query::opt(client, method, sql, keys, None)
    .await?
    .map(|row| from_row(&row, method, 0))
    .transpose()
}

/// The user with this id.
pub async fn get_by_id(client: &Conn, id: &str) -> AuthResult<Option<User>> {
  let sql = concat!("SELECT ", user_columns!(), r#" FROM "user" WHERE "id" = $1"#);
  get_where(client, methods::GET_USER, sql, &[&id]).await
}

/// The user with this email.
pub async fn get_by_email(client: &Conn, email: &str) -> AuthResult<Option<User>> {
  let sql = concat!("SELECT ", user_columns!(), r#" FROM "user" WHERE "email" = $1"#);
  get_where(client, methods::GET_USER_BY_EMAIL, sql, &[&email]).await
}

/// The user who owns the account `provider`/`provider_account_id`.
pub async fn get_by_account(
  client: &Conn,
  provider: &str,
  provider_account_id: &str,
) -> AuthResult<Option<User>> {
  let sql = concat!(
    "SELECT ",
    user_columns!(),
    r#" FROM "user" WHERE "id" = (SELECT "userId" FROM "account" WHERE "provider" = $1 AND "providerAccountId" = $2)"#
  );
  get_where(
    client,
    methods::GET_USER_BY_ACCOUNT,
    sql,
    &[&provider, &provider_account_id],
  )
  .await
}

/// Applies `patch` and returns the whole user; a missing user is an error. Without custom
/// fields this is one statement; with them, the stored fields are read and merged in a
/// transaction (the row locked meanwhile).
pub async fn update(client: &mut Conn, patch: &UserPatch) -> AuthResult<User> {
  const METHOD: &str = methods::UPDATE_USER;
  let missing = || AuthError::not_found(METHOD, format!("no user has id {:?}", patch.id));
  if patch.extra.is_empty() {
    let email = patch.email.clone().flatten();
    let conflict = |_: &str| email_taken(&email);
    let row = query::opt(
      client,
      METHOD,
      concat!(
        r#"UPDATE "user" SET
             "name" = CASE WHEN $2 THEN $3 ELSE "name" END,
             "email" = CASE WHEN $4 THEN $5 ELSE "email" END,
             "emailVerified" = CASE WHEN $6 THEN $7 ELSE "emailVerified" END,
             "image" = CASE WHEN $8 THEN $9 ELSE "image" END
           WHERE "id" = $1 RETURNING "#,
        user_columns!()
      ),
      &[
        &patch.id,
        &patch.name.is_some(),
        &patch.name.clone().flatten(),
        &patch.email.is_some(),
        &email,
        &patch.email_verified.is_some(),
        &patch
          .email_verified
          .flatten()
          .map(|ms| Time(ms, "user.emailVerified")),
        &patch.image.is_some(),
        &patch.image.clone().flatten(),
      ],
      Some(&conflict),
    )
    .await?
    .ok_or_else(missing)?;
    return from_row(&row, METHOD, 0);
  }
  let db = super::error::pg(METHOD);
  let tx = client.transaction().await.map_err(&db)?;
  let row = query::opt(
    &tx,
    METHOD,
    concat!(
      "SELECT ",
      user_columns!(),
      r#" FROM "user" WHERE "id" = $1 FOR UPDATE"#
    ),
    &[&patch.id],
    None,
  )
  .await?
  .ok_or_else(missing)?;
  let mut user = from_row(&row, METHOD, 0)?;
  user.apply(patch);
  let conflict = |_: &str| email_taken(&user.email);
  query::execute(
    &tx,
    METHOD,
    r#"UPDATE "user" SET "name" = $2, "email" = $3, "emailVerified" = $4, "image" = $5, "authlite_extra" = $6 WHERE "id" = $1"#,
    &[
      &user.id,
      &user.name,
      &user.email,
      &user.email_verified.map(|ms| Time(ms, "user.emailVerified")),
      &user.image,
      &extra_to_sql(&user.extra),
    ],
    Some(&conflict),
  )
  .await?;
  tx.commit().await.map_err(&db)?;
  Ok(user)
}

/// Deletes the user with their sessions, accounts and authenticators in one statement (so in
/// one transaction, not relying on the foreign keys' cascades, which a database made by another
/// tool may lack). Returns the deleted user, or `None` when there was none.
pub async fn delete(client: &Conn, id: &str) -> AuthResult<Option<User>> {
  const METHOD: &str = methods::DELETE_USER;
  let sql = concat!(
    r#"WITH s AS (DELETE FROM "session" WHERE "userId" = $1),
            a AS (DELETE FROM "account" WHERE "userId" = $1),
            w AS (DELETE FROM "authenticator" WHERE "userId" = $1)
       DELETE FROM "user" WHERE "id" = $1 RETURNING "#,
    user_columns!()
  );
  query::opt(client, METHOD, sql, &[&id], None)
    .await?
    .map(|row| from_row(&row, METHOD, 0))
    .transpose()
}
