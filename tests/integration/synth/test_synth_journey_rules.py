"""Every generated journey row passes the rules a consumer of journey.csv enforces."""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import caselink.synth.generator as generator
from caselink.synth import generate
from caselink.synth.journey.assembly import Journey, JourneyReports
from integration.synth.journey_rules import broken_rules, parse_time
from integration.synth.synth_dataset import Dataset

HEADER = ["force", "reference", "step", "at", "actor", "details"]


def test_journey_csv_has_the_contract_columns(dataset: Dataset) -> None:
    header = dataset.summary.journey_csv.read_text(encoding="utf-8").splitlines()[0]
    assert header.replace('"', "").split(",") == HEADER
    assert len(dataset.journey) == dataset.summary.journey.steps


def test_every_row_passes_the_journey_rules(dataset: Dataset) -> None:
    as_at = parse_time(dataset.summary.journey.as_at)
    errors = broken_rules(dataset.journey, dataset.reports, as_at)
    assert errors == [], errors[:20]


def test_the_rule_checker_catches_broken_rows(dataset: Dataset) -> None:
    as_at = parse_time(dataset.summary.journey.as_at)
    charged = next(r for r in dataset.journey if r["step"] == "charged")
    rows = [r for r in dataset.journey if r["reference"] == charged["reference"]]
    rows = [r for r in rows if r["force"] == charged["force"]]
    early = {**rows[0], "at": "2000-01-01T00:00:00Z"}
    no_charge = [r for r in rows if r["step"] not in ("charged", "cps_decision")]
    assert any("JNY-1" in e for e in broken_rules([early], dataset.reports, as_at))
    errors = broken_rules(no_charge, dataset.reports, as_at)
    assert any("outcome 1 with no charge" in e or "INV-2" in e for e in errors)


def test_every_step_kind_appears(dataset: Dataset) -> None:
    kinds = Counter(r["step"] for r in dataset.journey)
    assert set(kinds) == {
        "attended", "needs_assessed", "referral", "suspect_identified", "arrested",
        "interviewed", "released", "file_to_cps", "cps_decision", "charged",
        "no_further_action", "vrr_requested", "vrr_decided", "first_hearing", "verdict",
        "victim_updated", "updates_declined", "outcome", "reopened",
    }  # fmt: skip


def test_written_off_reports_and_n100s_are_never_investigated(dataset: Dataset) -> None:
    status = {(r["force"], r["reference"]): r["status"] for r in dataset.reports}
    kinds = Counter(
        r["step"] for r in dataset.journey if status[(r["force"], r["reference"])] != "crime"
    )
    assert kinds["attended"] > 0
    assert kinds["referral"] > 0
    assert set(kinds) <= {
        "attended", "needs_assessed", "referral", "updates_declined", "victim_updated",
    }  # fmt: skip


def test_cancellations_told_match_reports_csv(dataset: Dataset) -> None:
    told = {
        (r["force"], r["reference"]): r["at"]
        for r in dataset.journey
        if r["step"] == "victim_updated" and json.loads(r["details"])["decision"] == "cancellation"
    }
    informed = {
        (r["force"], r["reference"]): r["complainant_informed_at"]
        for r in dataset.reports
        if r["complainant_informed_at"]
    }
    assert told
    assert {k: parse_time(v) for k, v in told.items()} == {
        k: parse_time(v) for k, v in informed.items()
    }


def test_the_journey_has_a_stream_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing the journey from another stream changes it and nothing else."""
    generate(tmp_path / "a", scale=0.02, seed=3)
    draw = generator.draw_journey

    def other_stream(
        reports: JourneyReports, forces: tuple[str, ...], as_at: np.datetime64, _: object
    ) -> Journey:
        return draw(reports, forces, as_at, np.random.default_rng(99))

    monkeypatch.setattr(generator, "draw_journey", other_stream)
    generate(tmp_path / "b", scale=0.02, seed=3)
    for name in ("reports.csv", "persons.csv", "offenders.csv", "truth/report_offenders.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "journey.csv").read_bytes() != (
        tmp_path / "b" / "journey.csv"
    ).read_bytes()
