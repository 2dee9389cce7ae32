//! Options of `PostgresAdapter` / `openAuthDatabase({ url })`: their documentation (it becomes
//! the TypeScript docs), defaults and validation, and the connection pool they describe.

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, QueueMode, RecyclingMethod, Runtime};
use napi::bindgen_prelude::Unknown;
use napi::ValueType;
use tokio_postgres::config::TargetSessionAttrs;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{self, SslMode};
use crate::convert::Arg;
use crate::error::{AuthError, AuthResult, Code};
use crate::options::{cleanup_interval_ms, encryption_keys, reject_unknown, Secrets};

const METHOD: &str = "open";

/// Default number of connections in the pool (as node-postgres's `Pool`).
pub const DEFAULT_POOL_SIZE: u32 = 10;
/// Default time to connect (per host) and to wait for a free connection, in milliseconds.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 5000;

/// Options for `PostgresAdapter(options)` and `openAuthDatabase({ url, ... })`.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct PostgresDatabaseOptions {
  /// The database, as a libpq URL: `postgres://user:password@host:5432/db`. Several hosts
  /// (`postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write`) are tried in turn
  /// for the writable primary, again after a failover. `sslmode` is `disable`, `prefer` (the
  /// default), `require`, `verify-ca` or `verify-full`; `sslrootcert=<file>` names a CA file.
  /// The tables are created (or migrated) on first use.
  pub url: String,
  /// Store session tokens as their SHA-256 hex digest, as on SQLite. Default: `true`.
  pub hash_session_tokens: Option<bool>,
  /// Encrypt the OAuth tokens of accounts at rest, as on SQLite (see `AuthDatabaseOptions`).
  #[napi(ts_type = "string | string[]")]
  pub encryption_key: Option<napi::Either<String, Vec<String>>>,
  /// Delete expired sessions and verification tokens every this many milliseconds, until
  /// `close()`. At least 10. Default: off.
  pub cleanup_interval_ms: Option<u32>,
  /// Connections in the pool. Default: `10`.
  pub pool_size: Option<u32>,
  /// The PEM text of the CA that signed the server's certificate (for a self-signed server
  /// certificate: that certificate). When given, the certificate is always checked against it.
  pub ca: Option<String>,
  /// How long to try each host, and to wait for a free connection, in milliseconds.
  /// Default: `5000`.
  pub connect_timeout_ms: Option<u32>,
}

/// The options with their defaults applied.
pub struct PostgresSettings {
  pub config: tokio_postgres::Config,
  pub ssl_mode: SslMode,
  pub ca: Option<Vec<rustls::pki_types::CertificateDer<'static>>>,
  pub pool_size: u32,
  pub connect_timeout: Duration,
  pub hash_session_tokens: bool,
  pub encryption_keys: Secrets,
  pub cleanup_interval: Option<Duration>,
}

const KNOWN: &[&str] = &[
  "url",
  "hashSessionTokens",
  "encryptionKey",
  "cleanupIntervalMs",
  "poolSize",
  "ca",
  "connectTimeoutMs",
];

/// Options of the SQLite backend that have no meaning here.
const SQLITE_ONLY: &[&str] = &["path", "busyTimeoutMs", "synchronous"];

/// Reads a URL string or an options object.
pub fn parse(value: Option<Unknown<'_>>) -> AuthResult<PostgresSettings> {
  let value = value
    .filter(|v| !matches!(v.get_type(), Ok(ValueType::Undefined | ValueType::Null)))
    .ok_or_else(|| {
      AuthError::invalid(
        METHOD,
        "options.url is required: the PostgreSQL URL, e.g. process.env.DATABASE_URL",
      )
    })?;
  if let Ok(ValueType::String) = value.get_type() {
    let url = Arg::new(METHOD, "url", value).string()?;
    return settings(PostgresDatabaseOptions {
      url,
      ..Default::default()
    });
  }
  let fields = Arg::new(METHOD, "options", value).object()?;
  for name in fields.own_keys()? {
    if SQLITE_ONLY.contains(&name.as_str()) {
      return Err(AuthError::invalid(
        METHOD,
        format!("options.{name} is an option of the SQLite backend; a PostgreSQL database (options.url) does not take it"),
      ));
    }
    reject_unknown(&name, KNOWN)?;
  }
  let optional = |key: &'static str| -> AuthResult<Option<Arg<'_>>> {
    let arg = fields.field(key)?;
    Ok((!arg.is_undefined()).then_some(arg))
  };
  let ms = |arg: Arg<'_>, name: &str, min: i64| -> AuthResult<u32> {
    let n = arg.counter()?;
    if (min..=100_000_000).contains(&n) {
      Ok(n as u32)
    } else {
      Err(AuthError::invalid(
        METHOD,
        format!("options.{name} must be from {min} to 100000000, got {n}"),
      ))
    }
  };
  let url = match optional("url")? {
    Some(arg) => arg.string()?,
    None => {
      return Err(AuthError::invalid(
        METHOD,
        "options.url is required: the PostgreSQL URL, e.g. process.env.DATABASE_URL",
      ))
    }
  };
  settings(PostgresDatabaseOptions {
    url,
    hash_session_tokens: optional("hashSessionTokens")?.map(|a| a.boolean()).transpose()?,
    encryption_key: optional("encryptionKey")?.map(encryption_keys).transpose()?,
    cleanup_interval_ms: optional("cleanupIntervalMs")?
      .map(cleanup_interval_ms)
      .transpose()?,
    pool_size: optional("poolSize")?.map(|a| ms(a, "poolSize", 1)).transpose()?,
    ca: optional("ca")?.map(|a| a.string()).transpose()?,
    connect_timeout_ms: optional("connectTimeoutMs")?
      .map(|a| ms(a, "connectTimeoutMs", 1))
      .transpose()?,
  })
}

/// The URL with the parameters tokio-postgres does not know (`sslmode`'s verify modes,
/// `sslrootcert`) taken out: the rest, the `sslmode` and the CA file.
fn split_url(url: &str) -> AuthResult<(String, SslMode, Option<String>)> {
  let mut mode = SslMode::Prefer;
  let mut root_cert = None;
  let Some((base, query)) = url.split_once('?') else {
    return Ok((url.to_string(), mode, None));
  };
  let mut kept = Vec::new();
  for pair in query.split('&').filter(|p| !p.is_empty()) {
    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
    let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
    match key {
      "sslmode" => {
        mode = SslMode::parse(&value).ok_or_else(|| {
          AuthError::invalid(
            METHOD,
            format!("options.url: sslmode must be disable, prefer, require, verify-ca or verify-full, got {value:?}"),
          )
        })?;
      }
      "sslrootcert" => root_cert = Some(value.into_owned()),
      _ => kept.push(pair),
    }
  }
  let rest = if kept.is_empty() {
    base.to_string()
  } else {
    format!("{base}?{}", kept.join("&"))
  };
  Ok((rest, mode, root_cert))
}

fn settings(options: PostgresDatabaseOptions) -> AuthResult<PostgresSettings> {
  let (url, ssl_mode, root_cert) = split_url(options.url.trim())?;
  // The parser's messages name the part that is wrong, never the URL (it holds the password).
  let mut config = tokio_postgres::Config::from_str(&url).map_err(|err| {
    AuthError::invalid(
      METHOD,
      format!("options.url is not a PostgreSQL URL (postgres://user:password@host:5432/database): {err}"),
    )
  })?;
  if !url.starts_with("postgres://") && !url.starts_with("postgresql://") && !url.contains('=') {
    return Err(AuthError::invalid(
      METHOD,
      "options.url must start with postgres:// or postgresql://",
    ));
  }
  if config.get_hosts().is_empty() {
    return Err(AuthError::invalid(METHOD, "options.url names no host"));
  }
  config.ssl_mode(ssl_mode.negotiation());
  let connect_timeout = Duration::from_millis(u64::from(
    options.connect_timeout_ms.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS),
  ));
  if config.get_connect_timeout().is_none() {
    config.connect_timeout(connect_timeout);
  }
  if config.get_application_name().is_none() {
    config.application_name("authlite");
  }
  // authlite writes: of several hosts, it wants the primary.
  if config.get_hosts().len() > 1 && config.get_target_session_attrs() == TargetSessionAttrs::Any {
    config.target_session_attrs(TargetSessionAttrs::ReadWrite);
  }
  let ca_pem = match (options.ca, root_cert) {
    (Some(pem), _) => Some(pem),
    (None, Some(file)) => Some(std::fs::read_to_string(&file).map_err(|err| {
      AuthError::invalid(
        METHOD,
        format!("options.url: cannot read sslrootcert {file:?}: {err}"),
      )
    })?),
    (None, None) => None,
  };
  let ca = ca_pem
    .map(|pem| tls::certificates(&pem).map_err(|why| AuthError::invalid(METHOD, format!("options.ca {why}"))))
    .transpose()?;
  Ok(PostgresSettings {
    config,
    ssl_mode,
    ca,
    pool_size: options.pool_size.unwrap_or(DEFAULT_POOL_SIZE),
    connect_timeout,
    hash_session_tokens: options.hash_session_tokens.unwrap_or(true),
    encryption_keys: Secrets(match options.encryption_key {
      None => Vec::new(),
      Some(napi::Either::A(key)) => vec![key],
      Some(napi::Either::B(keys)) => keys,
    }),
    cleanup_interval: options
      .cleanup_interval_ms
      .map(|ms| Duration::from_millis(u64::from(ms))),
  })
}

impl PostgresSettings {
  /// The connection pool: connections are made on demand, each checked on reuse (a connection
  /// the server closed is replaced, which is how calls reach a new primary after a failover),
  /// the most recently used first.
  pub fn pool(&self) -> AuthResult<Pool> {
    let tls = tls::client_config(self.ssl_mode, self.ca.as_deref())
      .map_err(|why| AuthError::invalid(METHOD, format!("TLS: {why}")))?;
    let manager = Manager::from_config(
      self.config.clone(),
      MakeRustlsConnect::new(tls),
      ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
      },
    );
    Pool::builder(manager)
      .max_size(self.pool_size as usize)
      // The connection used last is handed out first: at low concurrency calls keep to one
      // warm connection (and one server process) instead of cycling through every idle one,
      // which halved c1 throughput after a burst had opened the whole pool.
      .queue_mode(QueueMode::Lifo)
      .runtime(Runtime::Tokio1)
      .create_timeout(Some(
        self.connect_timeout * (self.config.get_hosts().len() as u32).max(1),
      ))
      .wait_timeout(Some(Duration::from_secs(30)))
      .build()
      .map_err(|err| {
        AuthError::new(
          Code::Internal,
          METHOD,
          format!("cannot build the connection pool: {err}"),
        )
      })
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn ssl_parameters_are_taken_out_of_the_url() {
    let (rest, mode, ca) = split_url(
      "postgres://u:p@h1:5432,h2:5433/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x",
    )
    .unwrap();
    assert_eq!(rest, "postgres://u:p@h1:5432,h2:5433/db?application_name=x");
    assert_eq!(mode, SslMode::VerifyFull);
    assert_eq!(ca.as_deref(), Some("/tmp/ca.pem"));
    assert!(split_url("postgres://h/db?sslmode=bogus").is_err());
  }

  #[test]
  fn several_hosts_default_to_the_writable_one_and_errors_hide_the_password() {
    let settings = settings(PostgresDatabaseOptions {
      url: "postgres://u:secret@h1:5432,h2:5433/db".into(),
      ..Default::default()
    })
    .unwrap();
    assert_eq!(
      settings.config.get_target_session_attrs(),
      TargetSessionAttrs::ReadWrite
    );
    assert_eq!(settings.config.get_hosts().len(), 2);
    let err = settings_err("postgres://u:secret@h1:notaport/db");
    assert!(!err.contains("secret"), "{err}");
  }

  fn settings_err(url: &str) -> String {
    match settings(PostgresDatabaseOptions {
      url: url.into(),
      ..Default::default()
    }) {
      Ok(_) => panic!("{url} was accepted"),
      Err(err) => err.to_string(),
    }
  }
}
