//! Values as PostgreSQL stores them, whatever integer or time type a column has (the drizzle
//! schema's, or another tool's wider ones).
//!
//! Times: the model keeps integer milliseconds since the Unix epoch; the drizzle schema has
//! `timestamp` (without time zone) columns holding UTC, and a database made by another tool may
//! use `timestamptz`. `Millis` converts through chrono, in the binary protocol, so neither the
//! server's nor the session's `TimeZone` setting ever shifts a value.

use std::error::Error;

use chrono::{DateTime, NaiveDateTime, Utc};
use tokio_postgres::types::{accepts, to_sql_checked, FromSql, IsNull, ToSql, Type};

/// Milliseconds since the Unix epoch, for a `timestamp` (read and written as UTC) or
/// `timestamptz` column or parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis(pub i64);

impl Millis {
  fn utc(self) -> Result<DateTime<Utc>, Box<dyn Error + Sync + Send>> {
    DateTime::<Utc>::from_timestamp_millis(self.0)
      .ok_or_else(|| format!("{} ms is outside the range of a timestamp", self.0).into())
  }
}

impl ToSql for Millis {
  fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
    let utc = self.utc()?;
    if *ty == Type::TIMESTAMP {
      utc.naive_utc().to_sql(ty, out)
    } else {
      utc.to_sql(ty, out)
    }
  }

  accepts!(TIMESTAMP, TIMESTAMPTZ);
  to_sql_checked!();
}

impl<'a> FromSql<'a> for Millis {
  fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
    // Sub-millisecond digits another tool wrote are dropped (rounded toward the past).
    let utc = if *ty == Type::TIMESTAMP {
      NaiveDateTime::from_sql(ty, raw)?.and_utc()
    } else {
      DateTime::<Utc>::from_sql(ty, raw)?
    };
    Ok(Millis(utc.timestamp_millis()))
  }

  accepts!(TIMESTAMP, TIMESTAMPTZ);
}

/// A value that does not fit its column (e.g. a passkey counter past 2^31 in drizzle's
/// `integer`): reported as invalid input, naming the value.
#[derive(Debug)]
pub struct DoesNotFit(pub String);

impl std::fmt::Display for DoesNotFit {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str(&self.0)
  }
}

impl Error for DoesNotFit {}

/// A whole number for an `integer` or `bigint` column (a passkey's signature counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole(pub i64);

impl ToSql for Whole {
  fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
    if *ty == Type::INT4 {
      let small = i32::try_from(self.0).map_err(|_| {
        DoesNotFit(format!(
          "{} does not fit the column's integer type (at most {})",
          self.0,
          i32::MAX
        ))
      })?;
      small.to_sql(ty, out)
    } else {
      self.0.to_sql(ty, out)
    }
  }

  accepts!(INT4, INT8);
  to_sql_checked!();
}

impl<'a> FromSql<'a> for Whole {
  fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
    Ok(Whole(if *ty == Type::INT4 {
      i64::from(i32::from_sql(ty, raw)?)
    } else {
      i64::from_sql(ty, raw)?
    }))
  }

  accepts!(INT4, INT8);
}

/// An account's `expires_at` (seconds, as the provider gave it) for an `integer`, `bigint` or
/// `double precision` column. An integer column takes whole numbers only: a fraction is an
/// error, never rounded away.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds(pub f64);

impl ToSql for Seconds {
  fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
    let s = self.0;
    let whole = || -> Result<i64, Box<dyn Error + Sync + Send>> {
      if s.fract() != 0.0 || s.abs() >= 9.0e15 {
        return Err(Box::new(DoesNotFit(format!(
          "{s} is not a whole number, which the column's integer type needs"
        ))));
      }
      Ok(s as i64)
    };
    match *ty {
      Type::FLOAT8 => s.to_sql(ty, out),
      Type::INT8 => whole()?.to_sql(ty, out),
      _ => Whole(whole()?).to_sql(ty, out),
    }
  }

  accepts!(INT4, INT8, FLOAT8);
  to_sql_checked!();
}

impl<'a> FromSql<'a> for Seconds {
  fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
    Ok(Seconds(match *ty {
      Type::FLOAT8 => f64::from_sql(ty, raw)?,
      _ => Whole::from_sql(ty, raw)?.0 as f64,
    }))
  }

  accepts!(INT4, INT8, FLOAT8);
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn round_trips_both_column_types_exactly() {
    for ms in [
      0,
      1,
      -1,
      1_700_000_000_123,
      -62_000_000_000_001,
      253_402_300_799_999,
    ] {
      for ty in [Type::TIMESTAMP, Type::TIMESTAMPTZ] {
        let mut buf = bytes::BytesMut::new();
        Millis(ms).to_sql(&ty, &mut buf).unwrap();
        assert_eq!(Millis::from_sql(&ty, &buf).unwrap(), Millis(ms), "{ms} as {ty}");
      }
    }
  }

  #[test]
  fn integers_fit_or_say_why() {
    let mut buf = bytes::BytesMut::new();
    assert!(Whole(1 << 31).to_sql(&Type::INT4, &mut buf).is_err());
    assert!(Seconds(1.5).to_sql(&Type::INT4, &mut buf).is_err());
    let mut buf = bytes::BytesMut::new();
    Seconds(1.5).to_sql(&Type::FLOAT8, &mut buf).unwrap();
    assert_eq!(Seconds::from_sql(&Type::FLOAT8, &buf).unwrap(), Seconds(1.5));
    let mut buf = bytes::BytesMut::new();
    Seconds(1_700_003_600.0).to_sql(&Type::INT4, &mut buf).unwrap();
    assert_eq!(
      Seconds::from_sql(&Type::INT4, &buf).unwrap(),
      Seconds(1_700_003_600.0)
    );
  }

  #[test]
  fn out_of_range_is_an_error_not_a_panic() {
    let mut buf = bytes::BytesMut::new();
    assert!(Millis(i64::MAX).to_sql(&Type::TIMESTAMP, &mut buf).is_err());
  }
}
