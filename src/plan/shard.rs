//! Sharding a sweep over processes or machines: shard K of N runs the configurations whose index in the
//! (deterministic) plan is K mod N. The shard comes from `--shard K/N`, else from a job array's
//! environment: Slurm (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, offset by `SLURM_ARRAY_TASK_MIN`
//! and divided by `SLURM_ARRAY_TASK_STEP`) or a Kubernetes indexed Job (`JOB_COMPLETION_INDEX`, with the
//! count in `BATCHLAB_SHARDS`, since Kubernetes does not export `.spec.completions`).

use crate::plan::RunConfig;
use std::fmt;

/// One shard of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, in 0..count.
    pub index: usize,
    /// N, at least 1.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` with 0 <= K < N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text.split_once('/').ok_or_else(|| format!("`{text}` is not K/N, e.g. 0/4"))?;
        let number =
            |s: &str| s.trim().parse::<usize>().map_err(|_| format!("`{s}` in `{text}` is not a count"));
        Shard::new(number(k)?, number(n)?).map_err(|e| format!("`{text}`: {e}"))
    }

    /// Shard `index` of `count`, checked.
    pub fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count == 0 || index >= count {
            return Err(format!("shard {index} of {count} does not exist; allowed: K/N with 0 <= K < N"));
        }
        Ok(Shard { index, count })
    }

    /// Whether `run` belongs to this shard.
    pub fn contains(&self, run: &RunConfig) -> bool {
        run.index % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard a job array's environment names, and which variable named it; `None` outside a job array.
/// `var` reads one environment variable (`std::env::var(..).ok()` in the binary).
pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<(Shard, &'static str)>, String> {
    if let Some(id) = var("SLURM_ARRAY_TASK_ID") {
        let read = |name: &str, default: Option<usize>| match var(name) {
            Some(v) => v.trim().parse::<usize>().map_err(|_| format!("{name}={v} is not a count")),
            None => default.ok_or_else(|| format!("SLURM_ARRAY_TASK_ID is set but {name} is not")),
        };
        let id = read("SLURM_ARRAY_TASK_ID", None)
            .map_err(|_| format!("SLURM_ARRAY_TASK_ID={id} is not a count"))?;
        let (min, step, count) = (
            read("SLURM_ARRAY_TASK_MIN", Some(0))?,
            read("SLURM_ARRAY_TASK_STEP", Some(1))?.max(1),
            read("SLURM_ARRAY_TASK_COUNT", None)?,
        );
        let index = id.checked_sub(min).map(|d| d / step).unwrap_or(usize::MAX);
        let shard = Shard::new(index, count).map_err(|e| format!("from SLURM_ARRAY_TASK_ID={id}: {e}"))?;
        return Ok(Some((shard, "SLURM_ARRAY_TASK_ID")));
    }
    if let Some(index) = var("JOB_COMPLETION_INDEX") {
        let count = var("BATCHLAB_SHARDS").ok_or(
            "JOB_COMPLETION_INDEX is set but BATCHLAB_SHARDS is not: set it to the Job's completions"
                .to_string(),
        )?;
        let parse =
            |name: &str, v: &str| v.trim().parse::<usize>().map_err(|_| format!("{name}={v} is not a count"));
        let shard = Shard::new(parse("JOB_COMPLETION_INDEX", &index)?, parse("BATCHLAB_SHARDS", &count)?)
            .map_err(|e| format!("from JOB_COMPLETION_INDEX={index}: {e}"))?;
        return Ok(Some((shard, "JOB_COMPLETION_INDEX")));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn k_of_n_parses_and_out_of_range_shards_are_refused() {
        assert_eq!(Shard::parse("2/5"), Ok(Shard { index: 2, count: 5 }));
        assert!(Shard::parse("5/5").unwrap_err().contains("0 <= K < N"));
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1-4").unwrap_err().contains("K/N"));
        assert!(Shard::parse("a/4").unwrap_err().contains("not a count"));
    }

    #[test]
    fn a_slurm_array_starting_at_one_is_shifted_to_zero() {
        let vars =
            [("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")];
        assert_eq!(from_env(env(&vars)), Ok(Some((Shard { index: 2, count: 4 }, "SLURM_ARRAY_TASK_ID"))));
    }

    #[test]
    fn a_kubernetes_index_needs_the_shard_count() {
        let vars = [("JOB_COMPLETION_INDEX", "1"), ("BATCHLAB_SHARDS", "3")];
        assert_eq!(from_env(env(&vars)), Ok(Some((Shard { index: 1, count: 3 }, "JOB_COMPLETION_INDEX"))));
        assert!(from_env(env(&[("JOB_COMPLETION_INDEX", "1")])).unwrap_err().contains("BATCHLAB_SHARDS"));
        assert_eq!(from_env(env(&[])), Ok(None));
    }
}
