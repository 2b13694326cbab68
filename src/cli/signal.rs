//! Ctrl-C and SIGTERM: the first signal asks the sweep to stop (in-flight runs stop at their next update
//! and their unfinished folders are removed; completed runs stay), a second one exits at once. Also the
//! command line that resumes an interrupted sweep.

use batchlab::error::EXIT_INTERRUPTED;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the first SIGINT or SIGTERM.
static STOP: AtomicBool = AtomicBool::new(false);

/// Installs the handler (SIGINT, SIGTERM and SIGHUP through ctrlc's `termination` feature) and returns
/// the flag it sets. If a handler cannot be installed the flag still works, it is just never set.
pub fn install() -> &'static AtomicBool {
    let installed = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            eprintln!("\nsecond interrupt: exiting now; unfinished run folders are cleaned up by --resume");
            std::process::exit(EXIT_INTERRUPTED);
        }
        eprintln!("\ninterrupt: stopping at the next update of every run (interrupt again to exit now)");
    });
    if let Err(e) = installed {
        eprintln!("warning: cannot catch Ctrl-C ({e}); an interrupted sweep will not clean up");
    }
    &STOP
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
fn quote(word: &str) -> String {
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
