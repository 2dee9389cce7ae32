//! The columns authlite reads and writes, listed once per table for both backends (the tables
//! and column names are @auth/drizzle-adapter's, on SQLite and on PostgreSQL). Macros, so
//! statements are put together with `concat!` at compile time. Each list's order is the order
//! the backends' row readers take the values in.

/// `"user"`: the `User` fields, then the custom fields as a JSON object.
macro_rules! user_columns {
  () => {
    r#""id", "name", "email", "emailVerified", "image", "authlite_extra""#
  };
}

/// `"account"`: the `Account` fields, then the custom fields as a JSON object.
macro_rules! account_columns {
  () => {
    r#""userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state", "authlite_extra""#
  };
}

/// `"authenticator"`: the `Authenticator` fields.
macro_rules! authenticator_columns {
  () => {
    r#""credentialID", "userId", "providerAccountId", "credentialPublicKey", "counter", "credentialDeviceType", "credentialBackedUp", "transports""#
  };
}

/// `"session"`: the `Session` fields (the token column holds its hash by default).
macro_rules! session_columns {
  () => {
    r#""sessionToken", "userId", "expires""#
  };
}

/// `"verificationToken"`: the `VerificationToken` fields.
macro_rules! verification_token_columns {
  () => {
    r#""identifier", "token", "expires""#
  };
}
