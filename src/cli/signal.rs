//! Ctrl-C and SIGTERM: the first signal asks the sweep to stop (in-flight runs stop at their next update
//! and their unfinished folders are removed; completed runs stay), a second one exits at once; once every
//! record is written and figures render, the first one exits at once (`plot` renders them again). Also
//! the command line that resumes an interrupted sweep, and the default action of SIGPIPE.

use batchlab::error::EXIT_INTERRUPTED;
use batchlab::records::claim;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the first SIGINT or SIGTERM.
static STOP: AtomicBool = AtomicBool::new(false);
/// The results folder, once its records are complete and its figures render.
static RENDERING: OnceLock<String> = OnceLock::new();

/// Installs the handler (SIGINT, SIGTERM and SIGHUP through ctrlc's `termination` feature) and returns
/// the flag it sets. If a handler cannot be installed the flag still works, it is just never set.
pub fn install() -> &'static AtomicBool {
    let installed = ctrlc::set_handler(|| {
        if let Some(dir) = RENDERING.get() {
            stop_rendering(dir);
        }
        if STOP.swap(true, Ordering::SeqCst) {
            eprintln!("\nsecond interrupt: exiting now; unfinished run folders are cleaned up by --resume");
            claim::release_all_held();
            std::process::exit(EXIT_INTERRUPTED);
        }
        eprintln!("\ninterrupt: stopping at the next update of every run (interrupt again to exit now)");
    });
    if let Err(e) = installed {
        eprintln!("warning: cannot catch Ctrl-C ({e}); an interrupted sweep will not clean up");
    }
    &STOP
}

/// Marks the start of rendering into `dir`, whose records are complete: from now on an interrupt exits at
/// once with 130, and one that already came exits here.
pub fn rendering(dir: &Path) {
    let dir = RENDERING.get_or_init(|| quote(&dir.display().to_string()));
    if STOP.load(Ordering::SeqCst) {
        stop_rendering(dir);
    }
}

fn stop_rendering(dir: &str) -> ! {
    eprintln!(
        "\ninterrupt: every record is complete, but the figures and report are not all written; \
         `batchlab plot {dir}` renders them"
    );
    claim::release_all_held();
    std::process::exit(EXIT_INTERRUPTED);
}

/// Restores the default action of SIGPIPE (Rust ignores it, so printing into a closed pipe panicked):
/// `batchlab plan spec.toml | head -1` ends quietly, as Unix tools do.
pub fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The command that resumes the sweep started by `args` (program name first): the same arguments with
/// `--resume` added (and `--force` dropped, which would delete what finished), quoted for a POSIX shell.
pub fn resume_command(args: impl IntoIterator<Item = String>) -> String {
    let mut words: Vec<String> = args.into_iter().filter(|a| a != "--force").collect();
    if !words.iter().any(|a| a == "--resume") {
        words.push("--resume".into());
    }
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// `word` as one POSIX shell word: unchanged when it is plain, else in single quotes.
pub fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn the_resume_command_repeats_the_arguments_and_adds_resume_once() {
        let cmd = resume_command(words(&["batchlab", "s.toml", "--set", "training.epochs=5"]));
        assert_eq!(cmd, "batchlab s.toml --set training.epochs=5 --resume");
        assert_eq!(resume_command(words(&["batchlab", "s.toml", "--resume"])), "batchlab s.toml --resume");
    }

    #[test]
    fn the_resume_command_drops_force_and_quotes_what_the_shell_would_split() {
        let cmd = resume_command(words(&[
            "batchlab",
            "my spec.toml",
            "--force",
            "--set",
            "sweep.batch_sizes=[1, \"full\"]",
        ]));
        assert_eq!(cmd, r#"batchlab 'my spec.toml' --set 'sweep.batch_sizes=[1, "full"]' --resume"#);
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
