//! The SQLite store: one file per table family, each holding its SQL next to the code that
//! runs it. Reads take `&Connection`; writes take `&mut Connection` and run in one transaction.

/// The user columns, in the order `users::from_row` reads them; `u` is the table alias. A macro,
/// so statements are built with `concat!` at compile time, not formatted on every call.
macro_rules! user_columns {
  () => {
    r#"u."id", u."name", u."email", u."emailVerified", u."image", u."authlite_extra""#
  };
}

pub mod accounts;
pub mod authenticators;
pub mod backup;
pub mod connection;
pub mod migrations;
pub mod sessions;
pub mod users;
pub mod verification_tokens;

use rusqlite::types::Type;

use crate::model::Extra;

pub(crate) use users::email_taken;

/// The JSON text stored for a row's extra fields; `NULL` when there are none.
pub(crate) fn extra_to_sql(extra: &Extra) -> Option<String> {
  if extra.is_empty() {
    None
  } else {
    Some(serde_json::Value::Object(extra.clone()).to_string())
  }
}

/// Reads the extra-fields column at `index`. Text that is not a JSON object is reported, not
/// dropped: silently losing a user's fields would be worse than an error that names the row.
pub(crate) fn extra_from_sql(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Extra> {
  let text: Option<String> = row.get(index)?;
  match text {
    None => Ok(Extra::new()),
    Some(text) => match serde_json::from_str::<serde_json::Value>(&text) {
      Ok(serde_json::Value::Object(map)) => Ok(map),
      Ok(_) => Err(not_an_object(index)),
      Err(err) => Err(rusqlite::Error::FromSqlConversionFailure(
        index,
        Type::Text,
        Box::new(err),
      )),
    },
  }
}

fn not_an_object(index: usize) -> rusqlite::Error {
  rusqlite::Error::FromSqlConversionFailure(
    index,
    Type::Text,
    "authlite_extra does not hold a JSON object".into(),
  )
}

#[cfg(test)]
mod tests;
