//! A batch size as a spec writes it: a count, or `"full"`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A batch size: a count, or the whole training set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchSize {
    /// This many examples per update.
    Fixed(u64),
    /// Every training example in one update.
    Full,
}

impl BatchSize {
    /// The number of examples for a training set of `n`.
    pub fn resolve(self, n: usize) -> usize {
        match self {
            BatchSize::Fixed(b) => usize::try_from(b).unwrap_or(usize::MAX),
            BatchSize::Full => n,
        }
    }
}

impl fmt::Display for BatchSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchSize::Fixed(b) => write!(f, "{b}"),
            BatchSize::Full => f.write_str("full"),
        }
    }
}

impl Serialize for BatchSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            BatchSize::Fixed(b) => s.serialize_u64(*b),
            BatchSize::Full => s.serialize_str("full"),
        }
    }
}

impl<'de> Deserialize<'de> for BatchSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = BatchSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive integer or \"full\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<BatchSize, E> {
                u64::try_from(v).map(BatchSize::Fixed).map_err(|_| {
                    E::custom(format!("batch size {v} is negative; allowed: a positive integer or \"full\""))
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<BatchSize, E> {
                Ok(BatchSize::Fixed(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BatchSize, E> {
                if v == "full" {
                    Ok(BatchSize::Full)
                } else {
                    Err(E::custom(format!(
                        "batch size \"{v}\" is not allowed; allowed: a positive integer or \"full\""
                    )))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}
