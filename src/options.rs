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
}

/// The options with their defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
  pub location: Location,
  pub hash_session_tokens: bool,
  pub busy_timeout: Duration,
  pub synchronous: Synchronous,
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
    }
  }
}

impl From<&Settings> for AuthDatabaseOptions {
  fn from(settings: &Settings) -> Self {
    AuthDatabaseOptions {
      path: Some(match &settings.location {
        Location::File(path) => path.clone(),
        Location::Memory => ":memory:".to_string(),
      }),
      hash_session_tokens: Some(settings.hash_session_tokens),
      busy_timeout_ms: Some(u32::try_from(settings.busy_timeout.as_millis()).unwrap_or(u32::MAX)),
      synchronous: Some(
        match settings.synchronous {
          Synchronous::Normal => "normal",
          Synchronous::Full => "full",
        }
        .to_string(),
      ),
    }
  }
}

const KNOWN: &[&str] = &["path", "hashSessionTokens", "busyTimeoutMs", "synchronous"];

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
    if !KNOWN.contains(&name.as_str()) {
      let hint = KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(&name) || strsim::levenshtein(k, &name) <= 2)
        .map(|k| format!("; did you mean {k:?}?"))
        .unwrap_or_else(|| format!("; known options: {}", KNOWN.join(", ")));
      return Err(AuthError::invalid(
        METHOD,
        format!("unknown option {name:?}{hint}"),
      ));
    }
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
  };
  Ok(options.into())
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
