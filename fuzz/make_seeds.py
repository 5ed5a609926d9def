"""Writes the seed corpora of the fuzz targets from the repository's own data: corpus/<target>/.
The first byte of a table seed picks the table the target replaces (the order of DEMO in
fuzz_targets/tables.rs); an RDF seed's first byte picks its format (ttl, nt, nq, trig).

Run it after `cargo fuzz build -s none -a`: the RDF seeds are written by the built rdf_load
target itself (TIERWISE_FUZZ_SEEDS), so they need no other build of tierwise."""

import json
import os
import pathlib
import subprocess

import polars as pl

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
TABLES = ["sites", "supply", "bom", "products", "parts", "countries", "signals", "capacity", "alternates"]
BUILT = HERE / "target" / "x86_64-unknown-linux-gnu" / "release"


def write(target: str, name: str, data: bytes) -> None:
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def tables() -> None:
    for i, t in enumerate(TABLES):
        csv = (ROOT / "data" / "demo" / f"{t}.csv").read_bytes()
        write("csv_tables", t, bytes([i]) + csv)
        out = HERE / "corpus" / f"{t}.parquet"
        pl.read_csv(ROOT / "data" / "demo" / f"{t}.csv", infer_schema_length=0).write_parquet(out)
        write("parquet_tables", t, bytes([i]) + out.read_bytes())
        out.unlink()


def rdf() -> None:
    env = dict(os.environ, TIERWISE_FUZZ_SEEDS=str(HERE / "corpus" / "rdf_load"))
    subprocess.run([str(BUILT / "rdf_load")], env=env, check=True)


def events() -> None:
    """The governed stream whole, each of its events alone, and one event of every type the
    schema names, on the demo network, its data filled from the schema's properties."""
    text = (ROOT / "data" / "events" / "governed.jsonl").read_text()
    write("events", "governed", text.encode())
    for line in text.splitlines():
        write("events", json.loads(line)["id"], (line + "\n").encode())
    supply = pl.read_csv(ROOT / "data" / "demo" / "supply.csv", infer_schema_length=0).row(0, named=True)
    link = f"{supply['buyer_site']}|{supply['part_id']}|{supply['seller_site']}"
    schema = json.loads((ROOT / "data" / "schema" / "events.schema.json").read_text())
    for i, case in enumerate(schema["allOf"]):
        kind = case["if"]["properties"]["type"]["const"]
        then = case["then"]["properties"]
        subject = link if "pattern" in then["subject"] else "S000016"
        data = {k: seed_value(k, v, supply) for k, v in then["data"]["properties"].items()}
        event = {
            "specversion": "1.0", "id": f"t{i}", "source": "urn:seed", "type": kind,
            "time": "2026-03-01T08:00:00Z", "subject": subject, "data": data,
        }
        write("events", kind, (json.dumps(event) + "\n").encode())


def seed_value(key: str, prop: dict, supply: dict) -> object:
    if prop.get("type") == "string":
        return supply["part_id"] if key == "part_id" else "seed"
    if prop.get("type") == "boolean":
        return True
    return 0.5 if prop.get("maximum") == 1 else 10


def policy() -> None:
    write("policy", "default", (ROOT / "policies" / "default.toml").read_bytes())


if __name__ == "__main__":
    tables()
    rdf()
    events()
    policy()
