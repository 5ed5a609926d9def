//! Bundled and generated data sets: the real Willems (2008) chains kept in `data/willems`
//! ([`willems`]).

pub mod willems;
