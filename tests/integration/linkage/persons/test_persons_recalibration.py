"""Analysts' verdicts move the next run's threshold, on SQLite and PostgreSQL: "different" on
pairs just above the threshold raises it, "same" on pairs just below lowers it."""

import math
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caselink.linkage.persons.calibration import MIN_VERDICTS_EACH
from caselink.services import person_review, persons, users
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import person_entities
from caselink.synth import generate

# At the default target the threshold is mid-range on this data, so it can move either way.
TARGET = persons.DEFAULT_TARGET_PRECISION
VERDICTS = MIN_VERDICTS_EACH + 2


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, scale=0.02, seed=11)
    return out


@pytest.fixture
def analyst(ctx: Context, officer: Actor, country: Path) -> Actor:
    import_file(ctx, officer, Kind.REPORTS, country / "reports.csv")
    import_file(ctx, officer, Kind.PERSONS, country / "persons.csv")
    return users.resolve_actor(ctx, "ann")


def _weight(probability: float) -> float:
    return math.log2(probability / (1.0 - probability))


def _linked_pairs(ctx: Context, run_id: int) -> list[tuple[float, int, int]]:
    """(match weight, a, b) of every entity of exactly two records: the link that joined them."""
    e = person_entities.c
    with ctx.db.reader() as uow:
        pairs = (
            select(e.entity_id)
            .where(e.run_id == run_id)
            .group_by(e.entity_id)
            .having(func.count() == 2)
            .scalar_subquery()
        )
        rows = uow.connection.execute(
            select(e.entity_id, e.person_id, e.match_probability)
            .where(e.run_id == run_id, e.entity_id.in_(pairs))
            .order_by(e.entity_id, e.person_id)
        ).all()
    out = []
    for first, second in zip(rows[::2], rows[1::2], strict=True):
        assert first.entity_id == second.entity_id
        p = min(first.match_probability, 1.0 - 1e-12)
        out.append((_weight(p), int(first.person_id), int(second.person_id)))
    return sorted(out)


def _label(ctx: Context, who: Actor, pairs: list[tuple[int, int]], verdict: str) -> None:
    for a, b in pairs:
        person_review.label_pair(
            ctx, who, (a, b), verdict, reason="read both records", why="review"
        )


def test_verdicts_move_the_next_threshold_where_they_say_the_model_is_wrong(
    ctx: Context, analyst: Actor
) -> None:
    first = persons.resolve(ctx, analyst, target_precision=TARGET, why="first run")
    assert first.figures["calibration"]["used"] is False
    assert "no verdicts yet" in first.figures["calibration"]["reason"]
    centre = _weight(first.threshold)

    # Raise: the links just above the threshold are judged different, the surest the same.
    linked = [x for x in _linked_pairs(ctx, first.run_id) if x[0] >= centre]
    assert len(linked) >= 2 * VERDICTS
    just_above = [(a, b) for _, a, b in linked[:VERDICTS]]
    surest = [(a, b) for _, a, b in linked[-VERDICTS:]]
    _label(ctx, analyst, just_above[: MIN_VERDICTS_EACH - 1], "different")
    _label(ctx, analyst, surest, "same")
    too_few = persons.resolve(ctx, analyst, target_precision=TARGET, why="too few verdicts")
    calibration = too_few.figures["calibration"]
    assert calibration["used"] is False
    assert f"at least {MIN_VERDICTS_EACH} of each" in calibration["reason"]
    assert too_few.threshold == pytest.approx(first.threshold)
    assert any("model's own" in line for line in too_few.lines())

    _label(ctx, analyst, just_above[MIN_VERDICTS_EACH - 1 :], "different")
    raised = persons.resolve(ctx, analyst, target_precision=TARGET, why="recalibrated run")
    calibration = raised.figures["calibration"]
    assert calibration["used"] is True
    assert (calibration["same"], calibration["different"]) == (VERDICTS, VERDICTS)
    assert calibration["model_threshold"] == pytest.approx(first.threshold)
    assert raised.threshold > first.threshold
    assert raised.figures["expected_precision"] >= TARGET
    assert any(f"recalibrated from {2 * VERDICTS} verdicts" in line for line in raised.lines())

    # Lower: the pairs just below the threshold are judged the same (the latest verdict counts,
    # so the earlier ones are withdrawn by judging them again), the weakest different.
    review = person_review.review_sample(ctx, analyst, why="review", limit=200, run_id=first.run_id)
    below = sorted(
        (p.match_weight, p.left.person_id, p.right.person_id)
        for p in review.pairs
        if p.match_weight < centre
    )
    assert len(below) >= 2 * MIN_VERDICTS_EACH
    half = len(below) // 2
    _label(ctx, analyst, just_above + surest, "unsure")
    _label(ctx, analyst, [(a, b) for _, a, b in below[half:]], "same")
    _label(ctx, analyst, [(a, b) for _, a, b in below[:half]], "different")
    lowered = persons.resolve(ctx, analyst, target_precision=TARGET, why="recalibrated run")
    assert lowered.figures["calibration"]["used"] is True
    assert lowered.threshold < first.threshold
    assert lowered.figures["expected_precision"] >= TARGET

    figures = person_review.label_figures(ctx, analyst)
    assert figures["latest_run_calibration"]["used"] is True
    assert figures["recalibration"]["enough"] is True
