//! Named random streams: every stream is derived from (experiment seed, repeat, purpose), never from
//! thread or run order, so a number cannot depend on scheduling.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for. Each purpose gets an independent stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Which examples go to the test split (shared by all repeats).
    Split,
    /// Synthetic data generation (shared by all repeats).
    Data,
    /// Initial weights (shared by every configuration of a repeat).
    Init,
    /// The example order of one epoch (shared by every configuration of a repeat).
    Shuffle {
        /// 1-based epoch.
        epoch: u64,
    },
    /// The mini-batches drawn at one noise checkpoint of one run. Keyed by the run's configuration
    /// (batch size and learning rate), not its place in the plan, so adding a run changes no other.
    Probe {
        /// The run's batch size.
        batch_size: u64,
        /// The bits of the run's learning rate.
        learning_rate_bits: u64,
        /// Index of the checkpoint within the run.
        checkpoint: u64,
    },
    /// The power-iteration starts and the trace and B_noise probes of one curvature checkpoint of one run,
    /// keyed by the run's configuration like [`Purpose::Probe`].
    Curvature {
        /// The run's batch size.
        batch_size: u64,
        /// The bits of the run's learning rate.
        learning_rate_bits: u64,
        /// Index of the curvature checkpoint within the run.
        checkpoint: u64,
    },
    /// Mini-batch directions drawn for the landscape arrows of one run.
    Arrows {
        /// The run's batch size.
        batch_size: u64,
        /// The bits of the run's learning rate.
        learning_rate_bits: u64,
    },
}

impl Purpose {
    fn words(self) -> [u64; 4] {
        match self {
            Purpose::Split => [1, 0, 0, 0],
            Purpose::Data => [2, 0, 0, 0],
            Purpose::Init => [3, 0, 0, 0],
            Purpose::Shuffle { epoch } => [4, epoch, 0, 0],
            Purpose::Probe { batch_size, learning_rate_bits, checkpoint } => {
                [5, batch_size, learning_rate_bits, checkpoint]
            }
            Purpose::Arrows { batch_size, learning_rate_bits } => [6, batch_size, learning_rate_bits, 0],
            Purpose::Curvature { batch_size, learning_rate_bits, checkpoint } => {
                [7, batch_size, learning_rate_bits, checkpoint]
            }
        }
    }
}

/// The random stream for `purpose` in `repeat` of the experiment seeded with `seed`.
pub fn stream(seed: u64, repeat: u64, purpose: Purpose) -> ChaCha8Rng {
    let mut state = seed;
    for word in [repeat].into_iter().chain(purpose.words()) {
        state = splitmix64(state ^ splitmix64(word));
    }
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        state = splitmix64(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    ChaCha8Rng::from_seed(key)
}

/// Sebastiano Vigna's splitmix64 finaliser: a cheap, well-mixed bijection on u64.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn same_inputs_give_the_same_stream() {
        let a: u64 = stream(7, 1, Purpose::Shuffle { epoch: 3 }).random();
        let b: u64 = stream(7, 1, Purpose::Shuffle { epoch: 3 }).random();
        assert_eq!(a, b);
    }

    #[test]
    fn every_input_changes_the_stream() {
        let base: u64 = stream(7, 1, Purpose::Shuffle { epoch: 3 }).random();
        for other in [
            stream(8, 1, Purpose::Shuffle { epoch: 3 }),
            stream(7, 0, Purpose::Shuffle { epoch: 3 }),
            stream(7, 1, Purpose::Shuffle { epoch: 4 }),
            stream(7, 1, Purpose::Init),
            stream(7, 1, Purpose::Probe { batch_size: 3, learning_rate_bits: 0, checkpoint: 0 }),
        ] {
            let mut other = other;
            assert_ne!(base, other.random::<u64>());
        }
    }

    #[test]
    fn a_curvature_checkpoint_and_a_noise_checkpoint_of_one_run_draw_different_streams() {
        let (batch_size, learning_rate_bits, checkpoint) = (32, 0.1f64.to_bits(), 2);
        let probe: u64 = stream(7, 1, Purpose::Probe { batch_size, learning_rate_bits, checkpoint }).random();
        let mut curvature = stream(7, 1, Purpose::Curvature { batch_size, learning_rate_bits, checkpoint });
        let first = curvature.random::<u64>();
        assert_ne!(probe, first);
        let next = Purpose::Curvature { batch_size, learning_rate_bits, checkpoint: checkpoint + 1 };
        assert_ne!(first, stream(7, 1, next).random::<u64>());
    }
}
