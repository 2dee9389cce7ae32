//! The `account` table: a user's link to an OAuth/OIDC, email or WebAuthn provider.

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{extra_from_sql, extra_to_sql};
use crate::error::{AuthError, AuthResult};
use crate::model::Account;

/// The columns, in the order `from_row` reads them (a macro, so statements are `concat!`ed at
/// compile time).
macro_rules! columns {
  () => {
    r#""userId", "type", "provider", "providerAccountId", "refresh_token",
  "access_token", "expires_at", "token_type", "scope", "id_token", "session_state", "authlite_extra""#
  };
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Account> {
  Ok(Account {
    user_id: row.get(0)?,
    kind: row.get(1)?,
    provider: row.get(2)?,
    provider_account_id: row.get(3)?,
    refresh_token: row.get(4)?,
    access_token: row.get(5)?,
    expires_at: row.get(6)?,
    token_type: row.get(7)?,
    scope: row.get(8)?,
    id_token: row.get(9)?,
    session_state: row.get(10)?,
    extra: extra_from_sql(row, 11)?,
  })
}

/// `expires_at` is stored as an INTEGER when it is whole (as in the drizzle schema), as a REAL
/// otherwise, so no provider value is rounded.
fn expires_at_value(expires_at: Option<f64>) -> Value {
  match expires_at {
    None => Value::Null,
    Some(s) if s.fract() == 0.0 && s.abs() < 9.0e15 => Value::Integer(s as i64),
    Some(s) => Value::Real(s),
  }
}

/// Links an account to an existing user.
pub fn link(conn: &Connection, account: &Account) -> AuthResult<Account> {
  const METHOD: &str = "linkAccount";
  conn
    .prepare_cached(concat!(
      r#"INSERT INTO "account" ("#,
      columns!(),
      r#") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"#
    ))
    .and_then(|mut stmt| {
      stmt.execute(params![
        account.user_id,
        account.kind,
        account.provider,
        account.provider_account_id,
        account.refresh_token,
        account.access_token,
        expires_at_value(account.expires_at),
        account.token_type,
        account.scope,
        account.id_token,
        account.session_state,
        extra_to_sql(&account.extra),
      ])
    })
    .map_err(|err| {
      let conflict = format!(
        "provider {:?} account {:?} is already linked to a user",
        account.provider, account.provider_account_id
      );
      AuthError::from_sqlite(METHOD, err, &conflict)
    })?;
  Ok(account.clone())
}

/// Unlinks an account; returns it, or `None` when it was not linked.
pub fn unlink(conn: &Connection, provider: &str, provider_account_id: &str) -> AuthResult<Option<Account>> {
  const METHOD: &str = "unlinkAccount";
  conn
    .prepare_cached(concat!(
      r#"DELETE FROM "account" WHERE "provider" = ?1 AND "providerAccountId" = ?2 RETURNING "#,
      columns!()
    ))
    .and_then(|mut stmt| {
      stmt
        .query_row([provider, provider_account_id], from_row)
        .optional()
    })
    .map_err(AuthError::db(METHOD))
}

/// The account `provider`/`provider_account_id`.
pub fn get(conn: &Connection, provider_account_id: &str, provider: &str) -> AuthResult<Option<Account>> {
  const METHOD: &str = "getAccount";
  conn
    .prepare_cached(concat!(
      r#"SELECT "#,
      columns!(),
      r#" FROM "account" WHERE "provider" = ?1 AND "providerAccountId" = ?2"#
    ))
    .and_then(|mut stmt| {
      stmt
        .query_row([provider, provider_account_id], from_row)
        .optional()
    })
    .map_err(AuthError::db(METHOD))
}
