"""The journey's step table: time order within a report, the data's end, what follows an outcome."""

import json

import numpy as np
import pyarrow as pa

from caselink.synth.journey.fates import (
    CHARGE,
    NEVER,
    UNRESOLVED,
    Fates,
    link_series,
)
from caselink.synth.journey.steps import CPS, KINDS, Steps, iso_z, labels
from caselink.synth.writer import Labelled

T0 = np.datetime64("2018-01-01T00:00:00", "s")


def _at(*hours: float) -> np.ndarray:
    return T0 + (np.array(hours) * 3600).astype(np.int64) * np.timedelta64(1, "s")


def _table(steps: Steps, n: int) -> dict[str, list[str]]:
    names = pa.array([f"OIC{i}" for i in range(n)])
    officers = pa.array([f"PC{i}" for i in range(n)])
    table = steps.table(names, officers)
    columns = table.columns(np.zeros(n, np.int64), pa.array([f"R{i}" for i in range(n)]), ["F"])
    return {k: pa.array(v).cast(pa.string()).to_pylist() for k, v in columns.items()}


def test_steps_come_out_by_report_then_time_with_their_details_and_actors() -> None:
    steps = Steps(2, _at(1000)[0])
    steps.add(
        "outcome",
        np.array([0, 1]),
        _at(30, 5),
        details=Labelled(np.array([1, 0]), labels("code", ["14", "18"])),
    )
    steps.add("attended", np.array([1, 0]), _at(1, 2), details=pa.array(['{"a":"1"}', '{"a":"0"}']))
    steps.add("cps_decision", np.array([0]), _at(20), actor=CPS)
    out = _table(steps, 2)
    assert out["reference"] == ["R0", "R0", "R0", "R1", "R1"]
    assert out["step"] == ["attended", "cps_decision", "outcome", "attended", "outcome"]
    assert out["actor"] == ["OIC0", "CPS", "OIC0", "OIC1", "OIC1"]
    assert [json.loads(d) for d in out["details"]] == [
        {"a": "0"}, {}, {"code": "18"}, {"a": "1"}, {"code": "14"},
    ]  # fmt: skip
    assert out["at"][0] == "2018-01-01T02:00:00Z"


def test_ties_in_time_follow_the_order_of_dependence() -> None:
    steps = Steps(1, _at(1000)[0])
    for kind in reversed(KINDS):
        steps.add(kind, np.array([0]), _at(5))
    assert _table(steps, 1)["step"] == list(KINDS)


def test_steps_after_the_data_end_or_undated_are_left_out() -> None:
    steps = Steps(3, _at(10)[0])
    at = np.concatenate([_at(9, 11), np.array(["NaT"], dtype="datetime64[s]")])
    steps.add("arrested", np.arange(3), at)
    assert _table(steps, 3)["reference"] == ["R0"]


def test_only_the_allowed_steps_follow_an_outcome_until_reopened() -> None:
    steps = Steps(1, _at(1000)[0])
    steps.add("outcome", np.array([0]), _at(10))
    steps.add("referral", np.array([0]), _at(5))
    steps.add("needs_assessed", np.array([0]), _at(11))
    steps.add("victim_updated", np.array([0]), _at(12))
    steps.add("verdict", np.array([0]), _at(13))
    steps.add("reopened", np.array([0]), _at(20))
    steps.add("arrested", np.array([0]), _at(21))
    steps.drop_after_outcome()
    assert _table(steps, 1)["step"] == [
        "referral", "outcome", "victim_updated", "verdict", "reopened", "arrested",
    ]  # fmt: skip


def test_iso_z_writes_utc_with_a_z() -> None:
    values = np.array(["2017-04-01T23:15:00", "NaT"], dtype="datetime64[s]")
    assert iso_z(values).to_pylist() == ["2017-04-01T23:15:00Z", None]


def test_a_charge_in_a_series_takes_up_the_open_reports_of_the_offender() -> None:
    n = 4000
    rng = np.random.default_rng(3)
    of_report = np.arange(n) // 4  # 1000 offenders with four reports each
    fate = np.where(np.arange(n) % 4 == 0, CHARGE, UNRESOLVED).astype(np.int8)
    seen = np.full(n, T0)
    identified = np.where(np.arange(n) % 2 == 0, T0 + 3600, NEVER)
    outcome = np.where(fate == CHARGE, T0 + 86400 * 100, NEVER)
    fates = Fates(fate, identified, outcome, np.zeros(n, dtype=bool))
    linked = link_series(
        fates,
        recorded=np.ones(n, dtype=bool),
        seen_at=seen,
        of_report=of_report,
        repeat=np.ones(1000, dtype=bool),
        as_at=T0 + 86400 * 1000,
        rng=rng,
    )
    others = np.arange(n) % 4 != 0
    charged = (linked.fate == CHARGE) & others
    assert 0.3 < charged.mean() / others.mean() < 0.6
    assert (linked.outcome_at[charged] > outcome[0]).all()
    newly = others & ~(identified < NEVER) & (linked.identified_at < NEVER)
    assert newly.any()
    assert (linked.identified_at[newly] > outcome[0]).all()
    assert not linked.linked[~others].any()
