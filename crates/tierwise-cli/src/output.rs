//! Writing result tables in the formats of `--format`.

use std::fs::File;
use std::io::{BufWriter, Write};

use polars::prelude::*;

use crate::cli::{Format, OutArgs};
use crate::failure::{Failure, fail};

fn sink(out: &OutArgs) -> Result<Box<dyn Write>, Failure> {
    Ok(match &out.output {
        Some(p) => Box::new(BufWriter::new(File::create(p).map_err(|e| {
            fail(1, format!("error: cannot write {}: {e}", p.display()))
        })?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

fn json_value(v: AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value;
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Float64(x) => serde_json::Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(x.to_string())),
        AnyValue::Float32(x) => serde_json::Number::from_f64(x as f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(x.to_string())),
        AnyValue::Int64(x) => Value::from(x),
        AnyValue::Int32(x) => Value::from(x),
        AnyValue::UInt64(x) => Value::from(x),
        AnyValue::UInt32(x) => Value::from(x),
        other => Value::String(other.to_string()),
    }
}

/// Writes a table to `path` as Parquet (`.parquet`) or else CSV.
pub fn write_file(df: &mut DataFrame, path: &std::path::Path) -> Result<(), Failure> {
    let format = if path.extension().is_some_and(|e| e == "parquet") {
        Format::Parquet
    } else {
        Format::Csv
    };
    let out = OutArgs {
        format,
        output: Some(path.to_path_buf()),
    };
    write_frame(df, &out)
}

/// Writes a table to standard output or `--output` in the chosen format.
pub fn write_frame(df: &mut DataFrame, out: &OutArgs) -> Result<(), Failure> {
    match out.format {
        Format::Table => {
            let mut w = sink(out)?;
            writeln!(w, "{df}").map_err(|e| fail(1, format!("error: {e}")))?;
            w.flush().map_err(|e| fail(1, format!("error: {e}")))?;
        }
        Format::Csv => {
            let mut w = sink(out)?;
            CsvWriter::new(&mut w).finish(df)?;
            w.flush().map_err(|e| fail(1, format!("error: {e}")))?;
        }
        Format::Json => {
            let names: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|s| s.to_string())
                .collect();
            let mut rows = Vec::with_capacity(df.height());
            for i in 0..df.height() {
                let mut obj = serde_json::Map::new();
                for (c, name) in df.columns().iter().zip(&names) {
                    obj.insert(name.clone(), json_value(c.get(i)?));
                }
                rows.push(serde_json::Value::Object(obj));
            }
            let mut w = sink(out)?;
            serde_json::to_writer_pretty(&mut w, &rows)
                .map_err(|e| fail(1, format!("error: {e}")))?;
            writeln!(w).map_err(|e| fail(1, format!("error: {e}")))?;
            w.flush().map_err(|e| fail(1, format!("error: {e}")))?;
        }
        Format::Parquet => {
            let Some(p) = &out.output else {
                return Err(fail(2, "error: --format parquet needs --output FILE"));
            };
            let f = File::create(p)
                .map_err(|e| fail(1, format!("error: cannot write {}: {e}", p.display())))?;
            ParquetWriter::new(f).finish(df)?;
        }
    }
    Ok(())
}
