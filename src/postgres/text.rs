//! PostgreSQL `text` cannot hold U+0000, which SQLite stores like any other character. So that
//! both backends answer the same wherever they can: a lookup by a key holding one finds
//! nothing (no stored key can hold it), and a value holding one is refused before anything is
//! sent, naming the field, instead of failing in the server with an encoding error. Custom
//! fields are unaffected: their JSON text writes the character as `\u0000`.

use crate::error::{AuthError, AuthResult};
use crate::model::{Account, Authenticator, Session, SessionPatch, User, UserPatch, VerificationToken};

/// Whether a key holds U+0000, so that no row can have it.
pub fn unstorable(key: &str) -> bool {
  key.as_bytes().contains(&0)
}

fn check(method: &'static str, fields: &[(&'static str, Option<&str>)]) -> AuthResult<()> {
  match fields.iter().find(|(_, value)| value.is_some_and(unstorable)) {
    None => Ok(()),
    Some((field, _)) => Err(AuthError::invalid(
      method,
      format!("{field} contains U+0000 (a NUL character), which PostgreSQL text cannot hold"),
    )),
  }
}

/// A record's text fields, checked before it is written.
pub trait Storable {
  fn storable(&self, method: &'static str) -> AuthResult<()>;
}

impl Storable for User {
  fn storable(&self, method: &'static str) -> AuthResult<()> {
    check(
      method,
      &[
        ("user.id", Some(&self.id)),
        ("user.name", self.name.as_deref()),
        ("user.email", self.email.as_deref()),
        ("user.image", self.image.as_deref()),
      ],
    )
  }
}

/// A patch's value for a field it sets (not `null`, not left out).
fn given(field: &Option<Option<String>>) -> Option<&str> {
  field.as_ref().and_then(|v| v.as_deref())
}

impl Storable for UserPatch {
  fn storable(&self, method: &'static str) -> AuthResult<()> {
    check(
      method,
      &[
        ("user.name", given(&self.name)),
        ("user.email", given(&self.email)),
        ("user.image", given(&self.image)),
      ],
    )
  }
}

impl Storable for Account {
  fn storable(&self, method: &'static str) -> AuthResult<()> {
    check(
      method,
      &[
        ("account.userId", Some(&self.user_id)),
        ("account.type", Some(&self.kind)),
        ("account.provider", Some(&self.provider)),
        ("account.providerAccountId", Some(&self.provider_account_id)),
        ("account.refresh_token", self.refresh_token.as_deref()),
        ("account.access_token", self.access_token.as_deref()),
        ("account.token_type", self.token_type.as_deref()),
        ("account.scope", self.scope.as_deref()),
        ("account.id_token", self.id_token.as_deref()),
        ("account.session_state", self.session_state.as_deref()),
      ],
    )
  }
}

/// A session is stored under its token's hash unless `hashSessionTokens: false`.
pub fn session(session: &Session, hashed: bool, method: &'static str) -> AuthResult<()> {
  let token = (!hashed).then_some(session.session_token.as_str());
  check(
    method,
    &[
      ("session.sessionToken", token),
      ("session.userId", Some(&session.user_id)),
    ],
  )
}

impl Storable for SessionPatch {
  fn storable(&self, method: &'static str) -> AuthResult<()> {
    check(method, &[("session.userId", self.user_id.as_deref())])
  }
}

impl Storable for VerificationToken {
  fn storable(&self, method: &'static str) -> AuthResult<()> {
    check(
      method,
      &[
        ("verificationToken.identifier", Some(&self.identifier)),
        ("verificationToken.token", Some(&self.token)),
      ],
    )
  }
}

impl Storable for Authenticator {
  fn storable(&self, method: &'static str) -> AuthResult<()> {
    check(
      method,
      &[
        ("authenticator.credentialID", Some(&self.credential_id)),
        ("authenticator.userId", Some(&self.user_id)),
        ("authenticator.providerAccountId", Some(&self.provider_account_id)),
        (
          "authenticator.credentialPublicKey",
          Some(&self.credential_public_key),
        ),
        (
          "authenticator.credentialDeviceType",
          Some(&self.credential_device_type),
        ),
        ("authenticator.transports", self.transports.as_deref()),
      ],
    )
  }
}
