//! Values as PostgreSQL stores them, whatever integer or time type a column has (the drizzle
//! schema's, widened by migration 3, or another tool's), converted exactly in the binary
//! protocol. A value a column cannot hold is refused with a message naming the field.
//!
//! Times: the model keeps integer milliseconds since the Unix epoch; the drizzle schema has
//! `timestamp` (without time zone) columns holding UTC, another tool's database may have
//! `timestamptz`. Both travel as microseconds since 2000-01-01 UTC, so neither the server's nor
//! the session's `TimeZone` can shift a value. The arithmetic is done here rather than through
//! chrono: chrono's dates end at year 262,143, JavaScript's at 275,760 (`new Date(8.64e15)`,
//! a common "never expires"), and PostgreSQL holds both.

use std::error::Error;

use tokio_postgres::types::{accepts, to_sql_checked, FromSql, IsNull, ToSql, Type};

type BoxError = Box<dyn Error + Sync + Send>;

/// Milliseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
const PG_EPOCH_MS: i64 = 946_684_800_000;
/// PostgreSQL's range of `timestamp`/`timestamptz`, in microseconds from its epoch: 4714-11-24
/// BC to 294277-01-01 (exclusive).
const MIN_MICROS: i64 = -211_813_488_000_000_000;
const END_MICROS: i64 = 9_223_371_331_200_000_000;

/// A value that does not fit its column: reported as invalid input, naming the field.
#[derive(Debug)]
pub struct DoesNotFit(pub String);

impl std::fmt::Display for DoesNotFit {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str(&self.0)
  }
}

impl Error for DoesNotFit {}

fn does_not_fit(message: String) -> BoxError {
  Box::new(DoesNotFit(message))
}

/// A time read from a `timestamp` or `timestamptz` column, in milliseconds since the Unix
/// epoch (sub-millisecond digits another tool wrote are rounded toward the past).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis(pub i64);

impl<'a> FromSql<'a> for Millis {
  fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
    let micros = i64::from_sql(ty, raw)?;
    if micros == i64::MAX || micros == i64::MIN {
      return Err("the column holds infinity, which is not a date".into());
    }
    Ok(Millis(micros.div_euclid(1000) + PG_EPOCH_MS))
  }

  accepts!(TIMESTAMP, TIMESTAMPTZ);
}

/// A time to write: milliseconds since the Unix epoch, and the field it is (for the message
/// when PostgreSQL cannot hold it).
#[derive(Debug, Clone, Copy)]
pub struct Time(pub i64, pub &'static str);

impl ToSql for Time {
  fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
    let Time(ms, field) = *self;
    let micros = ms
      .checked_sub(PG_EPOCH_MS)
      .and_then(|ms| ms.checked_mul(1000))
      .filter(|us| (MIN_MICROS..END_MICROS).contains(us))
      .ok_or_else(|| {
        does_not_fit(format!(
          "{field} ({ms} ms from 1970) is outside PostgreSQL's timestamp range (4714 BC to 294276 AD)"
        ))
      })?;
    micros.to_sql(ty, out)
  }

  accepts!(TIMESTAMP, TIMESTAMPTZ);
  to_sql_checked!();
}

/// A whole number read from an `integer` or `bigint` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole(pub i64);

impl<'a> FromSql<'a> for Whole {
  fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
    Ok(Whole(if *ty == Type::INT4 {
      i64::from(i32::from_sql(ty, raw)?)
    } else {
      i64::from_sql(ty, raw)?
    }))
  }

  accepts!(INT4, INT8);
}

/// A whole number to write (a passkey's counter), and its field.
#[derive(Debug, Clone, Copy)]
pub struct WholeParam(pub i64, pub &'static str);

impl ToSql for WholeParam {
  fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
    let WholeParam(n, field) = *self;
    if *ty == Type::INT4 {
      let small = i32::try_from(n).map_err(|_| {
        does_not_fit(format!(
          "{field} ({n}) does not fit the column's integer type (at most {}); widen it to bigint",
          i32::MAX
        ))
      })?;
      small.to_sql(ty, out)
    } else {
      n.to_sql(ty, out)
    }
  }

  accepts!(INT4, INT8);
  to_sql_checked!();
}

/// An account's `expires_at` (seconds, as the provider gave it) read from a `double
/// precision`, `bigint` or `integer` column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds(pub f64);

impl<'a> FromSql<'a> for Seconds {
  fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
    Ok(Seconds(match *ty {
      Type::FLOAT8 => f64::from_sql(ty, raw)?,
      _ => Whole::from_sql(ty, raw)?.0 as f64,
    }))
  }

  accepts!(INT4, INT8, FLOAT8);
}

/// An `expires_at` to write, and its field. An integer column takes whole numbers only: a
/// fraction is refused, never rounded away.
#[derive(Debug, Clone, Copy)]
pub struct SecondsParam(pub f64, pub &'static str);

impl ToSql for SecondsParam {
  fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
    let SecondsParam(s, field) = *self;
    if *ty == Type::FLOAT8 {
      return s.to_sql(ty, out);
    }
    if s.fract() != 0.0 || s.abs() >= 9.0e15 {
      return Err(does_not_fit(format!(
        "{field} ({s}) is not a whole number, which the column's integer type needs; widen it to double precision"
      )));
    }
    WholeParam(s as i64, field).to_sql(ty, out)
  }

  accepts!(INT4, INT8, FLOAT8);
  to_sql_checked!();
}

#[cfg(test)]
mod tests {
  use super::*;

  fn round_trip(ms: i64, ty: &Type) -> i64 {
    let mut buf = bytes::BytesMut::new();
    Time(ms, "t").to_sql(ty, &mut buf).unwrap();
    Millis::from_sql(ty, &buf).unwrap().0
  }

  #[test]
  fn times_round_trip_exactly_over_javascripts_whole_range_that_postgres_holds() {
    for ms in [
      0,
      1,
      -1,
      1_700_000_000_123,
      -62_000_000_000_001,
      8_640_000_000_000_000,
      -210_000_000_000_000_000 / 1000,
    ] {
      for ty in [Type::TIMESTAMP, Type::TIMESTAMPTZ] {
        assert_eq!(round_trip(ms, &ty), ms, "{ms} as {ty}");
      }
    }
  }

  #[test]
  fn times_postgres_cannot_hold_name_the_field() {
    let mut buf = bytes::BytesMut::new();
    let Err(err) = Time(-8_640_000_000_000_000, "session.expires").to_sql(&Type::TIMESTAMP, &mut buf) else {
      panic!("accepted")
    };
    assert!(err.to_string().starts_with("session.expires ("), "{err}");
    assert!(Time(i64::MAX, "x").to_sql(&Type::TIMESTAMP, &mut buf).is_err());
  }

  #[test]
  fn integers_fit_or_say_why() {
    let mut buf = bytes::BytesMut::new();
    let Err(err) = WholeParam(1 << 31, "authenticator.counter").to_sql(&Type::INT4, &mut buf) else {
      panic!("accepted")
    };
    assert!(
      err.to_string().starts_with("authenticator.counter (2147483648)"),
      "{err}"
    );
    assert!(SecondsParam(1.5, "account.expires_at")
      .to_sql(&Type::INT4, &mut buf)
      .is_err());
    let mut buf = bytes::BytesMut::new();
    SecondsParam(1.5, "x").to_sql(&Type::FLOAT8, &mut buf).unwrap();
    assert_eq!(Seconds::from_sql(&Type::FLOAT8, &buf).unwrap(), Seconds(1.5));
    let mut buf = bytes::BytesMut::new();
    WholeParam(4_294_967_295, "x")
      .to_sql(&Type::INT8, &mut buf)
      .unwrap();
    assert_eq!(Whole::from_sql(&Type::INT8, &buf).unwrap(), Whole(4_294_967_295));
  }
}
