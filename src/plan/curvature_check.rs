//! The checks of `[curvature]`: how hard a checkpoint tries (power-iteration steps, tolerance) and how many
//! probes its estimators draw, resolved into a [`CurvaturePlan`] (none while `every = 0`).

use super::settings::CurvaturePlan;
use crate::error::SpecError;
use crate::spec::{CurvatureSpec, SpecSource};

/// Most power-iteration steps per eigenvalue: each is a full-data Hessian-vector product (about 2.3
/// gradient passes), and with the default tolerance digits converge within 100.
pub const MAX_ITERATIONS: u64 = 10_000;
/// Most trace or B_noise probes per checkpoint, each a full-data Hessian-vector product.
pub const MAX_PROBES: u64 = 100_000;

/// Checks `[curvature]`; none while `every = 0` (the other keys are then unused and not checked, as for
/// `[noise]`).
pub fn curvature(c: &CurvatureSpec, src: &SpecSource) -> Result<Option<CurvaturePlan>, SpecError> {
    if c.every == 0 {
        return Ok(None);
    }
    if !(1..=MAX_ITERATIONS).contains(&c.iterations) {
        return Err(src.error(
            "curvature.iterations",
            format!(
                "{} is not allowed; allowed: 1 to {MAX_ITERATIONS} power-iteration steps (Hessian-vector \
                 products) per eigenvalue",
                c.iterations
            ),
        ));
    }
    if !(c.tolerance.is_finite() && (0.0..1.0).contains(&c.tolerance)) {
        return Err(src.error(
            "curvature.tolerance",
            format!(
                "{} is outside [0, 1); allowed: the relative change of the Rayleigh quotient that ends a \
                 power iteration, e.g. 1e-5 (0 runs every iteration)",
                c.tolerance
            ),
        ));
    }
    let size = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    Ok(Some(CurvaturePlan {
        every: c.every,
        iterations: size(c.iterations),
        tolerance: c.tolerance,
        lambda_min: c.lambda_min,
        trace_probes: size(probes(c.trace_probes, "curvature.trace_probes", src)?),
        noise_probes: size(probes(c.noise_probes, "curvature.noise_probes", src)?),
    }))
}

/// A probe count: 0 (off), or 2 to [`MAX_PROBES`]; one probe would have no standard error.
fn probes(value: u64, key: &str, src: &SpecSource) -> Result<u64, SpecError> {
    if value == 1 || value > MAX_PROBES {
        return Err(src.error(
            key,
            format!(
                "{value} is not allowed; allowed: 0 (off) or 2 to {MAX_PROBES} (a standard error needs at \
                 least two probes)"
            ),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use crate::spec::{Spec, SpecSource};

    /// Checks a digits spec whose `[curvature]` table holds `table`: the plan, or `key: message`.
    fn checked(table: &str) -> Result<Option<crate::plan::CurvaturePlan>, String> {
        let text = format!(
            "[experiment]\nname = \"t\"\n[training]\nepochs = 1\nlearning_rate = 0.1\n[sweep]\n\
             batch_sizes = [1]\n[curvature]\n{table}\n"
        );
        let spec: Spec = toml::from_str(&text).map_err(|e| e.to_string())?;
        let src = SpecSource { path: "spec.toml".into(), text, overrides: Vec::new() };
        crate::plan::check(&spec, &src).map(|s| s.curvature).map_err(|e| format!("{}: {}", e.key, e.message))
    }

    #[test]
    fn the_defaults_resolve_and_every_zero_is_off() {
        let plan = checked("every = 5").unwrap().unwrap();
        assert_eq!((plan.every, plan.iterations, plan.tolerance), (5, 100, 1e-5));
        assert!(plan.lambda_min && plan.trace_probes == 0 && plan.noise_probes == 0);
        // Off: the other keys are not used, so not refused either.
        assert_eq!(checked("every = 0\niterations = 0").unwrap(), None);
        assert_eq!(checked("").unwrap(), None);
    }

    #[test]
    fn each_bad_value_is_refused_at_its_key_with_what_is_allowed() {
        for (table, key, allowed) in [
            ("iterations = 0", "curvature.iterations", "allowed: 1 to 10000"),
            ("iterations = 10001", "curvature.iterations", "allowed: 1 to 10000"),
            ("tolerance = 1.0", "curvature.tolerance", "outside [0, 1)"),
            ("tolerance = -1e-5", "curvature.tolerance", "outside [0, 1)"),
            ("tolerance = nan", "curvature.tolerance", "outside [0, 1)"),
            ("trace_probes = 1", "curvature.trace_probes", "at least two probes"),
            ("noise_probes = 1", "curvature.noise_probes", "at least two probes"),
            ("noise_probes = 100001", "curvature.noise_probes", "2 to 100000"),
        ] {
            let message = checked(&format!("every = 2\n{table}")).expect_err(table);
            assert!(
                message.starts_with(&format!("{key}: ")) && message.contains(allowed),
                "{table}: {message}"
            );
        }
        // The boundary values pass.
        let plan = checked(
            "every = 2\niterations = 10000\ntolerance = 0.0\ntrace_probes = 2\nnoise_probes = 100000",
        );
        assert!(plan.unwrap().is_some());
    }

    #[test]
    fn an_unknown_key_is_refused() {
        assert!(checked("every = 2\nprobes = 3").unwrap_err().contains("unknown field `probes`"));
    }
}
