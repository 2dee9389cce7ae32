//! Store tests on real SQLite connections (in memory, or files in a temp directory).

use std::time::Duration;

use rusqlite::Connection;
use serde_json::json;

use super::connection::{open, Location, Synchronous};
use super::migrations::{migrate, MIGRATIONS};
use super::{accounts, authenticators, sessions, users, verification_tokens};
use crate::crypto::Keys;
use crate::error::Code;
use crate::model::*;

fn memory() -> Connection {
  let mut conn = open(
    &Location::Memory,
    Duration::from_secs(1),
    Synchronous::Normal,
    true,
  )
  .expect("open");
  migrate(&mut conn, true).expect("migrate");
  conn
}

fn user(id: &str, email: &str) -> User {
  User {
    id: id.into(),
    name: None,
    email: Some(email.into()),
    email_verified: None,
    image: None,
    extra: Extra::new(),
  }
}

fn account(user_id: &str, provider: &str, id: &str) -> Account {
  Account {
    user_id: user_id.into(),
    kind: "oauth".into(),
    provider: provider.into(),
    provider_account_id: id.into(),
    refresh_token: Some("refresh".into()),
    access_token: None,
    expires_at: Some(1_700_000_000.0),
    token_type: Some("bearer".into()),
    scope: None,
    id_token: None,
    session_state: None,
    extra: Extra::new(),
  }
}

fn session(token: &str, user_id: &str) -> Session {
  Session {
    session_token: token.into(),
    user_id: user_id.into(),
    expires: 1_800_000_000_123,
  }
}

fn passkey(id: &str, user_id: &str) -> Authenticator {
  Authenticator {
    credential_id: id.into(),
    user_id: user_id.into(),
    provider_account_id: id.into(),
    credential_public_key: "pk".into(),
    counter: 0,
    credential_device_type: "singleDevice".into(),
    credential_backed_up: false,
    transports: Some("internal".into()),
  }
}

fn temp_db(name: &str) -> (std::path::PathBuf, Location) {
  let dir = std::env::temp_dir().join(format!("authlite-test-{}-{name}", std::process::id()));
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(&dir).expect("temp dir");
  let path = dir.join("auth.db");
  let location = Location::File(path.to_string_lossy().into_owned());
  (dir, location)
}

#[test]
fn migrations_apply_once_and_record_their_versions() {
  let mut conn = memory();
  migrate(&mut conn, true).expect("second run is a no-op");
  let versions: Vec<i64> = conn
    .prepare(r#"SELECT "version" FROM "authlite_migrations" ORDER BY 1"#)
    .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
    .expect("versions");
  assert_eq!(versions, MIGRATIONS.iter().map(|m| m.version).collect::<Vec<_>>());
}

#[test]
fn a_newer_schema_is_refused() {
  let mut conn = memory();
  conn
    .execute(
      r#"INSERT INTO "authlite_migrations" VALUES (999, 'future', 0)"#,
      [],
    )
    .expect("insert");
  let err = migrate(&mut conn, true).expect_err("newer schema");
  assert_eq!(err.code, Code::Database);
  assert!(err.message.contains("newer authlite"), "{}", err.message);
}

#[test]
fn users_round_trip_with_extra_fields() {
  let mut conn = memory();
  let mut alice = user("u1", "alice@example.com");
  alice.email_verified = Some(1_700_000_000_123);
  alice.extra.insert("role".into(), json!("admin"));
  alice
    .extra
    .insert("prefs".into(), json!({ "theme": "dark", "tags": [1, 2] }));
  users::create(&conn, &alice).expect("create");
  assert_eq!(users::get(&conn, "u1").expect("get"), Some(alice.clone()));
  assert_eq!(
    users::get_by_email(&conn, "alice@example.com").expect("by email"),
    Some(alice.clone())
  );
  assert_eq!(users::get(&conn, "nobody").expect("missing"), None);

  let mut extra = Extra::new();
  extra.insert("role".into(), json!("editor"));
  let patch = UserPatch {
    id: "u1".into(),
    name: Some(Some("Alice".into())),
    email_verified: Some(None),
    extra,
    ..Default::default()
  };
  let updated = users::update(&mut conn, &patch).expect("update");
  assert_eq!(updated.name.as_deref(), Some("Alice"));
  assert_eq!(updated.email_verified, None);
  assert_eq!(updated.extra["role"], json!("editor"));
  assert_eq!(
    updated.extra["prefs"]["theme"],
    json!("dark"),
    "untouched extra fields stay"
  );
  assert_eq!(users::get(&conn, "u1").expect("get"), Some(updated));
}

#[test]
fn duplicate_email_and_missing_user_are_reported() {
  let mut conn = memory();
  users::create(&conn, &user("u1", "a@example.com")).expect("create");
  users::create(&conn, &user("u2", "b@example.com")).expect("create");
  let dup = users::create(&conn, &user("u3", "a@example.com")).expect_err("duplicate");
  assert_eq!((dup.code, dup.method), (Code::Conflict, "createUser"));
  assert!(dup.message.contains("a@example.com"));
  let same_id = users::create(&conn, &user("u1", "c@example.com")).expect_err("duplicate id");
  assert!(same_id.message.contains("id \"u1\""), "{}", same_id.message);
  let patch = UserPatch {
    id: "u2".into(),
    email: Some(Some("a@example.com".into())),
    ..Default::default()
  };
  assert_eq!(
    users::update(&mut conn, &patch).expect_err("taken").code,
    Code::Conflict
  );
  let missing = users::update(
    &mut conn,
    &UserPatch {
      id: "zz".into(),
      ..Default::default()
    },
  )
  .expect_err("missing");
  assert_eq!((missing.code, missing.method), (Code::NotFound, "updateUser"));
}

#[test]
fn delete_user_removes_everything_of_theirs_at_once() {
  let mut conn = memory();
  users::create(&conn, &user("u1", "a@example.com")).expect("create");
  users::create(&conn, &user("u2", "b@example.com")).expect("create");
  accounts::link(&conn, &account("u1", "github", "1"), &Keys::default()).expect("link");
  accounts::link(&conn, &account("u2", "github", "2"), &Keys::default()).expect("link");
  sessions::create(&conn, &session("s1", "u1"), true).expect("session");
  authenticators::create(&conn, &passkey("c1", "u1")).expect("passkey");
  let deleted = users::delete(&mut conn, "u1").expect("delete");
  assert_eq!(deleted.map(|u| u.id).as_deref(), Some("u1"));
  for table in ["account", "session", "authenticator"] {
    let left: i64 = conn
      .query_row(
        &format!(r#"SELECT count(*) FROM "{table}" WHERE "userId" = 'u1'"#),
        [],
        |r| r.get(0),
      )
      .expect("count");
    assert_eq!(left, 0, "{table} rows of the deleted user");
  }
  assert!(accounts::get(&conn, "2", "github", &Keys::default())
    .expect("other user's account")
    .is_some());
  assert_eq!(
    users::delete(&mut conn, "u1").expect("again"),
    None,
    "deleting twice is fine"
  );
}

#[test]
fn accounts_keep_provider_fields() {
  let conn = memory();
  users::create(&conn, &user("u1", "a@example.com")).expect("create");
  let mut linked = account("u1", "azure-ad", "42");
  linked.extra.insert("ext_expires_in".into(), json!(3599));
  linked.extra.insert("not-before-policy".into(), json!(0));
  linked.expires_at = Some(1_700_000_000.5);
  accounts::link(&conn, &linked, &Keys::default()).expect("link");
  assert_eq!(
    accounts::get(&conn, "42", "azure-ad", &Keys::default()).expect("get"),
    Some(linked.clone())
  );
  let owner = users::get_by_account(&conn, "azure-ad", "42").expect("owner");
  assert_eq!(owner.map(|u| u.id).as_deref(), Some("u1"));
  assert_eq!(
    accounts::link(&conn, &linked, &Keys::default())
      .expect_err("twice")
      .code,
    Code::Conflict
  );
  let orphan =
    accounts::link(&conn, &account("ghost", "github", "9"), &Keys::default()).expect_err("no user");
  assert_eq!(orphan.code, Code::NotFound);
  assert_eq!(
    accounts::unlink(&conn, "azure-ad", "42", &Keys::default()).expect("unlink"),
    Some(linked)
  );
  assert_eq!(
    accounts::unlink(&conn, "azure-ad", "42", &Keys::default()).expect("again"),
    None
  );
}

#[test]
fn session_tokens_are_stored_hashed() {
  let conn = memory();
  users::create(&conn, &user("u1", "a@example.com")).expect("create");
  sessions::create(&conn, &session("secret-token", "u1"), true).expect("create");
  let stored: String = conn
    .query_row(r#"SELECT "sessionToken" FROM "session""#, [], |r| r.get(0))
    .expect("row");
  assert_eq!(stored, sessions::hash_token("secret-token"));
  assert_eq!(stored.len(), 64);
  assert_eq!(
    sessions::hash_token("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "SHA-256 test vector"
  );
  let (s, u) = sessions::get_session_and_user(&conn, "secret-token", true)
    .expect("read")
    .expect("found");
  assert_eq!(s, session("secret-token", "u1"));
  assert_eq!(u.id, "u1");
  assert!(
    sessions::get_session_and_user(&conn, &stored, true)
      .expect("by hash")
      .is_none(),
    "the hash is not a token"
  );
}

#[test]
fn get_session_and_user_runs_one_statement() {
  use rusqlite::trace::{TraceEvent, TraceEventCodes};
  use std::sync::atomic::{AtomicUsize, Ordering};
  use std::sync::Arc;

  let mut conn = memory();
  users::create(&conn, &user("u1", "a@example.com")).expect("create");
  sessions::create(&conn, &session("t", "u1"), true).expect("session");
  let statements = Arc::new(AtomicUsize::new(0));
  let counter = Arc::clone(&statements);
  conn
    .trace_v2(
      TraceEventCodes::SQLITE_TRACE_STMT,
      Some(move |event: TraceEvent<'_>| {
        if let TraceEvent::Stmt(..) = event {
          counter.fetch_add(1, Ordering::SeqCst);
        }
      }),
    )
    .expect("trace");
  let found = sessions::get_session_and_user(&conn, "t", true).expect("read");
  assert!(found.is_some());
  assert_eq!(
    statements.load(Ordering::SeqCst),
    1,
    "one join, not a session read then a user read"
  );
}

#[test]
fn sessions_update_and_delete() {
  let conn = memory();
  users::create(&conn, &user("u1", "a@example.com")).expect("create");
  sessions::create(&conn, &session("t", "u1"), false).expect("create");
  let patch = SessionPatch {
    session_token: "t".into(),
    user_id: None,
    expires: Some(1_900_000_000_000),
  };
  let updated = sessions::update(&conn, &patch, false)
    .expect("update")
    .expect("exists");
  assert_eq!(updated.expires, 1_900_000_000_000);
  // Each combination of given fields sets exactly those.
  users::create(&conn, &user("u2", "b@example.com")).expect("create");
  let moved = SessionPatch {
    session_token: "t".into(),
    user_id: Some("u2".into()),
    expires: None,
  };
  let moved = sessions::update(&conn, &moved, false)
    .expect("update")
    .expect("exists");
  assert_eq!((moved.user_id.as_str(), moved.expires), ("u2", 1_900_000_000_000));
  let both = SessionPatch {
    session_token: "t".into(),
    user_id: Some("u1".into()),
    expires: Some(1_800_000_000_000),
  };
  let updated = sessions::update(&conn, &both, false)
    .expect("update")
    .expect("exists");
  assert_eq!(
    (updated.user_id.as_str(), updated.expires),
    ("u1", 1_800_000_000_000)
  );
  let neither = SessionPatch {
    session_token: "t".into(),
    user_id: None,
    expires: None,
  };
  assert_eq!(
    sessions::update(&conn, &neither, false).expect("read"),
    Some(updated.clone())
  );
  let unknown_user = SessionPatch {
    session_token: "t".into(),
    user_id: Some("nobody".into()),
    expires: None,
  };
  assert_eq!(
    sessions::update(&conn, &unknown_user, false)
      .expect_err("no such user")
      .code,
    Code::NotFound
  );
  let gone = SessionPatch {
    session_token: "nope".into(),
    ..patch
  };
  assert_eq!(sessions::update(&conn, &gone, false).expect("missing"), None);
  assert_eq!(
    sessions::update(
      &conn,
      &SessionPatch {
        session_token: "nope".into(),
        user_id: None,
        expires: None
      },
      false
    )
    .expect("missing"),
    None
  );
  assert_eq!(
    sessions::delete(&conn, "t", false).expect("delete"),
    Some(updated)
  );
  assert_eq!(sessions::delete(&conn, "t", false).expect("again"), None);
}

#[test]
fn verification_tokens_are_used_once() {
  let conn = memory();
  let token = VerificationToken {
    identifier: "a@example.com".into(),
    token: "h".into(),
    expires: 5,
  };
  verification_tokens::create(&conn, &token).expect("create");
  assert_eq!(
    verification_tokens::create(&conn, &token)
      .expect_err("twice")
      .code,
    Code::Conflict
  );
  assert_eq!(
    verification_tokens::use_token(&conn, "a@example.com", "h").expect("use"),
    Some(token)
  );
  assert_eq!(
    verification_tokens::use_token(&conn, "a@example.com", "h").expect("reuse"),
    None
  );
}

#[test]
fn expired_rows_are_purged() {
  let conn = memory();
  users::create(&conn, &user("u1", "a@example.com")).expect("create");
  sessions::create(
    &conn,
    &Session {
      expires: 10,
      ..session("old", "u1")
    },
    true,
  )
  .expect("old");
  sessions::create(&conn, &session("new", "u1"), true).expect("new");
  let token = VerificationToken {
    identifier: "a".into(),
    token: "t".into(),
    expires: 10,
  };
  verification_tokens::create(&conn, &token).expect("token");
  assert_eq!(sessions::delete_expired(&conn, 1000).expect("purge"), 1);
  assert_eq!(
    verification_tokens::delete_expired(&conn, 1000).expect("purge"),
    1
  );
  assert!(sessions::get_session_and_user(&conn, "new", true)
    .expect("read")
    .is_some());
}

#[test]
fn authenticator_counter_updates_and_missing_is_an_error() {
  let conn = memory();
  users::create(&conn, &user("u1", "a@example.com")).expect("create");
  authenticators::create(&conn, &passkey("c1", "u1")).expect("c1");
  authenticators::create(&conn, &passkey("c2", "u1")).expect("c2");
  assert_eq!(
    authenticators::create(&conn, &passkey("c1", "u1"))
      .expect_err("dup")
      .code,
    Code::Conflict
  );
  let bumped = authenticators::update_counter(&conn, "c1", 7).expect("bump");
  assert_eq!(bumped.counter, 7);
  assert_eq!(authenticators::get(&conn, "c1").expect("get"), Some(bumped));
  let ids: Vec<String> = authenticators::list_by_user(&conn, "u1")
    .expect("list")
    .into_iter()
    .map(|a| a.credential_id)
    .collect();
  assert_eq!(ids, ["c1", "c2"]);
  let err = authenticators::update_counter(&conn, "nope", 1).expect_err("missing");
  assert_eq!(
    (err.code, err.method),
    (Code::NotFound, "updateAuthenticatorCounter")
  );
}

/// The schema @auth/drizzle-adapter's default SQLite tables produce (drizzle-kit's output).
const DRIZZLE_SCHEMA: &str = include_str!("../../__test__/fixtures/drizzle-sqlite-schema.sql");

/// A few rows as the drizzle adapter writes them.
const DRIZZLE_ROWS: &str = r#"
INSERT INTO `user` VALUES ('d1', 'Drizzle User', 'd@example.com', 1700000000123, NULL);
INSERT INTO `account` VALUES ('d1', 'oauth', 'github', '77', NULL, 'gho_x', 1700000000, 'bearer', 'read:user', NULL, NULL);
INSERT INTO `session` VALUES ('raw-session-token', 'd1', 1800000000000);
"#;

#[test]
fn a_drizzle_database_is_adopted_with_its_data_and_sessions() {
  let (dir, location) = temp_db("drizzle");
  {
    let conn = Connection::open(match &location {
      Location::File(p) => p,
      Location::Memory => unreachable!(),
    })
    .expect("create");
    conn.execute_batch(DRIZZLE_SCHEMA).expect("drizzle schema");
    conn.execute_batch(DRIZZLE_ROWS).expect("drizzle rows");
  }
  let mut conn = open(&location, Duration::from_secs(1), Synchronous::Normal, true).expect("open");
  migrate(&mut conn, true).expect("adopt");
  let drizzle_user = users::get(&conn, "d1").expect("read").expect("kept");
  assert_eq!(drizzle_user.name.as_deref(), Some("Drizzle User"));
  assert_eq!(drizzle_user.email_verified, Some(1_700_000_000_123));
  let acct = accounts::get(&conn, "77", "github", &Keys::default())
    .expect("read")
    .expect("kept");
  assert_eq!(acct.access_token.as_deref(), Some("gho_x"));
  assert_eq!(acct.expires_at, Some(1_700_000_000.0));
  let (s, _) = sessions::get_session_and_user(&conn, "raw-session-token", true)
    .expect("read")
    .expect("still signed in");
  assert_eq!(s.expires, 1_800_000_000_000);
  let stored: String = conn
    .query_row(r#"SELECT "sessionToken" FROM "session""#, [], |r| r.get(0))
    .expect("row");
  assert_eq!(
    stored,
    sessions::hash_token("raw-session-token"),
    "the raw token was hashed in place"
  );
  drop(conn);
  let mut again = open(&location, Duration::from_secs(1), Synchronous::Normal, true).expect("reopen");
  migrate(&mut again, true).expect("reopen is a no-op");
  assert!(
    sessions::get_session_and_user(&again, "raw-session-token", true)
      .expect("read")
      .is_some(),
    "not hashed twice"
  );
  drop(again);
  let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn hashed_tokens_cannot_be_reopened_raw_while_sessions_exist() {
  let (dir, location) = temp_db("raw");
  let mut conn = open(&location, Duration::from_secs(1), Synchronous::Normal, true).expect("open");
  migrate(&mut conn, true).expect("migrate");
  users::create(&conn, &user("u1", "a@example.com")).expect("user");
  sessions::create(&conn, &session("t", "u1"), true).expect("session");
  let err = migrate(&mut conn, false).expect_err("raw over hashed");
  assert_eq!(err.code, Code::InvalidInput);
  assert!(err.message.contains("hashSessionTokens"), "{}", err.message);
  sessions::delete(&conn, "t", true).expect("sign out");
  migrate(&mut conn, false).expect("no sessions left: switching is fine");
  drop(conn);
  let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn file_databases_use_wal_foreign_keys_and_qpsg() {
  let (dir, location) = temp_db("pragmas");
  let conn = open(&location, Duration::from_secs(1), Synchronous::Normal, true).expect("open");
  let mode: String = conn
    .query_row("PRAGMA journal_mode", [], |r| r.get(0))
    .expect("mode");
  let fk: i64 = conn
    .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
    .expect("fk");
  let sync: i64 = conn
    .query_row("PRAGMA synchronous", [], |r| r.get(0))
    .expect("sync");
  assert_eq!((mode.as_str(), fk, sync), ("wal", 1, 1));
  let qpsg = conn
    .db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG)
    .expect("qpsg");
  assert!(qpsg, "QPSG keeps cached statements prepared");
  drop(conn);
  let missing = Location::File(dir.join("no/such/dir/auth.db").to_string_lossy().into_owned());
  let err = open(&missing, Duration::from_secs(1), Synchronous::Normal, true).expect_err("missing directory");
  assert!(err.message.contains("does not exist"), "{}", err.message);
  let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn lean_tables_keep_every_column_index_trigger_and_row_of_another_tools_schema() {
  let (dir, location) = temp_db("lean");
  let path = match &location {
    Location::File(p) => p.clone(),
    Location::Memory => unreachable!(),
  };
  {
    let conn = Connection::open(&path).expect("create");
    conn.execute_batch(DRIZZLE_SCHEMA).expect("drizzle schema");
    conn.execute_batch(DRIZZLE_ROWS).expect("drizzle rows");
    // What an app may have added to the user table with its own ORM.
    conn
      .execute_batch(
        r#"ALTER TABLE "user" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'member';
           UPDATE "user" SET "role" = 'admin';
           CREATE INDEX "user_role_idx" ON "user" ("role");
           CREATE TABLE "audit" ("what" TEXT);
           CREATE TRIGGER "user_audit" AFTER UPDATE ON "user" BEGIN INSERT INTO "audit" VALUES ('updated'); END;"#,
      )
      .expect("app's own schema");
  }
  let mut conn = open(&location, Duration::from_secs(1), Synchronous::Normal, true).expect("open");
  migrate(&mut conn, true).expect("migrate");
  for table in ["user", "session", "verificationToken"] {
    let sql: String = conn
      .query_row("SELECT sql FROM sqlite_schema WHERE name = ?1", [table], |r| {
        r.get(0)
      })
      .expect("table");
    assert!(sql.ends_with("WITHOUT ROWID"), "{table}: {sql}");
  }
  let role: String = conn
    .query_row(r#"SELECT "role" FROM "user" WHERE "id" = 'd1'"#, [], |r| r.get(0))
    .expect("the app's column and its value are kept");
  assert_eq!(role, "admin");
  let kept: Vec<String> = conn
    .prepare(
      "SELECT name FROM sqlite_schema WHERE tbl_name = 'user' AND type IN ('index', 'trigger') ORDER BY name",
    )
    .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
    .expect("schema");
  assert_eq!(kept, ["user_audit", "user_email_unique", "user_role_idx"]);
  // Nothing cascaded away while "user" was rebuilt, and the keys still hold.
  assert!(accounts::get(&conn, "77", "github", &Keys::default())
    .expect("read")
    .is_some());
  assert!(sessions::get_session_and_user(&conn, "raw-session-token", true)
    .expect("read")
    .is_some());
  let orphans: i64 = conn
    .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
    .expect("check");
  assert_eq!(orphans, 0);
  let fk_on: bool = conn
    .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
    .expect("pragma");
  assert!(fk_on, "foreign keys are back on after the migration");
  let err = sessions::create(&conn, &session("t2", "nobody"), true).expect_err("no such user");
  assert_eq!(err.code, Code::NotFound);
  users::update(
    &mut conn,
    &UserPatch {
      id: "d1".into(),
      name: Some(Some("Renamed".into())),
      ..Default::default()
    },
  )
  .expect("update");
  let audited: i64 = conn
    .query_row(r#"SELECT count(*) FROM "audit""#, [], |r| r.get(0))
    .expect("the app's trigger still fires");
  assert_eq!(audited, 1);
  drop(conn);
  let _ = std::fs::remove_dir_all(dir);
}
