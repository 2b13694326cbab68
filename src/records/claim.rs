//! Exclusive writers: before it trains or copies anything, a process claims every run it will write with a
//! file `runs/.<id>.claim`, created atomically (O_CREAT|O_EXCL) and holding its host and pid, and removes
//! the claims when it is done. A claim held by a live process of this host, or by any process of another
//! host (whose liveness cannot be seen from here), refuses the second writer, naming it; the claim of a
//! process of this host that has exited (SIGKILL, a second Ctrl-C) is stale and taken over. Shards of one
//! spec claim disjoint runs, so they share a folder freely.

use super::layout::{self, RUNS};
use crate::error::{Error, Result};
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Every claim this process holds, so an exit that skips destructors can still release them.
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The runs this process has claimed; dropping it releases them.
#[derive(Debug)]
pub struct Claims {
    paths: Vec<PathBuf>,
}

/// Who holds a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The host name the claiming process ran on.
    pub host: String,
    /// Its process id.
    pub pid: u32,
    /// The claim file.
    pub claim: PathBuf,
}

impl Claims {
    /// Claims runs `ids` of `output` in order. When one is held, releases those taken and refuses,
    /// naming the holder.
    pub fn acquire<'a>(output: &Path, ids: impl IntoIterator<Item = &'a str>) -> Result<Claims> {
        let mut claims = Claims { paths: Vec::new() };
        let runs = output.join(RUNS);
        fs::create_dir_all(&runs).map_err(|e| Error::io(&runs, e))?;
        let me = format!("host {}\npid {}\n", host(), std::process::id());
        for id in ids {
            let path = layout::claim(output, id);
            match claim(&path, &me)? {
                None => claims.register(path),
                Some(holder) => return Err(refusal(output, id, &holder)),
            }
        }
        Ok(claims)
    }

    fn register(&mut self, path: PathBuf) {
        if let Ok(mut held) = HELD.lock() {
            held.push(path.clone());
        }
        self.paths.push(path);
    }
}

impl Drop for Claims {
    fn drop(&mut self) {
        for path in &self.paths {
            let _ = fs::remove_file(path);
        }
        if let Ok(mut held) = HELD.lock() {
            let mine: std::collections::HashSet<&PathBuf> = self.paths.iter().collect();
            held.retain(|p| !mine.contains(p));
        }
    }
}

/// Removes every claim this process holds: for exits that skip destructors (a second Ctrl-C, SIGTERM
/// while figures render).
pub fn release_all_held() {
    if let Ok(mut held) = HELD.lock() {
        for path in held.drain(..) {
            let _ = fs::remove_file(path);
        }
    }
}

/// The first claim under `output` held by another live process (or by a process of another host).
pub fn live_holder(output: &Path) -> Option<Holder> {
    let entries = fs::read_dir(output.join(RUNS)).ok()?;
    entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "claim")).find_map(
        |path| {
            let holder = read_holder(&path)?;
            let mine = holder.host == host() && holder.pid == std::process::id();
            (!mine && !stale(&holder)).then_some(holder)
        },
    )
}

/// Creates the claim `path` holding `me`, taking over a stale one; the live holder when it is held.
fn claim(path: &Path, me: &str) -> Result<Option<Holder>> {
    for _ in 0..3 {
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(mut file) => {
                file.write_all(me.as_bytes()).map_err(|e| Error::io(path, e))?;
                return Ok(None);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(path, e)),
        }
        let Some(holder) = read_holder(path) else {
            std::thread::sleep(std::time::Duration::from_millis(20)); // being written this instant
            continue;
        };
        if !stale(&holder) {
            return Ok(Some(holder));
        }
        take_over(path, &holder);
    }
    Ok(read_holder(path).or_else(|| Some(unknown(path))))
}

/// Removes the stale claim `path` of `holder`. It is first renamed to a name of this process, so two
/// processes taking over the same claim cannot both remove it; a fresh claim that slipped in between is
/// put back.
fn take_over(path: &Path, holder: &Holder) {
    let mut moved = path.as_os_str().to_os_string();
    moved.push(format!(".stale-{}", std::process::id()));
    let moved = PathBuf::from(moved);
    if fs::rename(path, &moved).is_err() {
        return;
    }
    if read_holder(&moved).is_some_and(|h| h.host != holder.host || h.pid != holder.pid) {
        let _ = fs::hard_link(&moved, path);
    }
    let _ = fs::remove_file(&moved);
}

/// Who holds the claim `path`; `None` when it is gone or still being written.
fn read_holder(path: &Path) -> Option<Holder> {
    let text = fs::read_to_string(path).ok()?;
    let field = |key: &str| text.lines().find_map(|l| l.strip_prefix(key)).map(str::trim);
    let (host, pid) = (field("host ")?, field("pid ")?.parse().ok()?);
    Some(Holder { host: host.to_string(), pid, claim: path.to_path_buf() })
}

/// A claim whose content cannot be read: refused rather than guessed at.
fn unknown(path: &Path) -> Holder {
    Holder { host: "an unknown host".into(), pid: 0, claim: path.to_path_buf() }
}

/// Whether the claim of `holder` belongs to a process of this host that no longer runs. This process
/// never holds a claim it has not created, so a claim bearing its own pid is a leftover too.
fn stale(holder: &Holder) -> bool {
    holder.host == host() && (holder.pid == std::process::id() || !alive(holder.pid))
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill(2) with signal 0 only checks whether the process exists and may be signalled.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true // cannot tell: never take a claim over
}

/// This machine's host name, as claims record it.
pub fn host() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its whole length; the name is NUL-terminated within it.
        if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_else(|_| "localhost".into())
}

/// The refusal of a second writer: who holds which run, and what to do.
fn refusal(output: &Path, id: &str, h: &Holder) -> Error {
    let here = h.host == host();
    let gone = if here {
        "wait for it to finish (then `--resume` skips what it did), or stop it".to_string()
    } else {
        format!(
            "a claim from another host is never taken over: if that process is gone, delete {}",
            h.claim.display()
        )
    };
    Error::Refused(format!(
        "{} is being written by another batchlab process (pid {} on host {}), which claimed run {id} ({}); {gone}",
        output.display(),
        h.pid,
        h.host,
        h.claim.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_second_claim_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = Claims::acquire(dir.path(), ["a", "b"]).unwrap();
        // Our own pid in a claim we did not create would be a leftover; a live foreign pid is not.
        let parent = std::os::unix::process::parent_id();
        fs::write(layout::claim(dir.path(), "c"), format!("host {}\npid {parent}\n", host())).unwrap();
        let held = Claims::acquire(dir.path(), ["c"]).unwrap_err().to_string();
        assert!(held.contains(&format!("pid {parent}")) && held.contains("run c"), "{held}");
        assert_eq!(live_holder(dir.path()).map(|h| h.pid), Some(parent));
        drop(first);
        assert!(!layout::claim(dir.path(), "a").exists());
        fs::remove_file(layout::claim(dir.path(), "c")).unwrap();
        assert!(Claims::acquire(dir.path(), ["a", "b", "c"]).is_ok());
    }

    #[test]
    fn a_claim_without_a_readable_holder_is_refused_not_guessed() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(RUNS)).unwrap();
        fs::write(layout::claim(dir.path(), "a"), "garbage").unwrap();
        let err = Claims::acquire(dir.path(), ["a"]).unwrap_err().to_string();
        assert!(err.contains("an unknown host"), "{err}");
    }
}
