//! The CSV table reader and every gate: the demo tables with one replaced by arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "tables.rs"]
#[allow(dead_code)]
mod tables;

fuzz_target!(|data: &[u8]| tables::check_with(data, "csv"));
