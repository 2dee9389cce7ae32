//! The `account` table: a user's link to an OAuth/OIDC, email or WebAuthn provider.

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{extra_from_sql, extra_to_sql};
use crate::crypto::{Keys, Place};
use crate::error::{AuthError, AuthResult, Code};
use crate::methods;
use crate::model::Account;

/// The columns holding secrets, encrypted with `encryptionKey`.
pub const TOKEN_COLUMNS: [&str; 3] = ["refresh_token", "access_token", "id_token"];

fn token_fields(account: &mut Account) -> [(&'static str, &mut Option<String>); 3] {
  [
    ("refresh_token", &mut account.refresh_token),
    ("access_token", &mut account.access_token),
    ("id_token", &mut account.id_token),
  ]
}

/// The account with its tokens sealed for storage (borrowed as it is when no key is set).
pub(crate) fn sealed<'a>(
  account: &'a Account,
  keys: &Keys,
  method: &'static str,
) -> AuthResult<std::borrow::Cow<'a, Account>> {
  if !keys.enabled() {
    return Ok(std::borrow::Cow::Borrowed(account));
  }
  let mut out = account.clone();
  let (provider, id) = (account.provider.clone(), account.provider_account_id.clone());
  for (column, value) in token_fields(&mut out) {
    if let Some(text) = value.as_deref() {
      let place = Place {
        provider: &provider,
        provider_account_id: &id,
        column,
      };
      *value =
        Some(keys.seal(text, &place).map_err(|err| {
          AuthError::new(Code::Internal, method, format!("cannot encrypt {column}: {err}"))
        })?);
    }
  }
  Ok(std::borrow::Cow::Owned(out))
}

/// The account with its stored tokens opened; a token that does not open is an
/// `AUTHLITE_DECRYPT` error naming the account and column (never the value).
pub fn opened(mut account: Account, keys: &Keys, method: &'static str) -> AuthResult<Account> {
  let (provider, id) = (account.provider.clone(), account.provider_account_id.clone());
  for (column, value) in token_fields(&mut account) {
    if let Some(text) = value.as_deref() {
      let place = Place {
        provider: &provider,
        provider_account_id: &id,
        column,
      };
      *value = Some(keys.open(text, &place).map_err(|why| {
        AuthError::new(
          Code::Decrypt,
          method,
          format!("cannot decrypt {column} of account {provider:?}/{id:?}: {why}"),
        )
      })?);
    }
  }
  Ok(account)
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
pub fn link(conn: &Connection, account: &Account, keys: &Keys) -> AuthResult<Account> {
  const METHOD: &str = methods::LINK_ACCOUNT;
  let stored = sealed(account, keys, METHOD)?;
  conn
    .prepare_cached(concat!(
      r#"INSERT INTO "account" ("#,
      account_columns!(),
      r#") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"#
    ))
    .and_then(|mut stmt| {
      stmt.execute(params![
        stored.user_id,
        stored.kind,
        stored.provider,
        stored.provider_account_id,
        stored.refresh_token,
        stored.access_token,
        expires_at_value(stored.expires_at),
        stored.token_type,
        stored.scope,
        stored.id_token,
        stored.session_state,
        extra_to_sql(&stored.extra),
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
pub fn unlink(
  conn: &Connection,
  provider: &str,
  provider_account_id: &str,
  keys: &Keys,
) -> AuthResult<Option<Account>> {
  const METHOD: &str = methods::UNLINK_ACCOUNT;
  // Read (and decrypt) first: a token that does not decrypt must fail the call, not cost the
  // row, which a DELETE ... RETURNING would already have removed.
  if get(conn, provider_account_id, provider, keys)
    .map_err(|err| AuthError {
      method: METHOD,
      ..err
    })?
    .is_none()
  {
    return Ok(None);
  }
  conn
    .prepare_cached(concat!(
      r#"DELETE FROM "account" WHERE "provider" = ?1 AND "providerAccountId" = ?2 RETURNING "#,
      account_columns!()
    ))
    .and_then(|mut stmt| {
      stmt
        .query_row([provider, provider_account_id], from_row)
        .optional()
    })
    .map_err(AuthError::db(METHOD))?
    .map(|account| opened(account, keys, METHOD))
    .transpose()
}

/// The account `provider`/`provider_account_id`.
pub fn get(
  conn: &Connection,
  provider_account_id: &str,
  provider: &str,
  keys: &Keys,
) -> AuthResult<Option<Account>> {
  const METHOD: &str = methods::GET_ACCOUNT;
  conn
    .prepare_cached(concat!(
      r#"SELECT "#,
      account_columns!(),
      r#" FROM "account" WHERE "provider" = ?1 AND "providerAccountId" = ?2"#
    ))
    .and_then(|mut stmt| {
      stmt
        .query_row([provider, provider_account_id], from_row)
        .optional()
    })
    .map_err(AuthError::db(METHOD))?
    .map(|account| opened(account, keys, METHOD))
    .transpose()
}

/// Rewrites every stored token under the first key: sealed ones under another key are opened
/// and sealed again, plain ones (written before a key was set) sealed. Returns how many
/// accounts changed. A token that does not open stops it with `AUTHLITE_DECRYPT`, nothing
/// changed (the caller's transaction rolls back).
pub fn reencrypt(conn: &Connection, keys: &Keys) -> AuthResult<u32> {
  const METHOD: &str = methods::REENCRYPT;
  let db = AuthError::db(METHOD);
  let rows: Vec<Account> = conn
    .prepare(concat!(r#"SELECT "#, account_columns!(), r#" FROM "account""#))
    .and_then(|mut stmt| stmt.query_map([], from_row)?.collect())
    .map_err(&db)?;
  let mut changed = 0;
  for stored in rows {
    let needs = TOKEN_COLUMNS
      .iter()
      .zip([&stored.refresh_token, &stored.access_token, &stored.id_token])
      .any(|(_, value)| value.as_deref().is_some_and(|v| !keys.sealed_with_first(v)));
    if !needs {
      continue;
    }
    let plain = opened(stored, keys, METHOD)?;
    let resealed = sealed(&plain, keys, METHOD)?;
    conn
      .prepare_cached(
        r#"UPDATE "account" SET "refresh_token" = ?3, "access_token" = ?4, "id_token" = ?5
           WHERE "provider" = ?1 AND "providerAccountId" = ?2"#,
      )
      .and_then(|mut stmt| {
        stmt.execute(params![
          resealed.provider,
          resealed.provider_account_id,
          resealed.refresh_token,
          resealed.access_token,
          resealed.id_token
        ])
      })
      .map_err(&db)?;
    changed += 1;
  }
  Ok(changed)
}
