//! Reads a spec file and applies `--set key=value` overrides, turning every TOML or serde error into a
//! [`SpecError`] that names the file, the line and column (or the override) and the key.

use super::{Spec, locate};
use crate::error::{Origin, SpecError};
use std::path::{Path, PathBuf};

/// The spec text as read, with the overrides applied on top; used to place later validation errors.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// The spec file.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// `(dotted key, original argument)` for every `--set`.
    pub overrides: Vec<(String, String)>,
}

impl SpecSource {
    /// An error about `key`, placed at the override that set it, else at its line in the file.
    pub fn error(&self, key: &str, message: impl Into<String>) -> SpecError {
        let overridden = self.overrides.iter().rev().find(|(k, _)| {
            key == k || key.starts_with(&format!("{k}.")) || key.starts_with(&format!("{k}["))
        });
        let origin = match overridden {
            Some((_, arg)) => Origin::Override(arg.clone()),
            None => match locate::span_of(&self.text, key) {
                Some(span) => at(&self.text, span.start),
                None => Origin::Missing,
            },
        };
        SpecError { file: self.path.clone(), origin, key: key.to_string(), message: message.into() }
    }
}

/// Reads and parses `path`, then applies `overrides` (each `key=value`, value in TOML syntax or a bare word).
pub fn read(path: &Path, overrides: &[String]) -> Result<(Spec, SpecSource), SpecError> {
    let whole_file = |message: String| SpecError {
        file: path.to_path_buf(),
        origin: Origin::Missing,
        key: String::new(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| whole_file(format!("cannot read it: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = locate::line_column(&String::from_utf8_lossy(e.as_bytes()), offset);
        SpecError {
            file: path.to_path_buf(),
            origin: Origin::Line { line, column },
            key: String::new(),
            message: "the file is not UTF-8 text; a spec is a TOML text file".into(),
        }
    })?;
    if text.trim().is_empty() {
        return Err(whole_file(
            "the file is empty; a spec needs at least [experiment], [training] and [sweep] (see README.md)"
                .into(),
        ));
    }
    let mut spec: Spec = toml::from_str(&text).map_err(|e| from_toml(path, &text, &e))?;
    let mut source = SpecSource { path: path.to_path_buf(), text, overrides: Vec::new() };
    for arg in overrides {
        spec = apply(&spec, arg, &source)?;
        let key = arg.split_once('=').map_or(arg.as_str(), |(k, _)| k.trim());
        source.overrides.push((key.to_string(), arg.clone()));
    }
    Ok((spec, source))
}

fn from_toml(path: &Path, text: &str, e: &toml::de::Error) -> SpecError {
    let span = e.span();
    let key = span
        .as_ref()
        .and_then(|s| locate::key_at(text, s.start).or_else(|| locate::key_by_text(text, s.start)))
        .unwrap_or_default();
    let origin = span.map_or(Origin::Missing, |s| at(text, s.start));
    SpecError { file: path.to_path_buf(), origin, key, message: e.message().trim().to_string() }
}

fn at(text: &str, offset: usize) -> Origin {
    let (line, column) = locate::line_column(text, offset);
    Origin::Line { line, column }
}

/// Applies one `key=value` by a round trip through a TOML table, so it meets the same checks as the file.
fn apply(spec: &Spec, arg: &str, source: &SpecSource) -> Result<Spec, SpecError> {
    let fail = |key: &str, message: String| SpecError {
        file: source.path.clone(),
        origin: Origin::Override(arg.to_string()),
        key: key.to_string(),
        message,
    };
    let (key, raw) =
        arg.split_once('=').ok_or_else(|| fail("", "expected key=value, e.g. training.epochs=5".into()))?;
    let key = key.trim();
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(fail(key, "expected a dotted key such as training.epochs".into()));
    }
    let value = parse_value(raw.trim());
    let mut table = toml::Table::try_from(spec).map_err(|e| fail(key, e.to_string()))?;
    let mut node = &mut table;
    for part in &parts[..parts.len() - 1] {
        let entry = node.entry(part.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        node = entry.as_table_mut().ok_or_else(|| fail(key, format!("`{part}` is not a table")))?;
    }
    node.insert(parts[parts.len() - 1].to_string(), value);
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| fail(key, e.message().trim().to_string()))
}

/// A value in TOML syntax (`5`, `0.1`, `[1, "full"]`, `"x"`), or else the bare word as a string.
fn parse_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const MINIMAL: &str = "[experiment]\nname = \"t\"\n[training]\nepochs = 2\nlearning_rate = 0.1\n[sweep]\nbatch_sizes = [1, \"full\"]\n";

    #[test]
    fn a_minimal_spec_reads_with_defaults() {
        let (_d, path) = write(MINIMAL.as_bytes());
        let (spec, _) = read(&path, &[]).unwrap();
        assert_eq!(spec.experiment.repeats, 1);
        assert_eq!(spec.data.test_fraction, 0.2);
    }

    #[test]
    fn an_unknown_key_names_its_line_and_the_allowed_keys() {
        let (_d, path) = write(MINIMAL.replace("epochs = 2", "epochs = 2\nepoch = 3").as_bytes());
        let err = read(&path, &[]).unwrap_err();
        assert_eq!(err.origin, Origin::Line { line: 5, column: 1 });
        assert!(err.message.contains("unknown field `epoch`"), "{}", err.message);
        assert!(err.message.contains("learning_rate"), "{}", err.message);
    }

    #[test]
    fn a_wrong_type_names_the_key() {
        let (_d, path) = write(MINIMAL.replace("epochs = 2", "epochs = \"two\"").as_bytes());
        let err = read(&path, &[]).unwrap_err();
        assert_eq!(err.key, "training.epochs");
        assert_eq!(err.origin, Origin::Line { line: 4, column: 10 });
    }

    #[test]
    fn an_override_replaces_a_value_and_is_remembered() {
        let (_d, path) = write(MINIMAL.as_bytes());
        let (spec, source) =
            read(&path, &["training.epochs=7".into(), "data.source=synthetic".into()]).unwrap();
        assert_eq!(spec.training.epochs, 7);
        assert_eq!(spec.data.source, super::super::Source::Synthetic);
        let err = source.error("training.epochs", "bad");
        assert_eq!(err.origin, Origin::Override("training.epochs=7".into()));
        let err = source.error("sweep.batch_sizes[1]", "bad");
        assert_eq!(err.origin, Origin::Line { line: 7, column: 19 });
    }

    #[test]
    fn a_bad_override_names_itself() {
        let (_d, path) = write(MINIMAL.as_bytes());
        let err = read(&path, &["training.epochz=7".into()]).unwrap_err();
        assert_eq!(err.origin, Origin::Override("training.epochz=7".into()));
        assert!(err.message.contains("unknown field `epochz`"), "{}", err.message);
        let err = read(&path, &["training.epochs=many".into()]).unwrap_err();
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }

    #[test]
    fn non_utf8_and_empty_files_are_refused() {
        let (_d, path) = write(b"[experiment]\nname = \"\xff\"\n");
        let err = read(&path, &[]).unwrap_err();
        assert_eq!(err.origin, Origin::Line { line: 2, column: 9 });
        let (_d, path) = write(b"  \n");
        assert!(read(&path, &[]).unwrap_err().message.contains("empty"));
    }
}
