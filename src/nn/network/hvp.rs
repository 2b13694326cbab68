//! Exact Hessian-vector products of the full training loss (the mean over the training set, without
//! weight decay) for any layer list, by Pearlmutter's R-operator as `nn::hvp` does for dense layers:
//! the gradient pass, then a forward and a backward pass of directional derivatives (rops.rs), in
//! chunks of [`HVP_CHUNK`] examples accumulated in f64. A conv layer is a dense layer on its unfolded
//! windows, so its R-passes are the dense ones with R{windows} = im2col(R{input}) and the input's
//! R-error folded back by col2im; max pooling routes R-values through the argmax of the forward pass,
//! and flatten through its transposition.

use super::rops::{r_backward, r_forward, r_output};
use super::{Network, Workspace};
use crate::data::Examples;
use crate::nn::HVP_CHUNK;
use crate::nn::hvp::accumulate;

/// Buffers for Hessian-vector products of one network, sized once.
#[derive(Debug, Clone)]
pub struct HvpWorkspace {
    pub(super) ws: Workspace,
    pub(super) v: Vec<f32>,
    /// R of every layer's output before its activation.
    pub(super) rz: Vec<Vec<f32>>,
    /// R of every activated layer's output (empty for the others, whose R-output is `rz`).
    pub(super) ra: Vec<Vec<f32>>,
    /// R of every layer's error.
    pub(super) rdelta: Vec<Vec<f32>>,
    /// R of a conv layer's windows (empty for other layers).
    pub(super) rcols: Vec<Vec<f32>>,
    pub(super) grad: Vec<f32>,
    pub(super) rgrad: Vec<f32>,
}

impl HvpWorkspace {
    /// Buffers for `net` and chunks of [`HVP_CHUNK`] examples.
    pub fn new(net: &Network) -> Self {
        let ws = Workspace::new(net, HVP_CHUNK);
        let sized = |f: &dyn Fn(usize) -> usize| -> Vec<Vec<f32>> {
            (0..net.layers.len()).map(|l| vec![0.0; f(l)]).collect()
        };
        let out = |l: usize| HVP_CHUNK * net.layers[l].output.features();
        HvpWorkspace {
            v: vec![0.0; net.params],
            rz: sized(&out),
            ra: sized(&|l| if net.layers[l].activated { out(l) } else { 0 }),
            rdelta: sized(&out),
            rcols: sized(&|l| ws.cols[l].len()),
            grad: vec![0.0; net.params],
            rgrad: vec![0.0; net.params],
            ws,
        }
    }
}

/// The mean loss of a network at fixed parameters over a data set: what the products differentiate.
#[derive(Debug, Clone, Copy)]
pub struct FullLoss<'a> {
    /// The network.
    pub net: &'a Network,
    /// Its parameters (the point where the Hessian is taken).
    pub params: &'a [f32],
    /// The examples the loss is the mean over (the training set).
    pub data: &'a Examples,
}

impl FullLoss<'_> {
    /// H v into `out`; returns the mean loss.
    pub fn hvp(&self, v: &[f64], ws: &mut HvpWorkspace, out: &mut [f64]) -> f64 {
        self.pass(Some(v), ws, Some(out), None)
    }

    /// H v into `out` and the gradient G into `grad`, from the same pass; returns the mean loss.
    pub fn hvp_and_gradient(
        &self,
        v: &[f64],
        ws: &mut HvpWorkspace,
        out: &mut [f64],
        grad: &mut [f64],
    ) -> f64 {
        self.pass(Some(v), ws, Some(out), Some(grad))
    }

    /// The gradient G into `grad` (no product: a third of the cost); returns the mean loss.
    pub fn gradient(&self, ws: &mut HvpWorkspace, grad: &mut [f64]) -> f64 {
        self.pass(None, ws, None, Some(grad))
    }

    /// The gradient of example `i`'s own loss into `out`.
    pub fn example_gradient(&self, i: usize, ws: &mut HvpWorkspace, out: &mut [f64]) {
        ws.ws.load(self.data, &[i]);
        self.net.loss_and_gradient(self.params, &mut ws.ws, 1, &mut ws.grad);
        out.iter_mut().zip(&ws.grad).for_each(|(o, &g)| *o = f64::from(g));
    }

    fn pass(
        &self,
        v: Option<&[f64]>,
        ws: &mut HvpWorkspace,
        mut hv: Option<&mut [f64]>,
        mut grad: Option<&mut [f64]>,
    ) -> f64 {
        if let Some(v) = v {
            ws.v.iter_mut().zip(v).for_each(|(d, &s)| *d = s as f32);
        }
        hv.iter_mut().for_each(|o| o.fill(0.0));
        grad.iter_mut().for_each(|o| o.fill(0.0));
        let n = self.data.len();
        let mut loss = 0.0;
        let mut start = 0;
        while start < n {
            let b = HVP_CHUNK.min(n - start);
            let weight = b as f64 / n as f64;
            ws.ws.load_range(self.data, start, b);
            loss += weight * self.net.loss_and_gradient(self.params, &mut ws.ws, b, &mut ws.grad);
            if let Some(out) = hv.as_deref_mut() {
                r_forward(self.net, self.params, ws, b);
                r_output(self.net, ws, b);
                r_backward(self.net, self.params, ws, b);
                accumulate(out, &ws.rgrad, weight);
            }
            if let Some(out) = grad.as_deref_mut() {
                accumulate(out, &ws.grad, weight);
            }
            start += b;
        }
        loss
    }
}
