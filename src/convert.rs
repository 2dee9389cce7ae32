//! JS values <-> models: reading and checking adapter arguments, and building the objects
//! Auth.js gets back. Every check names the method and the field, so the message says what to
//! fix. Dates cross as real `Date`s, missing values come back as `null`, and fields without a
//! column round-trip through JSON with `JSON.stringify`'s rules.

use napi::bindgen_prelude::{
  FromNapiValue, Function, JsObjectValue, JsValue, KeyCollectionMode, KeyConversion, KeyFilter, Null, Object,
  ToNapiValue, Unknown,
};
use napi::{sys, Env, JsDate, ValueType};

use crate::error::{AuthError, AuthResult};
use crate::model::{
  Account, Authenticator, Extra, Session, SessionPatch, User, UserPatch, VerificationToken,
};

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// What a JS value is, in the words of an error message.
fn describe(value: &Unknown<'_>) -> String {
  let kind = match value.get_type() {
    Ok(ValueType::Undefined) => "undefined",
    Ok(ValueType::Null) => "null",
    Ok(ValueType::Boolean) => "a boolean",
    Ok(ValueType::Number) => "a number",
    Ok(ValueType::String) => "a string",
    Ok(ValueType::Symbol) => "a symbol",
    Ok(ValueType::Function) => "a function",
    Ok(ValueType::BigInt) => "a bigint",
    Ok(ValueType::Object) if value.is_array().unwrap_or(false) => "an array",
    Ok(ValueType::Object) if value.is_date().unwrap_or(false) => "a Date",
    Ok(ValueType::Object) => "an object",
    _ => "an unsupported value",
  };
  kind.to_string()
}

fn is_nullish(value: &Unknown<'_>) -> bool {
  matches!(value.get_type(), Ok(ValueType::Undefined | ValueType::Null))
}

/// One JS value being read as the argument or field `what` of `method`.
pub struct Arg<'env> {
  method: &'static str,
  what: String,
  value: Unknown<'env>,
}

impl<'env> Arg<'env> {
  pub fn new(method: &'static str, what: impl Into<String>, value: Unknown<'env>) -> Self {
    Arg {
      method,
      what: what.into(),
      value,
    }
  }

  fn wrong(&self, expected: &str) -> AuthError {
    AuthError::invalid(
      self.method,
      format!("{} must be {expected}, got {}", self.what, describe(&self.value)),
    )
  }

  /// The JS type of the value.
  pub fn value_type(&self) -> Option<ValueType> {
    self.value.get_type().ok()
  }

  fn is(&self, kind: ValueType) -> bool {
    self.value.get_type().map(|t| t == kind).unwrap_or(false)
  }

  fn cast<T: FromNapiValue>(&self, expected: &str) -> AuthResult<T> {
    // SAFETY: every caller checked the value's type first.
    unsafe { self.value.cast::<T>() }.map_err(|_| self.wrong(expected))
  }

  /// A string.
  pub fn string(&self) -> AuthResult<String> {
    if !self.is(ValueType::String) {
      return Err(self.wrong("a string"));
    }
    self.cast("a string")
  }

  /// A non-empty string (ids and keys).
  pub fn key(&self) -> AuthResult<String> {
    let text = self.string()?;
    if text.is_empty() {
      return Err(AuthError::invalid(
        self.method,
        format!("{} must be a non-empty string", self.what),
      ));
    }
    Ok(text)
  }

  /// A valid `Date`, as milliseconds since the epoch.
  pub fn date(&self) -> AuthResult<i64> {
    if !self.value.is_date().unwrap_or(false) {
      return Err(self.wrong("a Date"));
    }
    let ms = self
      .cast::<JsDate<'_>>("a Date")?
      .value_of()
      .map_err(|_| self.wrong("a Date"))?;
    if !ms.is_finite() {
      return Err(AuthError::invalid(
        self.method,
        format!("{} is an invalid Date", self.what),
      ));
    }
    Ok(ms as i64)
  }

  /// A finite number.
  pub fn number(&self) -> AuthResult<f64> {
    if !self.is(ValueType::Number) {
      return Err(self.wrong("a number"));
    }
    let n: f64 = self.cast("a number")?;
    if !n.is_finite() {
      return Err(AuthError::invalid(
        self.method,
        format!("{} must be a finite number, got {n}", self.what),
      ));
    }
    Ok(n)
  }

  /// A whole number from 0 up to `Number.MAX_SAFE_INTEGER`.
  pub fn counter(&self) -> AuthResult<i64> {
    let n = self.number()?;
    if n < 0.0 || n.fract() != 0.0 || n > MAX_SAFE_INTEGER {
      return Err(AuthError::invalid(
        self.method,
        format!("{} must be a non-negative integer, got {n}", self.what),
      ));
    }
    Ok(n as i64)
  }

  /// A boolean.
  pub fn boolean(&self) -> AuthResult<bool> {
    if !self.is(ValueType::Boolean) {
      return Err(self.wrong("a boolean"));
    }
    self.cast("a boolean")
  }

  /// A plain object (not null, not an array), to read fields from.
  pub fn object(self) -> AuthResult<Fields<'env>> {
    if !self.is(ValueType::Object) || self.value.is_array().unwrap_or(false) {
      return Err(self.wrong("an object"));
    }
    let object: Object<'env> = self.cast("an object")?;
    Ok(Fields {
      method: self.method,
      what: self.what,
      object,
    })
  }
}

/// The fields of one object argument, e.g. `user` of `createUser`.
pub struct Fields<'env> {
  method: &'static str,
  what: String,
  object: Object<'env>,
}

impl<'env> Fields<'env> {
  /// The field `key`, as an `Arg` named `user.key`.
  pub fn field(&self, key: &str) -> AuthResult<Arg<'env>> {
    let value = self
      .object
      .get_named_property::<Unknown<'env>>(key)
      .map_err(|err| {
        AuthError::invalid(
          self.method,
          format!("cannot read {}.{key}: {}", self.what, err.reason),
        )
      })?;
    Ok(Arg::new(self.method, format!("{}.{key}", self.what), value))
  }

  /// A field that may be absent (`None`), null (`Some(None)`) or set.
  fn optional<T>(
    &self,
    key: &str,
    read: impl FnOnce(&Arg<'env>) -> AuthResult<T>,
  ) -> AuthResult<Option<Option<T>>> {
    let arg = self.field(key)?;
    match arg.value.get_type() {
      Ok(ValueType::Undefined) => Ok(None),
      Ok(ValueType::Null) => Ok(Some(None)),
      _ => read(&arg).map(|v| Some(Some(v))),
    }
  }

  pub fn key(&self, key: &str) -> AuthResult<String> {
    self.field(key)?.key()
  }

  pub fn date(&self, key: &str) -> AuthResult<i64> {
    self.field(key)?.date()
  }

  pub fn counter(&self, key: &str) -> AuthResult<i64> {
    self.field(key)?.counter()
  }

  pub fn boolean(&self, key: &str) -> AuthResult<bool> {
    self.field(key)?.boolean()
  }

  /// A string or null; absent counts as null.
  pub fn nullable_string(&self, key: &str) -> AuthResult<Option<String>> {
    Ok(self.patch_string(key)?.flatten())
  }

  /// A string, null, or absent (left unchanged).
  pub fn patch_string(&self, key: &str) -> AuthResult<Option<Option<String>>> {
    self.optional(key, Arg::string)
  }

  /// A Date, null, or absent (left unchanged).
  pub fn patch_date(&self, key: &str) -> AuthResult<Option<Option<i64>>> {
    self.optional(key, Arg::date)
  }

  /// A finite number or null; absent counts as null.
  pub fn nullable_number(&self, key: &str) -> AuthResult<Option<f64>> {
    Ok(self.optional(key, Arg::number)?.flatten())
  }

  /// The names of the object's own enumerable string-keyed fields.
  pub fn own_keys(&self) -> AuthResult<Vec<String>> {
    let fail = |err: napi::Error| {
      AuthError::invalid(self.method, format!("cannot read {}: {}", self.what, err.reason))
    };
    let names = self
      .object
      .get_all_property_names(
        KeyCollectionMode::OwnOnly,
        KeyFilter::Enumerable,
        KeyConversion::NumbersToStrings,
      )
      .map_err(fail)?;
    let mut keys = Vec::new();
    for index in 0..names.get_array_length().map_err(fail)? {
      let name: Unknown<'_> = names.get_element(index).map_err(fail)?;
      if let Ok(ValueType::String) = name.get_type() {
        // SAFETY: the type was checked just above.
        keys.push(unsafe { name.cast::<String>() }.map_err(fail)?);
      }
    }
    Ok(keys)
  }

  /// The own enumerable fields not named in `columns`, as JSON (`JSON.stringify`'s rules: a
  /// Date becomes its ISO string, `undefined` and functions are left out).
  pub fn extra(&self, env: &Env, columns: &[&str]) -> AuthResult<Extra> {
    let fail = |err: napi::Error| {
      AuthError::invalid(self.method, format!("cannot read {}: {}", self.what, err.reason))
    };
    let mut rest = Object::new(env).map_err(fail)?;
    let mut any = false;
    for name in self.own_keys()? {
      if columns.contains(&name.as_str()) {
        continue;
      }
      let value: Unknown<'_> = self.object.get_named_property(&name).map_err(fail)?;
      rest.set_named_property(&name, value).map_err(fail)?;
      any = true;
    }
    if !any {
      return Ok(Extra::new());
    }
    let json = stringify(env, &rest).map_err(|err| {
      AuthError::invalid(
        self.method,
        format!(
          "{} has a field that cannot be stored as JSON: {}",
          self.what, err.reason
        ),
      )
    })?;
    match serde_json::from_str(&json) {
      Ok(serde_json::Value::Object(map)) => Ok(map),
      _ => Err(AuthError::invalid(
        self.method,
        format!("{} has fields that cannot be stored as JSON", self.what),
      )),
    }
  }
}

/// `JSON.stringify(value)`, run by the JS engine so its rules (toJSON, Dates) apply exactly.
fn stringify(env: &Env, value: &Object<'_>) -> napi::Result<String> {
  let json: Object<'_> = env.get_global()?.get_named_property("JSON")?;
  let stringify: Function<'_, Unknown<'_>, String> = json.get_named_property("stringify")?;
  stringify.call(value.to_unknown())
}

/// Sets `key` to `value`, or to `null` when there is none (Auth.js expects `null`, not absent).
fn set<T: ToNapiValue>(object: &mut Object<'_>, key: &str, value: Option<T>) -> napi::Result<()> {
  match value {
    Some(value) => object.set_named_property(key, value),
    None => object.set_named_property(key, Null),
  }
}

fn date<'env>(env: &'env Env, ms: i64) -> napi::Result<JsDate<'env>> {
  env.create_date(ms as f64)
}

/// Adds the extra fields after the column fields, never overwriting a column.
fn add_extra(object: &mut Object<'_>, extra: Extra, columns: &[&str]) -> napi::Result<()> {
  for (key, value) in extra {
    if !columns.contains(&key.as_str()) {
      object.set_named_property(&key, value)?;
    }
  }
  Ok(())
}

fn user_object(env: &Env, user: User) -> napi::Result<Object<'_>> {
  let mut object = Object::new(env)?;
  object.set_named_property("id", user.id)?;
  set(&mut object, "name", user.name)?;
  set(&mut object, "email", user.email)?;
  set(
    &mut object,
    "emailVerified",
    user.email_verified.map(|ms| date(env, ms)).transpose()?,
  )?;
  set(&mut object, "image", user.image)?;
  add_extra(&mut object, user.extra, USER_COLUMNS)?;
  Ok(object)
}

fn session_object(env: &Env, session: Session) -> napi::Result<Object<'_>> {
  let mut object = Object::new(env)?;
  object.set_named_property("sessionToken", session.session_token)?;
  object.set_named_property("userId", session.user_id)?;
  object.set_named_property("expires", date(env, session.expires)?)?;
  Ok(object)
}

/// Implements `ToNapiValue` for a model through a function that builds its object.
macro_rules! to_js {
  ($model:ty, $build:expr) => {
    impl ToNapiValue for $model {
      unsafe fn to_napi_value(raw: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        let env = Env::from_raw(raw);
        let object = $build(&env, value)?;
        Ok(object.raw())
      }
    }
  };
}

to_js!(User, user_object);
to_js!(Session, session_object);

/// `getSessionAndUser`'s result.
pub struct SessionAndUser(pub Session, pub User);

fn session_and_user_object(
  env: &Env,
  SessionAndUser(session, user): SessionAndUser,
) -> napi::Result<Object<'_>> {
  let mut object = Object::new(env)?;
  object.set_named_property("session", session_object(env, session)?)?;
  object.set_named_property("user", user_object(env, user)?)?;
  Ok(object)
}

to_js!(SessionAndUser, session_and_user_object);

fn account_object(env: &Env, account: Account) -> napi::Result<Object<'_>> {
  let mut object = Object::new(env)?;
  object.set_named_property("userId", account.user_id)?;
  object.set_named_property("type", account.kind)?;
  object.set_named_property("provider", account.provider)?;
  object.set_named_property("providerAccountId", account.provider_account_id)?;
  set(&mut object, "refresh_token", account.refresh_token)?;
  set(&mut object, "access_token", account.access_token)?;
  set(&mut object, "expires_at", account.expires_at)?;
  set(&mut object, "token_type", account.token_type)?;
  set(&mut object, "scope", account.scope)?;
  set(&mut object, "id_token", account.id_token)?;
  set(&mut object, "session_state", account.session_state)?;
  add_extra(&mut object, account.extra, ACCOUNT_COLUMNS)?;
  Ok(object)
}

to_js!(Account, account_object);

fn verification_token_object(env: &Env, token: VerificationToken) -> napi::Result<Object<'_>> {
  let mut object = Object::new(env)?;
  object.set_named_property("identifier", token.identifier)?;
  object.set_named_property("token", token.token)?;
  object.set_named_property("expires", date(env, token.expires)?)?;
  Ok(object)
}

to_js!(VerificationToken, verification_token_object);

fn authenticator_object(env: &Env, auth: Authenticator) -> napi::Result<Object<'_>> {
  let mut object = Object::new(env)?;
  object.set_named_property("credentialID", auth.credential_id)?;
  object.set_named_property("userId", auth.user_id)?;
  object.set_named_property("providerAccountId", auth.provider_account_id)?;
  object.set_named_property("credentialPublicKey", auth.credential_public_key)?;
  object.set_named_property("counter", auth.counter as f64)?;
  object.set_named_property("credentialDeviceType", auth.credential_device_type)?;
  object.set_named_property("credentialBackedUp", auth.credential_backed_up)?;
  set(&mut object, "transports", auth.transports)?;
  Ok(object)
}

to_js!(Authenticator, authenticator_object);

// ---- adapter arguments -> models ----

const USER_COLUMNS: &[&str] = &["id", "name", "email", "emailVerified", "image"];
const ACCOUNT_COLUMNS: &[&str] = &[
  "userId",
  "type",
  "provider",
  "providerAccountId",
  "refresh_token",
  "access_token",
  "expires_at",
  "token_type",
  "scope",
  "id_token",
  "session_state",
];

/// `createUser(user)`: keeps the `id` Auth.js passes, or makes a UUID when there is none.
pub fn user(env: &Env, value: Unknown<'_>) -> AuthResult<User> {
  let fields = Arg::new("createUser", "user", value).object()?;
  let id = match fields.field("id")? {
    id if is_nullish(&id.value) => uuid::Uuid::new_v4().to_string(),
    id => id.key()?,
  };
  Ok(User {
    id,
    name: fields.nullable_string("name")?,
    email: fields.nullable_string("email")?,
    email_verified: fields.patch_date("emailVerified")?.flatten(),
    image: fields.nullable_string("image")?,
    extra: fields.extra(env, USER_COLUMNS)?,
  })
}

/// `updateUser(user)`: the id and the fields to change.
pub fn user_patch(env: &Env, value: Unknown<'_>) -> AuthResult<UserPatch> {
  let fields = Arg::new("updateUser", "user", value).object()?;
  Ok(UserPatch {
    id: fields.key("id")?,
    name: fields.patch_string("name")?,
    email: fields.patch_string("email")?,
    email_verified: fields.patch_date("emailVerified")?,
    image: fields.patch_string("image")?,
    extra: fields.extra(env, USER_COLUMNS)?,
  })
}

/// `linkAccount(account)`.
pub fn account(env: &Env, value: Unknown<'_>) -> AuthResult<Account> {
  let fields = Arg::new("linkAccount", "account", value).object()?;
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
    extra: fields.extra(env, ACCOUNT_COLUMNS)?,
  })
}

/// `{ provider, providerAccountId }` of `getUserByAccount` and `unlinkAccount`.
pub fn account_key(method: &'static str, value: Unknown<'_>) -> AuthResult<(String, String)> {
  let fields = Arg::new(method, "account", value).object()?;
  Ok((fields.key("provider")?, fields.key("providerAccountId")?))
}

/// `createSession(session)`.
pub fn session(value: Unknown<'_>) -> AuthResult<Session> {
  let fields = Arg::new("createSession", "session", value).object()?;
  Ok(Session {
    session_token: fields.key("sessionToken")?,
    user_id: fields.key("userId")?,
    expires: fields.date("expires")?,
  })
}

/// `updateSession(session)`: the token, and a new `expires` and/or `userId`.
pub fn session_patch(value: Unknown<'_>) -> AuthResult<SessionPatch> {
  let fields = Arg::new("updateSession", "session", value).object()?;
  let user_id = fields.field("userId")?;
  let expires = fields.field("expires")?;
  Ok(SessionPatch {
    session_token: fields.key("sessionToken")?,
    user_id: if is_absent_only(&user_id.value) {
      None
    } else {
      Some(user_id.key()?)
    },
    expires: if is_absent_only(&expires.value) {
      None
    } else {
      Some(expires.date()?)
    },
  })
}

fn is_absent_only(value: &Unknown<'_>) -> bool {
  matches!(value.get_type(), Ok(ValueType::Undefined))
}

/// `createVerificationToken(token)`.
pub fn verification_token(value: Unknown<'_>) -> AuthResult<VerificationToken> {
  let fields = Arg::new("createVerificationToken", "verificationToken", value).object()?;
  Ok(VerificationToken {
    identifier: fields.key("identifier")?,
    token: fields.key("token")?,
    expires: fields.date("expires")?,
  })
}

/// `{ identifier, token }` of `useVerificationToken`.
pub fn verification_token_key(value: Unknown<'_>) -> AuthResult<(String, String)> {
  let fields = Arg::new("useVerificationToken", "params", value).object()?;
  Ok((fields.key("identifier")?, fields.key("token")?))
}

/// `createAuthenticator(authenticator)`.
pub fn authenticator(value: Unknown<'_>) -> AuthResult<Authenticator> {
  let fields = Arg::new("createAuthenticator", "authenticator", value).object()?;
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
