//! `[curvature]`: checkpoints that measure the Hessian of the training loss (sharpness, trace, B_noise).

use super::defaults::yes;
use serde::{Deserialize, Serialize};

/// `[curvature]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurvatureSpec {
    /// Epochs between curvature checkpoints (before training and at the end too); 0 turns them off.
    #[serde(default)]
    pub every: u64,
    /// Most power-iteration steps (Hessian-vector products) per eigenvalue.
    #[serde(default = "default_iterations")]
    pub iterations: u64,
    /// Stop a power iteration once the Rayleigh quotient's relative change falls below this.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Also estimate the smallest eigenvalue (up to `iterations` more products).
    #[serde(default = "yes")]
    pub lambda_min: bool,
    /// Rademacher probes of Hutchinson's trace estimator; 0 = no trace.
    #[serde(default)]
    pub trace_probes: u64,
    /// Examples sampled for B_noise, one Hessian-vector product each; 0 = no B_noise.
    #[serde(default)]
    pub noise_probes: u64,
}

impl CurvatureSpec {
    /// Whether the table is off, so spec.toml and the configuration hash of a spec without curvature stay
    /// as they were before the table existed.
    pub fn is_off(&self) -> bool {
        self.every == 0
    }
}

impl Default for CurvatureSpec {
    fn default() -> Self {
        CurvatureSpec {
            every: 0,
            iterations: default_iterations(),
            tolerance: default_tolerance(),
            lambda_min: true,
            trace_probes: 0,
            noise_probes: 0,
        }
    }
}

fn default_iterations() -> u64 {
    100
}

/// 1e-5: on digits the second eigenvalue is 0.82-0.95 of the first, so PyHessian's 1e-3 would leave
/// errors of about 1e-2.
fn default_tolerance() -> f64 {
    1e-5
}
