//! Adapter arguments -> models: which fields each method reads, and how.

use napi::bindgen_prelude::Unknown;

use super::js::Shape;
use super::value::Arg;
use crate::error::AuthResult;
use crate::methods;
use crate::model::{Account, Authenticator, Session, SessionPatch, User, UserPatch, VerificationToken};

/// `createUser(user)`: keeps the `id` Auth.js passes, or makes a UUID when there is none.
pub fn user(value: Unknown<'_>) -> AuthResult<User> {
  let fields = Arg::new(methods::CREATE_USER, "user", value).record(Shape::User)?;
  let id = match fields.field("id")? {
    id if id.is_nullish() => uuid::Uuid::new_v4().to_string(),
    id => id.key()?,
  };
  Ok(User {
    id,
    name: fields.nullable_string("name")?,
    email: fields.patch_short_string("email")?.flatten(),
    email_verified: fields.patch_date("emailVerified")?.flatten(),
    image: fields.nullable_string("image")?,
    extra: fields.extra()?,
  })
}

/// `updateUser(user)`: the id and the fields to change.
pub fn user_patch(value: Unknown<'_>) -> AuthResult<UserPatch> {
  let fields = Arg::new(methods::UPDATE_USER, "user", value).record(Shape::User)?;
  Ok(UserPatch {
    id: fields.key("id")?,
    name: fields.patch_string("name")?,
    email: fields.patch_short_string("email")?,
    email_verified: fields.patch_date("emailVerified")?,
    image: fields.patch_string("image")?,
    extra: fields.extra()?,
  })
}

/// `linkAccount(account)`.
pub fn account(value: Unknown<'_>) -> AuthResult<Account> {
  let fields = Arg::new(methods::LINK_ACCOUNT, "account", value).record(Shape::Account)?;
  Ok(Account {
    user_id: fields.key("userId")?,
    kind: fields.key("type")?,
    provider: fields.key("provider")?,
    provider_account_id: fields.key("providerAccountId")?,
    refresh_token: fields.nullable_string("refresh_token")?,
    access_token: fields.nullable_string("access_token")?,
    expires_at: fields.nullable_number("expires_at")?,
    token_type: fields.nullable_string("token_type")?,
    scope: fields.nullable_string("scope")?,
    id_token: fields.nullable_string("id_token")?,
    session_state: fields.nullable_string("session_state")?,
    extra: fields.extra()?,
  })
}

/// `{ provider, providerAccountId }` of `getUserByAccount` and `unlinkAccount`.
pub fn account_key(method: &'static str, value: Unknown<'_>) -> AuthResult<(String, String)> {
  let fields = Arg::new(method, "account", value).record(Shape::AccountKey)?;
  Ok((fields.key("provider")?, fields.key("providerAccountId")?))
}

/// `createSession(session)`.
pub fn session(value: Unknown<'_>) -> AuthResult<Session> {
  let fields = Arg::new(methods::CREATE_SESSION, "session", value).record(Shape::Session)?;
  Ok(Session {
    session_token: fields.key("sessionToken")?,
    user_id: fields.key("userId")?,
    expires: fields.date("expires")?,
  })
}

/// `updateSession(session)`: the token, and a new `expires` and/or `userId`.
pub fn session_patch(value: Unknown<'_>) -> AuthResult<SessionPatch> {
  let fields = Arg::new(methods::UPDATE_SESSION, "session", value).record(Shape::Session)?;
  let user_id = fields.field("userId")?;
  let expires = fields.field("expires")?;
  Ok(SessionPatch {
    session_token: fields.key("sessionToken")?,
    user_id: if user_id.is_undefined() {
      None
    } else {
      Some(user_id.key()?)
    },
    expires: if expires.is_undefined() {
      None
    } else {
      Some(expires.date()?)
    },
  })
}

/// `createVerificationToken(token)`.
pub fn verification_token(value: Unknown<'_>) -> AuthResult<VerificationToken> {
  let fields = Arg::new(methods::CREATE_VERIFICATION_TOKEN, "verificationToken", value)
    .record(Shape::VerificationToken)?;
  Ok(VerificationToken {
    identifier: fields.key("identifier")?,
    token: fields.key("token")?,
    expires: fields.date("expires")?,
  })
}

/// `{ identifier, token }` of `useVerificationToken`.
pub fn verification_token_key(value: Unknown<'_>) -> AuthResult<(String, String)> {
  let fields =
    Arg::new(methods::USE_VERIFICATION_TOKEN, "params", value).record(Shape::VerificationTokenKey)?;
  Ok((fields.key("identifier")?, fields.key("token")?))
}

/// `createAuthenticator(authenticator)`.
pub fn authenticator(value: Unknown<'_>) -> AuthResult<Authenticator> {
  let fields =
    Arg::new(methods::CREATE_AUTHENTICATOR, "authenticator", value).record(Shape::Authenticator)?;
  Ok(Authenticator {
    credential_id: fields.key("credentialID")?,
    user_id: fields.key("userId")?,
    provider_account_id: fields.key("providerAccountId")?,
    credential_public_key: fields.key("credentialPublicKey")?,
    counter: fields.counter("counter")?,
    credential_device_type: fields.key("credentialDeviceType")?,
    credential_backed_up: fields.boolean("credentialBackedUp")?,
    transports: fields.nullable_string("transports")?,
  })
}

/// `getAccount(providerAccountId, provider)`: `(providerAccountId, provider)`.
pub fn get_account_args(
  provider_account_id: Unknown<'_>,
  provider: Unknown<'_>,
) -> AuthResult<(String, String)> {
  const METHOD: &str = methods::GET_ACCOUNT;
  Ok((
    Arg::new(METHOD, "providerAccountId", provider_account_id).key()?,
    Arg::new(METHOD, "provider", provider).key()?,
  ))
}

/// `updateAuthenticatorCounter(credentialID, newCounter)`.
pub fn counter_update(credential_id: Unknown<'_>, new_counter: Unknown<'_>) -> AuthResult<(String, i64)> {
  const METHOD: &str = methods::UPDATE_AUTHENTICATOR_COUNTER;
  Ok((
    Arg::new(METHOD, "credentialID", credential_id).key()?,
    Arg::new(METHOD, "newCounter", new_counter).counter()?,
  ))
}

/// `findUsers({ search, limit })`: the text to look for (none: everyone) and the most users to
/// return (default 50, at most 10,000).
pub fn find_users_args(value: Option<Unknown<'_>>) -> AuthResult<(Option<String>, u32)> {
  const METHOD: &str = methods::FIND_USERS;
  let Some(value) = value.filter(|v| !Arg::new(METHOD, "options", *v).is_nullish()) else {
    return Ok((None, 50));
  };
  let fields = Arg::new(METHOD, "options", value).object()?;
  let search = fields.field("search")?;
  let search = (!search.is_nullish()).then(|| search.key()).transpose()?;
  let limit = fields.field("limit")?;
  let limit = if limit.is_nullish() {
    50
  } else {
    let n = limit.counter()?;
    if !(1..=10_000).contains(&n) {
      return Err(crate::error::AuthError::invalid(
        METHOD,
        format!("options.limit must be from 1 to 10000, got {n}"),
      ));
    }
    n as u32
  };
  Ok((search, limit))
}
