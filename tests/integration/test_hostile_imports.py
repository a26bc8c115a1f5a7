"""Hostile import files, on SQLite and PostgreSQL: every one is refused with a located error and
nothing is written. A NUL in a cell, a time that overflows, a cell or a line beyond the limits,
a header of a hundred thousand columns, a reference that is a path, an escape or a formula."""

import csv
import json
from pathlib import Path

import pytest

from caselink.interchange.rows import MAX_COLUMNS, MAX_FIELD, FormatError
from caselink.services.context import Actor, Context
from caselink.services.importing import Format, ImportRefused, Kind, import_file
from caselink.storage import queries
from support.sample_files import REPORT_HEADER, report, write_csv, write_reports


def stored(ctx: Context) -> int:
    with ctx.db.reader() as uow:
        return queries.stats(uow.connection).reports


def refused(ctx: Context, officer: Actor, path: Path, kind: Kind = Kind.REPORTS, **kw: object):  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRefused) as caught:
        import_file(ctx, officer, kind, path, **kw)  # type: ignore[arg-type]
    assert stored(ctx) == 0
    return caught.value.errors


def test_a_nul_character_in_a_cell_is_a_row_error(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    path = write_reports(tmp_path / "r.csv", [report("K1", narrative="before\x00after")])
    [error] = refused(ctx, officer, path)
    assert (error.line, error.column) == (2, "narrative")
    assert "NUL" in error.reason


def test_a_nul_character_in_a_json_lines_report_is_a_row_error(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    doc = {"type": "report", "force": "Kent", "reference": "K1", "reported_at": "2024-03-07"}
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({**doc, "narrative": "a\x00b"}) + "\n", encoding="utf-8")
    [error] = refused(ctx, officer, path, fmt=Format.JSONL)
    assert "NUL" in error.reason


def test_a_nul_character_in_a_journey_line_is_a_row_error(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    import_file(ctx, officer, Kind.REPORTS, write_reports(tmp_path / "r.csv", [report("K1")]))
    step = {
        "force": "Kent",
        "reference": "K1",
        "step": "arrested",
        "at": "2024-03-09T10:00:00Z",
        "actor": "olive\x00",
    }
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps(step) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        import_file(ctx, officer, Kind.JOURNEY, path, fmt=Format.JSONL)
    assert "NUL" in caught.value.errors[0].reason


@pytest.mark.parametrize("edge", ["9999-12-31T23:59-05:00", "0001-01-01T00:00+05:00", "1066-10-14"])
def test_a_time_out_of_range_is_a_row_error(
    ctx: Context, officer: Actor, tmp_path: Path, edge: str
) -> None:
    path = write_reports(
        tmp_path / "r.csv", [report("K1", reported_at=edge), report("K2", occurred_to=edge)]
    )
    errors = refused(ctx, officer, path)
    assert {(e.line, e.column) for e in errors} >= {(2, "reported_at"), (3, "occurred_to")}
    assert all("out of range" in e.reason for e in errors if e.value == edge)


@pytest.mark.parametrize(
    "reference", ["../../etc/passwd", "K/1", "K..1", "K\x1b[31m1", "K\x07", "=1+2", "-K1"]
)
def test_a_reference_that_is_a_path_an_escape_or_a_formula_is_refused(
    ctx: Context, officer: Actor, tmp_path: Path, reference: str
) -> None:
    path = write_reports(tmp_path / "r.csv", [report(reference)])
    [error] = refused(ctx, officer, path)
    assert (error.line, error.column) == (2, "reference")


def test_a_cell_beyond_the_limit_is_a_row_error_and_the_next_row_is_read(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    path = write_reports(
        tmp_path / "r.csv", [report("K1", narrative="x" * (MAX_FIELD + 1)), report("K2")]
    )
    summary = import_file(ctx, officer, Kind.REPORTS, path, skip_invalid=True)
    assert (summary.imported, summary.rejected) == (1, 1)
    assert f"longer than {MAX_FIELD:,}" in summary.errors[0].reason


def test_a_ten_megabyte_line_refuses_the_file(ctx: Context, officer: Actor, tmp_path: Path) -> None:
    path = write_reports(tmp_path / "r.csv", [report("K1", narrative="x" * 10_000_000)])
    with pytest.raises(FormatError) as caught:
        import_file(ctx, officer, Kind.REPORTS, path, skip_invalid=True)
    assert "a line longer than" in str(caught.value)
    assert stored(ctx) == 0


def test_a_hundred_thousand_columns_refuse_the_file(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    header = [*REPORT_HEADER, *(f"mo.extra{i}" for i in range(100_000))]
    path = write_csv(tmp_path / "r.csv", header, [report("K1")])
    with pytest.raises(FormatError) as caught:
        import_file(ctx, officer, Kind.REPORTS, path)
    assert f"at most {MAX_COLUMNS:,}" in str(caught.value)
    assert stored(ctx) == 0


def test_the_rejects_file_carries_no_formula(ctx: Context, officer: Actor, tmp_path: Path) -> None:
    hostile = report("K1", force="Gotham", narrative='=HYPERLINK("http://x","y")', longitude="-0.5")
    path = write_reports(tmp_path / "r.csv", [hostile, report("K2")])
    rejects = tmp_path / "rejects.csv"
    summary = import_file(ctx, officer, Kind.REPORTS, path, skip_invalid=True, rejects=rejects)
    assert summary.rejected == 1
    with rejects.open(newline="", encoding="utf-8") as handle:
        header, row = list(csv.reader(handle))
    cells = dict(zip(header, row, strict=True))
    assert cells["narrative"] == "'" + hostile["narrative"]
    assert cells["longitude"] == "-0.5"  # a negative number stays a number
    assert not [c for c in row if c and c[0] in "=+@\t\r"]
