//! What an operator asks of the database (`npx authlite`, or an app's own admin page): counts,
//! users and what they have, signing a user out everywhere, removing a user, an integrity check.
//! Only the columns of @auth/drizzle-adapter's schema are used, never authlite's own, so all of
//! it works on a database another tool made and authlite has not migrated. Tokens are never
//! read: accounts are shown by provider, passkeys by id.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{AuthError, AuthResult};
use crate::methods;

/// Accounts of one provider.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCount {
  /// The provider id (`github`, `google`, `email`, `passkey`, ...).
  pub provider: String,
  /// Its linked accounts.
  pub accounts: u32,
}

/// What `stats()` counts.
#[napi(object)]
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseStats {
  /// Users.
  pub users: u32,
  /// Linked accounts, all providers.
  pub accounts: u32,
  /// Linked accounts per provider, most first.
  pub accounts_by_provider: Vec<ProviderCount>,
  /// Sessions that have not expired.
  pub live_sessions: u32,
  /// Sessions past their `expires`, not yet deleted (`deleteExpired()` removes them).
  pub expired_sessions: u32,
  /// Verification (magic-link) tokens.
  pub verification_tokens: u32,
  /// Passkeys (WebAuthn credentials).
  pub passkeys: u32,
  /// Size of the database file, in bytes.
  pub file_bytes: f64,
  /// Size of its write-ahead log (`-wal`), in bytes; 0 when there is none.
  pub wal_bytes: f64,
  /// The authlite schema version; 0 for a database authlite has not migrated (another tool's).
  pub schema_version: u32,
}

/// A user as `findUsers()` lists them.
#[napi(object)]
#[derive(Debug, Clone, PartialEq)]
pub struct UserSummary {
  pub id: String,
  pub name: Option<String>,
  pub email: Option<String>,
  /// When the email was verified, in milliseconds since 1970; `null` if never.
  pub email_verified_ms: Option<f64>,
  /// Linked accounts.
  pub accounts: u32,
  /// Passkeys.
  pub passkeys: u32,
  /// Sessions that have not expired.
  pub live_sessions: u32,
}

/// A linked account, without its tokens.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
  pub provider: String,
  pub provider_account_id: String,
  /// `oauth`, `oidc`, `email` or `webauthn`.
  #[napi(js_name = "type")]
  pub kind: String,
}

/// A passkey, without its public key.
#[napi(object)]
#[derive(Debug, Clone, PartialEq)]
pub struct PasskeySummary {
  #[napi(js_name = "credentialID")]
  pub credential_id: String,
  /// `singleDevice` or `multiDevice`.
  pub device_type: String,
  /// Whether the authenticator says it is backed up (synced).
  pub backed_up: bool,
  /// Its signature counter.
  pub counter: f64,
  pub transports: Option<String>,
}

/// A user with what they have, as `userDetails()` returns them.
#[napi(object)]
#[derive(Debug, Clone, PartialEq)]
pub struct UserDetails {
  pub id: String,
  pub name: Option<String>,
  pub email: Option<String>,
  /// When the email was verified, in milliseconds since 1970; `null` if never.
  pub email_verified_ms: Option<f64>,
  pub image: Option<String>,
  /// Linked accounts (providers, never tokens).
  pub accounts: Vec<AccountSummary>,
  /// Passkeys, oldest first.
  pub passkeys: Vec<PasskeySummary>,
  /// Sessions that have not expired.
  pub live_sessions: u32,
  /// Sessions past their `expires`.
  pub expired_sessions: u32,
}

/// What `removeUser()` deleted besides the user.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedUser {
  pub sessions: u32,
  pub accounts: u32,
  pub passkeys: u32,
}

/// What `checkIntegrity()` found.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityReport {
  /// `PRAGMA integrity_check` said `ok`.
  pub ok: bool,
  /// What it reported otherwise (at most 100 lines).
  pub problems: Vec<String>,
  /// The authlite schema version; 0 for a database authlite has not migrated.
  pub schema_version: u32,
}

fn count(
  conn: &Connection,
  method: &'static str,
  sql: &str,
  params: impl rusqlite::Params,
) -> AuthResult<u32> {
  conn
    .query_row(sql, params, |r| r.get::<_, i64>(0))
    .map(|n| n as u32)
    .map_err(AuthError::db(method))
}

/// The applied schema version (0 when authlite never migrated this database).
pub fn schema_version(conn: &Connection, method: &'static str) -> AuthResult<u32> {
  let has_table: bool = conn
    .query_row(
      "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'authlite_migrations'",
      [],
      |r| r.get(0),
    )
    .map_err(AuthError::db(method))?;
  if !has_table {
    return Ok(0);
  }
  count(
    conn,
    method,
    r#"SELECT coalesce(max("version"), 0) FROM "authlite_migrations""#,
    [],
  )
}

fn file_size(path: &str) -> f64 {
  std::fs::metadata(path).map_or(0.0, |m| m.len() as f64)
}

/// Counts of everything, and the file's size.
pub fn stats(conn: &Connection, file: Option<&str>, now_ms: i64) -> AuthResult<DatabaseStats> {
  const METHOD: &str = methods::STATS;
  let by_provider: Vec<ProviderCount> = conn
    .prepare(r#"SELECT "provider", count(*) FROM "account" GROUP BY "provider" ORDER BY 2 DESC, 1"#)
    .and_then(|mut stmt| {
      stmt
        .query_map([], |r| {
          Ok(ProviderCount {
            provider: r.get(0)?,
            accounts: r.get::<_, i64>(1)? as u32,
          })
        })?
        .collect()
    })
    .map_err(AuthError::db(METHOD))?;
  Ok(DatabaseStats {
    users: count(conn, METHOD, r#"SELECT count(*) FROM "user""#, [])?,
    accounts: by_provider.iter().map(|p| p.accounts).sum(),
    accounts_by_provider: by_provider,
    live_sessions: count(
      conn,
      METHOD,
      r#"SELECT count(*) FROM "session" WHERE "expires" >= ?1"#,
      [now_ms],
    )?,
    expired_sessions: count(
      conn,
      METHOD,
      r#"SELECT count(*) FROM "session" WHERE "expires" < ?1"#,
      [now_ms],
    )?,
    verification_tokens: count(conn, METHOD, r#"SELECT count(*) FROM "verificationToken""#, [])?,
    passkeys: count(conn, METHOD, r#"SELECT count(*) FROM "authenticator""#, [])?,
    file_bytes: file.map_or(0.0, file_size),
    wal_bytes: file.map_or(0.0, |f| file_size(&format!("{f}-wal"))),
    schema_version: schema_version(conn, METHOD)?,
  })
}

/// Users whose email or name contains `search` (any case), or whose id is `search`; all users
/// without one. By email, at most `limit`.
pub fn find_users(
  conn: &Connection,
  search: Option<&str>,
  limit: u32,
  now_ms: i64,
) -> AuthResult<Vec<UserSummary>> {
  const METHOD: &str = methods::FIND_USERS;
  let mut stmt = conn
    .prepare(
      r#"SELECT u."id", u."name", u."email", u."emailVerified",
           (SELECT count(*) FROM "account" a WHERE a."userId" = u."id"),
           (SELECT count(*) FROM "authenticator" p WHERE p."userId" = u."id"),
           (SELECT count(*) FROM "session" s WHERE s."userId" = u."id" AND s."expires" >= ?3)
         FROM "user" u
         WHERE ?1 IS NULL OR u."id" = ?1
            OR instr(lower(coalesce(u."email", '')), lower(?1)) > 0
            OR instr(lower(coalesce(u."name", '')), lower(?1)) > 0
         ORDER BY u."email", u."id" LIMIT ?2"#,
    )
    .map_err(AuthError::db(METHOD))?;
  let rows = stmt
    .query_map(params![search, i64::from(limit), now_ms], |r| {
      Ok(UserSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        email_verified_ms: r.get::<_, Option<i64>>(3)?.map(|ms| ms as f64),
        accounts: r.get::<_, i64>(4)? as u32,
        passkeys: r.get::<_, i64>(5)? as u32,
        live_sessions: r.get::<_, i64>(6)? as u32,
      })
    })
    .map_err(AuthError::db(METHOD))?;
  rows.collect::<Result<_, _>>().map_err(AuthError::db(METHOD))
}

/// The user with this id, or else this email, with their accounts, passkeys and session counts.
pub fn user_details(conn: &Connection, id_or_email: &str, now_ms: i64) -> AuthResult<Option<UserDetails>> {
  const METHOD: &str = methods::USER_DETAILS;
  let db = AuthError::db(METHOD);
  let user = conn
    .query_row(
      r#"SELECT "id", "name", "email", "emailVerified", "image" FROM "user"
         WHERE "id" = ?1 OR ("email" = ?1 AND NOT EXISTS (SELECT 1 FROM "user" WHERE "id" = ?1))"#,
      [id_or_email],
      |r| {
        Ok(UserDetails {
          id: r.get(0)?,
          name: r.get(1)?,
          email: r.get(2)?,
          email_verified_ms: r.get::<_, Option<i64>>(3)?.map(|ms| ms as f64),
          image: r.get(4)?,
          accounts: Vec::new(),
          passkeys: Vec::new(),
          live_sessions: 0,
          expired_sessions: 0,
        })
      },
    )
    .optional()
    .map_err(&db)?;
  let Some(mut user) = user else {
    return Ok(None);
  };
  user.accounts = conn
    .prepare(
      r#"SELECT "provider", "providerAccountId", "type" FROM "account" WHERE "userId" = ?1 ORDER BY 1, 2"#,
    )
    .and_then(|mut stmt| {
      stmt
        .query_map([&user.id], |r| {
          Ok(AccountSummary {
            provider: r.get(0)?,
            provider_account_id: r.get(1)?,
            kind: r.get(2)?,
          })
        })?
        .collect()
    })
    .map_err(&db)?;
  user.passkeys = conn
    .prepare(
      r#"SELECT "credentialID", "credentialDeviceType", "credentialBackedUp", "counter", "transports"
         FROM "authenticator" WHERE "userId" = ?1 ORDER BY rowid"#,
    )
    .and_then(|mut stmt| {
      stmt
        .query_map([&user.id], |r| {
          Ok(PasskeySummary {
            credential_id: r.get(0)?,
            device_type: r.get(1)?,
            backed_up: r.get(2)?,
            counter: r.get::<_, i64>(3)? as f64,
            transports: r.get(4)?,
          })
        })?
        .collect()
    })
    .map_err(&db)?;
  let sessions = r#"SELECT count(*) FROM "session" WHERE "userId" = ?1 AND ("expires" >= ?2) = ?3"#;
  user.live_sessions = count(conn, METHOD, sessions, params![user.id, now_ms, true])?;
  user.expired_sessions = count(conn, METHOD, sessions, params![user.id, now_ms, false])?;
  Ok(Some(user))
}

/// Deletes every session of the user (signs them out everywhere); returns how many.
pub fn revoke_sessions(conn: &Connection, user_id: &str) -> AuthResult<u32> {
  conn
    .prepare_cached(r#"DELETE FROM "session" WHERE "userId" = ?1"#)
    .and_then(|mut stmt| stmt.execute([user_id]))
    .map(|n| n as u32)
    .map_err(AuthError::db(methods::REVOKE_SESSIONS))
}

/// Deletes the user with their sessions, accounts and passkeys in one transaction; `None` when
/// there is no such user.
pub fn remove_user(conn: &mut Connection, user_id: &str) -> AuthResult<Option<RemovedUser>> {
  const METHOD: &str = methods::REMOVE_USER;
  let db = AuthError::db(METHOD);
  let tx = conn.savepoint().map_err(&db)?;
  let delete = |sql: &str| tx.execute(sql, [user_id]).map(|n| n as u32).map_err(&db);
  let removed = RemovedUser {
    sessions: delete(r#"DELETE FROM "session" WHERE "userId" = ?1"#)?,
    accounts: delete(r#"DELETE FROM "account" WHERE "userId" = ?1"#)?,
    passkeys: delete(r#"DELETE FROM "authenticator" WHERE "userId" = ?1"#)?,
  };
  if delete(r#"DELETE FROM "user" WHERE "id" = ?1"#)? == 0 {
    // Nothing is committed: a user that is not there had nothing to remove.
    return Ok(None);
  }
  tx.commit().map_err(&db)?;
  Ok(Some(removed))
}

/// `PRAGMA integrity_check` and the schema version.
pub fn check_integrity(conn: &Connection) -> AuthResult<IntegrityReport> {
  const METHOD: &str = methods::CHECK_INTEGRITY;
  let lines: Vec<String> = conn
    .prepare("PRAGMA integrity_check(100)")
    .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
    .map_err(AuthError::db(METHOD))?;
  let ok = lines.len() == 1 && lines[0] == "ok";
  Ok(IntegrityReport {
    ok,
    problems: if ok { Vec::new() } else { lines },
    schema_version: schema_version(conn, METHOD)?,
  })
}
