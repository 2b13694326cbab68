//! The library's error type: every variant names the file and the place in it, and maps to an exit code.

use std::fmt;
use std::path::{Path, PathBuf};

/// Exit code for bad input: a spec, an override or a data file the user must fix.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for a sweep stopped by Ctrl-C or SIGTERM.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Everything that can stop the harness.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec (or a `--set` override) is malformed or out of range.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A data file cannot be used.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A results folder cannot be read back (plot, analyze, resume).
    #[error("{path}: {message}")]
    Records {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The operating system refused a read or a write. The message is part of the text, not a `source`,
    /// so a report that prints the error chain says it once.
    #[error("{path}: {error}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// The output folder holds something we must not overwrite.
    #[error("{0}")]
    Refused(String),
    /// Ctrl-C or SIGTERM stopped the sweep.
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Spec(_) | Error::Data(_) | Error::Records { .. } | Error::Refused(_) => EXIT_BAD_INPUT,
            Error::Interrupted(_) => EXIT_INTERRUPTED,
            Error::Io { .. } => 1,
        }
    }

    /// Wraps an IO error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, error: std::io::Error) -> Self {
        Error::Io { path: path.as_ref().to_path_buf(), error }
    }

    /// A results file that cannot be read back.
    pub fn records(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::Records { path: path.as_ref().to_path_buf(), message: message.into() }
    }
}

/// Shorthand for the library's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in the spec a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A 1-based line and column in the spec file.
    Line {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A `--set key=value` argument on the command line.
    Override(String),
    /// The key is absent from the file (a required key, or a default that does not fit).
    Missing,
}

/// A malformed or out-of-range spec value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file.
    pub file: PathBuf,
    /// Where the offending value is.
    pub origin: Origin,
    /// Dotted key path, e.g. `training.epochs` or `sweep.batch_sizes[2]`; empty for syntax errors.
    pub key: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl std::error::Error for SpecError {}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid spec {}", self.file.display())?;
        match &self.origin {
            Origin::Line { line, column } => write!(f, ", line {line}, column {column}")?,
            Origin::Override(arg) => write!(f, ", from `--set {arg}`")?,
            Origin::Missing => {}
        }
        if !self.key.is_empty() {
            write!(f, ", key `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A data file that cannot be used, with the row and column at fault when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// The data file, or a description such as `bundled digits` or `synthetic generator`.
    pub source: String,
    /// 1-based line of a text file (the header is line 1), or the record index of an idx file.
    pub row: Option<usize>,
    /// The column name or index at fault.
    pub column: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
    /// The spec key at fault, when the fix belongs in the spec (e.g. `data.label`).
    pub spec_key: Option<String>,
}

impl DataError {
    /// An error about a whole file.
    pub fn file(source: impl fmt::Display, message: impl Into<String>) -> Self {
        DataError {
            source: source.to_string(),
            row: None,
            column: None,
            message: message.into(),
            spec_key: None,
        }
    }

    /// Names the row at fault.
    pub fn at_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    /// Says the fix belongs in spec key `key`.
    pub fn for_key(mut self, key: impl Into<String>) -> Self {
        self.spec_key = Some(key.into());
        self
    }

    /// Names the column at fault.
    pub fn at_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl std::error::Error for DataError {}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad data in {}", self.source)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        write!(f, ": {}", self.message)
    }
}
