//! The layout's promises, checked on the source tree: the stages that only read records (analysis,
//! figures, report) never import training code; only `records/` touches the results folder (the few other
//! file reads are inputs, named here with their reason); `schema` depends on nothing but serde; rayon
//! lives in `sweep/`, and the only other threads are the product split's (`nn/split/pool.rs`); the
//! command line's crates stay in the binary. Each rule is also shown to fire on a line that breaks it, so
//! none can pass vacuously.

use std::path::{Path, PathBuf};

/// Every .rs file under `dir`, recursively, as (path relative to the crate, text).
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read src") {
            let path: PathBuf = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).expect("inside").to_string_lossy();
                out.push((rel.replace('\\', "/"), std::fs::read_to_string(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// Code lines only: comments and doc comments cannot break a rule.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim_start().starts_with("//"))
}

/// A rule: files matching `applies` must not contain any of `forbidden` on a code line.
struct Rule {
    why: &'static str,
    applies: fn(&str) -> bool,
    forbidden: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        why: "analysis, figures and report read records only; training code is upstream of them",
        applies: |f| ["src/analysis/", "src/figures/", "src/report/"].iter().any(|d| f.starts_with(d)),
        forbidden: &["crate::train", "crate::nn", "crate::sweep", "crate::data"],
    },
    Rule {
        why: "only records/ touches the results folder",
        applies: |f| {
            let inputs = [
                "src/records/",         // the results folder itself
                "src/data/",            // reads the data files a spec names
                "src/spec/read.rs",     // reads the spec file
                "src/plan/limits.rs",   // reads /proc/meminfo
                "src/plan/estimate.rs", // sizes the data files before loading them
            ];
            f.starts_with("src/") && !inputs.iter().any(|d| f.starts_with(d))
        },
        forbidden: &["std::fs", "fs::", "File::", "OpenOptions", "remove_dir", "create_dir"],
    },
    Rule {
        why: "schema holds plain records that cross stages and depends on nothing but serde",
        applies: |f| f == "src/schema.rs",
        forbidden: &["crate::", "use std", "use rand", "use ndarray"],
    },
    Rule {
        // The split of one run's matrix products over idle threads has to sit where the products are
        // (nn/, upstream of sweep/) and uses its own helper threads rather than rayon's: a rayon worker
        // waiting for another pool steals from its own, so it could start a whole run mid-product.
        why: "sweep/ runs configurations in parallel and nn/split/pool.rs splits products; nothing else starts threads",
        applies: |f| {
            f.starts_with("src/")
                && !f.starts_with("src/sweep/")
                && f != "src/main.rs"
                && f != "src/nn/split/pool.rs"
        },
        forbidden: &[
            "rayon::",
            "par_iter",
            "into_par_iter",
            "thread::spawn",
            "thread::scope",
            "thread::Builder",
        ],
    },
    Rule {
        why: "the command line (clap, progress bars, signals, the global allocator) lives in the binary",
        applies: |f| f.starts_with("src/") && !f.starts_with("src/cli/") && f != "src/main.rs",
        forbidden: &["clap::", "indicatif::", "ctrlc::", "#[global_allocator]"],
    },
];

/// Every breach of `rule` in `files`, as `file:line: text`.
fn breaches(rule: &Rule, files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, text) in files.iter().filter(|(f, _)| (rule.applies)(f)) {
        // Unit tests may build what they test from anything; only the module's own code counts.
        let code = text.split("#[cfg(test)]").next().unwrap_or(text);
        for (line, l) in code_lines(code) {
            if rule.forbidden.iter().any(|p| l.contains(p)) {
                found.push(format!("{file}:{line}: {}", l.trim()));
            }
        }
    }
    found
}

#[test]
fn every_module_keeps_to_its_stage() {
    let files = sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut report = Vec::new();
    for rule in RULES {
        for b in breaches(rule, &files) {
            report.push(format!("{} — {b}", rule.why));
        }
    }
    assert!(report.is_empty(), "layout rules broken:\n{}", report.join("\n"));
}

#[test]
fn each_rule_fires_on_a_line_that_breaks_it() {
    let planted = [
        ("src/figures/x.rs", "use crate::train::Recorder;"),
        ("src/analysis/x.rs", "let f = std::fs::read(p);"),
        ("src/schema.rs", "use crate::plan::RunConfig;"),
        ("src/train/x.rs", "runs.par_iter().map(f);"),
        ("src/nn/x.rs", "use indicatif::ProgressBar;"),
    ];
    for (rule, (file, line)) in RULES.iter().zip(planted) {
        let files = vec![(file.to_string(), format!("//! doc\n{line}\n"))];
        assert_eq!(breaches(rule, &files).len(), 1, "rule `{}` missed {file}: {line}", rule.why);
        let commented = vec![(file.to_string(), format!("// {line}\n"))];
        assert!(breaches(rule, &commented).is_empty(), "rule `{}` fired on a comment", rule.why);
    }
}
