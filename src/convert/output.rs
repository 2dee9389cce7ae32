//! Models -> the JS objects Auth.js gets back: real `Date`s, `null` for unset values, extra
//! fields after the columns.

use std::ptr;

use napi::bindgen_prelude::{JsObjectValue, JsValue, Object, ToNapiValue, Unknown};
use napi::{sys, Env};
use rusqlite::types::ValueRef;

use super::js::{self, Helpers, Shape};
use crate::model::{Account, Authenticator, Extra, Session, User, VerificationToken};

/// A value passed to a shaper.
enum V<'a> {
  Str(&'a str),
  Num(f64),
  Bool(bool),
  Null,
}

impl<'a> From<&'a str> for V<'a> {
  fn from(text: &'a str) -> Self {
    V::Str(text)
  }
}

impl<'a> From<&'a Option<String>> for V<'a> {
  fn from(text: &'a Option<String>) -> Self {
    text.as_deref().map_or(V::Null, V::Str)
  }
}

fn ms(value: Option<i64>) -> V<'static> {
  value.map_or(V::Null, |ms| V::Num(ms as f64))
}

unsafe fn to_js(env: sys::napi_env, value: &V<'_>) -> napi::Result<sys::napi_value> {
  let mut out = ptr::null_mut();
  let status = match value {
    V::Str(text) => sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut out),
    V::Num(n) => sys::napi_create_double(env, *n, &mut out),
    V::Bool(b) => sys::napi_get_boolean(env, *b, &mut out),
    V::Null => sys::napi_get_null(env, &mut out),
  };
  check(status)?;
  Ok(out)
}

/// Builds a `shape` object with its JS shaper: the column values in `Shape::keys` order, then
/// for users and accounts the extra fields as JSON (`null` when there are none).
fn build(env: &Env, shape: Shape, values: &[V<'_>], extra: Option<&Extra>) -> napi::Result<sys::napi_value> {
  let raw = env.raw();
  let helpers = Helpers::get(raw)?;
  let shaper = helpers.shaper(raw, shape)?;
  let json = extra
    .filter(|e| !e.is_empty())
    .map(|e| serde_json::Value::Object(e.clone()).to_string());
  let mut argv = [ptr::null_mut(); 12];
  for (slot, value) in argv.iter_mut().zip(values) {
    // SAFETY: `raw` is the live env of this call.
    *slot = unsafe { to_js(raw, value)? };
  }
  let mut count = values.len();
  if shape.has_extra() {
    let json = json.as_deref().map_or(V::Null, V::Str);
    // SAFETY: as above.
    argv[count] = unsafe { to_js(raw, &json)? };
    count += 1;
  }
  // SAFETY: as above; `shaper` is a function of this env.
  unsafe { js::call(raw, shaper, &argv[..count]) }
}

fn user_object(env: &Env, user: User) -> napi::Result<sys::napi_value> {
  build(
    env,
    Shape::User,
    &[
      V::Str(&user.id),
      (&user.name).into(),
      (&user.email).into(),
      ms(user.email_verified),
      (&user.image).into(),
    ],
    Some(&user.extra),
  )
}

fn session_object(env: &Env, session: Session) -> napi::Result<sys::napi_value> {
  build(
    env,
    Shape::Session,
    &[
      V::Str(&session.session_token),
      V::Str(&session.user_id),
      ms(Some(session.expires)),
    ],
    None,
  )
}

/// Implements `ToNapiValue` for a model through a function that builds its object.
macro_rules! to_js {
  ($model:ty, $build:expr) => {
    impl ToNapiValue for $model {
      unsafe fn to_napi_value(raw: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        $build(&Env::from_raw(raw), value)
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
) -> napi::Result<sys::napi_value> {
  let mut object = Object::new(env)?;
  // SAFETY: both values were just made in this env.
  object.set_named_property("session", unsafe {
    Unknown::from_raw_unchecked(env.raw(), session_object(env, session)?)
  })?;
  object.set_named_property("user", unsafe {
    Unknown::from_raw_unchecked(env.raw(), user_object(env, user)?)
  })?;
  Ok(object.raw())
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

fn account_object(env: &Env, account: Account) -> napi::Result<sys::napi_value> {
  build(
    env,
    Shape::Account,
    &[
      V::Str(&account.user_id),
      V::Str(&account.kind),
      V::Str(&account.provider),
      V::Str(&account.provider_account_id),
      (&account.refresh_token).into(),
      (&account.access_token).into(),
      account.expires_at.map_or(V::Null, V::Num),
      (&account.token_type).into(),
      (&account.scope).into(),
      (&account.id_token).into(),
      (&account.session_state).into(),
    ],
    Some(&account.extra),
  )
}

to_js!(Account, account_object);

fn verification_token_object(env: &Env, token: VerificationToken) -> napi::Result<sys::napi_value> {
  build(
    env,
    Shape::VerificationToken,
    &[
      V::Str(&token.identifier),
      V::Str(&token.token),
      ms(Some(token.expires)),
    ],
    None,
  )
}

to_js!(VerificationToken, verification_token_object);

fn authenticator_object(env: &Env, auth: Authenticator) -> napi::Result<sys::napi_value> {
  build(
    env,
    Shape::Authenticator,
    &[
      V::Str(&auth.credential_id),
      V::Str(&auth.user_id),
      V::Str(&auth.provider_account_id),
      V::Str(&auth.credential_public_key),
      V::Num(auth.counter as f64),
      V::Str(&auth.credential_device_type),
      V::Bool(auth.credential_backed_up),
      (&auth.transports).into(),
    ],
    None,
  )
}

to_js!(Authenticator, authenticator_object);
