//! Encryption at rest of the OAuth tokens of accounts (`access_token`, `refresh_token`,
//! `id_token`), with the `encryptionKey` option.
//!
//! Each secret is turned into a 256-bit key with HKDF-SHA256; each value is sealed with
//! XChaCha20-Poly1305 under a fresh random 192-bit nonce, with the row's identity (provider,
//! provider account id, column) as associated data, so a ciphertext copied into another row or
//! column does not decrypt. A sealed value is stored as text:
//! `authlite:enc:v1:<key id>:<base64url(nonce || ciphertext)>`, where the key id (derived with
//! HKDF too, not reversible) says which key sealed it. Values without that prefix are rows
//! written before a key was set: they read as they are until `reencrypt()` seals them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;

/// The prefix of a sealed value.
pub const PREFIX: &str = "authlite:enc:v1:";
/// The shortest secret accepted.
pub const MIN_SECRET_CHARS: usize = 32;
const SALT: &[u8] = b"authlite encryption at rest";

/// One key: its id and its cipher.
struct Key {
  id: String,
  cipher: XChaCha20Poly1305,
}

/// The keys from `encryptionKey`: the first seals, all open. Empty when none is set.
#[derive(Default)]
pub struct Keys {
  keys: Vec<Key>,
}

impl std::fmt::Debug for Keys {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    // Never the secrets: only which keys there are.
    f.debug_list().entries(self.ids()).finish()
  }
}

/// Where a value lives: what its ciphertext is bound to.
pub struct Place<'a> {
  pub provider: &'a str,
  pub provider_account_id: &'a str,
  pub column: &'a str,
}

impl Place<'_> {
  fn aad(&self) -> Vec<u8> {
    [
      b"authlite account token".as_slice(),
      self.provider.as_bytes(),
      self.provider_account_id.as_bytes(),
      self.column.as_bytes(),
    ]
    .join(&0u8)
  }
}

/// Why a sealed value did not open.
#[derive(Debug, PartialEq, Eq)]
pub enum OpenError {
  /// It is sealed but no `encryptionKey` is set.
  NoKey,
  /// No configured key has its id: a key that is not among `encryptionKey`.
  UnknownKey,
  /// The key matches but the value does not authenticate: altered, or moved from another row.
  Tampered,
  /// Not a value authlite sealed (bad encoding).
  Malformed,
}

impl std::fmt::Display for OpenError {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str(match self {
      OpenError::NoKey => "it is encrypted and no encryptionKey is set",
      OpenError::UnknownKey => "it was encrypted with a key that is not in encryptionKey",
      OpenError::Tampered => "it does not authenticate (altered, or moved from another row)",
      OpenError::Malformed => "it is not a value authlite encrypted",
    })
  }
}

impl Keys {
  /// Derives the keys; the first seals. Secrets must be checked for length by the caller.
  pub fn new<S: AsRef<str>>(secrets: &[S]) -> Keys {
    Keys {
      keys: secrets.iter().map(|s| derive(s.as_ref())).collect(),
    }
  }

  /// Whether a key is set.
  pub fn enabled(&self) -> bool {
    !self.keys.is_empty()
  }

  /// The key ids, first (sealing) key first: they identify the keys without revealing them.
  pub fn ids(&self) -> Vec<String> {
    self.keys.iter().map(|k| k.id.clone()).collect()
  }

  /// Seals `plaintext` for `place` under the first key; unchanged when no key is set.
  pub fn seal(&self, plaintext: &str, place: &Place<'_>) -> Result<String, getrandom::Error> {
    let Some(key) = self.keys.first() else {
      return Ok(plaintext.to_string());
    };
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce)?;
    let aad = place.aad();
    let sealed = key
      .cipher
      .encrypt(
        &XNonce::from(nonce),
        Payload {
          msg: plaintext.as_bytes(),
          aad: &aad,
        },
      )
      .map_err(|_| getrandom::Error::UNEXPECTED)?;
    let mut blob = nonce.to_vec();
    blob.extend_from_slice(&sealed);
    Ok(format!("{PREFIX}{}:{}", key.id, URL_SAFE_NO_PAD.encode(blob)))
  }

  /// Opens a stored value for `place`: a sealed one is decrypted, any other is returned as it is
  /// (written before a key was set).
  pub fn open(&self, stored: &str, place: &Place<'_>) -> Result<String, OpenError> {
    let Some(rest) = stored.strip_prefix(PREFIX) else {
      return Ok(stored.to_string());
    };
    if self.keys.is_empty() {
      return Err(OpenError::NoKey);
    }
    let (id, data) = rest.split_once(':').ok_or(OpenError::Malformed)?;
    let key = self
      .keys
      .iter()
      .find(|k| k.id == id)
      .ok_or(OpenError::UnknownKey)?;
    let blob = URL_SAFE_NO_PAD.decode(data).map_err(|_| OpenError::Malformed)?;
    if blob.len() < 24 {
      return Err(OpenError::Malformed);
    }
    let (nonce, sealed) = blob.split_at(24);
    let nonce: [u8; 24] = nonce.try_into().map_err(|_| OpenError::Malformed)?;
    let aad = place.aad();
    let plain = key
      .cipher
      .decrypt(
        &XNonce::from(nonce),
        Payload {
          msg: sealed,
          aad: &aad,
        },
      )
      .map_err(|_| OpenError::Tampered)?;
    String::from_utf8(plain).map_err(|_| OpenError::Malformed)
  }

  /// Whether `stored` is sealed under the first key already (`reencrypt` skips it).
  pub fn sealed_with_first(&self, stored: &str) -> bool {
    match (self.keys.first(), stored.strip_prefix(PREFIX)) {
      (Some(key), Some(rest)) => rest.split_once(':').is_some_and(|(id, _)| id == key.id),
      _ => false,
    }
  }
}

fn derive(secret: &str) -> Key {
  let hk = Hkdf::<Sha256>::new(Some(SALT), secret.as_bytes());
  let mut key = [0u8; 32];
  let mut id = [0u8; 8];
  // Both lengths are far below HKDF's limit (255 hash lengths): expand cannot fail.
  let _ = hk.expand(b"v1 account tokens key", &mut key);
  let _ = hk.expand(b"v1 key id", &mut id);
  Key {
    id: hex::encode(id),
    cipher: XChaCha20Poly1305::new(&key.into()),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const A: &str = "an encryption secret of at least 32 characters";
  const B: &str = "another secret, also at least 32 characters long";

  fn place(column: &str) -> Place<'_> {
    Place {
      provider: "github",
      provider_account_id: "42",
      column,
    }
  }

  #[test]
  fn seals_and_opens_and_binds_to_the_row() {
    let keys = Keys::new(&[A]);
    let sealed = keys.seal("gho_secret", &place("access_token")).expect("seal");
    assert!(sealed.starts_with(PREFIX) && !sealed.contains("gho_secret"));
    assert_ne!(
      sealed,
      keys.seal("gho_secret", &place("access_token")).expect("seal"),
      "fresh nonce"
    );
    assert_eq!(
      keys.open(&sealed, &place("access_token")).as_deref(),
      Ok("gho_secret")
    );
    assert_eq!(keys.open(&sealed, &place("id_token")), Err(OpenError::Tampered));
    let other = Place {
      provider: "github",
      provider_account_id: "43",
      column: "access_token",
    };
    assert_eq!(keys.open(&sealed, &other), Err(OpenError::Tampered));
    assert_eq!(keys.open("plain", &place("access_token")).as_deref(), Ok("plain"));
    assert_eq!(
      Keys::default().open(&sealed, &place("access_token")),
      Err(OpenError::NoKey)
    );
    assert_eq!(
      Keys::new(&[B]).open(&sealed, &place("access_token")),
      Err(OpenError::UnknownKey)
    );
  }

  #[test]
  fn rotation_opens_with_any_key_and_seals_with_the_first() {
    let old = Keys::new(&[A]);
    let sealed = old.seal("t", &place("refresh_token")).expect("seal");
    let rotated = Keys::new(&[B, A]);
    assert_eq!(rotated.open(&sealed, &place("refresh_token")).as_deref(), Ok("t"));
    assert!(!rotated.sealed_with_first(&sealed));
    assert!(rotated.sealed_with_first(&rotated.seal("t", &place("refresh_token")).expect("seal")));
    assert!(!format!("{rotated:?}").contains("secret"));
  }
}
