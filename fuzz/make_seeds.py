"""Writes the seed corpora of the fuzz targets from the repository's own data: corpus/<target>/.
The first byte of a table seed picks the table the target replaces (the order of DEMO in
fuzz_targets/tables.rs); an RDF seed's first byte picks its format (ttl, nt, nq, trig)."""

import pathlib
import subprocess
import sys

import polars as pl

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
TABLES = ["sites", "supply", "bom", "products", "parts", "countries", "signals", "capacity", "alternates"]
FORMATS = ["ttl", "nt", "nq", "trig"]


def write(target: str, name: str, data: bytes) -> None:
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def main(tierwise: str) -> None:
    for i, t in enumerate(TABLES):
        csv = (ROOT / "data" / "demo" / f"{t}.csv").read_bytes()
        write("csv_tables", t, bytes([i]) + csv)
        out = HERE / "corpus" / f"{t}.parquet"
        pl.read_csv(ROOT / "data" / "demo" / f"{t}.csv", infer_schema_length=0).write_parquet(out)
        write("parquet_tables", t, bytes([i]) + out.read_bytes())
        out.unlink()
    for i, ext in enumerate(FORMATS):
        out = HERE / "corpus" / f"demo.{ext}"
        subprocess.run([tierwise, "export", "--data", str(ROOT / "data" / "demo"), "--out", str(out)], check=True)
        write("rdf_load", ext, bytes([i]) + out.read_bytes())
        out.unlink()
    write("policy", "default", (ROOT / "policies" / "default.toml").read_bytes())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tierwise")
