//! Reading JS values with checks: each `Arg` knows the method and the field it is read for,
//! so a wrong value becomes `authlite: <method>: <field> must be ..., got ...`.

use std::borrow::Cow;

use napi::bindgen_prelude::{
  FromNapiValue, Function, JsObjectValue, JsValue, KeyCollectionMode, KeyConversion, KeyFilter, Object,
  Unknown,
};
use napi::{sys, Env, JsDate, ValueType};

use crate::error::{AuthError, AuthResult};
use crate::model::Extra;

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
  what: Cow<'static, str>,
  value: Unknown<'env>,
}

impl<'env> Arg<'env> {
  pub fn new(method: &'static str, what: impl Into<Cow<'static, str>>, value: Unknown<'env>) -> Self {
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
  what: Cow<'static, str>,
  object: Object<'env>,
}

impl<'env> Fields<'env> {
  /// The error for a failed read of `part` (e.g. `user.role`). When JS threw (a getter, a Proxy
  /// trap), the exception is cleared and its message used, so the rejection is ours and says
  /// what was being read.
  fn read_failed(&self, part: &str, err: napi::Error) -> AuthError {
    let thrown = take_pending_exception(self.object.value().env);
    let cause = thrown.unwrap_or(err.reason);
    AuthError::invalid(self.method, format!("reading {part} failed: {cause}"))
  }

  /// The field `key`, as an `Arg` named `user.key`.
  pub fn field(&self, key: &str) -> AuthResult<Arg<'env>> {
    let value = self
      .object
      .get_named_property::<Unknown<'env>>(key)
      .map_err(|err| self.read_failed(&format!("{}.{key}", self.what), err))?;
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

  /// The own enumerable fields not named in `columns`, as JSON (`JSON.stringify`'s rules: a
  /// Date becomes its ISO string, `undefined` and functions are left out).
  ///
  /// `__proto__` is never copied: as a key it would replace an object's prototype.
  pub fn extra(&self, env: &Env, columns: &[&str]) -> AuthResult<Extra> {
    let mut rest = Object::new(env).map_err(|err| self.read_failed(&self.what, err))?;
    let mut any = false;
    for name in self.own_keys()? {
      if columns.contains(&name.as_str()) || name == "__proto__" {
        continue;
      }
      let part = format!("{}.{name}", self.what);
      let value: Unknown<'_> = self
        .object
        .get_named_property(&name)
        .map_err(|err| self.read_failed(&part, err))?;
      rest
        .set_named_property(&name, value)
        .map_err(|err| self.read_failed(&part, err))?;
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

/// Clears the JS exception a failed napi call left pending, returning its message.
fn take_pending_exception(env: sys::napi_env) -> Option<String> {
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
  let thrown = unsafe { Unknown::from_raw_unchecked(env, exception) };
  let text = |value: &Unknown<'_>| -> Option<String> {
    value
      .coerce_to_string()
      .ok()?
      .into_utf8()
      .ok()?
      .as_str()
      .ok()
      .map(str::to_string)
  };
  if let Ok(ValueType::Object) = thrown.get_type() {
    // SAFETY: the type was checked just above.
    let object: Object<'_> = unsafe { thrown.cast() }.ok()?;
    if let Ok(message) = object.get_named_property::<Unknown<'_>>("message") {
      return text(&message);
    }
  }
  text(&thrown)
}
