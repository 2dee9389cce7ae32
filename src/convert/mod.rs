//! JS values <-> models. `value` reads and checks JS values, `args` turns adapter arguments into
//! models, `output` turns models into the objects Auth.js gets back. Dates cross as real
//! `Date`s, missing values come back as `null`, and fields without a column round-trip through
//! JSON with `JSON.stringify`'s rules.

mod args;
mod js;
mod output;
mod value;

pub use args::*;
pub use output::{shape_session_and_user_row, SessionAndUser};
pub use value::{Arg, Fields};
