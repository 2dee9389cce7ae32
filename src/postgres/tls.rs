//! TLS for PostgreSQL connections, through rustls (no OpenSSL). The `sslmode` of the URL means
//! what it means to libpq, with one difference for safety's sake: whenever a CA is given (the
//! `ca` option or `sslrootcert=` in the URL), the server's certificate is checked against it.
//!
//! | sslmode              | encrypted        | certificate checked                            |
//! |----------------------|------------------|------------------------------------------------|
//! | `disable`            | no               | -                                              |
//! | `prefer` (default)   | if the server can| against the CA when one is given, else not     |
//! | `require`            | yes              | against the CA when one is given, else not     |
//! | `verify-ca`          | yes              | chain against the CA (or the system's roots)   |
//! | `verify-full`        | yes              | chain and host name, as `verify-ca`            |

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
  Disable,
  Prefer,
  Require,
  VerifyCa,
  VerifyFull,
}

impl SslMode {
  /// Parses an `sslmode` value (`allow` is taken as `prefer`, as authlite never downgrades).
  pub fn parse(value: &str) -> Option<Self> {
    Some(match value {
      "disable" => SslMode::Disable,
      "allow" | "prefer" => SslMode::Prefer,
      "require" => SslMode::Require,
      "verify-ca" => SslMode::VerifyCa,
      "verify-full" => SslMode::VerifyFull,
      _ => return None,
    })
  }

  /// The mode tokio-postgres negotiates with (it verifies nothing itself).
  pub fn negotiation(self) -> tokio_postgres::config::SslMode {
    match self {
      SslMode::Disable => tokio_postgres::config::SslMode::Disable,
      SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
      _ => tokio_postgres::config::SslMode::Require,
    }
  }
}

/// Reads the PEM certificates of a CA bundle.
pub fn certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
  let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
    .collect::<Result<Vec<_>, _>>()
    .map_err(|err| format!("is not a PEM certificate bundle ({err})"))?;
  if certs.is_empty() {
    return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
  }
  Ok(certs)
}

fn provider() -> Arc<CryptoProvider> {
  Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls client configuration for `mode`, checking certificates against `ca` when given.
pub fn client_config(mode: SslMode, ca: Option<&[CertificateDer<'static>]>) -> Result<ClientConfig, String> {
  let provider = provider();
  let verifier: Arc<dyn ServerCertVerifier> = match (mode, ca) {
    (SslMode::Disable | SslMode::Prefer | SslMode::Require, None) => {
      Arc::new(EncryptOnly(Arc::clone(&provider)))
    }
    (_, ca) => {
      let mut roots = RootCertStore::empty();
      match ca {
        Some(certs) => {
          for cert in certs {
            roots
              .add(cert.clone())
              .map_err(|err| format!("the CA certificate is not usable: {err}"))?;
          }
        }
        None => {
          let native = rustls_native_certs::load_native_certs();
          roots.add_parsable_certificates(native.certs);
          if roots.is_empty() {
            return Err(format!(
              "sslmode={} needs a CA: pass its PEM as the `ca` option (no system certificates were found)",
              if mode == SslMode::VerifyFull {
                "verify-full"
              } else {
                "verify-ca"
              }
            ));
          }
        }
      }
      let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
        .build()
        .map_err(|err| format!("cannot check certificates: {err}"))?;
      Arc::new(Checked {
        inner: webpki,
        host_name: mode == SslMode::VerifyFull,
      })
    }
  };
  Ok(
    ClientConfig::builder_with_provider(provider)
      .with_safe_default_protocol_versions()
      .map_err(|err| format!("TLS setup failed: {err}"))?
      .dangerous()
      .with_custom_certificate_verifier(verifier)
      .with_no_client_auth(),
  )
}

/// Checks the chain against the roots, and the host name only for `verify-full`.
#[derive(Debug)]
struct Checked {
  inner: Arc<WebPkiServerVerifier>,
  host_name: bool,
}

impl ServerCertVerifier for Checked {
  fn verify_server_cert(
    &self,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    ocsp: &[u8],
    now: UnixTime,
  ) -> Result<ServerCertVerified, rustls::Error> {
    match self
      .inner
      .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    {
      Err(rustls::Error::InvalidCertificate(
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
      )) if !self.host_name => Ok(ServerCertVerified::assertion()),
      other => other,
    }
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    self.inner.verify_tls12_signature(message, cert, dss)
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    self.inner.verify_tls13_signature(message, cert, dss)
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self.inner.supported_verify_schemes()
  }
}

/// libpq's `require` without a CA: the connection is encrypted and the handshake signed by the
/// certificate's key, but the certificate itself is not checked.
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
  fn verify_server_cert(
    &self,
    _: &CertificateDer<'_>,
    _: &[CertificateDer<'_>],
    _: &ServerName<'_>,
    _: &[u8],
    _: UnixTime,
  ) -> Result<ServerCertVerified, rustls::Error> {
    Ok(ServerCertVerified::assertion())
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self.0.signature_verification_algorithms.supported_schemes()
  }
}
