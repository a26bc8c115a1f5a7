"""Candidate pairs from DuckDB against brute force."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

import caselink.linkage.offences.training.sample as training_sample_module
from caselink.linkage.offences import LinkSettings, ReportFrame, candidate_pairs
from caselink.linkage.offences.candidate_index import (
    CandidateIndex,
    block_slices,
    candidate_index,
    in_locality_order,
    index_batches,
    latlon_blocks,
    row_candidates,
    slice_pairs,
    within,
)
from caselink.linkage.offences.candidates import candidate_rows, candidate_sql, candidates_of
from caselink.linkage.offences.frame import reports_table
from caselink.linkage.offences.geometry import pair_distance_km
from caselink.linkage.offences.jit import compiled
from caselink.linkage.offences.pair_sampling import Thinning, id_uniform
from caselink.linkage.offences.training.sample import sampled_pairs


def _random_reports(n: int, seed: int, years: float) -> ReportFrame:
    rng = np.random.default_rng(seed)
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    rows = []
    for k in range(n):
        start = t0 + timedelta(days=float(rng.uniform(0, 365 * years)))
        kind = rng.choice(["ll", "xy", "both", "none"], p=[0.6, 0.15, 0.15, 0.1])
        span = rng.choice([0.0, 0.3, 40.0, 500.0], p=[0.5, 0.3, 0.15, 0.05])
        row = {
            "report_id": 1000 + k,
            "force": f"F{rng.integers(0, 4)}",
            "reported_at": start + timedelta(days=5),
            "occurred_from": start if rng.random() > 0.1 else None,
            "occurred_to": start + timedelta(days=float(span)) if span else None,
            "area_code": f"A{rng.integers(0, 3)}" if rng.random() < 0.7 else None,
        }
        if kind in ("ll", "both"):
            row["latitude"] = float(rng.uniform(50.5, 51.5))
            row["longitude"] = float(rng.uniform(-1.0, 0.5))
        if kind in ("xy", "both"):
            row["x"] = float(rng.uniform(400_000, 480_000))
            row["y"] = float(rng.uniform(100_000, 180_000))
        rows.append(row)
    return ReportFrame.from_arrow(reports_table(rows))


def _brute_force(frame: ReportFrame, settings: LinkSettings) -> set[tuple[int, int]]:
    i, j = np.triu_indices(frame.n, k=1)
    d = settings.max_days
    time_ok = (frame.cand_lo[j] <= frame.cand_hi[i] + d) & (
        frame.cand_lo[i] <= frame.cand_hi[j] + d
    )
    placed = (~np.isnan(frame.latitude[i]) & ~np.isnan(frame.latitude[j])) | (
        ~np.isnan(frame.x[i]) & ~np.isnan(frame.x[j])
    )
    with np.errstate(invalid="ignore"):
        near = (
            pair_distance_km(frame.latitude, frame.longitude, frame.x, frame.y, i, j)
            <= settings.max_km
        )
    same = frame.force_code[i] == frame.force_code[j]
    if settings.unplaced_rule == "same_area":
        a, b = frame.area_code[i], frame.area_code[j]
        same &= (a < 0) | (b < 0) | (a == b)
    keep = time_ok & ((placed & near) | (~placed & same))
    return set(zip(i[keep].tolist(), j[keep].tolist(), strict=True))


@pytest.mark.parametrize(
    ("years", "settings"),
    [
        (1.0, LinkSettings(max_days=60, max_km=15)),
        (6.0, LinkSettings(max_days=90, max_km=20)),  # spans many time buckets
        (3.0, LinkSettings(max_days=30, max_km=10, unplaced_rule="same_area")),
        (2.0, LinkSettings(max_days=0, max_km=25)),
    ],
)
def test_candidates_are_exactly_the_brute_force_set(years: float, settings: LinkSettings) -> None:
    frame = _random_reports(700, seed=int(years * 10), years=years)
    i, j = candidate_rows(frame, settings)
    got = list(zip(i.tolist(), j.tolist(), strict=True))
    assert len(got) == len(set(got)), "a pair came out twice"
    assert all(a < b for a, b in got)
    want = _brute_force(frame, settings)
    assert len(want) > 100
    assert set(got) == want


def test_no_pair_lies_outside_the_window() -> None:
    frame = _random_reports(500, seed=5, years=3)
    settings = LinkSettings(max_days=45, max_km=12)
    i, j = candidate_rows(frame, settings)
    gap = np.maximum(frame.cand_lo[j] - frame.cand_hi[i], frame.cand_lo[i] - frame.cand_hi[j])
    assert (gap <= 45 + 1e-9).all()
    d = pair_distance_km(frame.latitude, frame.longitude, frame.x, frame.y, i, j)
    placed = ~np.isnan(d)
    assert (d[placed] <= 12 + 1e-9).all()
    assert (frame.force_code[i[~placed]] == frame.force_code[j[~placed]]).all()


def test_one_report_candidates_agree_with_the_full_pass() -> None:
    frame = _random_reports(400, seed=9, years=2)
    settings = LinkSettings(max_days=60, max_km=15)
    i, j = candidate_rows(frame, settings)
    for row in (0, 17, 250):
        want = set(j[i == row].tolist()) | set(i[j == row].tolist())
        assert set(candidates_of(frame, row, settings).tolist()) == want


def test_candidate_table_uses_report_ids_and_sql_is_inspectable() -> None:
    frame = _random_reports(50, seed=2, years=1)
    table = candidate_pairs(frame, LinkSettings(max_days=365, max_km=80))
    assert table.column_names == ["report_id_a", "report_id_b"]
    a = table.column("report_id_a").to_numpy()
    b = table.column("report_id_b").to_numpy()
    assert (a < b).all()
    assert a.min() >= 1000
    *setup, query = candidate_sql(LinkSettings(), bucketed=False)
    assert all(statement.startswith("CREATE TEMP TABLE") for statement in setup)
    assert "JOIN ll b ON b.ly = p.ky" in query  # an equality join on neighbouring cells
    assert "b.lo <= a.hi + 365.0" in query


@pytest.mark.parametrize(
    ("years", "settings", "rows"),
    [
        (1.0, LinkSettings(max_days=60, max_km=15), None),
        (6.0, LinkSettings(max_days=90, max_km=20), None),
        (3.0, LinkSettings(max_days=30, max_km=10, unplaced_rule="same_area"), None),
        (2.0, LinkSettings(max_days=0, max_km=25), np.arange(0, 700, 3)),
    ],
)
def test_the_compiled_index_finds_each_reports_brute_force_candidates(
    years: float, settings: LinkSettings, rows: np.ndarray | None
) -> None:
    frame = _random_reports(700, seed=int(years * 10) + 1, years=years)
    index = candidate_index(frame, settings, rows)
    members = set(range(frame.n)) if rows is None else set(rows.tolist())
    want = {(a, b) for a, b in _brute_force(frame, settings) if a in members and b in members}
    assert len(want) > 100
    out = np.empty(frame.n, np.int64)
    got = set()
    for i in sorted(members):
        found = out[: row_candidates(index, i, out)].tolist()
        assert len(found) == len(set(found))
        assert i not in found
        got |= {(min(i, j), max(i, j)) for j in found}
        assert {b for a, b in want if a == i} | {a for a, b in want if b == i} == set(found)
    assert got == want


@pytest.mark.parametrize("ordered", [True, False])
def test_blocks_of_rows_against_slices_find_the_pairs_once_each(ordered: bool) -> None:
    # the scorer's way: latitude/longitude pairs from blocks of rows against parts of slices,
    # the rest row by row; in locality order a slice is a run of rows, tried as such, in any
    # other order row by row
    settings = LinkSettings(max_days=60, max_km=15)
    frame = _random_reports(700, seed=9, years=3.0)
    if ordered:
        frame = in_locality_order(frame, settings)
    else:
        frame = frame.take(np.random.default_rng(3).permutation(frame.n))
    ix = candidate_index(frame, settings)
    assert ix.ll_runs is ordered
    blocks = latlon_blocks(ix, 16)
    assert blocks[0] == 0
    assert blocks[-1] == frame.n
    assert bool((np.diff(blocks) > 1).sum() > 10) is ordered  # blocks of more than one row
    first, last = np.empty(45, np.int64), np.empty(45, np.int64)
    pi, pj, pd2 = np.empty(16 * 7, np.int64), np.empty(16 * 7, np.int64), np.empty(16 * 7)
    out = np.empty(frame.n, np.int64)
    got = []
    for b0, b1 in zip(blocks[:-1].tolist(), blocks[1:].tolist(), strict=True):
        tiled = bool(ix.has_ll[b0])
        assert (ix.has_ll[b0:b1] == tiled).all()
        if tiled:
            for s in range(block_slices(ix, b0, b1, first, last)):
                for p0 in range(first[s], last[s], 7):
                    m = slice_pairs(ix, b0, b1, p0, min(p0 + 7, last[s]), pi, pj, pd2)
                    got += list(zip(pj[:m].tolist(), pi[:m].tolist(), strict=True))
                    # with the squared chord between the places of each pair
                    i, j = pi[:m], pj[:m]
                    chord2 = (ix.ux[i] - ix.ux[j]) ** 2 + (ix.uy[i] - ix.uy[j]) ** 2
                    chord2 += (ix.uz[i] - ix.uz[j]) ** 2
                    np.testing.assert_allclose(pd2[:m], chord2, rtol=1e-12, atol=1e-18)
        for i in range(b0, b1):
            m = row_candidates(ix, i, out, True, not tiled)
            got += [(j, i) for j in out[:m].tolist()]
    assert len(got) == len(set(got))
    assert all(j < i for j, i in got)
    assert set(got) == _brute_force(frame, settings)
    # the scorer's full pass: the pairs of a narrower window left out as the slices are tried
    narrow = replace(settings, max_days=20, max_km=6)
    near = candidate_index(frame, narrow)
    far = []
    for b0, b1 in zip(blocks[:-1].tolist(), blocks[1:].tolist(), strict=True):
        for s in range(block_slices(ix, b0, b1, first, last) if ix.has_ll[b0] else 0):
            for p0 in range(first[s], last[s], 7):
                p1 = min(p0 + 7, last[s])
                m = slice_pairs(ix, b0, b1, p0, p1, pi, pj, pd2, near.days, near.chord2)
                far += list(zip(pj[:m].tolist(), pi[:m].tolist(), strict=True))
    tiled = {(j, i) for j, i in got if ix.has_ll[i] and ix.has_ll[j]}
    narrow_pairs = _brute_force(frame, narrow)
    assert tiled & narrow_pairs  # some pairs are left out
    assert sorted(far) == sorted(tiled - narrow_pairs)


@compiled
def _within_all(ix: CandidateIndex, out: np.ndarray) -> None:
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = within(ix, i, j)


def test_the_pair_rule_is_the_rule_the_index_finds_pairs_by() -> None:
    for settings, years in [
        (LinkSettings(max_days=60, max_km=15), 1.0),
        (LinkSettings(max_days=30, max_km=10, unplaced_rule="same_area"), 3.0),
    ]:
        frame = _random_reports(500, seed=7, years=years)
        flags = np.zeros((frame.n, frame.n), bool)
        _within_all(candidate_index(frame, settings), flags)
        got = {(a, b) for a, b in zip(*np.nonzero(flags), strict=True) if a < b}
        assert len(got) > 100
        assert got == set(_brute_force(frame, settings))
        assert (flags == flags.T).all()


def test_index_batches_give_the_duckdb_pairs_once_each() -> None:
    frame = _random_reports(600, seed=4, years=2)
    settings = LinkSettings(max_days=60, max_km=15)
    rows = np.arange(0, 600, 2)
    for only in (None, rows):
        i, j = candidate_rows(frame, settings, rows=only)
        parts = list(index_batches(frame, settings, rows=only, batch=1000))
        assert len(parts) > 1  # small batches: the pairs came in several
        gi = np.concatenate([p[0] for p in parts])
        gj = np.concatenate([p[1] for p in parts])
        got = list(zip(gi.tolist(), gj.tolist(), strict=True))
        assert len(got) == len(set(got))
        assert set(got) == set(zip(i.tolist(), j.tolist(), strict=True))


def _splitmix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # the splitmix64 finaliser of (min id, max id), written out in numpy as a reference
    lo, hi = np.minimum(a, b).astype(np.uint64), np.maximum(a, b).astype(np.uint64)
    with np.errstate(over="ignore"):
        z = lo * np.uint64(0x9E3779B97F4A7C15) + hi
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


@pytest.mark.parametrize(
    ("ordered", "some", "room"), [(False, False, None), (True, False, None), (True, True, 8)]
)
def test_the_training_sample_holds_the_linked_pairs_and_the_rest_at_the_capped_rate(
    ordered: bool, some: bool, room: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # in locality order, the latitude/longitude pairs are found tile by tile; ``some`` takes
    # part of the rows only, as training takes the solved reports; ``room``, too little room
    # for a block's tiles at first
    if room is not None:
        monkeypatch.setattr(training_sample_module, "_SAMPLE_ROOM", room)
    settings = LinkSettings(max_days=90, max_km=25)
    frame = _random_reports(600, seed=9, years=1)
    if ordered:
        frame = in_locality_order(frame, settings)
    rows = np.arange(frame.n, dtype=np.int64)
    if some:
        rows = rows[np.random.default_rng(3).random(frame.n) < 0.6]
    i, j = candidate_rows(frame, settings, rows=rows)
    ids_i, ids_j = frame.report_id[i].tolist(), frame.report_id[j].tolist()
    u = np.asarray([id_uniform(a, b) for a, b in zip(ids_i, ids_j, strict=True)])
    np.testing.assert_array_equal(u, _splitmix(frame.report_id[i], frame.report_id[j]))
    assert [id_uniform(b, a) for a, b in zip(ids_i, ids_j, strict=True)] == u.tolist()
    assert ((u >= 0) & (u < 1)).all()
    # every third pair linked, the rows of linked pairs in group 0, other rows alone
    linked = np.zeros(i.shape[0], bool)
    linked[::3] = True
    keys = np.unique(i[linked] * frame.n + j[linked])
    group = np.arange(1, frame.n + 1, dtype=np.int64)
    group[i[linked]] = group[j[linked]] = 0
    # a pair within group 0 that is not listed is not linked
    assert ((group[i] == 0) & (group[j] == 0) & ~linked).any()
    rule = Thinning(1.0, frame.report_id, group, keys)
    unlinked = int((~linked).sum())
    rates = set()
    for cap in (unlinked, unlinked // 3, unlinked // 50, 0):
        # the highest power of a half keeping at most cap unlinked pairs
        rate = next(0.5**k for k in range(64) if ((u < 0.5**k) & ~linked).sum() <= cap)
        keep = linked | (u < rate)
        want = set(zip(i[keep].tolist(), j[keep].tolist(), strict=True))
        # the estimate from every row and the pass at that rate; an estimate from a few rows;
        # and a pass kept at too low a rate, which must find the pairs again
        for every, extra in ((1, 0), (7, 1), (1, -2)):
            gi, gj, got_rate = sampled_pairs(frame, settings, rows, rule, cap, every, extra)
            assert got_rate == rate
            assert set(zip(gi.tolist(), gj.tolist(), strict=True)) == want
            assert gi.shape[0] == len(want)
        rates.add(rate)
    assert len(rates) == 4
