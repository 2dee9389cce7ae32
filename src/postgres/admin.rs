//! The operator's questions (`store::admin`) on PostgreSQL: the same results, from the drizzle
//! schema's columns only. Sizes are the auth tables' (with their indexes and TOAST), as
//! PostgreSQL has no single file; `checkIntegrity()` is refused (the server checks its pages
//! itself; `amcheck` is the tool for more).

use super::query::Conn;

use super::query::{self, get};
use super::types::{Millis, Time, Whole};
use crate::error::{AuthError, AuthResult, Code};
use crate::methods;
use crate::store::admin::{
  AccountSummary, DatabaseStats, PasskeySummary, ProviderCount, RemovedUser, UserDetails, UserSummary,
};

fn count(row: &tokio_postgres::Row, method: &'static str, at: usize) -> AuthResult<u32> {
  Ok(get::<i64>(row, method, at)? as u32)
}

/// Counts of everything, the auth tables' size and the schema version.
pub async fn stats(client: &Conn, now_ms: i64) -> AuthResult<DatabaseStats> {
  const METHOD: &str = methods::STATS;
  let providers = query::all(
    client,
    METHOD,
    r#"SELECT "provider", count(*) FROM "account" GROUP BY "provider" ORDER BY 2 DESC, 1"#,
    &[],
  )
  .await?
  .iter()
  .map(|row| {
    Ok(ProviderCount {
      provider: get(row, METHOD, 0)?,
      accounts: count(row, METHOD, 1)?,
    })
  })
  .collect::<AuthResult<Vec<_>>>()?;
  let row = query::opt(
    client,
    METHOD,
    r#"SELECT (SELECT count(*) FROM "user"),
              (SELECT count(*) FROM "session" WHERE "expires" >= $1),
              (SELECT count(*) FROM "session" WHERE "expires" < $1),
              (SELECT count(*) FROM "verificationToken"),
              (SELECT count(*) FROM "authenticator"),
              (SELECT sum(pg_total_relation_size(c.oid))::int8 FROM pg_class c
                 WHERE c.relname IN ('user', 'account', 'session', 'verificationToken', 'authenticator')
                   AND c.relnamespace = current_schema()::regnamespace),
              (SELECT coalesce(max("version"), 0)::int8 FROM "authlite_migrations")"#,
    &[&Time(now_ms, "now")],
    None,
  )
  .await?
  .ok_or_else(|| AuthError::new(Code::Internal, METHOD, "the counts returned no row"))?;
  Ok(DatabaseStats {
    users: count(&row, METHOD, 0)?,
    accounts: providers.iter().map(|p| p.accounts).sum(),
    accounts_by_provider: providers,
    live_sessions: count(&row, METHOD, 1)?,
    expired_sessions: count(&row, METHOD, 2)?,
    verification_tokens: count(&row, METHOD, 3)?,
    passkeys: count(&row, METHOD, 4)?,
    file_bytes: get::<Option<i64>>(&row, METHOD, 5)?.unwrap_or(0) as f64,
    wal_bytes: 0.0,
    schema_version: count(&row, METHOD, 6)?,
  })
}

/// Users whose email or name contains `search` (any case), or whose id is `search`.
pub async fn find_users(
  client: &Conn,
  search: Option<&str>,
  limit: u32,
  now_ms: i64,
) -> AuthResult<Vec<UserSummary>> {
  const METHOD: &str = methods::FIND_USERS;
  let rows = query::all(
    client,
    METHOD,
    r#"SELECT u."id", u."name", u."email", u."emailVerified",
         (SELECT count(*) FROM "account" a WHERE a."userId" = u."id"),
         (SELECT count(*) FROM "authenticator" p WHERE p."userId" = u."id"),
         (SELECT count(*) FROM "session" s WHERE s."userId" = u."id" AND s."expires" >= $3)
       FROM "user" u
       WHERE $1::text IS NULL OR u."id" = $1
          OR strpos(lower(coalesce(u."email", '')), lower($1)) > 0
          OR strpos(lower(coalesce(u."name", '')), lower($1)) > 0
       ORDER BY u."email", u."id" LIMIT $2"#,
    &[&search, &i64::from(limit), &Time(now_ms, "now")],
  )
  .await?;
  rows
    .iter()
    .map(|row| {
      Ok(UserSummary {
        id: get(row, METHOD, 0)?,
        name: get(row, METHOD, 1)?,
        email: get(row, METHOD, 2)?,
        email_verified_ms: get::<Option<Millis>>(row, METHOD, 3)?.map(|m| m.0 as f64),
        accounts: count(row, METHOD, 4)?,
        passkeys: count(row, METHOD, 5)?,
        live_sessions: count(row, METHOD, 6)?,
      })
    })
    .collect()
}

/// The user with this id, or else this email, with accounts, passkeys and session counts.
pub async fn user_details(client: &Conn, id_or_email: &str, now_ms: i64) -> AuthResult<Option<UserDetails>> {
  const METHOD: &str = methods::USER_DETAILS;
  let Some(row) = query::opt(
    client,
    METHOD,
    r#"SELECT "id", "name", "email", "emailVerified", "image",
         (SELECT count(*) FROM "session" s WHERE s."userId" = u."id" AND s."expires" >= $2),
         (SELECT count(*) FROM "session" s WHERE s."userId" = u."id" AND s."expires" < $2)
       FROM "user" u
       WHERE "id" = $1 OR ("email" = $1 AND NOT EXISTS (SELECT 1 FROM "user" WHERE "id" = $1))"#,
    &[&id_or_email, &Time(now_ms, "now")],
    None,
  )
  .await?
  else {
    return Ok(None);
  };
  let id: String = get(&row, METHOD, 0)?;
  let accounts = query::all(
    client,
    METHOD,
    r#"SELECT "provider", "providerAccountId", "type" FROM "account" WHERE "userId" = $1 ORDER BY 1, 2"#,
    &[&id],
  )
  .await?
  .iter()
  .map(|r| {
    Ok(AccountSummary {
      provider: get(r, METHOD, 0)?,
      provider_account_id: get(r, METHOD, 1)?,
      kind: get(r, METHOD, 2)?,
    })
  })
  .collect::<AuthResult<Vec<_>>>()?;
  let passkeys = query::all(
    client,
    METHOD,
    r#"SELECT "credentialID", "credentialDeviceType", "credentialBackedUp", "counter", "transports"
       FROM "authenticator" WHERE "userId" = $1 ORDER BY "authlite_seq""#,
    &[&id],
  )
  .await?
  .iter()
  .map(|r| {
    Ok(PasskeySummary {
      credential_id: get(r, METHOD, 0)?,
      device_type: get(r, METHOD, 1)?,
      backed_up: get(r, METHOD, 2)?,
      counter: get::<Whole>(r, METHOD, 3)?.0 as f64,
      transports: get(r, METHOD, 4)?,
    })
  })
  .collect::<AuthResult<Vec<_>>>()?;
  Ok(Some(UserDetails {
    name: get(&row, METHOD, 1)?,
    email: get(&row, METHOD, 2)?,
    email_verified_ms: get::<Option<Millis>>(&row, METHOD, 3)?.map(|m| m.0 as f64),
    image: get(&row, METHOD, 4)?,
    live_sessions: count(&row, METHOD, 5)?,
    expired_sessions: count(&row, METHOD, 6)?,
    id,
    accounts,
    passkeys,
  }))
}

/// Deletes every session of the user; returns how many.
pub async fn revoke_sessions(client: &Conn, user_id: &str) -> AuthResult<u32> {
  let sql = r#"DELETE FROM "session" WHERE "userId" = $1"#;
  Ok(query::execute(client, methods::REVOKE_SESSIONS, sql, &[&user_id], None).await? as u32)
}

/// Deletes the user with their sessions, accounts and passkeys in one statement; `None` when
/// there is no such user.
pub async fn remove_user(client: &Conn, user_id: &str) -> AuthResult<Option<RemovedUser>> {
  const METHOD: &str = methods::REMOVE_USER;
  let row = query::opt(
    client,
    METHOD,
    r#"WITH s AS (DELETE FROM "session" WHERE "userId" = $1 AND EXISTS (SELECT 1 FROM "user" WHERE "id" = $1) RETURNING 1),
            a AS (DELETE FROM "account" WHERE "userId" = $1 AND EXISTS (SELECT 1 FROM "user" WHERE "id" = $1) RETURNING 1),
            p AS (DELETE FROM "authenticator" WHERE "userId" = $1 AND EXISTS (SELECT 1 FROM "user" WHERE "id" = $1) RETURNING 1),
            u AS (DELETE FROM "user" WHERE "id" = $1 RETURNING 1)
       SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM s), (SELECT count(*) FROM a), (SELECT count(*) FROM p)"#,
    &[&user_id],
    None,
  )
  .await?
  .ok_or_else(|| AuthError::new(Code::Internal, METHOD, "the counts returned no row"))?;
  if count(&row, METHOD, 0)? == 0 {
    return Ok(None);
  }
  Ok(Some(RemovedUser {
    sessions: count(&row, METHOD, 1)?,
    accounts: count(&row, METHOD, 2)?,
    passkeys: count(&row, METHOD, 3)?,
  }))
}
