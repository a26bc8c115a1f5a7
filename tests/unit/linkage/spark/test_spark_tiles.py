"""The tile plan of a Spark link run: every candidate of a report in its home tile, windows by
time as the record grows, and the largest task bounded however many years the store holds."""

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from caselink.linkage.offences import LinkSettings, ReportFrame, candidate_pairs
from caselink.linkage.offences.frame import reports_table
from caselink.linkage.spark.tiles import TilePlan, plan_tiles

SETTINGS = LinkSettings(max_km=20.0, max_days=90.0)
START = datetime(2010, 1, 1, tzinfo=UTC)


def _store(years: int, per_year: int = 400, seed: int = 0) -> pa.Table:
    """A record of ``years`` years at a steady volume: most reports placed by latitude and
    longitude, some only by grid x/y, some by force alone; a tenth are historical offences
    reported years later, with windows up to twice ``max_days`` long, and a few longer."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for k in range(years * per_year):
        reported = START + timedelta(days=float(rng.uniform(0, 365 * years)))
        start = reported - timedelta(hours=float(rng.exponential(30)))
        span = timedelta(hours=float(rng.uniform(0, 6)))
        draw = rng.random()
        if draw < 0.10:  # a historical offence, known to some months
            start = reported - timedelta(days=float(rng.uniform(365, 365 * 8)))
            span = timedelta(days=float(rng.uniform(0, 2 * SETTINGS.max_days)))
        elif draw < 0.11:  # known only to some years
            start = reported - timedelta(days=float(rng.uniform(365, 365 * 8)))
            span = timedelta(days=float(rng.uniform(3, 6) * SETTINGS.max_days))
        lat, lon = float(rng.uniform(50.5, 52.5)), float(rng.uniform(-3.0, 0.0))
        row: dict[str, Any] = {
            "report_id": k + 1,
            "force": f"F{int((lon + 3.0) // 0.75)}",
            "reported_at": reported,
            "occurred_from": start,
            "occurred_to": start + span,
            "behaviours": ["approach:blitz"],
        }
        place = rng.random()
        if place < 0.9:
            row |= {"latitude": lat, "longitude": lon}
        elif place < 0.95:  # grid only: metres on a plane, near enough for these distances
            row |= {"x": (lon + 3.0) * 70_000.0, "y": (lat - 50.0) * 111_000.0}
        rows.append(row)
    return reports_table(rows)


def _assert_every_candidate_in_its_home_tile(reports: pa.Table, plan: TilePlan) -> None:
    frame = ReportFrame.from_arrow(reports)
    # each report is the home report of exactly one tile
    assert np.bincount(plan.row[plan.home], minlength=frame.n).tolist() == [1] * frame.n
    home_tile = np.empty(frame.n, np.int64)
    home_tile[plan.row[plan.home]] = plan.tile[plan.home]
    held = set(zip(plan.tile.tolist(), plan.row.tolist(), strict=True))
    rows = {rid: k for k, rid in enumerate(frame.report_id.tolist())}
    pairs = candidate_pairs(reports, SETTINGS)
    assert pairs.num_rows > 1000
    missing = [
        (a, b)
        for a, b in zip(
            pairs.column("report_id_a").to_pylist(),
            pairs.column("report_id_b").to_pylist(),
            strict=True,
        )
        if (int(home_tile[rows[a]]), rows[b]) not in held
        or (int(home_tile[rows[b]]), rows[a]) not in held
    ]
    assert missing == []


@pytest.fixture(scope="module")
def twelve_years() -> pa.Table:
    return _store(12)


def test_a_long_record_is_cut_into_windows_by_time_and_keeps_every_candidate(
    twelve_years: pa.Table,
) -> None:
    frame = ReportFrame.from_arrow(twelve_years)
    plan = plan_tiles(frame, SETTINGS, tile_reports=400)
    assert plan.windows >= 4
    assert plan.tiles > plan.windows  # and each window cut in place
    _assert_every_candidate_in_its_home_tile(twelve_years, plan)


def test_the_largest_task_stays_bounded_as_the_years_grow() -> None:
    largest, tiles = [], []
    for years in (3, 12):
        plan = plan_tiles(ReportFrame.from_arrow(_store(years)), SETTINGS, tile_reports=400)
        largest.append(int(plan.sizes()[1].max()))
        tiles.append(plan.tiles)
    # four times the record: about four times the tasks, not four times the largest task
    assert tiles[1] >= 3 * tiles[0]
    assert largest[1] <= 1.5 * largest[0]


def test_a_cap_on_a_task_halves_tiles_further_and_keeps_every_candidate(
    twelve_years: pa.Table,
) -> None:
    frame = ReportFrame.from_arrow(twelve_years)
    free = plan_tiles(frame, SETTINGS, tile_reports=2000)
    cap = int(free.sizes()[1].max() * 0.7)
    capped = plan_tiles(frame, SETTINGS, tile_reports=2000, max_task_reports=cap)
    assert int(capped.sizes()[1].max()) <= cap
    assert capped.tiles > free.tiles
    _assert_every_candidate_in_its_home_tile(twelve_years, capped)


def test_an_empty_store_has_no_tiles() -> None:
    plan = plan_tiles(ReportFrame.from_arrow(_store(0)), SETTINGS)
    assert (plan.tiles, plan.row.shape[0]) == (0, 0)
