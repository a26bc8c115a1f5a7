"""Read a caselink CSV folder (as written by caselink.synth) into the linkage input tables.

Used by the linkage benchmarks only; the application builds the same tables from storage.
"""

import tomllib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

TAXONOMY = Path(__file__).resolve().parents[1] / "src/caselink/data/behaviour_taxonomy.toml"


def _domains() -> list[str]:
    with TAXONOMY.open("rb") as fh:
        return list(tomllib.load(fh)["domains"])


def _ts(col: pa.ChunkedArray) -> pa.ChunkedArray:
    # ISO text without an offset is UTC (docs/formats.md); Arrow parses ISO 8601 itself
    return col.cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))


def load_reports(folder: Path) -> pa.Table:
    """The reports.csv of ``folder`` as the linkage input table; report_id is the row number."""
    with (folder / "reports.csv").open(encoding="utf-8-sig") as fh:
        header = fh.readline()
    names = [h.strip().strip('"') for h in header.split(",")]
    opts = pacsv.ConvertOptions(
        strings_can_be_null=True, column_types={n: pa.string() for n in names}
    )
    raw = pacsv.read_csv(folder / "reports.csv", convert_options=opts)
    n = raw.num_rows
    domains = [d for d in _domains() if f"mo.{d}" in raw.column_names]
    others = [c[3:] for c in raw.column_names if c.startswith("mo.") and c[3:] not in domains]
    dom_cols = {d: raw.column(f"mo.{d}").to_pylist() for d in domains}
    behaviours = [
        [f"{d}:{code}" for d in domains if dom_cols[d][k] for code in dom_cols[d][k].split("|")]
        for k in range(n)
    ]
    att_cols = {a: raw.column(f"mo.{a}").to_pylist() for a in others}
    attributes = [
        [(a, att_cols[a][k].split("|")) for a in others if att_cols[a][k]] for k in range(n)
    ]
    out = {
        "report_id": pa.array(np.arange(n, dtype=np.int64)),
        "force": raw.column("force"),
        "reference": raw.column("reference"),
        "status": raw.column("status"),
        "cancellation_code": raw.column("cancellation_code"),
        "offence_code": raw.column("offence_code"),
        "reported_at": _ts(raw.column("reported_at")),
        "occurred_from": _ts(raw.column("occurred_from")),
        "occurred_to": _ts(raw.column("occurred_to")),
        "latitude": raw.column("latitude").cast(pa.float64()),
        "longitude": raw.column("longitude").cast(pa.float64()),
        "behaviours": pa.array(behaviours, type=pa.list_(pa.string())),
        "attributes": pa.array(attributes, type=pa.map_(pa.string(), pa.list_(pa.string()))),
    }
    for c in (
        "offender_sex",
        "offender_age_band",
        "offender_height",
        "offender_build",
        "offender_ethnic_appearance",
        "relationship",
    ):
        out[c] = raw.column(c) if c in raw.column_names else pa.nulls(n, pa.string())
    return pa.table(out)


def load_labels(folder: Path, reports: pa.Table, file: str = "offenders.csv") -> pa.Table:
    """(offender_id, report_id) of the solved reports listed in ``file`` under ``folder``."""
    lab = pacsv.read_csv(folder / file).cast(
        pa.schema([pa.field(n, pa.string()) for n in ("offender_id", "reference", "force")])
        if file == "offenders.csv"
        else pa.schema([pa.field(n, pa.string()) for n in ("reference", "force", "offender_id")])
    )
    keys = {
        (r, f): k
        for k, (r, f) in enumerate(
            zip(
                reports.column("reference").to_pylist(),
                reports.column("force").to_pylist(),
                strict=True,
            )
        )
    }
    ids = [
        keys[(r, f)]
        for r, f in zip(
            lab.column("reference").to_pylist(), lab.column("force").to_pylist(), strict=True
        )
    ]
    return pa.table(
        {"offender_id": lab.column("offender_id"), "report_id": pa.array(ids, pa.int64())}
    )
