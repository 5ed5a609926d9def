//! Bundled and generated data sets: the real Willems (2008) chains kept in `data/willems`
//! ([`willems`]) and realistic synthetic networks of any size for demos, tests and
//! benchmarks ([`synthetic`]).

pub mod synthetic;
pub mod willems;
