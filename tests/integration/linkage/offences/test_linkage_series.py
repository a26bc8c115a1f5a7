"""Series, the alert for a new report, ranked links with reasons, and written-off reports."""

import itertools

import pyarrow as pa
import pytest

from caselink.linkage.offences import (
    LinkSettings,
    ReportFrame,
    candidate_pairs,
    form_series,
    score,
    series_for,
    summarise_series,
    top_links,
    train,
)


def _scored(pairs: dict[tuple[int, int], float]) -> pa.Table:
    keys = list(pairs)
    return pa.table(
        {
            "report_id_a": pa.array([a for a, _ in keys], pa.int64()),
            "report_id_b": pa.array([b for _, b in keys], pa.int64()),
            "score": pa.array(list(pairs.values()), pa.float64()),
        }
    )


def _two_series_and_a_weak_bridge() -> dict[tuple[int, int], float]:
    pairs: dict[tuple[int, int], float] = {}
    for group in ((1, 2, 3, 4), (11, 12, 13, 14)):
        for k, a in enumerate(group):
            for b in group[k + 1 :]:
                pairs[(a, b)] = 9.0
    pairs[(4, 11)] = 6.5  # one link just over the threshold
    pairs[(3, 12)] = -4.0
    return pairs


def test_one_weak_link_does_not_chain_two_series() -> None:
    series = form_series(_scored(_two_series_and_a_weak_bridge()), threshold=6.0)
    groups: dict[int, set[int]] = {}
    for r, s in zip(
        series.column("report_id").to_pylist(), series.column("series_id").to_pylist(), strict=True
    ):
        groups.setdefault(s, set()).add(r)
    assert sorted(map(sorted, groups.values())) == [[1, 2, 3, 4], [11, 12, 13, 14]]


def test_single_linkage_would_have_chained_them() -> None:
    # with the average check switched off the same pairs make one series: the check matters
    series = form_series(
        _scored(_two_series_and_a_weak_bridge()), threshold=6.0, min_average=-100.0
    )
    assert set(series.column("series_id").to_pylist()) == {1}


def test_a_new_report_joins_the_series_it_links_to() -> None:
    pairs = _two_series_and_a_weak_bridge()
    series = form_series(_scored(pairs), threshold=6.0)
    new = {(1, 50): 8.0, (2, 50): 7.5, (3, 50): 6.8, (4, 50): 6.1, (11, 50): 6.2}
    matches = series_for(50, _scored({**pairs, **new}), series, threshold=6.0)
    assert [m.series_id for m in matches] == [1]
    assert matches[0].linked_members == 4
    assert matches[0].max_score == 8.0
    assert series_for(60, _scored(pairs), series, threshold=6.0) == []


def test_cancelled_and_n100_reports_are_kept_flagged_and_counted(simulated) -> None:
    reports, labels, _ = simulated
    frame = ReportFrame.from_arrow(reports)
    status = reports.column("status").to_pylist()
    written_off = {
        r
        for r, s in zip(reports.column("report_id").to_pylist(), status, strict=True)
        if s in ("cancelled", "n100")
    }
    assert written_off
    pairs = candidate_pairs(frame)
    in_pairs = set(pairs.column("report_id_a").to_pylist()) | set(
        pairs.column("report_id_b").to_pylist()
    )
    assert len(written_off & in_pairs) > 0.9 * len(written_off)  # they are compared like any other
    model = train(frame, labels, settings=LinkSettings(family="naive_bayes"))
    scored = score(frame, model)
    ids = set(scored.column("report_id_a").to_pylist()) | set(
        scored.column("report_id_b").to_pylist()
    )
    assert written_off & ids == written_off & in_pairs
    cancelled = next(
        r
        for r, s in zip(reports.column("report_id").to_pylist(), status, strict=True)
        if s == "cancelled" and r in in_pairs
    )
    anchor = next(
        a if b == cancelled else b
        for a, b in zip(
            pairs.column("report_id_a").to_pylist(),
            pairs.column("report_id_b").to_pylist(),
            strict=True,
        )
        if cancelled in (a, b)
    )
    links = top_links(frame, model, anchor, k=None)
    flagged = next(c for c in links if c.candidate_id == cancelled)
    assert flagged.flags == ("cancelled C2 — still considered",)
    assert flagged.reasons[-1] == "cancelled C2 — still considered"
    series = form_series(scored, model.threshold)
    summary = summarise_series(series, frame)
    assert summary.num_rows > 0
    members = {m for row in summary.column("members").to_pylist() for m in row}
    n_written_off = sum(summary.column("n_cancelled").to_pylist()) + sum(
        summary.column("n_n100").to_pylist()
    )
    assert n_written_off == len(members & written_off)


def test_top_links_rank_with_reasons_that_add_up(simulated) -> None:
    reports, labels, truth = simulated
    frame = ReportFrame.from_arrow(reports)
    model = train(frame, labels, settings=LinkSettings(family="naive_bayes"))
    offender = dict(
        zip(
            truth.column("report_id").to_pylist(),
            truth.column("offender_id").to_pylist(),
            strict=True,
        )
    )
    by_offender: dict[str, list[int]] = {}
    for r, o in offender.items():
        by_offender.setdefault(o, []).append(r)
    rid = next(rs[0] for rs in by_offender.values() if len(rs) >= 4)
    links = top_links(frame, model, rid, k=5)
    assert [c.rank for c in links] == [1, 2, 3, 4, 5]
    assert all(a.score >= b.score for a, b in itertools.pairwise(links))
    assert offender[links[0].candidate_id] == offender[rid]
    best = links[0]
    assert best.score == pytest.approx(model.offset + sum(best.contributions.values()))
    assert any(
        r.endswith(tuple(f"{s:+.1f}" for s in best.contributions.values())) for r in best.reasons
    )
    assert any(" km apart " in r for r in best.reasons)
    with pytest.raises(ValueError, match="unknown report ids"):
        top_links(frame, model, -1)
