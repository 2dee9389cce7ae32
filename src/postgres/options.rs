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
/// Default time to connect (per host), in milliseconds.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 5000;
/// Default time a call waits for a free connection of the pool.
const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest pool (`poolSize`, `connection_limit`).
const MAX_POOL_SIZE: u32 = 10_000;

/// URL parameters tokio-postgres reads as libpq does.
const LIBPQ_PARAMETERS: &[&str] = &[
  "user",
  "password",
  "dbname",
  "options",
  "application_name",
  "sslmode",
  "sslnegotiation",
  "host",
  "hostaddr",
  "port",
  "connect_timeout",
  "tcp_user_timeout",
  "keepalives",
  "keepalives_idle",
  "keepalives_interval",
  "keepalives_retries",
  "target_session_attrs",
  "channel_binding",
  "load_balance_hosts",
];

/// URL parameters authlite reads itself: libpq's `sslrootcert`, and those of Prisma's URLs
/// (`pgbouncer`, `connection_limit`, `pool_timeout`, `statement_cache_size`), so an app's
/// existing `DATABASE_URL` works as it is.
const OWN_PARAMETERS: &[&str] = &[
  "sslmode",
  "sslrootcert",
  "pgbouncer",
  "connection_limit",
  "pool_timeout",
  "statement_cache_size",
];

/// Options for `PostgresAdapter(options)` and `openAuthDatabase({ url, ... })`.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct PostgresDatabaseOptions {
  /// The database, as a libpq URL: `postgres://user:password@host:5432/db`. Several hosts
  /// (`postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write`) are tried in turn
  /// for the writable primary, again after a failover. `sslmode` is `disable`, `prefer` (the
  /// default), `require`, `verify-ca` or `verify-full`; `sslrootcert=<file>` names a CA file.
  /// A connection pooler's URL (PgBouncer, Supabase's and Neon's pooled URLs) works as it is, in
  /// any pool mode: authlite sends no named prepared statements. Prisma's `pgbouncer=true`,
  /// `connection_limit` (the pool size) and `pool_timeout` (seconds to wait for a connection)
  /// are understood; any other parameter libpq does not know is refused by name.
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
  /// How long a call waits for a free connection; `None`: as long as it takes.
  pub wait_timeout: Option<Duration>,
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

/// What authlite reads from the URL itself, and the URL left for tokio-postgres.
#[derive(Debug)]
struct UrlParts {
  rest: String,
  ssl_mode: SslMode,
  root_cert: Option<String>,
  /// Prisma's `connection_limit`.
  connection_limit: Option<u32>,
  /// Prisma's `pool_timeout`, in seconds (0: no limit).
  pool_timeout: Option<u32>,
}

/// Splits the URL's query: the parameters authlite reads (`sslmode`'s verify modes,
/// `sslrootcert`, Prisma's), the ones tokio-postgres reads, and any other, refused by name.
fn split_url(url: &str) -> AuthResult<UrlParts> {
  let mut parts = UrlParts {
    rest: url.to_string(),
    ssl_mode: SslMode::Prefer,
    root_cert: None,
    connection_limit: None,
    pool_timeout: None,
  };
  let Some((base, query)) = url.split_once('?') else {
    return Ok(parts);
  };
  let mut kept = Vec::new();
  for pair in query.split('&').filter(|p| !p.is_empty()) {
    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
    let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
    let whole = |max: u32| -> AuthResult<u32> {
      value.parse::<u32>().ok().filter(|n| *n <= max).ok_or_else(|| {
        AuthError::invalid(
          METHOD,
          format!("options.url: {key} must be a whole number from 0 to {max}, got {value:?}"),
        )
      })
    };
    match key {
      "sslmode" => {
        parts.ssl_mode = SslMode::parse(&value).ok_or_else(|| {
          AuthError::invalid(
            METHOD,
            format!("options.url: sslmode must be disable, prefer, require, verify-ca or verify-full, got {value:?}"),
          )
        })?;
      }
      "sslrootcert" => parts.root_cert = Some(value.into_owned()),
      // Prisma's switch for transaction poolers; authlite works through them either way.
      "pgbouncer" => {
        if value != "true" && value != "false" {
          return Err(AuthError::invalid(
            METHOD,
            format!("options.url: pgbouncer must be true or false, got {value:?}"),
          ));
        }
      }
      "connection_limit" => {
        let n = whole(MAX_POOL_SIZE)?;
        if n == 0 {
          return Err(AuthError::invalid(
            METHOD,
            format!("options.url: connection_limit must be a whole number from 1 to {MAX_POOL_SIZE}, got 0"),
          ));
        }
        parts.connection_limit = Some(n);
      }
      "pool_timeout" => parts.pool_timeout = Some(whole(86_400)?),
      // Prisma's size of its prepared-statement cache: authlite prepares none.
      "statement_cache_size" => {
        whole(u32::MAX)?;
      }
      "schema" => {
        return Err(AuthError::invalid(
          METHOD,
          "options.url has the parameter \"schema\" (Prisma's), which authlite does not take: it uses the tables its role finds on its search_path; remove the parameter, and if the tables are in another schema set the role's search_path (ALTER ROLE <role> SET search_path TO <schema>, public)",
        ));
      }
      _ if LIBPQ_PARAMETERS.contains(&key) => kept.push(pair),
      _ => {
        let known: Vec<&str> = LIBPQ_PARAMETERS
          .iter()
          .chain(OWN_PARAMETERS.iter().skip(1))
          .copied()
          .collect();
        let hint = crate::options::closest(key, &known)
          .map(|name| format!(" (did you mean {name}?)"))
          .unwrap_or_default();
        return Err(AuthError::invalid(
          METHOD,
          format!(
            "options.url has the parameter {key:?}, which authlite does not know{hint}; it takes {}",
            known.join(", ")
          ),
        ));
      }
    }
  }
  parts.rest = if kept.is_empty() {
    base.to_string()
  } else {
    format!("{base}?{}", kept.join("&"))
  };
  Ok(parts)
}

fn settings(options: PostgresDatabaseOptions) -> AuthResult<PostgresSettings> {
  let UrlParts {
    rest: url,
    ssl_mode,
    root_cert,
    connection_limit,
    pool_timeout,
  } = split_url(options.url.trim())?;
  let pool_size = match (options.pool_size, connection_limit) {
    (Some(size), Some(limit)) if size != limit => {
      return Err(AuthError::invalid(
        METHOD,
        format!(
          "options.url's connection_limit={limit} and options.poolSize {size} disagree; give one of them"
        ),
      ))
    }
    (size, limit) => size.or(limit).unwrap_or(DEFAULT_POOL_SIZE),
  };
  // The parser's messages name the part that is wrong, never the URL (it holds the password).
  let mut config = tokio_postgres::Config::from_str(&url).map_err(|err| {
    AuthError::invalid(
      METHOD,
      format!(
        "options.url is not a PostgreSQL URL (postgres://user:password@host:5432/database): {}",
        super::error::with_causes(&err)
      ),
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
    pool_size,
    connect_timeout,
    wait_timeout: match pool_timeout {
      None => Some(DEFAULT_WAIT_TIMEOUT),
      Some(0) => None,
      Some(seconds) => Some(Duration::from_secs(u64::from(seconds))),
    },
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
      .wait_timeout(self.wait_timeout)
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
    let parts = split_url(
      "postgres://u:p@h1:5432,h2:5433/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x",
    )
    .unwrap();
    assert_eq!(parts.rest, "postgres://u:p@h1:5432,h2:5433/db?application_name=x");
    assert_eq!(parts.ssl_mode, SslMode::VerifyFull);
    assert_eq!(parts.root_cert.as_deref(), Some("/tmp/ca.pem"));
    assert!(split_url("postgres://h/db?sslmode=bogus").is_err());
  }

  #[test]
  fn prisma_parameters_are_read_and_unknown_ones_named() {
    let parts = split_url(
      "postgres://u:p@h:6543/db?pgbouncer=true&connection_limit=1&pool_timeout=0&statement_cache_size=0&connect_timeout=3",
    )
    .unwrap();
    assert_eq!(parts.rest, "postgres://u:p@h:6543/db?connect_timeout=3");
    assert_eq!((parts.connection_limit, parts.pool_timeout), (Some(1), Some(0)));
    let err = split_url("postgres://h/db?pgbouncr=true").unwrap_err().message;
    assert!(
      err.contains("\"pgbouncr\"") && err.contains("did you mean pgbouncer?"),
      "{err}"
    );
    assert!(split_url("postgres://h/db?pgbouncer=1").is_err());
    assert!(split_url("postgres://h/db?connection_limit=0").is_err());
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
    assert!(err.contains("port"), "the message names what is wrong: {err}");
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
