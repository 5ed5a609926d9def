//! Bundled and generated data sets: the demo tables compiled into the library ([`demo`]),
//! the real Willems (2008) chains kept in `data/willems` ([`willems`]), realistic synthetic
//! networks of any size for demos, tests and benchmarks ([`synthetic`]) and the network
//! shaped like the public stress-test peer ([`peer`]).

pub mod demo;
pub mod peer;
pub mod synthetic;
pub mod willems;
