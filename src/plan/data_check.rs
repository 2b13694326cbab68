//! The checks of `[data]`: the split, what each source needs, and a synthetic generator's sizes, resolved
//! into a [`DataPlan`] the loaders can trust.

use super::check::positive;
use super::settings::{DataPlan, SourcePlan, SyntheticPlan};
use crate::error::SpecError;
use crate::spec::{DataSpec, Generator, Source, SpecSource, Task};
use std::path::Path;

/// Checks `[data]`; relative paths are resolved against `base_dir`, the spec's folder.
pub fn data(d: &DataSpec, base_dir: &Path, src: &SpecSource) -> Result<DataPlan, SpecError> {
    if !(d.test_fraction.is_finite() && (0.0..1.0).contains(&d.test_fraction)) {
        return Err(src.error(
            "data.test_fraction",
            format!(
                "{} is outside [0, 1); allowed: 0 (no test split) up to but not including 1",
                d.test_fraction
            ),
        ));
    }
    let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base_dir.join(p) };
    let (source, task) = match (d.source, &d.path, &d.labels) {
        // As a regression task the target is the digit's value.
        (Source::Digits, _, _) => (SourcePlan::Digits, d.task),
        (Source::Csv, Some(path), _) => {
            (SourcePlan::Csv { path: resolve(path), label: d.label.clone() }, d.task)
        }
        (Source::Csv, None, _) => {
            return Err(src.error("data.path", "source = \"csv\" needs `path`, the csv file"));
        }
        (Source::Idx, Some(images), Some(labels)) => {
            (SourcePlan::Idx { images: resolve(images), labels: resolve(labels) }, Task::Classification)
        }
        (Source::Idx, path, _) => {
            return Err(src.error(
                if path.is_none() { "data.path" } else { "data.labels" },
                "source = \"idx\" needs `path` (the images file) and `labels` (the labels file)",
            ));
        }
        (Source::Synthetic, _, _) => {
            let plan = synthetic(d, src)?;
            let task =
                if plan.generator == Generator::Linear { Task::Regression } else { Task::Classification };
            (SourcePlan::Synthetic(plan), task)
        }
    };
    let name = match (&source, &d.path) {
        (SourcePlan::Digits, _) => "digits".to_string(),
        (SourcePlan::Synthetic(s), _) => format!("synthetic {}", format!("{:?}", s.generator).to_lowercase()),
        (_, path) => path.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
    };
    let standardize_target = match (task, d.standardize_target) {
        (Task::Regression, setting) => setting.unwrap_or(true),
        (Task::Classification, None | Some(false)) => false,
        (Task::Classification, Some(true)) => {
            return Err(src.error(
                "data.standardize_target",
                "standardize_target applies to regression targets; this data set is a classification task",
            ));
        }
    };
    Ok(DataPlan {
        name,
        source,
        task,
        test_fraction: d.test_fraction,
        standardize: d.standardize,
        standardize_target,
        image_shape: image_shape(d, src)?,
    })
}

fn synthetic(d: &DataSpec, src: &SpecSource) -> Result<SyntheticPlan, SpecError> {
    let Some(generator) = d.generator else {
        return Err(src.error(
            "data.generator",
            "source = \"synthetic\" needs `generator`; allowed: linear, blobs, spirals",
        ));
    };
    if d.samples < 2 {
        return Err(
            src.error("data.samples", format!("{} samples is too few; allowed: at least 2", d.samples))
        );
    }
    positive(d.features, "data.features", src)?;
    if d.classes < 2 {
        return Err(src.error("data.classes", format!("{} classes; allowed: at least 2", d.classes)));
    }
    if !(d.noise.is_finite() && d.noise >= 0.0) {
        return Err(
            src.error("data.noise", format!("{} is not allowed; allowed: a finite number >= 0", d.noise))
        );
    }
    let size = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    let (samples, features, classes) = (size(d.samples), size(d.features), size(d.classes));
    if generator != Generator::Linear && classes > samples {
        return Err(src.error(
            "data.classes",
            format!(
                "data.classes = {classes} exceeds data.samples = {samples}; every class needs an example"
            ),
        ));
    }
    if generator == Generator::Spirals && features != 2 {
        return Err(src
            .error("data.features", format!("spirals are drawn in 2 features; data.features = {features}")));
    }
    // Only the linear generator correlates its features; for the others the key just has to be sane.
    correlation(d.correlation, if generator == Generator::Linear { features } else { 1 }, src)?;
    Ok(SyntheticPlan { generator, samples, features, classes, noise: d.noise, correlation: d.correlation })
}

/// The equicorrelation matrix (1 - rho) I + rho 11' of `d` features is positive definite exactly when rho
/// lies in (-1/(d-1), 1).
fn correlation(rho: f64, d: usize, src: &SpecSource) -> Result<(), SpecError> {
    let lower = if d > 1 { -1.0 / (d - 1) as f64 } else { -1.0 };
    if !(rho.is_finite() && rho > lower && rho < 1.0) {
        return Err(src.error(
            "data.correlation",
            format!(
                "data.correlation = {rho} must lie in ({lower}, 1) so the {d} x {d} correlation matrix is \
                 positive definite"
            ),
        ));
    }
    Ok(())
}

/// `data.image_shape`: three positive sizes, for the sources whose files do not say.
fn image_shape(d: &DataSpec, src: &SpecSource) -> Result<Option<[usize; 3]>, SpecError> {
    let key = "data.image_shape";
    let Some(shape) = &d.image_shape else { return Ok(None) };
    let known = match d.source {
        Source::Digits => Some("the bundled digits are [1, 8, 8] images"),
        Source::Idx => Some("idx files give their own image size, [1, rows, cols]"),
        Source::Csv | Source::Synthetic => None,
    };
    if let Some(why) = known {
        return Err(src.error(key, format!("{why}; remove data.image_shape")));
    }
    match shape.as_slice() {
        &[c, h, w] if c > 0 && h > 0 && w > 0 => {
            let size = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
            Ok(Some([size(c), size(h), size(w)]))
        }
        _ => Err(src.error(
            key,
            format!(
                "{shape:?} is not an image shape; allowed: [channels, height, width], each at least 1, \
                 e.g. [1, 28, 28]"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::{Spec, SpecSource};

    /// The message of checking a synthetic spec whose `[data]` table holds `data`.
    fn refused(data: &str) -> String {
        let text = format!(
            "[experiment]\nname = \"t\"\n[data]\nsource = \"synthetic\"\n{data}\n[training]\nepochs = 1\n\
             learning_rate = 0.1\n[sweep]\nbatch_sizes = [1]\n"
        );
        let spec: Spec = toml::from_str(&text).expect("spec");
        let src = SpecSource { path: "spec.toml".into(), text, overrides: Vec::new() };
        let err = crate::plan::check(&spec, &src).expect_err("the spec should be refused");
        format!("{}: {}", err.key, err.message)
    }

    #[test]
    fn bad_sizes_and_a_missing_generator_are_refused_at_their_key() {
        assert!(refused("").starts_with("data.generator: source = \"synthetic\" needs `generator`"));
        let g = |g: &str, rest: &str| refused(&format!("generator = \"{g}\"\n{rest}"));
        assert!(g("linear", "samples = 1").starts_with("data.samples:"));
        assert!(g("linear", "features = 0").starts_with("data.features:"));
        assert!(g("blobs", "classes = 1").contains("at least 2"));
        assert!(g("blobs", "samples = 3\nclasses = 4").contains("every class needs an example"));
        assert!(g("spirals", "features = 3").contains("spirals are drawn in 2 features"));
        assert!(g("blobs", "noise = -1.0").starts_with("data.noise:"));
    }

    #[test]
    fn a_correlation_outside_the_positive_definite_range_is_refused() {
        for rho in ["1.0", "-0.5", "nan"] {
            let message = refused(&format!("generator = \"linear\"\nfeatures = 3\ncorrelation = {rho}"));
            assert!(message.contains("must lie in (-0.5, 1)"), "rho {rho}: {message}");
        }
    }
}
