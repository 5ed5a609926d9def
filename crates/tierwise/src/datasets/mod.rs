//! Data sets: generated ones for demos, tests and benchmarks.

pub mod synthetic;
