//! What the machine allows a sweep: the memory cap (`--max-memory`, else MemAvailable) and the workers,
//! and byte counts as people read and write them.

/// What the machine allows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The memory cap in bytes: `--max-memory`, else MemAvailable; `None` when neither is known.
    pub max_memory: Option<u64>,
    /// Where the cap came from, for messages.
    pub from_flag: bool,
    /// Worker threads: the most runs in memory at once.
    pub threads: usize,
}

impl Limits {
    /// `--max-memory` if given, else the machine's available memory; `threads` workers.
    pub fn new(max_memory: Option<u64>, threads: usize) -> Limits {
        let from_flag = max_memory.is_some();
        Limits { max_memory: max_memory.or_else(available_memory), from_flag, threads: threads.max(1) }
    }
}

/// MemAvailable from /proc/meminfo, in bytes; `None` where it cannot be read (not Linux, say).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Parses a byte count: `1048576`, `512M`, `4G`, `1.5GiB`, `2T` (K, M, G, T are powers of 1024).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t.strip_suffix("iB").or_else(|| t.strip_suffix('B')).unwrap_or(t);
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, ' '),
    };
    let power = match unit {
        ' ' => 0,
        'K' => 1,
        'M' => 2,
        'G' => 3,
        'T' => 4,
        _ => return Err(format!("`{text}`: unknown unit; allowed: a number of bytes with K, M, G or T")),
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("`{text}` is not a size, e.g. 512M or 4G"))?;
    let bytes = value * 1024f64.powi(power);
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("`{text}` is not a usable memory size"));
    }
    Ok(bytes as u64)
}

/// A byte count for people: `3.1 GiB`.
pub fn bytes(b: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = b;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{value:.0} B") } else { format!("{value:.1} {}", units[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("512M"), Ok(512 << 20));
        assert_eq!(parse_bytes("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_bytes("2t"), Ok(2 << 40));
        assert!(parse_bytes("4X").is_err() && parse_bytes("G").is_err() && parse_bytes("-1").is_err());
    }

    #[test]
    fn byte_counts_read_in_binary_units() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GiB");
    }
}
