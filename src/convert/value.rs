//! Reading JS values with checks: each `Arg` knows the method and the field it is read for,
//! so a wrong value becomes `authlite: <method>: <field> must be ..., got ...`.

use napi::bindgen_prelude::{
  FromNapiValue, JsObjectValue, JsValue, KeyCollectionMode, KeyConversion, KeyFilter, Object, Unknown,
};
use napi::{sys, JsDate, ValueType};

use super::js::{self, Helpers, Shape};
use crate::error::{AuthError, AuthResult, Code};
use crate::model::Extra;

/// Longest id, email, token or other key authlite stores or looks up, in bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1024;
/// Longest other text field (names, image URLs, OAuth tokens, scopes), in bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Longest custom-field JSON of one user or account, in bytes.
pub const MAX_EXTRA_BYTES: usize = 64 * 1024;

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

/// What a value is read as, in an error message: an argument (`user`) or one of its fields
/// (`user.email`). Rendered only when there is an error to report.
#[derive(Clone, Copy)]
pub struct Name {
  parent: &'static str,
  field: Option<&'static str>,
}

impl std::fmt::Display for Name {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    match self.field {
      Some(field) => write!(f, "{}.{field}", self.parent),
      None => f.write_str(self.parent),
    }
  }
}

/// One JS value being read as the argument or field `what` of `method`.
pub struct Arg<'env> {
  method: &'static str,
  what: Name,
  value: Unknown<'env>,
}

impl<'env> Arg<'env> {
  pub fn new(method: &'static str, what: &'static str, value: Unknown<'env>) -> Self {
    Arg {
      method,
      what: Name {
        parent: what,
        field: None,
      },
      value,
    }
  }

  fn wrong(&self, expected: &str) -> AuthError {
    AuthError::invalid(
      self.method,
      format!("{} must be {expected}, got {}", self.what, describe(&self.value)),
    )
  }

  /// Whether the value is `undefined` or `null`.
  pub fn is_nullish(&self) -> bool {
    is_nullish(&self.value)
  }

  /// Whether the value is `undefined` (an absent field).
  pub fn is_undefined(&self) -> bool {
    self.value_type() == Some(ValueType::Undefined)
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

  /// A string of at most `MAX_TEXT_BYTES`.
  pub fn string(&self) -> AuthResult<String> {
    if !self.is(ValueType::String) {
      return Err(self.wrong("a string"));
    }
    let text: String = self.cast("a string")?;
    self.at_most(&text, MAX_TEXT_BYTES)?;
    Ok(text)
  }

  /// A string of at most `MAX_KEY_BYTES` (an email: it is looked up and unique).
  pub fn short_string(&self) -> AuthResult<String> {
    let text = self.string()?;
    self.at_most(&text, MAX_KEY_BYTES)?;
    Ok(text)
  }

  /// A non-empty string of at most `MAX_KEY_BYTES` (ids and keys).
  pub fn key(&self) -> AuthResult<String> {
    let text = self.string()?;
    if text.is_empty() {
      return Err(AuthError::invalid(
        self.method,
        format!("{} must be a non-empty string", self.what),
      ));
    }
    self.at_most(&text, MAX_KEY_BYTES)?;
    Ok(text)
  }

  fn at_most(&self, text: &str, max: usize) -> AuthResult<()> {
    if text.len() > max {
      return Err(AuthError::invalid(
        self.method,
        format!(
          "{} is {} bytes long; authlite stores at most {max} (see Limits in the README)",
          self.what,
          text.len()
        ),
      ));
    }
    Ok(())
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

  /// An array of strings (anything else is an error, which does not echo the value).
  pub fn strings(&self) -> AuthResult<Vec<String>> {
    if !self.value.is_array().unwrap_or(false) {
      return Err(self.wrong("an array of strings"));
    }
    let array: Object<'env> = self.cast("an array of strings")?;
    let length: u32 = array
      .get_array_length()
      .map_err(|_| self.wrong("an array of strings"))?;
    (0..length)
      .map(|index| {
        let item: Unknown<'_> = array
          .get_element(index)
          .map_err(|_| self.wrong("an array of strings"))?;
        if !matches!(item.get_type(), Ok(ValueType::String)) {
          return Err(self.wrong("an array of strings"));
        }
        // SAFETY: the type was checked just above.
        unsafe { item.cast::<String>() }.map_err(|_| self.wrong("an array of strings"))
      })
      .collect()
  }

  /// A boolean.
  pub fn boolean(&self) -> AuthResult<bool> {
    if !self.is(ValueType::Boolean) {
      return Err(self.wrong("a boolean"));
    }
    self.cast("a boolean")
  }

  /// A plain object (not null, not an array), whose fields are read one at a time.
  pub fn object(self) -> AuthResult<Fields<'env>> {
    let object = self.plain_object()?;
    Ok(Fields {
      method: self.method,
      what: self.what.parent,
      object,
      read: None,
    })
  }

  /// A plain object of a known shape, its fields (and with `Shape::has_extra`, the others as
  /// JSON) read at once by a JS helper.
  pub fn record(self, shape: Shape) -> AuthResult<Fields<'env>> {
    let object = self.plain_object()?;
    let mut fields = Fields {
      method: self.method,
      what: self.what.parent,
      object,
      read: None,
    };
    fields.read = Some(fields.read_all(shape)?);
    Ok(fields)
  }

  fn plain_object(&self) -> AuthResult<Object<'env>> {
    if !self.is(ValueType::Object) || self.value.is_array().unwrap_or(false) {
      return Err(self.wrong("an object"));
    }
    self.cast("an object")
  }
}

/// Field values read at once by `Arg::record`.
struct Read<'env> {
  keys: &'static [&'static str],
  values: Vec<Unknown<'env>>,
  /// The fields without a column, as JSON; `None` when there are none.
  extra: Option<String>,
}

/// The fields of one object argument, e.g. `user` of `createUser`.
pub struct Fields<'env> {
  method: &'static str,
  what: &'static str,
  object: Object<'env>,
  read: Option<Read<'env>>,
}

impl<'env> Fields<'env> {
  /// The error for a failed read of `part` (e.g. `user.role`). When JS threw (a getter, a Proxy
  /// trap), the exception is cleared and its message used, so the rejection is ours and says
  /// what was being read.
  fn read_failed(&self, part: &dyn std::fmt::Display, err: napi::Error) -> AuthError {
    let thrown = take_pending_exception(self.object.value().env);
    let cause = thrown.and_then(|thrown| text(&thrown)).unwrap_or(err.reason);
    AuthError::invalid(self.method, format!("reading {part} failed: {cause}"))
  }

  fn env(&self) -> sys::napi_env {
    self.object.value().env
  }

  /// Runs the JS reader of `shape` over the object.
  fn read_all(&self, shape: Shape) -> AuthResult<Read<'env>> {
    let env = self.env();
    let internal = |err: napi::Error| AuthError::new(Code::Internal, self.method, err.reason);
    let helpers = Helpers::get(env).map_err(internal)?;
    let reader = helpers.reader(env, shape).map_err(internal)?;
    // SAFETY: `env` is the live env of this call; `reader` is a function of it.
    let array = match unsafe { js::call(env, reader, &[self.object.raw()]) } {
      Ok(array) => array,
      Err(err) => return Err(self.reader_threw(helpers, err)),
    };
    let keys = shape.keys();
    let mut values = Vec::with_capacity(keys.len());
    for index in 0..=keys.len() {
      let mut value = std::ptr::null_mut();
      // SAFETY: `array` is the array the reader returned, with `keys.len() + 1` elements.
      js::check(
        unsafe { sys::napi_get_element(env, array, index as u32, &mut value) },
        "cannot read the fields",
      )
      .map_err(internal)?;
      // SAFETY: `value` was just returned by napi for this env.
      values.push(unsafe { Unknown::from_raw_unchecked(env, value) });
    }
    let extra = values.pop().and_then(|json| match json.get_type() {
      // SAFETY: the type was checked just above.
      Ok(ValueType::String) => unsafe { json.cast::<String>() }.ok(),
      _ => None,
    });
    Ok(Read { keys, values, extra })
  }

  /// The error for a reader that threw: a `ReadFailure` says what it was reading.
  fn reader_threw(&self, helpers: &Helpers, err: napi::Error) -> AuthError {
    let env = self.env();
    let Some(thrown) = take_pending_exception(env) else {
      return AuthError::invalid(
        self.method,
        format!("reading {} failed: {}", self.what, err.reason),
      );
    };
    let failure = helpers.read_failure(env).ok().and_then(|class| {
      let mut is = false;
      // SAFETY: both values belong to this env.
      let status = unsafe { sys::napi_instanceof(env, thrown.raw(), class, &mut is) };
      (status == sys::Status::napi_ok && is).then_some(())?;
      // SAFETY: `napi_instanceof` said it is an object.
      let failure: Object<'_> = unsafe { thrown.cast() }.ok()?;
      let kind: String = failure.get_named_property("kind").ok()?;
      let key: Option<String> = failure.get_named_property("key").ok()?;
      let error: Unknown<'_> = failure.get_named_property("error").ok()?;
      Some((kind, key, text(&error).unwrap_or_default()))
    });
    match failure {
      Some((kind, _, cause)) if kind == "json" => AuthError::invalid(
        self.method,
        format!("{} has a field that cannot be stored as JSON: {cause}", self.what),
      ),
      Some((_, Some(key), cause)) => AuthError::invalid(
        self.method,
        format!("reading {}.{key} failed: {cause}", self.what),
      ),
      Some((_, None, cause)) => {
        AuthError::invalid(self.method, format!("reading {} failed: {cause}", self.what))
      }
      None => AuthError::invalid(
        self.method,
        format!(
          "reading {} failed: {}",
          self.what,
          text(&thrown).unwrap_or_default()
        ),
      ),
    }
  }

  /// The field `key`, as an `Arg` named `user.key`.
  pub fn field(&self, key: &'static str) -> AuthResult<Arg<'env>> {
    let what = Name {
      parent: self.what,
      field: Some(key),
    };
    let value = match &self.read {
      Some(read) => match read.keys.iter().position(|k| *k == key) {
        Some(index) => read.values[index],
        None => {
          return Err(AuthError::new(
            Code::Internal,
            self.method,
            format!("{what} is not a field of this argument"),
          ))
        }
      },
      None => self
        .object
        .get_named_property::<Unknown<'env>>(key)
        .map_err(|err| self.read_failed(&what, err))?,
    };
    Ok(Arg {
      method: self.method,
      what,
      value,
    })
  }

  /// A field that may be absent (`None`), null (`Some(None)`) or set.
  fn optional<T>(
    &self,
    key: &'static str,
    read: impl FnOnce(&Arg<'env>) -> AuthResult<T>,
  ) -> AuthResult<Option<Option<T>>> {
    let arg = self.field(key)?;
    match arg.value.get_type() {
      Ok(ValueType::Undefined) => Ok(None),
      Ok(ValueType::Null) => Ok(Some(None)),
      _ => read(&arg).map(|v| Some(Some(v))),
    }
  }

  pub fn key(&self, key: &'static str) -> AuthResult<String> {
    self.field(key)?.key()
  }

  pub fn date(&self, key: &'static str) -> AuthResult<i64> {
    self.field(key)?.date()
  }

  pub fn counter(&self, key: &'static str) -> AuthResult<i64> {
    self.field(key)?.counter()
  }

  pub fn boolean(&self, key: &'static str) -> AuthResult<bool> {
    self.field(key)?.boolean()
  }

  /// A string or null; absent counts as null.
  pub fn nullable_string(&self, key: &'static str) -> AuthResult<Option<String>> {
    Ok(self.patch_string(key)?.flatten())
  }

  /// A string of at most `MAX_KEY_BYTES`, null, or absent (left unchanged): an email.
  pub fn patch_short_string(&self, key: &'static str) -> AuthResult<Option<Option<String>>> {
    self.optional(key, Arg::short_string)
  }

  /// A string, null, or absent (left unchanged).
  pub fn patch_string(&self, key: &'static str) -> AuthResult<Option<Option<String>>> {
    self.optional(key, Arg::string)
  }

  /// A Date, null, or absent (left unchanged).
  pub fn patch_date(&self, key: &'static str) -> AuthResult<Option<Option<i64>>> {
    self.optional(key, Arg::date)
  }

  /// A finite number or null; absent counts as null.
  pub fn nullable_number(&self, key: &'static str) -> AuthResult<Option<f64>> {
    Ok(self.optional(key, Arg::number)?.flatten())
  }

  /// The names of the object's own enumerable string-keyed fields.
  pub fn own_keys(&self) -> AuthResult<Vec<String>> {
    let fail = |err: napi::Error| self.read_failed(&self.what, err);
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

  /// The own enumerable fields without a column of their own (read by `Arg::record`), parsed
  /// from the JSON `JSON.stringify` made of them (its rules: a Date becomes its ISO string,
  /// `undefined` and functions are left out). `__proto__` is never among them.
  pub fn extra(&self) -> AuthResult<Extra> {
    let Some(json) = self.read.as_ref().and_then(|read| read.extra.as_deref()) else {
      return Ok(Extra::new());
    };
    if json.len() > MAX_EXTRA_BYTES {
      return Err(AuthError::invalid(
        self.method,
        format!(
          "{}'s custom fields are {} bytes as JSON; authlite stores at most {MAX_EXTRA_BYTES} (see Limits in the README)",
          self.what,
          json.len()
        ),
      ));
    }
    match serde_json::from_str(json) {
      Ok(serde_json::Value::Object(map)) => Ok(map),
      _ => Err(AuthError::invalid(
        self.method,
        format!("{} has fields that cannot be stored as JSON", self.what),
      )),
    }
  }
}

/// Clears the JS exception a failed napi call left pending, returning it.
fn take_pending_exception<'env>(env: sys::napi_env) -> Option<Unknown<'env>> {
  let mut pending = false;
  // SAFETY: `env` is the live env of the current call, on its JS thread.
  if unsafe { sys::napi_is_exception_pending(env, &mut pending) } != sys::Status::napi_ok || !pending {
    return None;
  }
  let mut exception = std::ptr::null_mut();
  // SAFETY: as above; an exception is pending, so this clears it and hands it over.
  if unsafe { sys::napi_get_and_clear_last_exception(env, &mut exception) } != sys::Status::napi_ok {
    return None;
  }
  // SAFETY: `exception` was just returned by napi for this env.
  Some(unsafe { Unknown::from_raw_unchecked(env, exception) })
}

/// What a thrown value says: an error's `message`, or the value as a string. A value that
/// throws again while being read says nothing.
fn text(thrown: &Unknown<'_>) -> Option<String> {
  let env = thrown.value().env;
  let as_string = |value: &Unknown<'_>| -> Option<String> {
    let string = value
      .coerce_to_string()
      .ok()
      .and_then(|s| s.into_utf8().ok()?.as_str().ok().map(str::to_string));
    if string.is_none() {
      take_pending_exception(env);
    }
    string
  };
  if let Ok(ValueType::Object) = thrown.get_type() {
    // SAFETY: the type was checked just above.
    let object: Object<'_> = unsafe { thrown.cast() }.ok()?;
    match object.get_named_property::<Unknown<'_>>("message") {
      Ok(message) => return as_string(&message),
      Err(_) => {
        take_pending_exception(env);
        return None;
      }
    }
  }
  as_string(thrown)
}
