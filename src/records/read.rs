//! Reads a results folder back: the spec as run, summaries and every run's records, for plots and analysis.
