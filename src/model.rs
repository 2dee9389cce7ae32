//! The records authlite stores, as plain Rust values. Times are integer milliseconds since the
//! Unix epoch; `Extra` holds the fields of a user or account that have no column of their own.

/// Fields without a column, stored as one JSON object.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// An Auth.js `AdapterUser`.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
  pub id: String,
  pub name: Option<String>,
  pub email: Option<String>,
  pub email_verified: Option<i64>,
  pub image: Option<String>,
  pub extra: Extra,
}

impl User {
  /// Applies an `updateUser` patch: the given fields replace the stored ones (`null` clears),
  /// the given custom fields are merged into the stored ones.
  pub fn apply(&mut self, patch: &UserPatch) {
    if let Some(name) = &patch.name {
      self.name = name.clone();
    }
    if let Some(email) = &patch.email {
      self.email = email.clone();
    }
    if let Some(email_verified) = patch.email_verified {
      self.email_verified = email_verified;
    }
    if let Some(image) = &patch.image {
      self.image = image.clone();
    }
    self.extra.extend(patch.extra.clone());
  }
}

/// The argument of `updateUser`: `None` leaves a field as it is, `Some(None)` sets it to null.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPatch {
  pub id: String,
  pub name: Option<Option<String>>,
  pub email: Option<Option<String>>,
  pub email_verified: Option<Option<i64>>,
  pub image: Option<Option<String>>,
  /// Extra fields to set; a JSON `null` value stores null.
  pub extra: Extra,
}

/// An Auth.js `AdapterAccount`.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
  pub user_id: String,
  /// Auth.js's `type`: "oauth", "oidc", "email" or "webauthn".
  pub kind: String,
  pub provider: String,
  pub provider_account_id: String,
  pub refresh_token: Option<String>,
  pub access_token: Option<String>,
  /// Seconds since the epoch, as OAuth providers give it.
  pub expires_at: Option<f64>,
  pub token_type: Option<String>,
  pub scope: Option<String>,
  pub id_token: Option<String>,
  pub session_state: Option<String>,
  pub extra: Extra,
}

/// An Auth.js `AdapterSession`. `session_token` is the token itself, never its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
  pub session_token: String,
  pub user_id: String,
  pub expires: i64,
}

/// The argument of `updateSession`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPatch {
  pub session_token: String,
  pub user_id: Option<String>,
  pub expires: Option<i64>,
}

/// An Auth.js `VerificationToken` (magic-link token, already hashed by Auth.js).
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationToken {
  pub identifier: String,
  pub token: String,
  pub expires: i64,
}

/// An Auth.js `AdapterAuthenticator` (a WebAuthn passkey).
#[derive(Debug, Clone, PartialEq)]
pub struct Authenticator {
  pub credential_id: String,
  pub user_id: String,
  pub provider_account_id: String,
  pub credential_public_key: String,
  pub counter: i64,
  pub credential_device_type: String,
  pub credential_backed_up: bool,
  pub transports: Option<String>,
}
