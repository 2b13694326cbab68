//! The order in which a run sees the training examples: epoch e of repeat r is the identity order
//! shuffled by the stream (seed, r, shuffle e), the same for every batch size, learning rate and variant
//! of the repeat, so runs of a repeat differ only in how they cut it into batches. `order/rep<r>.csv`
//! records it for another framework to replay.

use crate::rng::{self, Purpose};
use rand::seq::SliceRandom;

/// Fills `order` with the example order of `epoch` (1-based) of `repeat`: the identity without `shuffle`.
pub fn epoch_order(seed: u64, repeat: u64, epoch: u64, shuffle: bool, order: &mut [usize]) {
    order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
    if shuffle {
        order.shuffle(&mut rng::stream(seed, repeat, Purpose::Shuffle { epoch }));
    }
}
