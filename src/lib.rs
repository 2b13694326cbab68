//! batchlab: batch-size trade-off experiments for neural-network training.
//!
//! The pipeline, one module a stage: a TOML [`spec`] is validated into a [`plan`] of runs; [`data`]
//! loads and splits the examples; [`nn`] holds the network and its hand-written backward pass;
//! [`train`] runs one configuration; [`sweep`] runs every configuration in parallel; [`records`]
//! writes and reads the results folder.

pub mod data;
pub mod error;
pub mod rng;
pub mod spec;
