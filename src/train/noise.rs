//! Gradient-direction noise at checkpoints: how far mini-batch gradients stray from the full-batch
//! direction, and the gradient noise scale.
//!
//! References: S. McCandlish, J. Kaplan, D. Amodei et al. (2018), "An Empirical Model of Large-Batch
//! Training", arXiv:1812.06162 (B_simple = tr(Sigma) / |G|^2 and the two-batch-size estimator).

use crate::data::Examples;
use crate::nn::CHUNK_ROWS;
use crate::nn::network::{Network, Workspace};
use crate::schema::NoiseRecord;
use rand::Rng;
use rand::seq::index;
use std::time::Instant;

/// The full-batch picture at one point: G and the per-example spread around it.
#[derive(Debug, Clone)]
pub struct FullBatch {
    /// G, the mean gradient over the training set (f64).
    pub gradient: Vec<f64>,
    /// tr(Sigma) = (1/N) sum_i |g_i|^2 - |G|^2.
    pub trace_sigma: f64,
    /// With a diagonal preconditioner P: (tr(P Sigma), G^T P G), tr(P Sigma) = (1/N) sum_i g_i^T P g_i -
    /// G^T P G.
    pub preconditioned: Option<(f64, f64)>,
    /// N.
    pub examples: usize,
}

impl FullBatch {
    /// |G|^2.
    pub fn squared_norm(&self) -> f64 {
        dot(&self.gradient, &self.gradient)
    }

    /// tr(P Sigma) / (G^T P G), the noise scale the preconditioned update sees; none without P.
    pub fn b_simple_preconditioned(&self) -> Option<f64> {
        self.preconditioned.map(|(trace, gpg)| trace / gpg)
    }
}

/// Buffers reused across checkpoints of one run.
pub struct Scratch {
    ws: Workspace,
    grad: Vec<f32>,
    norms: Vec<f64>,
    weighted: Vec<f64>,
    rows: Vec<usize>,
}

impl Scratch {
    /// Buffers for `net`.
    pub fn new(net: &Network) -> Self {
        Scratch {
            ws: Workspace::new(net, CHUNK_ROWS),
            grad: vec![0.0; net.params],
            norms: vec![0.0; CHUNK_ROWS],
            weighted: vec![0.0; CHUNK_ROWS],
            rows: Vec::new(),
        }
    }
}

/// G and tr(Sigma) in one pass over the training set: one forward and backward pass in chunks, with the
/// per-example norms read off the same buffers (no per-example gradient vectors are formed); with a
/// preconditioner `p`, also the weighted norms g_i^T P g_i (one extra matrix product per layer and chunk).
pub fn full_batch(
    net: &Network,
    params: &[f32],
    data: &Examples,
    p: Option<&[f32]>,
    scratch: &mut Scratch,
) -> FullBatch {
    let n = data.len();
    let mut gradient = vec![0.0f64; net.params];
    let (mut sum_sq, mut sum_weighted) = (0.0f64, 0.0f64);
    let mut start = 0;
    while start < n {
        let len = CHUNK_ROWS.min(n - start);
        scratch.ws.load_range(data, start, len);
        net.loss_and_gradient(params, &mut scratch.ws, len, &mut scratch.grad);
        net.per_example_squared_norms(&mut scratch.ws, len, &mut scratch.norms);
        sum_sq += scratch.norms[..len].iter().sum::<f64>();
        if let Some(p) = p {
            let w = &mut scratch.weighted;
            net.per_example_weighted_squared_norms(&mut scratch.ws, len, p, w);
            sum_weighted += w[..len].iter().sum::<f64>();
        }
        let weight = len as f64 / n as f64;
        gradient.iter_mut().zip(&scratch.grad).for_each(|(g, &c)| *g += weight * f64::from(c));
        start += len;
    }
    let trace_sigma = (sum_sq / n as f64 - dot(&gradient, &gradient)).max(0.0);
    let preconditioned = p.map(|p| {
        let gpg: f64 = gradient.iter().zip(p).map(|(&g, &w)| f64::from(w) * g * g).sum();
        ((sum_weighted / n as f64 - gpg).max(0.0), gpg)
    });
    FullBatch { gradient, trace_sigma, preconditioned, examples: n }
}

/// The mean gradient over `rows` of `data`, in chunks, into `out` (f64).
pub fn batch_gradient(
    net: &Network,
    params: &[f32],
    data: &Examples,
    rows: &[usize],
    scratch: &mut Scratch,
    out: &mut [f64],
) {
    out.fill(0.0);
    for chunk in rows.chunks(CHUNK_ROWS) {
        scratch.ws.load(data, chunk);
        net.loss_and_gradient(params, &mut scratch.ws, chunk.len(), &mut scratch.grad);
        let weight = chunk.len() as f64 / rows.len() as f64;
        out.iter_mut().zip(&scratch.grad).for_each(|(g, &c)| *g += weight * f64::from(c));
    }
}

/// Every statistic of noise.csv for the probed batch sizes `sizes` at the current parameters, with the
/// optimiser's diagonal preconditioner `p` when it has one.
#[allow(clippy::too_many_arguments)]
pub fn checkpoint(
    net: &Network,
    (params, p): (&[f32], Option<&[f32]>),
    data: &Examples,
    (epoch, update): (u64, u64),
    sizes: &[usize],
    probes: u64,
    rng: &mut impl Rng,
    scratch: &mut Scratch,
) -> Vec<NoiseRecord> {
    let started = Instant::now();
    let full = full_batch(net, params, data, p, scratch);
    let shared_s = started.elapsed().as_secs_f64() / sizes.len().max(1) as f64;
    sizes
        .iter()
        .map(|&b| {
            let started = Instant::now();
            let mut record = probe(net, params, data, &full, b, probes, rng, scratch);
            record.epoch = epoch;
            record.update = Some(update);
            record.probe_time_s = shared_s + started.elapsed().as_secs_f64();
            record
        })
        .collect()
}

/// Draws `probes` mini-batches of `b` distinct examples and compares their gradients with G.
#[allow(clippy::too_many_arguments)]
fn probe(
    net: &Network,
    params: &[f32],
    data: &Examples,
    full: &FullBatch,
    b: usize,
    probes: u64,
    rng: &mut impl Rng,
    scratch: &mut Scratch,
) -> NoiseRecord {
    let n = full.examples;
    let gg = full.squared_norm();
    let rel_error_predicted = rel_error_predicted(full.trace_sigma, gg, b, n);
    let mut record = NoiseRecord {
        epoch: 0,
        update: None,
        probe_batch_size: b,
        probes,
        grad_norm: gg.sqrt(),
        trace_sigma: full.trace_sigma,
        b_simple: full.trace_sigma / gg,
        b_simple_preconditioned: full.b_simple_preconditioned(),
        cos_mean: Some(1.0),
        cos_std: Some(0.0),
        cos_predicted: 1.0 / (1.0 + rel_error_predicted).sqrt(),
        angle_deg_mean: Some(0.0),
        dispersion: Some(0.0),
        rel_error: 0.0,
        rel_error_predicted,
        b_simple_two_batch: None,
        probe_time_s: 0.0,
    };
    if b >= n {
        // The mini-batch is the full batch: exact agreement, whatever the summation order would give.
        record.probes = 0;
        return record;
    }
    let mut g = vec![0.0f64; full.gradient.len()];
    let mut direction_sum = vec![0.0f64; g.len()];
    let mut big = vec![0.0f64; g.len()];
    let (mut cosines, mut rel_errors, mut small_sq) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..probes {
        scratch.rows.clear();
        scratch.rows.extend(index::sample(rng, n, b));
        let rows = std::mem::take(&mut scratch.rows);
        batch_gradient(net, params, data, &rows, scratch, &mut g);
        scratch.rows = rows;
        let norm = dot(&g, &g).sqrt();
        // A zero gradient (an example the model already fits exactly in f32) has no direction: its cosine
        // is missing, not NaN, and it leaves the direction statistics.
        if norm > 0.0 && gg > 0.0 {
            cosines.push(dot(&g, &full.gradient) / (norm * gg.sqrt()));
            direction_sum.iter_mut().zip(&g).for_each(|(d, &x)| *d += x / norm);
        }
        rel_errors.push(g.iter().zip(&full.gradient).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / gg);
        small_sq.push(norm * norm);
        big.iter_mut().zip(&g).for_each(|(s, &x)| *s += x / probes as f64);
    }
    let k = probes as f64;
    let directions = cosines.len() as f64;
    let any = !cosines.is_empty();
    let (cos_mean, cos_std) = mean_std(&cosines);
    record.cos_mean = any.then_some(cos_mean);
    record.cos_std = any.then_some(cos_std);
    record.angle_deg_mean =
        any.then(|| cosines.iter().map(|c| c.clamp(-1.0, 1.0).acos().to_degrees()).sum::<f64>() / directions);
    record.dispersion = any.then(|| 1.0 - dot(&direction_sum, &direction_sum).sqrt() / directions);
    record.rel_error = rel_errors.iter().sum::<f64>() / k;
    record.b_simple_two_batch = two_batch(mean_std(&small_sq).0, dot(&big, &big), b, probes, n);
    record
}

/// E|g_B - G|^2 / |G|^2 for a batch of `b` drawn without replacement from `n`.
pub fn rel_error_predicted(trace_sigma: f64, gg: f64, b: usize, n: usize) -> f64 {
    if b >= n || n < 2 {
        return 0.0;
    }
    trace_sigma / (b as f64 * gg) * (n - b) as f64 / (n - 1) as f64
}

/// McCandlish et al.'s two-batch-size estimate of B_simple (appendix A.1). The small batch is one probe
/// (size b), the big batch is the mean of all `probes` probes (size probes * b), as with data-parallel
/// workers. Each batch size is replaced by its without-replacement equivalent b (n - 1) / (n - b), so the
/// two estimates stay unbiased when b is a sizeable share of n.
pub fn two_batch(small_sq_mean: f64, big_sq: f64, b: usize, probes: u64, n: usize) -> Option<f64> {
    if probes < 2 || b >= n {
        return None;
    }
    let b_small = b as f64 * (n - 1) as f64 / (n - b) as f64;
    let b_big = b_small * probes as f64;
    let g2 = (b_big * big_sq - b_small * small_sq_mean) / (b_big - b_small);
    let trace = (small_sq_mean - big_sq) / (1.0 / b_small - 1.0 / b_big);
    Some(trace / g2)
}

fn mean_std(values: &[f64]) -> (f64, f64) {
    let k = values.len() as f64;
    let mean = values.iter().sum::<f64>() / k;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
#[path = "noise_tests.rs"]
mod tests;
