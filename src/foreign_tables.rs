//! Another Auth.js adapter's tables, which authlite refuses to take over or to sit beside.
//!
//! authlite creates its tables with `CREATE TABLE IF NOT EXISTS "user"` and so on, the layout of
//! @auth/drizzle-adapter's default schema, which it adopts. Any other adapter's tables would be
//! damaged (on SQLite, Prisma's and Kysely's `"User"` and `"Session"` are the same tables as
//! `"user"` and `"session"`: names are case-insensitive there, and authlite's migrations would
//! rebuild them and add columns) or doubled (a second, empty set beside them: every user signed
//! out, returning users given new ids). So before its first migration on a database, authlite
//! looks for a table that holds Auth.js sessions and is not its own `session`, and refuses the
//! database if there is one, having changed nothing. The layouts are described in
//! `docs/existing-layouts.md`.

use crate::error::{AuthError, Code};

/// A table of the database and its columns, as the backend lists them.
#[derive(Debug, Clone)]
pub struct Table {
  pub name: String,
  pub columns: Vec<String>,
}

/// Groups (table, column) pairs listed table by table into tables.
pub fn group(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Table> {
  let mut tables: Vec<Table> = Vec::new();
  for (name, column) in pairs {
    match tables.last_mut() {
      Some(table) if table.name == name => table.columns.push(column),
      _ => tables.push(Table {
        name,
        columns: vec![column],
      }),
    }
  }
  tables
}

/// Whether `table` is authlite's (and @auth/drizzle-adapter's) `session`: that exact name, and
/// the session token as its key (no `id` column, which Prisma's and Kysely's have).
fn is_own_session(table: &Table) -> bool {
  table.name == "session" && has_column(table, &["sessiontoken"]) && !has_column(table, &["id"])
}

fn has_column(table: &Table, lowercase: &[&str]) -> bool {
  table
    .columns
    .iter()
    .any(|column| lowercase.contains(&column.to_lowercase().as_str()))
}

/// Whether `table` holds sessions of an auth library: a session-token column (Auth.js's
/// adapters), or the name `session` in any case (Better Auth's has a `token` column).
fn holds_sessions(table: &Table) -> bool {
  has_column(table, &["sessiontoken", "session_token"]) || table.name.eq_ignore_ascii_case("session")
}

/// The auth tables of another library in `tables` (sorted), or `None` when there are none:
/// only authlite's own, @auth/drizzle-adapter's default schema, or unrelated tables.
pub fn other_adapters_tables(tables: &[Table]) -> Option<Vec<String>> {
  if !tables.iter().any(|t| holds_sessions(t) && !is_own_session(t)) {
    return None;
  }
  const WORDS: [&str; 5] = ["user", "account", "session", "verification", "authenticator"];
  let mut found: Vec<String> = tables
    .iter()
    .filter(|t| {
      let name = t.name.to_lowercase();
      WORDS.iter().any(|word| name.contains(word))
    })
    .map(|t| t.name.clone())
    .collect();
  found.sort();
  Some(found)
}

/// The error that refuses the database; `method` is the call that opened it.
pub fn refusal(method: &'static str, found: &[String]) -> AuthError {
  let names = found
    .iter()
    .map(|name| format!("{name:?}"))
    .collect::<Vec<_>>()
    .join(", ");
  AuthError::new(
    Code::ForeignTables,
    method,
    format!(
      "this database holds another auth library's tables ({names}), which authlite does not \
       work on in place yet; nothing was changed. Keep your current adapter on this database, \
       or give authlite a database of its own (its users then start afresh)"
    ),
  )
}

#[cfg(test)]
mod tests {
  use super::*;

  fn table(name: &str, columns: &[&str]) -> Table {
    Table {
      name: name.to_string(),
      columns: columns.iter().map(|c| c.to_string()).collect(),
    }
  }

  /// authlite's and @auth/drizzle-adapter's layout (docs/existing-layouts.md, (0) and (b)).
  fn own() -> Vec<Table> {
    vec![
      table("user", &["id", "name", "email", "emailVerified", "image"]),
      table("account", &["userId", "type", "provider", "providerAccountId"]),
      table("session", &["sessionToken", "userId", "expires"]),
      table("verificationToken", &["identifier", "token", "expires"]),
      table("authenticator", &["credentialID", "userId"]),
    ]
  }

  #[test]
  fn own_and_drizzle_layouts_and_unrelated_tables_pass() {
    assert_eq!(other_adapters_tables(&own()), None);
    assert_eq!(other_adapters_tables(&[]), None);
    // An app's own `users` table that holds no sessions is none of authlite's business.
    let mut tables = own();
    tables.push(table("users", &["id", "name"]));
    tables.push(table("posts", &["id", "createdById"]));
    assert_eq!(other_adapters_tables(&tables), None);
  }

  #[test]
  fn prisma_and_kysely_layouts_are_refused() {
    // Prisma's documented schema (docs/existing-layouts.md (a)): `Session` has an `id`.
    let prisma = [
      table(
        "User",
        &[
          "id",
          "name",
          "email",
          "emailVerified",
          "image",
          "createdAt",
          "updatedAt",
        ],
      ),
      table(
        "Account",
        &["id", "userId", "type", "provider", "providerAccountId"],
      ),
      table(
        "Session",
        &[
          "id",
          "sessionToken",
          "userId",
          "expires",
          "createdAt",
          "updatedAt",
        ],
      ),
      table("VerificationToken", &["identifier", "token", "expires"]),
      table("_prisma_migrations", &["id", "checksum"]),
    ];
    assert_eq!(
      other_adapters_tables(&prisma),
      Some(vec![
        "Account".into(),
        "Session".into(),
        "User".into(),
        "VerificationToken".into()
      ])
    );
    // Kysely's test schema on SQLite (d.2): `Session` without an `id`, told apart by its name.
    let kysely = [
      table("User", &["id", "name", "email", "emailVerified", "image"]),
      table("Session", &["userId", "sessionToken", "expires"]),
    ];
    assert_eq!(
      other_adapters_tables(&kysely),
      Some(vec!["Session".into(), "User".into()])
    );
  }

  #[test]
  fn pg_adapter_create_t3_app_and_better_auth_layouts_are_refused() {
    let pg_adapter = [
      table("users", &["id", "name", "email", "emailVerified", "image"]),
      table(
        "accounts",
        &["id", "userId", "type", "provider", "providerAccountId"],
      ),
      table("sessions", &["id", "userId", "expires", "sessionToken"]),
      table("verification_token", &["identifier", "expires", "token"]),
    ];
    assert_eq!(other_adapters_tables(&pg_adapter).map(|f| f.len()), Some(4));
    // create-t3-app's drizzle template, second generation (snake_case columns).
    let t3 = [
      table(
        "my-t3-app_user",
        &["id", "name", "email", "email_verified", "image"],
      ),
      table("my-t3-app_session", &["session_token", "userId", "expires"]),
      table("my-t3-app_post", &["id", "name"]),
    ];
    assert_eq!(
      other_adapters_tables(&t3),
      Some(vec!["my-t3-app_session".into(), "my-t3-app_user".into()])
    );
    // Better Auth (create-t3-app's other option): `session` with `token`, not `sessionToken`.
    let better_auth = [
      table(
        "user",
        &["id", "name", "email", "emailVerified", "image", "createdAt"],
      ),
      table("session", &["id", "expiresAt", "token", "userId"]),
      table("verification", &["id", "identifier", "value"]),
    ];
    assert_eq!(other_adapters_tables(&better_auth).map(|f| f.len()), Some(3));
  }

  #[test]
  fn the_refusal_names_the_tables_and_what_to_do() {
    let err = refusal("open", &["Session".into(), "User".into()]);
    assert_eq!(err.code, Code::ForeignTables);
    assert!(err.message.contains(r#"("Session", "User")"#), "{}", err.message);
    assert!(err.message.contains("nothing was changed"));
  }
}
