//! `[training]` checked: the optimiser's hyperparameters resolved in PyTorch's conventions (the chosen
//! optimiser's defaults filled in, a key that does not apply to it refused naming both), the
//! learning-rate schedule in epochs, the batch-size schedule, and the epoch loop's settings. Schedules may
//! be replaced per variant (`sweep.variants`), so they are resolved from [`ScheduleKeys`] that know where
//! each key was written.

use super::check::{learning_rate, positive};
use super::settings::{TrainingPlan, VariantPlan};
use crate::error::SpecError;
use crate::nn::optim::batches::BatchGrowth;
use crate::nn::optim::schedule::{Decay, Schedule};
use crate::nn::optim::{Kind, Settings};
use crate::spec::{OptimizerName, ScheduleName, Spec, SpecSource, TrainingSpec, VariantSpec};

/// Most evaluations per doubling of the update count.
const MAX_EVAL_PER_DOUBLING: u64 = 64;
/// PyTorch's MultiStepLR default.
const DEFAULT_GAMMA: f64 = 0.1;

/// Checks `[training]` and resolves it.
pub(super) fn training(spec: &Spec, src: &SpecSource) -> Result<TrainingPlan, SpecError> {
    let t = &spec.training;
    positive(t.epochs, "training.epochs", src)?;
    learning_rate(t.learning_rate, "training.learning_rate", src)?;
    positive(t.log_every, "training.log_every", src)?;
    if t.eval_per_doubling > MAX_EVAL_PER_DOUBLING {
        return Err(src.error(
            "training.eval_per_doubling",
            format!("{} is too many; allowed: 0 to {MAX_EVAL_PER_DOUBLING}", t.eval_per_doubling),
        ));
    }
    let optimizer = optimizer(t, src)?;
    let (schedule, batch_growth) = ScheduleKeys::of(t).resolve(t.epochs, src)?;
    Ok(TrainingPlan {
        epochs: t.epochs,
        learning_rate: t.learning_rate,
        optimizer,
        schedule,
        batch_growth,
        shuffle: t.shuffle,
        last_batch: t.last_batch,
        log_every: t.log_every,
        eval_every: t.eval_every,
        eval_per_doubling: t.eval_per_doubling,
        save_weights: t.save_weights,
        record_order: t.record_order,
    })
}

/// Which optimisers use each optional key of `[training]`.
const USED_BY: [(&str, &[OptimizerName]); 6] = [
    ("momentum", &[OptimizerName::Sgd, OptimizerName::RmsProp]),
    ("nesterov", &[OptimizerName::Sgd]),
    ("beta1", &[OptimizerName::Adam, OptimizerName::AdamW]),
    ("beta2", &[OptimizerName::Adam, OptimizerName::AdamW]),
    ("epsilon", &[OptimizerName::Adam, OptimizerName::AdamW, OptimizerName::RmsProp]),
    ("alpha", &[OptimizerName::RmsProp]),
];

/// The optimiser's hyperparameters: a key written for another optimiser is refused, absent keys take
/// PyTorch's defaults, and every value must lie in its range.
fn optimizer(t: &TrainingSpec, src: &SpecSource) -> Result<Settings, SpecError> {
    let written = [
        t.momentum.is_some(),
        t.nesterov.is_some(),
        t.beta1.is_some(),
        t.beta2.is_some(),
        t.epsilon.is_some(),
        t.alpha.is_some(),
    ];
    for ((key, users), written) in USED_BY.iter().zip(written) {
        if written && !users.contains(&t.optimizer) {
            let names: Vec<String> = users.iter().map(|u| format!("\"{}\"", u.as_str())).collect();
            return Err(src.error(
                &format!("training.{key}"),
                format!(
                    "{key} does not apply to optimizer = \"{}\" (it is used by {}); remove it or choose one of those",
                    t.optimizer.as_str(),
                    names.join(" and ")
                ),
            ));
        }
    }
    let d = Settings::default();
    let settings = Settings {
        kind: kind(t.optimizer),
        momentum: t.momentum.unwrap_or(d.momentum),
        nesterov: t.nesterov.unwrap_or(d.nesterov),
        beta1: t.beta1.unwrap_or(d.beta1),
        beta2: t.beta2.unwrap_or(d.beta2),
        epsilon: t.epsilon.unwrap_or(d.epsilon),
        alpha: t.alpha.unwrap_or(d.alpha),
        weight_decay: t.weight_decay,
    };
    settings.check().map_err(|e| src.error(&format!("training.{}", e.key), e.to_string()))?;
    Ok(settings)
}

/// The update rule an optimiser name stands for.
pub fn kind(name: OptimizerName) -> Kind {
    match name {
        OptimizerName::Sgd => Kind::Sgd,
        OptimizerName::Adam => Kind::Adam,
        OptimizerName::AdamW => Kind::AdamW,
        OptimizerName::RmsProp => Kind::RmsProp,
    }
}

/// `[training]` with the resolved values of every key that applies written in, for spec.toml: reading it
/// back gives the same settings, and a reader sees every value the runs used.
pub(super) fn filled(t: &TrainingSpec, plan: &TrainingPlan) -> TrainingSpec {
    let o = &plan.optimizer;
    let uses = |key: &str| USED_BY.iter().any(|(k, users)| *k == key && users.contains(&t.optimizer));
    let s = &plan.schedule;
    let decays = matches!(s.decay, Decay::Cosine | Decay::Linear);
    let step_gamma = match &s.decay {
        Decay::Step { gamma, .. } => Some(*gamma),
        _ => None,
    };
    TrainingSpec {
        momentum: uses("momentum").then_some(o.momentum),
        nesterov: uses("nesterov").then_some(o.nesterov),
        beta1: uses("beta1").then_some(o.beta1),
        beta2: uses("beta2").then_some(o.beta2),
        epsilon: uses("epsilon").then_some(o.epsilon),
        alpha: uses("alpha").then_some(o.alpha),
        warmup_epochs: Some(s.warmup_epochs),
        warmup_start_factor: (s.warmup_epochs > 0.0).then_some(s.warmup_start_factor),
        final_lr_factor: decays.then_some(s.final_lr_factor),
        gamma: step_gamma,
        ..t.clone()
    }
}

/// Every variant of `sweep.variants` with its schedules; one unnamed variant (`[training]`'s schedules)
/// when there are none.
pub(super) fn variants(
    spec: &Spec,
    plan: &TrainingPlan,
    src: &SpecSource,
) -> Result<Vec<VariantPlan>, SpecError> {
    let list = &spec.sweep.variants;
    if list.is_empty() {
        let (schedule, batch_growth) = (plan.schedule.clone(), plan.batch_growth.clone());
        return Ok(vec![VariantPlan { name: String::new(), schedule, batch_growth }]);
    }
    let mut out: Vec<VariantPlan> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let key = format!("sweep.variants[{i}].name");
        let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
        if v.name.is_empty() || v.name.len() > 32 || !v.name.chars().all(ok) {
            return Err(src.error(
                &key,
                format!(
                    "\"{}\" cannot name a variant; allowed: 1 to 32 letters, digits, '-' and '_'",
                    v.name
                ),
            ));
        }
        if out.iter().any(|o| o.name == v.name) {
            return Err(src.error(&key, format!("\"{}\" names two variants; give each its own name", v.name)));
        }
        let keys = ScheduleKeys::of(&spec.training).with(v, i);
        let (schedule, batch_growth) = keys.resolve(plan.epochs, src)?;
        out.push(VariantPlan { name: v.name.clone(), schedule, batch_growth });
    }
    Ok(out)
}

/// The schedule keys of `[training]`, each replaced by a variant's where it writes one.
struct ScheduleKeys {
    schedule: ScheduleName,
    warmup_epochs: Option<f64>,
    warmup_start_factor: Option<f64>,
    final_lr_factor: Option<f64>,
    milestones: Option<Vec<u64>>,
    gamma: Option<f64>,
    batch_size_milestones: Option<Vec<u64>>,
    batch_size_factor: Option<u64>,
    /// The variant's index and the keys it wrote.
    variant: Option<(usize, Vec<&'static str>)>,
}

impl ScheduleKeys {
    fn of(t: &TrainingSpec) -> Self {
        ScheduleKeys {
            schedule: t.schedule,
            warmup_epochs: t.warmup_epochs,
            warmup_start_factor: t.warmup_start_factor,
            final_lr_factor: t.final_lr_factor,
            milestones: t.milestones.clone(),
            gamma: t.gamma,
            batch_size_milestones: t.batch_size_milestones.clone(),
            batch_size_factor: t.batch_size_factor,
            variant: None,
        }
    }

    fn with(mut self, v: &VariantSpec, i: usize) -> Self {
        let mut wrote = Vec::new();
        macro_rules! replace {
            ($($field:ident),*) => {$(
                if let Some(value) = &v.$field {
                    self.$field = Some(value.clone());
                    wrote.push(stringify!($field));
                }
            )*};
        }
        if let Some(schedule) = v.schedule {
            self.schedule = schedule;
            wrote.push("schedule");
        }
        replace!(
            warmup_epochs,
            warmup_start_factor,
            final_lr_factor,
            milestones,
            gamma,
            batch_size_milestones,
            batch_size_factor
        );
        self.variant = Some((i, wrote));
        self
    }

    /// Where `key` was written: the variant's entry, else `[training]`.
    fn key(&self, key: &str) -> String {
        match &self.variant {
            Some((i, wrote)) if wrote.contains(&key) => format!("sweep.variants[{i}].{key}"),
            _ => format!("training.{key}"),
        }
    }

    /// The learning-rate and batch-size schedules of a run of `epochs` epochs.
    fn resolve(&self, epochs: u64, src: &SpecSource) -> Result<(Schedule, Option<BatchGrowth>), SpecError> {
        let name = self.schedule.as_str();
        let misplaced = |key: &str, used: &str| {
            src.error(&self.key(key), format!("{key} applies to {used} only, not to schedule = \"{name}\""))
        };
        let decays = matches!(self.schedule, ScheduleName::Cosine | ScheduleName::Linear);
        if self.final_lr_factor.is_some() && !decays {
            return Err(misplaced("final_lr_factor", "schedule = \"cosine\" or \"linear\""));
        }
        let step = self.schedule == ScheduleName::Step;
        for (key, written) in [("milestones", self.milestones.is_some()), ("gamma", self.gamma.is_some())] {
            if written && !step {
                return Err(misplaced(key, "schedule = \"step\""));
            }
        }
        let decay = match self.schedule {
            ScheduleName::Constant => Decay::Constant,
            ScheduleName::Cosine => Decay::Cosine,
            ScheduleName::Linear => Decay::Linear,
            ScheduleName::Step => {
                let milestones = self.milestones.clone().ok_or_else(|| {
                    src.error(&self.key("schedule"), "schedule = \"step\" needs milestones, e.g. [10, 20]")
                })?;
                self.within(&milestones, epochs, "milestones", src)?;
                Decay::Step { milestones, gamma: self.gamma.unwrap_or(DEFAULT_GAMMA) }
            }
        };
        let schedule = Schedule {
            decay,
            warmup_epochs: self.warmup_epochs.unwrap_or(0.0),
            warmup_start_factor: self.warmup_start_factor.unwrap_or(0.0),
            final_lr_factor: self.final_lr_factor.unwrap_or(0.0),
            epochs,
        };
        schedule.check().map_err(|e| src.error(&self.key(e.key), e.to_string()))?;
        Ok((schedule, self.growth(epochs, src)?))
    }

    /// `batch_size_milestones` and `batch_size_factor`, both or neither.
    fn growth(&self, epochs: u64, src: &SpecSource) -> Result<Option<BatchGrowth>, SpecError> {
        match (&self.batch_size_milestones, self.batch_size_factor) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(src.error(
                &self.key("batch_size_milestones"),
                "batch_size_milestones needs batch_size_factor, the integer (>= 2) the batch size is multiplied by",
            )),
            (None, Some(_)) => Err(src.error(
                &self.key("batch_size_factor"),
                "batch_size_factor needs batch_size_milestones, the epochs after which the batch size grows",
            )),
            (Some(milestones), Some(factor)) => {
                if factor < 2 {
                    return Err(src.error(
                        &self.key("batch_size_factor"),
                        format!("{factor} is not allowed; allowed: an integer >= 2"),
                    ));
                }
                self.within(milestones, epochs, "batch_size_milestones", src)?;
                Ok(Some(BatchGrowth { milestones: milestones.clone(), factor }))
            }
        }
    }

    /// Milestones are integers from 1 to epochs - 1 in increasing order: one at or after the end of
    /// training would never take effect.
    fn within(&self, milestones: &[u64], epochs: u64, key: &str, src: &SpecSource) -> Result<(), SpecError> {
        let mut last = 0;
        for (i, &m) in milestones.iter().enumerate() {
            if m <= last || m >= epochs {
                return Err(src.error(
                    &format!("{}[{i}]", self.key(key)),
                    format!(
                        "milestone {m} is not allowed; allowed: integers from 1 to {} (epochs - 1) in increasing order",
                        epochs.saturating_sub(1)
                    ),
                ));
            }
            last = m;
        }
        if milestones.is_empty() {
            return Err(src.error(&self.key(key), "the list is empty; give at least one epoch count"));
        }
        Ok(())
    }
}
