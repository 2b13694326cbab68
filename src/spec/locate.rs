//! Finds where a dotted key (`sweep.batch_sizes[2]`) sits in the spec text, and which key a byte offset
//! belongs to, so every error can name a line, a column and a key.

use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The byte range of the value (or, failing that, the nearest enclosing value) that `path` names.
pub fn span_of(text: &str, path: &str) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut value: Option<&toml::Spanned<DeValue<'_>>> = None;
    let mut best = None;
    for step in steps(path) {
        let next = match (step, value.map(|v| v.get_ref())) {
            (Step::Key(k), None) => lookup(table, k),
            (Step::Key(k), Some(DeValue::Table(t))) => lookup(t, k),
            (Step::Index(i), Some(DeValue::Array(a))) => a.get(i),
            _ => None,
        };
        let Some(next) = next else { break };
        best = Some(next.span());
        value = Some(next);
        if let DeValue::Table(t) = next.get_ref() {
            table = t;
        }
    }
    best
}

/// The dotted key whose value contains byte `offset`, e.g. `training.epochs`.
pub fn key_at(text: &str, offset: usize) -> Option<String> {
    let root = DeTable::parse(text).ok()?;
    find_key(root.get_ref(), offset)
}

/// The dotted key at byte `offset` read from the text alone, for a file that does not parse (a duplicate
/// key or table): a `[table]` header line names the table, a `key = value` line its table and key.
pub fn key_by_text(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let line = text[line_start..].lines().next()?.trim();
    if let Some(table) = table_header(line) {
        return Some(table);
    }
    let key = line.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() {
        return None;
    }
    Some(match text[..line_start].lines().rev().find_map(|l| table_header(l.trim())) {
        Some(table) => format!("{table}.{key}"),
        None => key.to_string(),
    })
}

/// The name of the table a `[name]` (or `[[name]]`) header line opens.
fn table_header(line: &str) -> Option<String> {
    let inner = line.strip_prefix('[')?.trim_start_matches('[');
    let name = inner.split(']').next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Depth-first, because a `[table]` header's span does not cover the keys below it.
fn find_key(table: &DeTable<'_>, offset: usize) -> Option<String> {
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        if let DeValue::Table(t) = value.get_ref()
            && let Some(inner) = find_key(t, offset)
        {
            return Some(format!("{name}.{inner}"));
        }
        if !(value.span().contains(&offset) || key.span().contains(&offset)) {
            continue;
        }
        if let DeValue::Array(a) = value.get_ref()
            && let Some(i) = a.iter().position(|v| v.span().contains(&offset))
        {
            return Some(format!("{name}[{i}]"));
        }
        return Some(name.to_string());
    }
    None
}

/// The 1-based line and column of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, column)
}

fn lookup<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t toml::Spanned<DeValue<'i>>> {
    table.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        if !name.is_empty() {
            out.push(Step::Key(name));
        }
        for index in rest.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Step::Index(i));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[experiment]\nname = \"x\"\n\n[sweep]\nbatch_sizes = [1, 0, \"full\"]\n";

    #[test]
    fn finds_a_scalar_key() {
        let span = span_of(TEXT, "experiment.name").unwrap();
        assert_eq!(line_column(TEXT, span.start), (2, 8));
    }

    #[test]
    fn finds_an_array_element() {
        let span = span_of(TEXT, "sweep.batch_sizes[1]").unwrap();
        assert_eq!(&TEXT[span.clone()], "0");
        assert_eq!(line_column(TEXT, span.start), (5, 19));
    }

    #[test]
    fn falls_back_to_the_enclosing_table_for_a_missing_key() {
        let span = span_of(TEXT, "sweep.learning_rates").unwrap();
        assert_eq!(line_column(TEXT, span.start).0, 4);
    }

    #[test]
    fn a_duplicate_key_or_table_is_named_from_the_text() {
        let text = "[experiment]\nname = \"x\"\n[training]\nepochs = 2\nepochs = 3\n[training]\n";
        let second = text.rfind("epochs").unwrap();
        assert_eq!(key_by_text(text, second).as_deref(), Some("training.epochs"));
        assert_eq!(key_by_text(text, text.rfind("training").unwrap()).as_deref(), Some("training"));
    }

    #[test]
    fn names_the_key_at_an_offset() {
        let offset = TEXT.find('0').unwrap();
        assert_eq!(key_at(TEXT, offset).as_deref(), Some("sweep.batch_sizes[1]"));
        let offset = TEXT.find("\"x\"").unwrap();
        assert_eq!(key_at(TEXT, offset).as_deref(), Some("experiment.name"));
    }
}
