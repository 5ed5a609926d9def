//! The Parquet table reader and every gate: the demo tables with one replaced by arbitrary
//! bytes read as Parquet (the seeds are the demo tables as Parquet files).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "tables.rs"]
#[allow(dead_code)]
mod tables;

fuzz_target!(
    init: {
        // polars-parquet panics on some damaged metadata (`thrift bool field`, 0.55.2);
        // `RawTable::read_parquet` catches that panic and reports the file as damaged.
        // libfuzzer-sys's hook aborts on every panic, caught or not, so it is put back to
        // Rust's default here: a panic that escapes the target still aborts (libfuzzer-sys
        // checks the call's result), one tierwise catches is the gate error it should be.
        drop(std::panic::take_hook());
    },
    |data: &[u8]| tables::check_with(data, "parquet")
);
