//! The command line's side of the binary (declared from main.rs, not part of the library): clap's argument
//! types ([`args`]), what a person sees on the terminal ([`terminal`]), Ctrl-C and SIGTERM ([`signal`]),
//! and the counting global allocator ([`allocator`]).

pub mod allocator;
pub mod args;
pub mod signal;
pub mod terminal;
