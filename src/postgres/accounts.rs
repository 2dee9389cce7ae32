//! The `account` table on PostgreSQL. Tokens are sealed and opened as on SQLite
//! (`store::accounts`), when `encryptionKey` is set.

use super::query::Conn;
use tokio_postgres::Row;

use super::error::{from_pg, pg};
use super::query::{self, get};
use super::types::{Seconds, SecondsParam};
use crate::crypto::Keys;
use crate::error::AuthResult;
use crate::methods;
use crate::model::Account;
use crate::store::accounts::{opened, sealed};
use crate::store::extra_to_sql;

fn from_row(row: &Row, method: &'static str) -> AuthResult<Account> {
  Ok(Account {
    user_id: get(row, method, 0)?,
    kind: get(row, method, 1)?,
    provider: get(row, method, 2)?,
    provider_account_id: get(row, method, 3)?,
    refresh_token: get(row, method, 4)?,
    access_token: get(row, method, 5)?,
    expires_at: get::<Option<Seconds>>(row, method, 6)?.map(|s| s.0),
    token_type: get(row, method, 7)?,
    scope: get(row, method, 8)?,
    id_token: get(row, method, 9)?,
    session_state: get(row, method, 10)?,
    extra: query::extra(row, method, 11)?,
  })
}

/// Links an account to an existing user.
pub async fn link(client: &Conn, account: &Account, keys: &Keys) -> AuthResult<Account> {
  const METHOD: &str = methods::LINK_ACCOUNT;
  let stored = sealed(account, keys, METHOD)?;
  let conflict = |_: &str| {
    format!(
      "provider {:?} account {:?} is already linked to a user",
      account.provider, account.provider_account_id
    )
  };
  query::execute(
    client,
    METHOD,
    concat!(
      r#"INSERT INTO "account" ("#,
      account_columns!(),
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ),
    &[
      &stored.user_id,
      &stored.kind,
      &stored.provider,
      &stored.provider_account_id,
      &stored.refresh_token,
      &stored.access_token,
      &stored.expires_at.map(|s| SecondsParam(s, "account.expires_at")),
      &stored.token_type,
      &stored.scope,
      &stored.id_token,
      &stored.session_state,
      &extra_to_sql(&stored.extra),
    ],
    Some(&conflict),
  )
  .await?;
  Ok(account.clone())
}

/// The account `provider`/`provider_account_id`.
pub async fn get_one(
  client: &Conn,
  provider_account_id: &str,
  provider: &str,
  keys: &Keys,
) -> AuthResult<Option<Account>> {
  const METHOD: &str = methods::GET_ACCOUNT;
  let sql = concat!(
    "SELECT ",
    account_columns!(),
    r#" FROM "account" WHERE "provider" = $1 AND "providerAccountId" = $2"#
  );
  query::opt(client, METHOD, sql, &[&provider, &provider_account_id], None)
    .await?
    .map(|row| opened(from_row(&row, METHOD)?, keys, METHOD))
    .transpose()
}

/// Unlinks an account; returns it, or `None` when it was not linked. Deleted in a transaction
/// that commits only once its tokens opened: a token that does not decrypt fails the call
/// without costing the row.
pub async fn unlink(
  client: &mut Conn,
  provider: &str,
  provider_account_id: &str,
  keys: &Keys,
) -> AuthResult<Option<Account>> {
  const METHOD: &str = methods::UNLINK_ACCOUNT;
  let db = pg(METHOD);
  let tx = client.transaction().await.map_err(&db)?;
  let row = query::opt(
    &tx,
    METHOD,
    concat!(
      r#"DELETE FROM "account" WHERE "provider" = $1 AND "providerAccountId" = $2 RETURNING "#,
      account_columns!()
    ),
    &[&provider, &provider_account_id],
    None,
  )
  .await?;
  let Some(row) = row else {
    return Ok(None);
  };
  let account = opened(from_row(&row, METHOD)?, keys, METHOD)?;
  tx.commit().await.map_err(|err| from_pg(METHOD, &err, None))?;
  Ok(Some(account))
}

/// Rewrites every stored token under the first key, in one transaction (see
/// `store::accounts::reencrypt`). Returns how many accounts changed.
pub async fn reencrypt(client: &mut Conn, keys: &Keys) -> AuthResult<u32> {
  const METHOD: &str = methods::REENCRYPT;
  let db = pg(METHOD);
  let tx = client.transaction().await.map_err(&db)?;
  let rows = query::all(
    &tx,
    METHOD,
    concat!("SELECT ", account_columns!(), r#" FROM "account" FOR UPDATE"#),
    &[],
  )
  .await?;
  let mut changed = 0;
  for row in rows {
    let stored = from_row(&row, METHOD)?;
    let needs = [&stored.refresh_token, &stored.access_token, &stored.id_token]
      .iter()
      .any(|value| value.as_deref().is_some_and(|v| !keys.sealed_with_first(v)));
    if !needs {
      continue;
    }
    let plain = opened(stored, keys, METHOD)?;
    let resealed = sealed(&plain, keys, METHOD)?;
    query::execute(
      &tx,
      METHOD,
      r#"UPDATE "account" SET "refresh_token" = $3, "access_token" = $4, "id_token" = $5
         WHERE "provider" = $1 AND "providerAccountId" = $2"#,
      &[
        &resealed.provider,
        &resealed.provider_account_id,
        &resealed.refresh_token,
        &resealed.access_token,
        &resealed.id_token,
      ],
      None,
    )
    .await?;
    changed += 1;
  }
  tx.commit().await.map_err(&db)?;
  Ok(changed)
}
