//! `model.init_from`: the bytes of a weights file, read as the other inputs are (a regular file only,
//! at most the memory limit); `nn::weights` decodes them against the spec's network.

use super::{bounded, kind};
use crate::error::DataError;
use std::path::Path;

/// The bytes of the weights file `path`, at most `limit` of them.
pub fn read_weights(path: &Path, limit: Option<u64>) -> Result<Vec<u8>, DataError> {
    let source = path.display();
    let cannot = |e: std::io::Error| DataError::file(&source, format!("cannot read the file: {e}"));
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        let message =
            format!("not a regular file ({}); model.init_from names a .safetensors file", kind(&meta));
        return Err(DataError::file(&source, message).for_key("model.init_from"));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    bounded(file, limit, &source, ("the file", "cannot read the file"))
}
