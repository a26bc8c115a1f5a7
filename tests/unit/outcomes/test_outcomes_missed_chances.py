"""Missed chances: which reports are listed, with which members, in which order."""

import json

import pytest

from caselink.outcomes import SeriesReport, missed_chances


def _report(
    report_id: int,
    series_id: int | None,
    score: float | None,
    *,
    status: str = "crime",
    outcome: str | None = None,
    suspect: bool = False,
    charged: bool = False,
    force: str = "Kent",
) -> SeriesReport:
    return SeriesReport(
        report_id=report_id,
        force=force,
        reference=f"R{report_id:03}",
        status=status,
        outcome=outcome,
        suspect_identified=suspect,
        charged=charged,
        series_id=series_id,
        series_score=score,
    )


def _reports() -> list[SeriesReport]:
    return [
        # Series 1 (score 0.90): a cancelled report, a charged one, one closed with outcome 18,
        # and one closed with outcome 16 (suspect identified, so not itself a missed chance).
        _report(1, 1, 0.90, status="cancelled"),
        _report(2, 1, 0.90, suspect=True, charged=True, force="Surrey"),
        _report(3, 1, 0.90, outcome="18"),
        _report(12, 1, 0.90, outcome="16", suspect=True, force="Avon"),
        # Series 2 (score 0.95): outcome 14, a suspect, and a transferred report with its own
        # suspect (written off, so listed: another member has a suspect).
        _report(4, 2, 0.95, outcome="14"),
        _report(5, 2, 0.95, suspect=True),
        _report(6, 2, 0.95, status="transferred", suspect=True, force="Essex"),
        # Series 3 (score 0.99): nobody has a suspect -> nothing to follow.
        _report(7, 3, 0.99, status="cancelled"),
        _report(8, 3, 0.99, outcome="18"),
        # Series 4 (score 0.50): the only member with a suspect is the written-off one itself.
        _report(9, 4, 0.50, status="cancelled", suspect=True),
        _report(10, 4, 0.50),
        # Not in any series.
        _report(11, None, None, status="cancelled"),
    ]


def test_listed_reports_ranked_by_series_score() -> None:
    result = missed_chances(_reports())
    # Series 2 (0.95) before series 1 (0.90); within a series by force, then reference:
    # Essex R006 before Kent R004; Kent R001 before Kent R003.
    assert [(c.series_id, c.report_id) for c in result.chances] == [(2, 6), (2, 4), (1, 1), (1, 3)]
    assert [c.series_score for c in result.chances] == [0.95, 0.95, 0.90, 0.90]
    reasons = {c.report_id: c.reason for c in result.chances}
    assert reasons == {
        6: "written_off",
        4: "no_suspect_outcome",
        1: "written_off",
        3: "no_suspect_outcome",
    }


def test_each_lists_the_other_members_with_suspects() -> None:
    chances = {c.report_id: c for c in missed_chances(_reports()).chances}
    # Report 6 has a suspect itself: only the other member (5) is listed.
    assert [m.report_id for m in chances[6].members_with_suspects] == [5]
    assert [m.report_id for m in chances[4].members_with_suspects] == [6, 5]
    # Series 1: Avon R012 (suspect identified), Surrey R002 (charged).
    members = chances[1].members_with_suspects
    assert [(m.report_id, m.suspect_identified, m.charged) for m in members] == [
        (12, True, False),
        (2, True, True),
    ]


def test_counts_and_json() -> None:
    result = missed_chances(_reports())
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    # 12 reports, 11 in series 1–4, of which series 1, 2 and 4 have a member with a suspect.
    assert data["counts"] == {
        "reports": 12,
        "in_series": 11,
        "series": 4,
        "series_with_suspects": 3,
        "chances": 4,
    }
    first = data["chances"][0]
    assert first["report_id"] == 6
    assert first["series_id"] == 2
    assert first["series_score"] == 0.95
    assert first["members_with_suspects"] == [
        {
            "report_id": 5,
            "force": "Kent",
            "reference": "R005",
            "suspect_identified": True,
            "charged": False,
        }
    ]
    assert "14" in data["definitions"]["no_suspect_outcome"]


def test_ties_in_score_break_by_series_id() -> None:
    reports = [
        _report(1, 20, 0.8, status="cancelled"),
        _report(2, 20, 0.8, suspect=True),
        _report(3, 10, 0.8, outcome="14"),
        _report(4, 10, 0.8, charged=True),
    ]
    assert [c.report_id for c in missed_chances(reports).chances] == [3, 1]
    assert [c.report_id for c in missed_chances(list(reversed(reports))).chances] == [3, 1]


def test_nothing_to_review() -> None:
    result = missed_chances([])
    assert result.chances == ()
    assert result.to_dict()["counts"]["series"] == 0


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="once"):
        missed_chances([_report(1, 1, 0.9), _report(1, 1, 0.9)])
    with pytest.raises(ValueError, match="more than one score"):
        missed_chances([_report(1, 1, 0.9), _report(2, 1, 0.8)])
    with pytest.raises(ValueError, match="finite"):
        _report(1, 1, float("nan"))


def test_a_series_without_a_score_comes_last() -> None:
    reports = [
        _report(1, 5, None, status="cancelled"),
        _report(2, 5, None, suspect=True),
        _report(3, 6, 0.1, outcome="18"),
        _report(4, 6, 0.1, suspect=True),
    ]
    chances = missed_chances(reports).chances
    assert [(c.report_id, c.series_score) for c in chances] == [(3, 0.1), (1, None)]
    with pytest.raises(ValueError, match="more than one score"):
        missed_chances([_report(1, 1, None), _report(2, 1, 0.5)])
