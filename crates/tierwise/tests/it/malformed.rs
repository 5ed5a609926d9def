//! Malformed files: every structural defect of a CSV, Parquet or RDF input is a gate error in
//! tierwise's words that names file, row and column, reported with every other error at once.

use std::path::Path;

use tierwise::ingest::{Finding, IngestError, LoadOptions, QualityReport, RawTables};
use tierwise::store::{Input, StoreError, prepare};

use crate::common::{BOM, SITES, SUPPLY, assert_has, diamond_with, errors_of, repo};

/// The errors of inputs that must fail the gates together.
fn load_errors(inputs: Vec<Input>) -> Vec<Finding> {
    match prepare(inputs, &LoadOptions::default()) {
        Err(StoreError::Ingest(IngestError::DataQuality(r))) => r.errors,
        Err(e) => panic!("expected a data quality error, got {e}"),
        Ok(_) => panic!("expected the load to fail"),
    }
}

/// No reader's own words (polars, RocksDB) reach the user.
fn assert_in_our_words(r: &QualityReport) {
    for f in &r.errors {
        for foreign in [
            "Schema",
            "truncate_ragged",
            "polars",
            "PolarsError",
            "os error",
        ] {
            assert!(!f.message.contains(foreign), "{f}");
        }
    }
}

#[test]
fn ragged_rows_are_named_and_the_other_rows_still_checked() {
    // Row 3 has one field too many, row 4 one too few; row 5 holds a bad share, and bom.csv
    // a bad quantity: all four are reported in one load.
    let supply = SUPPLY
        .replace("P1,A,T1b,0.4,0.5,12,3,5", "P1,A,T1b,0.4,0.5,12,3,5,extra")
        .replace("T1a,C,T2,1,,30,5,3", "T1a,C,T2,1,,30,5")
        .replace("T1b,C,T2,1,,30,5,3", "T1b,C,T2,lots,,30,5,3");
    let bom = BOM.replace("A,C,3", "A,C,-4");
    let d = diamond_with(&[("supply.csv", &supply), ("bom.csv", &bom)]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "supply",
        Some(3),
        "",
        "",
        "9 fields, but the header has 8",
    );
    // The first field the short row lacks is inventory_days, the eighth.
    assert_has(
        &r.errors,
        "supply",
        Some(4),
        "inventory_days",
        "",
        "7 fields, but the header has 8",
    );
    assert_has(
        &r.errors,
        "supply",
        Some(5),
        "share",
        "lots",
        "expected a number",
    );
    assert_has(
        &r.errors,
        "bom",
        Some(3),
        "qty",
        "-4",
        "expected a value > 0",
    );
    assert_in_our_words(&r);
    let f = r.errors.iter().find(|f| f.table == "supply").unwrap();
    assert!(f.file.as_deref().unwrap().ends_with("supply.csv"));
}

#[test]
fn blank_lines_count_as_rows() {
    // A blank line 3 pushes the bad value of the fourth data record to line 6.
    let sites = "site_id,company,country,ttr_days\nP1,FOCAL,DE,10\n\nT1a,Alpha,DE,20\n\
                 T1b,Beta,PL,30\nT2,Gamma,CN,soon\n";
    let r = errors_of(diamond_with(&[("sites.csv", sites)]).path());
    assert_has(
        &r.errors,
        "sites",
        Some(6),
        "ttr_days",
        "soon",
        "expected a number",
    );
}

#[test]
fn duplicate_and_empty_header_names_are_refused() {
    // Two columns named company: neither may silently win.
    let sites = "site_id,company,country,company\nP1,FOCAL,DE,X\nT1a,Alpha,DE,X\n\
                 T1b,Beta,PL,X\nT2,Gamma,CN,X\n";
    let r = errors_of(diamond_with(&[("sites.csv", sites)]).path());
    assert_has(
        &r.errors,
        "sites",
        Some(1),
        "company",
        "company",
        "the header names column company twice (columns 2 and 4)",
    );
    // The broken header does not bury the report in follow-on "unknown site" errors.
    assert_eq!(r.errors.len(), 1, "{r}");

    let parts = "part_id,kind,,name\nX,product,1,Gearbox\nA,assembly,2,Housing\nC,component,3,C\n";
    let r = errors_of(diamond_with(&[("parts.csv", parts)]).path());
    assert_has(
        &r.errors,
        "parts",
        Some(1),
        "",
        "",
        "column 3 of the header has no name",
    );
}

#[test]
fn wrong_encodings_and_empty_files_are_refused() {
    // "Müller" in Latin-1: byte 0xFC on line 3, in the company column.
    let mut latin1 = b"site_id,company,country,ttr_days\nP1,FOCAL,DE,10\nT1a,M".to_vec();
    latin1.extend_from_slice(b"\xfcller,DE,20\nT1b,Beta,PL,30\nT2,Gamma,CN,60\n");
    let d = diamond_with(&[]);
    std::fs::write(d.path().join("sites.csv"), &latin1).unwrap();
    std::fs::write(d.path().join("parts.csv"), b"").unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(BOM.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(d.path().join("bom.csv"), &utf16).unwrap();
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "sites",
        Some(3),
        "company",
        "",
        "not UTF-8 text (byte 0xFC",
    );
    assert_has(
        &r.errors,
        "parts",
        None,
        "",
        "",
        "the file is empty: expected a header row",
    );
    assert_has(
        &r.errors,
        "bom",
        None,
        "",
        "",
        "UTF-16 text: save the file as UTF-8",
    );
}

#[test]
fn quotes_that_do_not_close_or_are_followed_by_text() {
    let parts =
        "part_id,kind,name\nX,product,\"Gear\"box\nA,assembly,Housing\nC,component,\"Casting\n";
    let r = errors_of(diamond_with(&[("parts.csv", parts)]).path());
    assert_has(
        &r.errors,
        "parts",
        Some(2),
        "name",
        "",
        "text after the closing quote",
    );
    assert_has(
        &r.errors,
        "parts",
        Some(4),
        "",
        "",
        "a quoted field is not closed before the end of the file",
    );
}

#[test]
fn a_missing_table_and_a_missing_path_are_reported_with_the_rest() {
    let ragged = SITES.replace("T2,Gamma,CN,60", "T2,Gamma,CN,60,1");
    let d = diamond_with(&[("bom.csv", ""), ("sites.csv", &ragged)]);
    let missing = d.path().join("no-such-folder");
    let ttl = d.path().join("nowhere.ttl");
    let errors = load_errors(vec![
        Input::path(d.path()),
        Input::path(&missing),
        Input::path(&ttl),
    ]);
    assert_has(
        &errors,
        "bom",
        None,
        "",
        "",
        "required table bom is missing",
    );
    assert_has(
        &errors,
        "sites",
        Some(5),
        "",
        "",
        "5 fields, but the header has 4",
    );
    assert_has(&errors, "input", None, "", "", "no such file or folder");
    let named = |p: &Path| errors.iter().any(|f| f.file.as_deref() == p.to_str());
    assert!(named(&missing) && named(&ttl), "{errors:?}");

    // Read alone, a folder that does not exist is a finding, not an I/O error.
    let r = RawTables::read_dir(&missing).unwrap();
    assert_eq!(r.findings[0].message, "no such file or folder");
}

#[test]
fn damaged_parquet_files_are_refused() {
    use polars::prelude::*;
    let d = diamond_with(&[("sites.csv", ""), ("parts.csv", ""), ("bom.csv", "")]);
    // A real Parquet file cut in half, bytes that are no Parquet file, and an empty file.
    let mut df = df!("site_id" => ["P1"], "company" => ["F"], "country" => ["DE"]).unwrap();
    let mut whole = Vec::new();
    ParquetWriter::new(&mut whole).finish(&mut df).unwrap();
    std::fs::write(d.path().join("sites.parquet"), &whole[..whole.len() / 2]).unwrap();
    std::fs::write(d.path().join("parts.parquet"), b"part_id,kind\nX,product\n").unwrap();
    std::fs::write(d.path().join("bom.parquet"), b"").unwrap();
    let r = errors_of(d.path());
    for (table, message) in [
        ("sites", "not a Parquet file"),
        ("parts", "not a Parquet file"),
        ("bom", "the file is empty: expected a Parquet file"),
    ] {
        assert_has(&r.errors, table, None, "", "", message);
    }
    assert_in_our_words(&r);

    // Found by cargo-fuzz (parquet_tables, 2026-12-02): a capacity table whose footer has a
    // statistics flag that is no thrift bool; polars-parquet 0.55.2 panics on it ("thrift
    // bool field"), tierwise must report the file as damaged and go on.
    let found = repo().join("crates/tierwise/tests/fuzz-regressions/capacity-thrift-bool.parquet");
    std::fs::copy(found, d.path().join("capacity.parquet")).unwrap();
    let r = errors_of(d.path());
    assert_has(&r.errors, "capacity", None, "", "", "damaged Parquet file");

    // A Parquet column without a name.
    let mut df = df!("part_id" => ["X", "A", "C"], "kind" => ["product", "assembly", "component"],
        "" => ["1", "2", "3"])
    .unwrap();
    let f = std::fs::File::create(d.path().join("parts.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "parts",
        Some(1),
        "",
        "",
        "column 3 of the header has no name",
    );
}

#[test]
fn malformed_rdf_files_name_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // Two syntax errors: an undeclared prefix on line 2 (column 6, after `tw:a `) and a bad
    // predicate on line 3; the parser goes on after the first.
    let bad = write(
        "bad.ttl",
        b"@prefix tw: <https://w3id.org/tierwise/ns#> .\n\
          tw:a tx:id \"a\" .\n\
          tw:b garbage \"b\" .\n",
    );
    let latin1 = write("latin1.nt", b"<x:a> <x:b> \"M\xfcller\" .\n");
    let empty = write("empty.nt", b"\n");
    let unknown = write("data.xlsx", b"PK\x03\x04");
    let errors = load_errors(
        [&bad, &latin1, &empty, &unknown]
            .into_iter()
            .map(Input::path)
            .collect(),
    );
    assert_has(
        &errors,
        "rdf",
        Some(2),
        "6",
        "",
        "Turtle syntax: The prefix tx: has not been declared",
    );
    assert!(
        errors.iter().any(|f| f.row == Some(3)
            && f.file.as_deref() == bad.to_str()
            && f.message.starts_with("Turtle syntax:")),
        "{errors:?}"
    );
    // Column 15 holds the byte after `<x:a> <x:b> "M`.
    assert_has(
        &errors,
        "rdf",
        Some(1),
        "15",
        "",
        "not UTF-8 text (byte 0xFC)",
    );
    assert_has(
        &errors,
        "rdf",
        None,
        "",
        "",
        "the file is empty: expected RDF triples",
    );
    assert_has(
        &errors,
        "input",
        None,
        "",
        "",
        "neither a folder of tables nor an RDF file by its name",
    );
    let of = |p: &Path| {
        errors
            .iter()
            .filter(|f| f.file.as_deref() == p.to_str())
            .count()
    };
    assert_eq!((of(&latin1), of(&empty), of(&unknown)), (1, 1, 1));
}
