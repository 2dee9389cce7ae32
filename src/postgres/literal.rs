//! A statement's parameters written into SQL, for `EXECUTE name(...)` (see `query`):
//! PostgreSQL takes no protocol parameters in a utility statement, so each value is encoded by
//! its `ToSql` (the same code, checks and messages as a bound parameter) and the binary value
//! written as an SQL expression of the same value, exactly:
//!
//! - text: an escape-string literal, `E'...'` with `\` and `'` doubled (safe whatever
//!   `standard_conforming_strings` is; authlite refuses U+0000, which text cannot hold);
//! - whole numbers in decimal; floats by Rust's shortest round-trip form, or `'NaN'`,
//!   `'Infinity'`;
//! - times as ISO 8601 text in UTC (`'2024-02-29 12:34:56.789000+00'`, years past 9999 and
//!   BC as PostgreSQL writes them), computed by exact integer arithmetic from the microseconds;
//!   a `timestamp` parameter gets no zone, so neither type's conversion involves `TimeZone`.
//!
//! A type not listed here returns `None`, and the caller sends the statement itself with bound
//! parameters instead.

use std::error::Error;

use bytes::BytesMut;
use tokio_postgres::types::{IsNull, ToSql, Type};

/// The value `param` has as the parameter type `ty`, as an SQL expression; `Ok(None)` for a type
/// this cannot write; `Err` when `ToSql` refuses the value.
pub fn literal(
  param: &(dyn ToSql + Sync),
  ty: &Type,
) -> Result<Option<String>, Box<dyn Error + Sync + Send>> {
  let mut buf = BytesMut::new();
  if let IsNull::Yes = param.to_sql_checked(ty, &mut buf)? {
    return Ok(Some("NULL".to_string()));
  }
  Ok(write(ty, &buf))
}

fn write(ty: &Type, raw: &[u8]) -> Option<String> {
  let whole = |raw: &[u8]| -> Option<i64> {
    Some(match raw.len() {
      2 => i64::from(i16::from_be_bytes(raw.try_into().ok()?)),
      4 => i64::from(i32::from_be_bytes(raw.try_into().ok()?)),
      8 => i64::from_be_bytes(raw.try_into().ok()?),
      _ => return None,
    })
  };
  match *ty {
    Type::BOOL => Some(if raw.first()? != &0 { "TRUE" } else { "FALSE" }.to_string()),
    Type::INT2 | Type::INT4 | Type::INT8 => whole(raw).map(|n| n.to_string()),
    Type::FLOAT4 => float(f64::from(f32::from_be_bytes(raw.try_into().ok()?)), "float4"),
    Type::FLOAT8 => float(f64::from_be_bytes(raw.try_into().ok()?), "float8"),
    Type::TIMESTAMP => time(raw, ""),
    Type::TIMESTAMPTZ => time(raw, "+00"),
    Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => text(raw),
    // Another text type known by name (as tokio-postgres's &str accepts it), e.g. citext.
    ref other if matches!(other.name(), "citext" | "ltree" | "lquery" | "ltxtquery") => text(raw),
    _ => None,
  }
}

fn float(value: f64, sql_type: &str) -> Option<String> {
  Some(if value.is_nan() {
    format!("'NaN'::{sql_type}")
  } else if value.is_infinite() {
    format!("'{}Infinity'::{sql_type}", if value < 0.0 { "-" } else { "" })
  } else {
    // Debug is Rust's shortest form that reads back as the same value (e.g. 1e300, 0.1).
    format!("{value:?}::{sql_type}")
  })
}

/// Microseconds from 2000-01-01 (PostgreSQL's binary time) as a quoted UTC date and time.
fn time(raw: &[u8], zone: &str) -> Option<String> {
  const DAY: i64 = 86_400_000_000;
  const DAYS_1970_TO_2000: i64 = 10_957;
  let micros = i64::from_be_bytes(raw.try_into().ok()?);
  let (year, month, day) = civil_from_days(micros.div_euclid(DAY) + DAYS_1970_TO_2000);
  let of_day = micros.rem_euclid(DAY);
  let (seconds, fraction) = (of_day / 1_000_000, of_day % 1_000_000);
  let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
  // Year 0 is 1 BC, -1 is 2 BC (the proleptic Gregorian calendar, as PostgreSQL's).
  let (year, era) = if year <= 0 { (1 - year, " BC") } else { (year, "") };
  Some(format!(
    "'{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}.{fraction:06}{zone}{era}'"
  ))
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, exact over the whole `i64` range this is given).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
  let z = days + 719_468;
  let era = z.div_euclid(146_097);
  let doe = z.rem_euclid(146_097);
  let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  let mp = (5 * doy + 2) / 153;
  let day = doy - (153 * mp + 2) / 5 + 1;
  let month = if mp < 10 { mp + 3 } else { mp - 9 };
  let year = yoe + era * 400 + i64::from(month <= 2);
  (year, month, day)
}

fn text(raw: &[u8]) -> Option<String> {
  let text = std::str::from_utf8(raw).ok()?;
  if text.contains('\0') {
    return None;
  }
  let mut out = String::with_capacity(text.len() + 3);
  out.push_str("E'");
  for c in text.chars() {
    match c {
      '\\' => out.push_str("\\\\"),
      '\'' => out.push_str("''"),
      c => out.push(c),
    }
  }
  out.push('\'');
  Some(out)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::postgres::types::{Time, WholeParam};

  fn lit(param: &(dyn ToSql + Sync), ty: &Type) -> String {
    literal(param, ty).unwrap().unwrap()
  }

  #[test]
  fn values_are_written_exactly() {
    assert_eq!(lit(&"it's a \\ test", &Type::TEXT), r"E'it''s a \\ test'");
    assert_eq!(lit(&Option::<String>::None, &Type::TEXT), "NULL");
    assert_eq!(lit(&true, &Type::BOOL), "TRUE");
    assert_eq!(
      lit(&WholeParam(4_000_000_000, "counter"), &Type::INT8),
      "4000000000"
    );
    assert_eq!(lit(&0.1f64, &Type::FLOAT8), "0.1::float8");
    assert_eq!(lit(&f64::NEG_INFINITY, &Type::FLOAT8), "'-Infinity'::float8");
    assert_eq!(
      lit(&Time(946_684_800_001, "expires"), &Type::TIMESTAMPTZ),
      "'2000-01-01 00:00:00.001000+00'"
    );
    assert_eq!(
      lit(&Time(0, "expires"), &Type::TIMESTAMP),
      "'1970-01-01 00:00:00.000000'"
    );
    assert_eq!(
      lit(&Time(1_709_210_096_789, "e"), &Type::TIMESTAMPTZ),
      "'2024-02-29 12:34:56.789000+00'"
    );
    // new Date(8.64e15) and new Date(-8.64e15), JavaScript's last and first.
    assert_eq!(
      lit(&Time(8_640_000_000_000_000, "e"), &Type::TIMESTAMP),
      "'275760-09-13 00:00:00.000000'"
    );
    assert_eq!(
      lit(&Time(-210_866_803_200_000, "e"), &Type::TIMESTAMPTZ),
      "'4714-11-24 00:00:00.000000+00 BC'"
    );
    assert_eq!(
      lit(&Time(-62_135_596_800_001, "e"), &Type::TIMESTAMP),
      "'0001-12-31 23:59:59.999000 BC'"
    );
  }

  #[test]
  fn refusals_and_unknown_types_are_reported() {
    assert!(literal(&WholeParam(4_000_000_000, "counter"), &Type::INT4).is_err());
    assert!(literal(&Time(-8_640_000_000_000_000, "e"), &Type::TIMESTAMP).is_err());
    assert_eq!(literal(&vec!["a".to_string()], &Type::TEXT_ARRAY).unwrap(), None);
  }
}
