//! Small JS functions that read adapter arguments and build the objects Auth.js gets back, made
//! once per JS environment (worker threads each have their own) and kept in napi instance data.
//! V8 reads properties and builds objects in JS far faster than through one napi call per
//! property: a napi property access converts and interns its key string every time. Rust still
//! decides everything: which fields, their checks and error messages, the values stored.

use std::ffi::c_void;
use std::ptr;

use napi::sys;

/// What a reader reads or a shaper builds: one per argument or result shape.
#[derive(Clone, Copy)]
pub enum Shape {
  User,
  Account,
  AccountKey,
  Session,
  VerificationToken,
  VerificationTokenKey,
  Authenticator,
}

const SHAPES: usize = 7;

impl Shape {
  /// The fields, in the order readers return and shapers take them.
  pub const fn keys(self) -> &'static [&'static str] {
    match self {
      Shape::User => &["id", "name", "email", "emailVerified", "image"],
      Shape::Account => &[
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
      ],
      Shape::AccountKey => &["provider", "providerAccountId"],
      Shape::Session => &["sessionToken", "userId", "expires"],
      Shape::VerificationToken => &["identifier", "token", "expires"],
      Shape::VerificationTokenKey => &["identifier", "token"],
      Shape::Authenticator => &[
        "credentialID",
        "userId",
        "providerAccountId",
        "credentialPublicKey",
        "counter",
        "credentialDeviceType",
        "credentialBackedUp",
        "transports",
      ],
    }
  }

  /// Whether fields without a column are kept (as JSON).
  pub const fn has_extra(self) -> bool {
    matches!(self, Shape::User | Shape::Account)
  }

  /// The fields that are `Date`s in JS and milliseconds in Rust.
  const fn dates(self) -> &'static [&'static str] {
    match self {
      Shape::User => &["emailVerified"],
      Shape::Session | Shape::VerificationToken => &["expires"],
      _ => &[],
    }
  }

  const ALL: [Shape; SHAPES] = [
    Shape::User,
    Shape::Account,
    Shape::AccountKey,
    Shape::Session,
    Shape::VerificationToken,
    Shape::VerificationTokenKey,
    Shape::Authenticator,
  ];
}

/// `makeReader(keys, withExtra)` returns `read(object)`: the values of `keys`, then (withExtra)
/// the other own enumerable fields as JSON or `undefined`. A throwing getter, Proxy trap or
/// `toJSON` becomes a `ReadFailure` saying what was being read. `makeShaper(keys, dates,
/// withExtra)` returns a function of the values (and the extra fields' JSON or `null`) that
/// builds the object: `Date`s from milliseconds, extra fields after the columns, never over a
/// column and never `__proto__` (set as a property, it would replace the prototype).
const SCRIPT: &str = r#"(() => {
  'use strict'
  class ReadFailure {
    constructor(kind, key, error) { this.kind = kind; this.key = key; this.error = error }
  }
  const extraJson = (object, columns) => {
    let keys
    try { keys = Object.keys(object) } catch (error) { throw new ReadFailure('keys', null, error) }
    let rest
    for (const key of keys) {
      if (columns.has(key) || key === '__proto__') continue
      let value
      try { value = object[key] } catch (error) { throw new ReadFailure('field', key, error) }
      ;(rest ??= {})[key] = value
    }
    if (rest === undefined) return undefined
    try { return JSON.stringify(rest) } catch (error) { throw new ReadFailure('json', null, error) }
  }
  const makeReader = (keys, withExtra) => {
    const columns = new Set(keys)
    const n = keys.length
    return (object) => {
      const values = new Array(n + 1)
      for (let i = 0; i < n; i++) {
        try { values[i] = object[keys[i]] } catch (error) { throw new ReadFailure('field', keys[i], error) }
      }
      values[n] = withExtra ? extraJson(object, columns) : undefined
      return values
    }
  }
  const makeShaper = (keys, dates, withExtra) => {
    const columns = new Set(keys)
    const n = keys.length
    const isDate = keys.map((key) => dates.includes(key))
    return function () {
      const object = {}
      for (let i = 0; i < n; i++) {
        const value = arguments[i]
        object[keys[i]] = isDate[i] && value !== null ? new Date(value) : value
      }
      const json = withExtra ? arguments[n] : null
      if (json !== null) {
        const extra = JSON.parse(json)
        for (const key of Object.keys(extra)) {
          if (!columns.has(key) && key !== '__proto__') object[key] = extra[key]
        }
      }
      return object
    }
  }
  return { makeReader, makeShaper, ReadFailure }
})()"#;

/// The helpers of one JS environment.
pub struct Helpers {
  readers: [sys::napi_ref; SHAPES],
  shapers: [sys::napi_ref; SHAPES],
  read_failure: sys::napi_ref,
}

/// A napi status as a `Result`.
pub fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(napi::Error::new(napi::Status::from(status), what.to_string()))
  }
}

unsafe fn string(env: sys::napi_env, text: &str) -> napi::Result<sys::napi_value> {
  let mut value = ptr::null_mut();
  check(
    sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut value),
    "cannot create a string",
  )?;
  Ok(value)
}

unsafe fn string_array(env: sys::napi_env, items: &[&str]) -> napi::Result<sys::napi_value> {
  let mut array = ptr::null_mut();
  check(
    sys::napi_create_array_with_length(env, items.len(), &mut array),
    "cannot create an array",
  )?;
  for (index, item) in items.iter().enumerate() {
    check(
      sys::napi_set_element(env, array, index as u32, string(env, item)?),
      "cannot fill an array",
    )?;
  }
  Ok(array)
}

unsafe fn property(env: sys::napi_env, object: sys::napi_value, name: &str) -> napi::Result<sys::napi_value> {
  let mut value = ptr::null_mut();
  check(
    sys::napi_get_property(env, object, string(env, name)?, &mut value),
    "cannot read a helper",
  )?;
  Ok(value)
}

unsafe fn reference(env: sys::napi_env, value: sys::napi_value) -> napi::Result<sys::napi_ref> {
  let mut reference = ptr::null_mut();
  check(
    sys::napi_create_reference(env, value, 1, &mut reference),
    "cannot keep a helper",
  )?;
  Ok(reference)
}

unsafe fn boolean(env: sys::napi_env, value: bool) -> napi::Result<sys::napi_value> {
  let mut result = ptr::null_mut();
  check(
    sys::napi_get_boolean(env, value, &mut result),
    "cannot create a boolean",
  )?;
  Ok(result)
}

/// Calls `function` with `args` (`this` undefined). A JS exception stays pending.
pub unsafe fn call(
  env: sys::napi_env,
  function: sys::napi_value,
  args: &[sys::napi_value],
) -> napi::Result<sys::napi_value> {
  let mut this = ptr::null_mut();
  check(sys::napi_get_undefined(env, &mut this), "cannot get undefined")?;
  let mut result = ptr::null_mut();
  check(
    sys::napi_call_function(env, this, function, args.len(), args.as_ptr(), &mut result),
    "a helper threw",
  )?;
  Ok(result)
}

unsafe fn value_of(env: sys::napi_env, reference: sys::napi_ref) -> napi::Result<sys::napi_value> {
  let mut value = ptr::null_mut();
  check(
    sys::napi_get_reference_value(env, reference, &mut value),
    "cannot get a helper",
  )?;
  Ok(value)
}

impl Helpers {
  /// The helpers of `env`, made on first use.
  pub fn get(env: sys::napi_env) -> napi::Result<&'static Helpers> {
    let mut data: *mut c_void = ptr::null_mut();
    // SAFETY: `env` is the live env of the current call, on its JS thread; the data, when set,
    // is the `Helpers` box below, freed only by the env's teardown.
    unsafe {
      check(
        sys::napi_get_instance_data(env, &mut data),
        "cannot get instance data",
      )?;
      if !data.is_null() {
        return Ok(&*(data as *const Helpers));
      }
      let helpers = Box::into_raw(Box::new(Self::make(env)?));
      let status = sys::napi_set_instance_data(env, helpers.cast(), Some(finalize), ptr::null_mut());
      if status != sys::Status::napi_ok {
        drop(Box::from_raw(helpers));
        return Err(napi::Error::from_reason("cannot keep the JS helpers"));
      }
      Ok(&*helpers)
    }
  }

  unsafe fn make(env: sys::napi_env) -> napi::Result<Helpers> {
    let mut module = ptr::null_mut();
    check(
      sys::napi_run_script(env, string(env, SCRIPT)?, &mut module),
      "cannot compile the JS helpers",
    )?;
    let make_reader = property(env, module, "makeReader")?;
    let make_shaper = property(env, module, "makeShaper")?;
    let mut readers = [ptr::null_mut(); SHAPES];
    let mut shapers = [ptr::null_mut(); SHAPES];
    for (index, shape) in Shape::ALL.iter().enumerate() {
      let keys = string_array(env, shape.keys())?;
      let extra = boolean(env, shape.has_extra())?;
      readers[index] = reference(env, call(env, make_reader, &[keys, extra])?)?;
      let dates = string_array(env, shape.dates())?;
      shapers[index] = reference(env, call(env, make_shaper, &[keys, dates, extra])?)?;
    }
    let read_failure = reference(env, property(env, module, "ReadFailure")?)?;
    Ok(Helpers {
      readers,
      shapers,
      read_failure,
    })
  }

  /// `read(object)` for `shape`: an array of the field values, then the extra JSON.
  pub fn reader(&self, env: sys::napi_env, shape: Shape) -> napi::Result<sys::napi_value> {
    // SAFETY: the reference was made in this env and is never deleted before it.
    unsafe { value_of(env, self.readers[shape as usize]) }
  }

  /// The function that builds a `shape` object from its values.
  pub fn shaper(&self, env: sys::napi_env, shape: Shape) -> napi::Result<sys::napi_value> {
    // SAFETY: as above.
    unsafe { value_of(env, self.shapers[shape as usize]) }
  }

  /// The class of what readers throw.
  pub fn read_failure(&self, env: sys::napi_env) -> napi::Result<sys::napi_value> {
    // SAFETY: as above.
    unsafe { value_of(env, self.read_failure) }
  }
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
  // The references go with the env; only the box is ours to free.
  drop(Box::from_raw(data as *mut Helpers));
}
