//! The Parquet table reader and every gate: the demo tables with one replaced by arbitrary
//! bytes read as Parquet (the seeds are the demo tables as Parquet files).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "tables.rs"]
mod tables;

fuzz_target!(|data: &[u8]| tables::check_with(data, "parquet"));
