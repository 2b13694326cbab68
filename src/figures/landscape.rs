//! landscape

use super::{Context, Figure};
use crate::error::Result;

/// The figures.
pub fn figures(_ctx: &Context<'_>) -> Result<Vec<Figure>> {
    Ok(Vec::new())
}
