//! Verified records: summary.json, the last file a run writes, lists the size and SHA-256 of every other
//! record file of the run, and every reader checks them, so a truncated, deleted or edited record is named
//! instead of read. Folders written before digests existed list none and are read as they are.

use super::layout::{self, RUN_SUMMARY};
use super::{RunFile, read_run_file};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

/// One record file of a run, as summary.json lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// The file name inside the run folder, e.g. `iterations.csv`.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its contents, lowercase hex.
    pub sha256: String,
}

impl FileDigest {
    /// The digest of `bytes` stored as `name`.
    pub fn of(name: &str, bytes: &[u8]) -> FileDigest {
        let mut sha256 = String::with_capacity(64);
        for b in Sha256::digest(bytes) {
            let _ = write!(sha256, "{b:02x}");
        }
        FileDigest { name: name.to_string(), bytes: bytes.len() as u64, sha256 }
    }
}

/// What a run folder holds.
#[derive(Debug, Clone)]
pub enum Stored {
    /// No folder.
    Absent,
    /// A folder whose records do not match its summary.json (or without a readable one): what is wrong.
    Damaged(String),
    /// A complete folder whose records match their digests.
    Intact(Box<RunFile>),
}

/// The state of run `id` in `output`, every record checked against its digest.
pub fn stored_run(output: &Path, id: &str) -> Stored {
    let dir = layout::run_dir(output, id);
    if !dir.exists() {
        return Stored::Absent;
    }
    match read_verified(&dir) {
        Ok((file, _)) => Stored::Intact(Box::new(file)),
        Err(what) => Stored::Damaged(what),
    }
}

/// Checks the run folder `dir` (a copy about to be renamed into place, say); the error names the folder.
pub fn verify_run(dir: &Path) -> Result<RunFile> {
    read_verified(dir).map(|(file, _)| file).map_err(|what| damaged(dir, &what))
}

/// The error for the damaged run folder `dir`.
pub fn damaged(dir: &Path, what: &str) -> Error {
    Error::records(dir, format!("damaged run: {what}; `batchlab <spec> --resume` recomputes it"))
}

/// The contents of a run's record files, by name.
pub(super) type Contents = Vec<(String, Vec<u8>)>;

/// Reads summary.json and every record file of the run folder `dir`, checking each against its digest:
/// the run file and the verified contents by name, or what is wrong.
pub(super) fn read_verified(dir: &Path) -> Result<(RunFile, Contents), String> {
    let file = read_run_file(dir).map_err(|e| match e {
        Error::Records { message, .. } => format!("{RUN_SUMMARY} cannot be read ({message})"),
        other => other.to_string(),
    })?;
    if file.files.is_empty() {
        return Ok((file, unverified(dir)));
    }
    let mut contents = Vec::with_capacity(file.files.len());
    for digest in &file.files {
        contents.push((digest.name.clone(), checked(dir, digest)?));
    }
    Ok((file, contents))
}

/// A record file read and compared with its digest.
fn checked(dir: &Path, digest: &FileDigest) -> Result<Vec<u8>, String> {
    let name = &digest.name;
    let bytes = fs::read(dir.join(name))
        .map_err(|e| format!("{name} cannot be read ({e}); {RUN_SUMMARY} lists {} bytes", digest.bytes))?;
    if bytes.len() as u64 != digest.bytes {
        return Err(format!(
            "{name} holds {} bytes, {RUN_SUMMARY} records {} (truncated or appended to)",
            bytes.len(),
            digest.bytes
        ));
    }
    if FileDigest::of(name, &bytes).sha256 != digest.sha256 {
        return Err(format!("{name} does not match the SHA-256 {RUN_SUMMARY} records (edited or corrupted)"));
    }
    Ok(bytes)
}

/// The record files of a folder written before digests existed, read as they are.
fn unverified(dir: &Path) -> Contents {
    layout::RECORDS
        .iter()
        .filter_map(|name| fs::read(dir.join(name)).ok().map(|bytes| (name.to_string(), bytes)))
        .collect()
}

/// The digests of every file in the run folder `dir` except summary.json, and of the weights under its
/// `weights/` folder (named `weights/<file>`), sorted by name.
pub(super) fn digest_folder(dir: &Path) -> Result<Vec<FileDigest>> {
    let mut names: Vec<(String, PathBuf)> = files_in(dir, "")?;
    let weights = dir.join(layout::WEIGHTS_DIR);
    if weights.is_dir() {
        names.extend(files_in(&weights, &format!("{}/", layout::WEIGHTS_DIR))?);
    }
    names.retain(|(name, _)| name != RUN_SUMMARY);
    names.sort();
    names
        .iter()
        .map(|(name, path)| {
            let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
            Ok(FileDigest::of(name, &bytes))
        })
        .collect()
}

/// The files directly in `dir`, as (`prefix` + name, path).
fn files_in(dir: &Path, prefix: &str) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_file() {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            out.push((format!("{prefix}{name}"), path));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_of_abc_is_the_fips_test_vector() {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        let d = FileDigest::of("x", b"abc");
        assert_eq!(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(d.bytes, 3);
    }

    #[test]
    fn a_truncated_or_edited_file_is_named_with_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let digest = FileDigest::of("a.csv", b"x,y\n1,2\n");
        fs::write(dir.path().join("a.csv"), b"x,y\n").unwrap();
        let short = checked(dir.path(), &digest).unwrap_err();
        assert!(short.contains("a.csv holds 4 bytes, summary.json records 8"), "{short}");
        fs::write(dir.path().join("a.csv"), b"x,y\n1,3\n").unwrap();
        assert!(checked(dir.path(), &digest).unwrap_err().contains("does not match the SHA-256"));
        fs::write(dir.path().join("a.csv"), b"x,y\n1,2\n").unwrap();
        assert_eq!(checked(dir.path(), &digest).unwrap(), b"x,y\n1,2\n");
    }
}
