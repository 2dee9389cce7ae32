//! Options of `SqliteAdapter` / `openAuthDatabase`: their documentation (it becomes the
//! TypeScript docs), defaults and validation.

use std::time::Duration;

use napi::bindgen_prelude::Unknown;
use napi::ValueType;

use crate::convert::Arg;
use crate::error::{AuthError, AuthResult};
use crate::store::connection::{Location, Synchronous};

const METHOD: &str = "open";

/// Default database file, relative to the working directory.
pub const DEFAULT_PATH: &str = "./auth.db";
/// Default time a write waits for another process's lock, in milliseconds.
pub const DEFAULT_BUSY_TIMEOUT_MS: u32 = 5000;

/// Options for `SqliteAdapter(options)` and `openAuthDatabase(options)`.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct AuthDatabaseOptions {
  /// Path of the SQLite database file, created (with its tables) if missing. `":memory:"` keeps
  /// everything in memory until `close()`. Default: `"./auth.db"`.
  pub path: Option<String>,
  /// Store session tokens as their SHA-256 hex digest, so a copy of the database file yields
  /// no live sessions. Turning it on hashes the raw tokens already stored. Default: `true`.
  pub hash_session_tokens: Option<bool>,
  /// How long a write waits for a lock held by another process before failing, in
  /// milliseconds. Default: `5000`.
  pub busy_timeout_ms: Option<u32>,
  /// When a write counts as done. `"normal"` (the default): once it is in the WAL file; an
  /// application crash loses nothing, a power cut or OS crash may lose the last writes (never
  /// corrupting the database). `"full"`: once the WAL is on disk (an fsync per commit, on the
  /// writer thread, shared by the writes queued together); survives a power cut, at the cost
  /// of write throughput.
  #[napi(ts_type = "'normal' | 'full'")]
  pub synchronous: Option<String>,
  /// Encrypt the OAuth tokens of accounts (`access_token`, `refresh_token`, `id_token`) at rest:
  /// a secret of at least 32 characters (e.g. `process.env.AUTHLITE_ENCRYPTION_KEY`), or an
  /// array of them whose first encrypts and all of which decrypt (key rotation; then
  /// `reencrypt()`). Reads return the plaintext; a token that does not decrypt rejects with
  /// `AUTHLITE_DECRYPT`. Tokens stored before a key was set stay readable. Default: none.
  #[napi(ts_type = "string | string[]")]
  pub encryption_key: Option<napi::Either<String, Vec<String>>>,
  /// Delete expired sessions and verification tokens every this many milliseconds, on the
  /// writer thread (never two runs at once), until `close()`. Auth.js deletes an expired
  /// session only when its user comes back. At least 10. Default: off.
  pub cleanup_interval_ms: Option<u32>,
  /// `true`: the file must already exist; nothing is created (a wrong path is an error that
  /// says so). For tools that open an app's database, such as `npx authlite`. Default: `false`.
  pub file_must_exist: Option<bool>,
  /// `false`: leave the schema as it is: no tables created, no migration, no session tokens
  /// hashed. Only the maintenance methods (`stats`, `findUsers`, `userDetails`,
  /// `revokeSessions`, `removeUser`, `deleteExpired`, `checkIntegrity`, `backup`) are meant to
  /// be used then; they work on a database another tool made too. Default: `true`.
  pub migrate: Option<bool>,
}

/// Secrets, never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(pub Vec<String>);

impl std::fmt::Debug for Secrets {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    write!(f, "Secrets({} redacted)", self.0.len())
  }
}

/// The options with their defaults applied, as `normalizeOptions` returns them: keys appear
/// only as their ids (derived, not reversible), never as the secrets.
#[napi(object)]
pub struct NormalizedOptions {
  /// The path as given (or the default), not resolved.
  pub path: String,
  pub hash_session_tokens: bool,
  pub busy_timeout_ms: u32,
  pub synchronous: String,
  /// The ids of the encryption keys, the encrypting one first; empty without `encryptionKey`.
  pub encryption_key_ids: Vec<String>,
  /// `cleanupIntervalMs`, 0 when off.
  pub cleanup_interval_ms: u32,
  pub file_must_exist: bool,
  pub migrate: bool,
}

/// The options with their defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
  pub location: Location,
  pub hash_session_tokens: bool,
  pub busy_timeout: Duration,
  pub synchronous: Synchronous,
  pub encryption_keys: Secrets,
  pub cleanup_interval: Option<Duration>,
  pub file_must_exist: bool,
  pub migrate: bool,
}

impl From<AuthDatabaseOptions> for Settings {
  fn from(options: AuthDatabaseOptions) -> Self {
    Settings {
      location: Location::parse(options.path.as_deref().unwrap_or(DEFAULT_PATH)),
      hash_session_tokens: options.hash_session_tokens.unwrap_or(true),
      busy_timeout: Duration::from_millis(u64::from(
        options.busy_timeout_ms.unwrap_or(DEFAULT_BUSY_TIMEOUT_MS),
      )),
      // Checked by `parse`: anything but "full" is the default.
      synchronous: match options.synchronous.as_deref() {
        Some("full") => Synchronous::Full,
        _ => Synchronous::Normal,
      },
      cleanup_interval: options
        .cleanup_interval_ms
        .map(|ms| Duration::from_millis(u64::from(ms))),
      file_must_exist: options.file_must_exist.unwrap_or(false),
      migrate: options.migrate.unwrap_or(true),
      encryption_keys: Secrets(match options.encryption_key {
        None => Vec::new(),
        Some(napi::Either::A(key)) => vec![key],
        Some(napi::Either::B(keys)) => keys,
      }),
    }
  }
}

impl From<&Settings> for NormalizedOptions {
  fn from(settings: &Settings) -> Self {
    NormalizedOptions {
      path: match &settings.location {
        Location::File(path) => path.clone(),
        Location::Memory => ":memory:".to_string(),
      },
      hash_session_tokens: settings.hash_session_tokens,
      busy_timeout_ms: u32::try_from(settings.busy_timeout.as_millis()).unwrap_or(u32::MAX),
      synchronous: match settings.synchronous {
        Synchronous::Normal => "normal",
        Synchronous::Full => "full",
      }
      .to_string(),
      encryption_key_ids: crate::crypto::Keys::new(&settings.encryption_keys.0).ids(),
      cleanup_interval_ms: settings
        .cleanup_interval
        .map_or(0, |d| u32::try_from(d.as_millis()).unwrap_or(u32::MAX)),
      file_must_exist: settings.file_must_exist,
      migrate: settings.migrate,
    }
  }
}

const KNOWN: &[&str] = &[
  "path",
  "hashSessionTokens",
  "busyTimeoutMs",
  "synchronous",
  "encryptionKey",
  "cleanupIntervalMs",
  "fileMustExist",
  "migrate",
];

/// Reads `undefined`, a path string, or an options object, rejecting unknown option names
/// (with a suggestion when one is a near miss) so a typo never silently changes behaviour.
pub fn parse(value: Option<Unknown<'_>>) -> AuthResult<Settings> {
  let Some(value) = value.filter(|v| !matches!(v.get_type(), Ok(ValueType::Undefined | ValueType::Null)))
  else {
    return Ok(AuthDatabaseOptions::default().into());
  };
  if let Ok(ValueType::String) = value.get_type() {
    let path = Arg::new(METHOD, "path", value).key()?;
    return Ok(
      AuthDatabaseOptions {
        path: Some(path),
        ..Default::default()
      }
      .into(),
    );
  }
  let fields = Arg::new(METHOD, "options", value).object()?;
  for name in fields.own_keys()? {
    if name == "url" {
      return Err(AuthError::invalid(
        METHOD,
        "options.url names a PostgreSQL database: use PostgresAdapter({ url }) (or openAuthDatabase({ url })) instead of SqliteAdapter",
      ));
    }
    reject_unknown(&name, KNOWN)?;
  }
  let optional = |key: &'static str| -> AuthResult<Option<Arg<'_>>> {
    let arg = fields.field(key)?;
    Ok((!arg.is_undefined()).then_some(arg))
  };
  let options = AuthDatabaseOptions {
    path: optional("path")?.map(|a| a.key()).transpose()?,
    hash_session_tokens: optional("hashSessionTokens")?.map(|a| a.boolean()).transpose()?,
    busy_timeout_ms: optional("busyTimeoutMs")?
      .map(|a| {
        let ms = a.counter()?;
        u32::try_from(ms).map_err(|_| AuthError::invalid(METHOD, "options.busyTimeoutMs is too large"))
      })
      .transpose()?,
    synchronous: optional("synchronous")?
      .map(|a| {
        let mode = a.string()?;
        match mode.as_str() {
          "normal" | "full" => Ok(mode),
          _ => Err(AuthError::invalid(
            METHOD,
            format!("options.synchronous must be \"normal\" or \"full\", got {mode:?}"),
          )),
        }
      })
      .transpose()?,
    encryption_key: optional("encryptionKey")?.map(encryption_keys).transpose()?,
    cleanup_interval_ms: optional("cleanupIntervalMs")?
      .map(cleanup_interval_ms)
      .transpose()?,
    file_must_exist: optional("fileMustExist")?.map(|a| a.boolean()).transpose()?,
    migrate: optional("migrate")?.map(|a| a.boolean()).transpose()?,
  };
  Ok(options.into())
}

/// Rejects an option name not in `known`, suggesting the nearest when it is a near miss, so a
/// typo never silently changes behaviour.
pub(crate) fn reject_unknown(name: &str, known: &[&str]) -> AuthResult<()> {
  if known.contains(&name) {
    return Ok(());
  }
  let hint = closest(name, known)
    .map(|k| format!("; did you mean {k:?}?"))
    .unwrap_or_else(|| format!("; known options: {}", known.join(", ")));
  Err(AuthError::invalid(
    METHOD,
    format!("unknown option {name:?}{hint}"),
  ))
}

/// The name in `known` that `name` is a near miss of (case, or two edits), if any.
pub(crate) fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
  known
    .iter()
    .find(|k| k.eq_ignore_ascii_case(name) || strsim::levenshtein(k, name) <= 2)
    .copied()
}

/// `cleanupIntervalMs`: from 10 ms up.
pub(crate) fn cleanup_interval_ms(arg: Arg<'_>) -> AuthResult<u32> {
  let ms = arg.counter()?;
  if (10..=i64::from(u32::MAX)).contains(&ms) {
    Ok(ms as u32)
  } else {
    Err(AuthError::invalid(
      METHOD,
      format!(
        "options.cleanupIntervalMs must be from 10 to {} milliseconds, got {ms}",
        u32::MAX
      ),
    ))
  }
}

/// `encryptionKey`: a secret or a non-empty array of them, each at least 32 characters. The
/// messages never include a secret.
pub(crate) fn encryption_keys(arg: Arg<'_>) -> AuthResult<napi::Either<String, Vec<String>>> {
  let short = || {
    AuthError::invalid(
      METHOD,
      format!(
        "options.encryptionKey must be at least {} characters (a random secret, e.g. `openssl rand -base64 32`)",
        crate::crypto::MIN_SECRET_CHARS
      ),
    )
  };
  let check = |key: String| {
    if key.chars().count() < crate::crypto::MIN_SECRET_CHARS {
      Err(short())
    } else {
      Ok(key)
    }
  };
  if arg.value_type() == Some(ValueType::String) {
    return check(arg.string()?).map(napi::Either::A);
  }
  let keys = arg.strings().map_err(|_| {
    AuthError::invalid(
      METHOD,
      "options.encryptionKey must be a string or an array of strings",
    )
  })?;
  if keys.is_empty() {
    return Err(AuthError::invalid(
      METHOD,
      "options.encryptionKey must not be an empty array",
    ));
  }
  keys
    .into_iter()
    .map(check)
    .collect::<AuthResult<Vec<_>>>()
    .map(napi::Either::B)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn defaults() {
    let settings = Settings::from(AuthDatabaseOptions::default());
    assert_eq!(settings.location, Location::File(DEFAULT_PATH.into()));
    assert!(settings.hash_session_tokens);
    assert_eq!(settings.busy_timeout, Duration::from_millis(5000));
    assert_eq!(
      Settings::from(AuthDatabaseOptions {
        path: Some(":memory:".into()),
        ..Default::default()
      })
      .location,
      Location::Memory
    );
  }
}
