//! Models -> the JS objects Auth.js gets back: real `Date`s, `null` for unset values, extra
//! fields after the columns.

use std::ptr;

use napi::bindgen_prelude::{JsObjectValue, JsValue, Null, Object, ToNapiValue, Unknown};
use napi::{sys, Env, JsDate};
use rusqlite::types::ValueRef;

use super::args::{ACCOUNT_COLUMNS, USER_COLUMNS};
use crate::model::{Account, Authenticator, Extra, Session, User, VerificationToken};

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

/// Adds the extra fields after the column fields, never overwriting a column, and never
/// `__proto__` (set as a property, it would replace the object's prototype).
fn add_extra(object: &mut Object<'_>, extra: Extra, columns: &[&str]) -> napi::Result<()> {
  for (key, value) in extra {
    if !columns.contains(&key.as_str()) && key != "__proto__" {
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

/// Calls `shape(sessionToken, expires, userId, name, email, emailVerified, image, extraJson)`
/// with `getSessionAndUser`'s row and returns what it returns: `adapter.js` builds the objects
/// with literals, cheaper than one napi call per property or array element. Strings go from
/// SQLite's buffer straight into JS strings; the token is the caller's own string.
pub fn shape_session_and_user_row(
  env: &Env,
  shape: &Unknown<'_>,
  token: &Unknown<'_>,
  row: &rusqlite::Row<'_>,
) -> napi::Result<sys::napi_value> {
  let raw = env.raw();
  let mut argv = [ptr::null_mut(); 8];
  argv[0] = token.raw();
  for (index, arg) in argv.iter_mut().enumerate().skip(1) {
    let value = row
      .get_ref(index - 1)
      .map_err(|err| napi::Error::from_reason(err.to_string()))?;
    let status = unsafe {
      match value {
        ValueRef::Null => sys::napi_get_null(raw, arg),
        ValueRef::Integer(n) => sys::napi_create_double(raw, n as f64, arg),
        ValueRef::Real(n) => sys::napi_create_double(raw, n, arg),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
          sys::napi_create_string_utf8(raw, bytes.as_ptr().cast(), bytes.len() as isize, arg)
        }
      }
    };
    check(status)?;
  }
  let mut this = ptr::null_mut();
  let mut result = ptr::null_mut();
  check(unsafe { sys::napi_get_undefined(raw, &mut this) })?;
  check(unsafe { sys::napi_call_function(raw, this, shape.raw(), argv.len(), argv.as_ptr(), &mut result) })?;
  Ok(result)
}

fn check(status: sys::napi_status) -> napi::Result<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(napi::Error::new(
      napi::Status::from(status),
      "cannot pass the row to JS",
    ))
  }
}

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
