//! batchlab: batch-size trade-off experiments for neural-network training.
//!
//! The pipeline, one module a stage: a TOML [`spec`] is validated into a [`plan`] of runs; [`data`]
//! loads and splits the examples; [`nn`] holds the network and its hand-written backward pass;
//! [`train`] runs one configuration, with [`noise`] checkpoints and [`landscape`] paths; [`sweep`] runs
//! every configuration in parallel; [`records`] writes the results folder and reads it back;
//! [`analysis`] answers "which batch size, at what cost" from the records; [`figures`] and [`report`]
//! draw and write it up through [`render`]. [`experiment`] strings the stages together for one spec,
//! with [`estimate`], [`resume`], [`shard`], [`merge`] and [`signal`] around it; [`cli`] and
//! [`terminal`] are the command line's view of it, and [`bench`](mod@bench) is the peers' reference task.

pub mod analysis;
pub mod data;
pub mod estimate;
pub mod experiment;
pub mod figures;
pub mod landscape;
pub mod memory;
pub mod merge;
pub mod nn;
pub mod noise;
pub mod plan;
pub mod records;
pub mod render;
pub mod report;
pub mod resume;
pub mod shard;
pub mod spec;
pub mod sweep;
pub mod train;

pub mod bench;
pub mod cli;
pub mod error;
pub mod rng;
pub mod signal;
pub mod terminal;
