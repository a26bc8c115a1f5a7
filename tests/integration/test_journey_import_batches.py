"""Importing journeys in bulk, on both databases: a report's steps split across the import's
batches (judged in this process, or in workers that read the store as committed), or added to a
journey already stored, end in the same steps, milestones and duties as one batch would give,
and a police.uk outcome already stored is kept."""

import csv
import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import (
    events,
    journey_milestones,
    journey_steps,
    reports,
    victim_duties,
)
from support.sample_files import report, write_reports

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)
ARREST = {"decision": "arrested", "decision_at": "2024-03-11T10:00:00Z"}
CANCELLED = {"decision": "cancellation", "decision_at": "2024-03-02T09:00:00Z"}
STEPS = [
    ("K1", "attended", "2024-03-08T01:00:00Z", {"trained_officer": "true"}),
    ("K1", "referral", "2024-03-08T02:00:00Z", {"service": "sarc", "answer": "accepted"}),
    ("K1", "suspect_identified", "2024-03-09T10:00:00Z", {}),
    ("K1", "arrested", "2024-03-11T10:00:00Z", {}),
    ("K1", "victim_updated", "2024-03-11T15:00:00Z", ARREST),
    ("K1", "interviewed", "2024-03-12T10:00:00Z", {}),
    ("K1", "file_to_cps", "2024-04-01T10:00:00Z", {"purpose": "charging_decision"}),
    ("K1", "cps_decision", "2024-05-01T10:00:00Z", {"decision": "charge"}),
    ("K1", "charged", "2024-05-02T10:00:00Z", {"route": "charge"}),
    ("K1", "outcome", "2024-05-02T11:00:00Z", {"code": "1"}),
    ("K2", "attended", "2024-03-08T03:00:00Z", {"trained_officer": "false"}),
    ("K2", "referral", "2024-03-08T04:00:00Z", {"service": "isva", "answer": "declined"}),
    ("K2", "outcome", "2024-03-20T10:00:00Z", {"code": "18"}),
    ("K3", "attended", "2024-03-01T21:00:00Z", {}),
    ("K3", "victim_updated", "2024-03-04T10:00:00Z", CANCELLED),
]  # fmt: skip


def _store(ctx: Context, officer: Actor, tmp_path: Path) -> Context:
    """K1 to K3 and their twins L1 to L3: two crimes and a report cancelled with the
    complainant never told."""
    rows = []
    for prefix in ("K", "L"):
        rows += [
            report(f"{prefix}1"),
            report(f"{prefix}2"),
            report(
                f"{prefix}3",
                status="cancelled",
                cancellation_code="C2",
                cancellation_rationale="CCTV shows the complainant elsewhere at the time.",
                cancellation_evidence="CCTV footage reviewed on 2024-03-20.",
                cancellation_authorised_by="rita",
                reported_at="2024-03-01T20:00:00",
                decided_at="2024-03-02T09:00:00",
                occurred_from="2024-03-01T19:00:00",
                occurred_to="2024-03-01T19:30:00",
            ),
        ]
    import_file(ctx, officer, Kind.REPORTS, write_reports(tmp_path / "reports.csv", rows))
    return dataclasses.replace(ctx, clock=lambda: NOW)


def _journey_file(
    path: Path, rows: list[tuple[str, str, str, dict[str, str]]], prefix: str = "K"
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("force", "reference", "step", "at", "actor", "details"))
        for reference, step, at, details in rows:
            reference = prefix + reference[1:]
            writer.writerow(("Kent", reference, step, at, "pc-importer", json.dumps(details)))
    return path


def _derived(ctx: Context, prefix: str) -> dict[str, Any]:
    """What the journeys of one set of reports left stored, each named by its number: steps,
    milestones, duties, versions and how many journey events."""
    with ctx.db.reader() as uow:
        conn = uow.connection
        ref = {
            r.id: r.reference[1:]
            for r in conn.execute(select(reports.c.id, reports.c.reference))
            if r.reference.startswith(prefix)
        }
        steps = conn.execute(
            select(
                journey_steps.c.report_id,
                journey_steps.c.kind,
                journey_steps.c.at,
                journey_steps.c.actor,
                journey_steps.c.details,
            ).order_by(journey_steps.c.id)
        ).all()
        milestones = conn.execute(select(journey_milestones)).all()
        duties = conn.execute(select(victim_duties)).all()
        versions = conn.execute(select(reports.c.id, reports.c.version)).all()
        journey_events = conn.execute(
            select(events.c.report_id).where(events.c.kind == "journey_imported")
        ).all()
    return {
        "steps": [(ref[s[0]], *s[1:]) for s in steps if s[0] in ref],
        "milestones": sorted((ref[m[0]], *m[1:]) for m in milestones if m[0] in ref),
        "duties": sorted((ref[d[0]], *d[1:]) for d in duties if d[0] in ref),
        "versions": sorted((ref[v[0]], v[1]) for v in versions if v[0] in ref),
        "events": sum(1 for e in journey_events if e[0] in ref),
    }


@pytest.mark.parametrize("workers", [0, 2])
def test_steps_split_across_batches_end_as_one_batch(
    ctx: Context, officer: Actor, tmp_path: Path, workers: int
) -> None:
    # In workers, K1's later batches are judged against the store without its earlier steps
    # (its charge refused for want of an arrest): the importing process must judge them again.
    ctx = _store(ctx, officer, tmp_path)
    split = import_file(
        ctx,
        officer,
        Kind.JOURNEY,
        _journey_file(tmp_path / "k.csv", STEPS),
        batch_size=4,
        workers=workers,
        parallel_from_bytes=0,
    )
    whole = import_file(ctx, officer, Kind.JOURNEY, _journey_file(tmp_path / "l.csv", STEPS, "L"))
    assert (split.imported, split.rejected) == (whole.imported, whole.rejected) == (len(STEPS), 0)
    in_batches, in_one = _derived(ctx, "K"), _derived(ctx, "L")
    for part in ("steps", "milestones", "duties"):
        assert in_batches[part] == in_one[part], part
    # each batch of four rows adds to what the batches before it stored, one event a report
    assert (in_batches["events"], in_one["events"]) == (6, 3)
    assert in_batches["versions"] == [("1", 3), ("2", 2), ("3", 1)]
    assert in_one["versions"] == [("1", 1), ("2", 1), ("3", 1)]
    duties = {(d[0], d[1]) for d in in_one["duties"]}
    assert duties == {("1", "arrested"), ("1", "interviewed"), ("1", "charged"),
                      ("3", "cancellation")}  # fmt: skip
    assert [m[0] for m in in_one["milestones"]] == ["1", "2", "3"]


def test_steps_added_later_keep_a_police_uk_outcome(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    ctx = _store(ctx, officer, tmp_path)
    with ctx.db.unit_of_work() as uow:
        k2 = uow.connection.execute(
            select(reports.c.id).where(reports.c.reference == "K2")
        ).scalar_one()
        uow.journeys.set_police_uk_outcome({k2: "Investigation complete; no suspect identified"})
        uow.commit()
    first = [s for s in STEPS if s[0] != "K2" or s[1] == "attended"]
    import_file(ctx, officer, Kind.JOURNEY, _journey_file(tmp_path / "a.csv", first))
    later = import_file(ctx, officer, Kind.JOURNEY, _journey_file(tmp_path / "b.csv", STEPS))
    assert (later.imported, later.unchanged) == (2, len(first))
    stored = {m[0]: m for m in _derived(ctx, "K")["milestones"]}
    columns = ["reference", *journey_milestones.c.keys()[1:]]
    k2_row = dict(zip(columns, stored["2"], strict=True))
    assert k2_row["police_uk_outcome"] == "Investigation complete; no suspect identified"
    assert (k2_row["outcome"], k2_row["isva_answer"]) == ("18", "declined")
    assert k2_row["trained_officer"] is False
