//! batchlab: batch-size trade-off experiments for neural-network training.
//!
//! The pipeline, one module a stage, in data-flow order: a TOML [`spec`] is checked into a [`plan`] of
//! runs (checked settings, the run list, memory estimates, shards); [`data`] loads, splits and
//! standardises the examples; [`nn`] holds the network, its hand-written backward pass, losses and
//! optimiser; [`train`] runs one configuration, with gradient-noise checkpoints and landscape paths;
//! [`sweep`] runs a whole spec (the only parallel code, with resume, merge and the memory counter);
//! [`records`] is the only code that reads or writes the results folder; [`analysis`] answers "which batch
//! size, at what cost" from the records read back; [`figures`] draws them and [`report`] writes them up.
//! [`schema`] holds the record types that cross stages, [`error`] the error types, [`rng`] the seeded
//! random streams, and [`peers`] the peers' reference task behind `batchlab bench`. The command line
//! (clap, progress bars, signals, the counting global allocator) lives in the binary, src/main.rs and
//! src/cli/.

pub mod analysis;
pub mod data;
pub mod figures;
pub mod nn;
pub mod plan;
pub mod records;
pub mod report;
pub mod spec;
pub mod sweep;
pub mod train;

pub mod error;
pub mod peers;
pub mod rng;
pub mod schema;
