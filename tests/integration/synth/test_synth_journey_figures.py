"""The journey reproduces DOMAIN.md §8, and the figures it reports can be recomputed from it."""

import json
import statistics
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from caselink.cli.app import app
from caselink.domain.offences import RAPE_CODES
from integration.synth.journey_rules import parse_time
from integration.synth.synth_dataset import Dataset

Key = tuple[str, str]


def _key(row: dict[str, str]) -> Key:
    return row["force"], row["reference"]


def _recorded_rapes(dataset: Dataset) -> dict[Key, dict[str, str]]:
    return {
        _key(r): r
        for r in dataset.reports
        if r["offence_code"] in RAPE_CODES and r["status"] == "crime"
    }


def _steps(dataset: Dataset, kind: str) -> dict[Key, dict[str, str]]:
    """The first step of ``kind`` of each report that has one."""
    found: dict[Key, dict[str, str]] = {}
    for row in dataset.journey:
        if row["step"] == kind:
            found.setdefault(_key(row), row)
    return found


def test_the_reported_figures_are_within_their_tolerances(dataset: Dataset) -> None:
    doc = dataset.summary.journey.as_json()
    figures = {k: v for k, v in doc.items() if isinstance(v, dict)}
    assert set(figures) == {
        "rape_charge_rate", "outcome_16_share", "median_days_to_charge",
        "withdrawals_within_30_days", "sarc_referral_rate", "sarc_decline_rate",
        "isva_referral_rate", "isva_decline_rate", "duties_met_on_time",
    }  # fmt: skip
    for name, figure in figures.items():
        assert {"value", "target", "tolerance", "n", "source"} <= set(figure), name
        assert figure["n"] > 0, name
        assert figure["within_tolerance"], (name, figure)
    json.dumps(doc)


def test_charge_rate_and_outcome_mix_recomputed_from_the_file(dataset: Dataset) -> None:
    rapes = _recorded_rapes(dataset)
    outcomes = {
        k: json.loads(r["details"])["code"]
        for k, r in _steps(dataset, "outcome").items()
        if k in rapes
    }
    figures = dataset.summary.journey.as_json()
    charged = sum(code == "1" for code in outcomes.values())
    assert round(charged / len(rapes), 4) == figures["rape_charge_rate"]["value"]
    assert 0.032 <= charged / len(rapes) <= 0.052
    mix = Counter(outcomes.values())
    share16 = mix["16"] / len(outcomes)
    assert round(share16, 4) == figures["outcome_16_share"]["value"]
    assert 0.35 <= share16 <= 0.45
    # Evidential difficulties come next, then the no-suspect outcomes; the rest are rare.
    assert mix["15"] > mix["14"] > mix["18"] > mix["1"]
    assert mix["20"] + mix["21"] + mix["22"] < 0.1 * len(outcomes)
    open_share = 1 - len(outcomes) / len(rapes)
    assert open_share > 0.05, "many investigations must still be open at the data's end"


def test_time_to_charge_and_withdrawals_recomputed_from_the_file(dataset: Dataset) -> None:
    rapes = _recorded_rapes(dataset)
    figures = dataset.summary.journey.as_json()
    days = [
        (parse_time(r["at"]) - parse_time(rapes[k]["reported_at"])).total_seconds() / 86400
        for k, r in _steps(dataset, "charged").items()
        if k in rapes
    ]
    assert abs(statistics.median(days) - figures["median_days_to_charge"]["value"]) < 1e-3
    assert 340 <= statistics.median(days) <= 440
    withdrawn = [
        (parse_time(r["at"]) - parse_time(rapes[k]["reported_at"])).total_seconds() / 86400
        for k, r in _steps(dataset, "outcome").items()
        if k in rapes and json.loads(r["details"])["code"] == "16"
    ]
    within = sum(d <= 30 for d in withdrawn) / len(withdrawn)
    assert round(within, 4) == figures["withdrawals_within_30_days"]["value"]
    assert within > 0.5


def test_referrals_are_offered_and_sometimes_declined(dataset: Dataset) -> None:
    answers = Counter(
        (d["service"], d["answer"])
        for d in (json.loads(r["details"]) for r in dataset.journey if r["step"] == "referral")
    )
    for service in ("sarc", "isva"):
        offered = sum(v for (s, _), v in answers.items() if s == service)
        assert 0.15 < answers[(service, "declined")] / offered < 0.45
        assert answers[(service, "accepted")] > answers[(service, "declined")]
    assert answers[("sarc", "not_appropriate")] > 0


def test_rapes_are_mostly_attended_within_hours_by_trained_officers(dataset: Dataset) -> None:
    rapes = _recorded_rapes(dataset)
    attended = [r for k, r in _steps(dataset, "attended").items() if k in rapes]
    hours = [
        (parse_time(r["at"]) - parse_time(rapes[_key(r)]["reported_at"])).total_seconds() / 3600
        for r in attended
    ]
    assert len(attended) > 0.9 * len(rapes)
    assert sum(h <= 12 for h in hours) / len(hours) > 0.6
    trained = [json.loads(r["details"])["trained_officer"] == "true" for r in attended]
    assert 0.65 < sum(trained) / len(trained) < 0.95


def test_synth_json_adds_the_journey_and_keeps_its_keys(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["synth", "--out", str(tmp_path), "--scale", "0.001", "--seed", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {
        "out", "reports", "rape_reports", "persons", "solved_reports", "repeat_offenders",
        "write_offs", "wrong_write_offs", "rape_write_off_rate", "seconds", "journey",
    } == set(doc)  # fmt: skip
    journey = doc["journey"]
    assert journey["as_at"] == "2020-04-01T00:00:00Z"
    assert journey["steps"] == len((tmp_path / "journey.csv").read_text().splitlines()) - 1
    # At this scale some figures have nothing to count: null, never NaN.
    empty = [v for v in journey.values() if isinstance(v, dict) and v["n"] == 0]
    assert all(v["value"] is None and not v["within_tolerance"] for v in empty)
    json.dumps(journey, allow_nan=False)
