"""The journey's ground truth: missed chances in series, and forces late to tell victims."""

import json
from collections import defaultdict

import numpy as np

from caselink.synth.journey.victims_code import due_at
from integration.synth.journey_rules import parse_time
from integration.synth.synth_dataset import Dataset

Key = tuple[str, str]


def _key(row: dict[str, str]) -> Key:
    return row["force"], row["reference"]


def _series(dataset: Dataset) -> dict[str, list[Key]]:
    members: dict[str, list[Key]] = defaultdict(list)
    for row in dataset.report_offenders:
        members[row["offender_id"]].append(_key(row))
    return {o: keys for o, keys in members.items() if len(keys) > 1}


def _with(dataset: Dataset, kind: str) -> set[Key]:
    return {_key(r) for r in dataset.journey if r["step"] == kind}


def test_missed_chances_are_exactly_the_unlinked_reports_of_charged_series(
    dataset: Dataset,
) -> None:
    status = {_key(r): r["status"] for r in dataset.reports}
    charged = _with(dataset, "charged")
    suspect = _with(dataset, "suspect_identified")
    expected: dict[Key, str] = {}
    for keys in _series(dataset).values():
        for key in keys:
            if not any(other in charged for other in keys if other != key):
                continue
            if status[key] in ("cancelled", "transferred"):
                expected[key] = "written_off"
            elif status[key] == "n100":
                expected[key] = "n100"
            elif key not in suspect:
                expected[key] = "no_suspect"
    listed = {_key(r): r["why"] for r in dataset.missed_chances}
    assert listed == expected
    assert len(listed) == dataset.summary.journey.missed_chances
    assert set(listed.values()) == {"written_off", "n100", "no_suspect"}
    offender = {_key(r): r["offender_id"] for r in dataset.report_offenders}
    for row in dataset.missed_chances:
        other = (row["charged_force"], row["charged_reference"])
        assert other in charged
        assert offender[other] == offender[_key(row)] == row["offender_id"]


def test_a_charge_in_a_series_brings_more_charges(dataset: Dataset) -> None:
    status = {_key(r): r["status"] for r in dataset.reports}
    charged = _with(dataset, "charged")
    recorded = [k for k, s in status.items() if s == "crime"]
    base = sum(k in charged for k in recorded) / len(recorded)
    after: list[bool] = []
    for keys in _series(dataset).values():
        hits = [k for k in keys if k in charged]
        if hits:
            after += [k in charged for k in keys if status[k] == "crime" and k != hits[0]]
    assert sum(after) / len(after) > 2 * base


def test_victims_are_mostly_told_in_time_and_outlier_forces_stand_out(
    dataset: Dataset,
) -> None:
    as_at = np.datetime64(parse_time(dataset.summary.journey.as_at), "s")
    decided: dict[tuple[Key, str, str], str] = {}
    told: dict[tuple[Key, str, str], str] = {}
    for row in dataset.journey:
        if row["step"] in ("arrested", "interviewed", "released", "charged", "no_further_action"):
            decided[(_key(row), row["step"], row["at"])] = row["force"]
        elif row["step"] == "victim_updated":
            d = json.loads(row["details"])
            told[(_key(row), d["decision"], d["decision_at"])] = row["at"]
    keys = list(decided)
    when = np.array([parse_time(k[2]) for k in keys], dtype="datetime64[s]")
    due = due_at(when)
    told_at = np.array(
        [parse_time(told[k]) if k in told else np.datetime64("NaT") for k in keys],
        dtype="datetime64[s]",
    )
    counted = due <= as_at
    met = ~np.isnat(told_at) & (told_at <= due)
    late = ~np.isnat(told_at) & (told_at > due)
    assert 0.7 < met[counted].mean() < 0.9
    assert 0.05 < late[counted].mean() < 0.25
    assert 0.01 < np.isnat(told_at[counted]).mean() < 0.1
    force = np.array([decided[k] for k in keys])
    national = met[counted].mean()
    practice = {r["force"]: r["outlier"] for r in dataset.update_practice}
    assert sorted(practice.values()).count("low") == 4
    for name, outlier in practice.items():
        mine = counted & (force == name)
        if outlier == "low":
            assert met[mine].mean() < national - 0.08, name
        if outlier == "high":
            assert met[mine].mean() > national + 0.04, name
