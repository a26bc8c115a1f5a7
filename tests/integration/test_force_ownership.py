"""Each force owns its records, through the services on both databases: a force's users act only
on its reports; another force's report is read in full only by policy or with a grant from the
owning force's registrar, and every such read shows on the owning force's access report."""

import csv
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from caselink.domain.errors import InvalidRequest, InvalidTransition, NotPermitted
from caselink.domain.ownership import Home
from caselink.domain.roles import Role
from caselink.domain.rules.cancellation import CancellationCode
from caselink.services import (
    access_requests,
    exporting,
    history,
    journey,
    recording,
    report_views,
)
from caselink.services.context import Actor, Context
from caselink.services.importing import ImportRefused, Kind, import_file
from support.sample_files import report, write_csv, write_persons, write_reports

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)
KENT_OFFICER = Actor("olive", Role.OFFICER, Home(force="Kent"))
SURREY_OFFICER = Actor("oscar", Role.OFFICER, Home(force="Surrey"))
SURREY_REGISTRAR = Actor("rita", Role.REGISTRAR, Home(force="Surrey"))
KENT_REGISTRAR = Actor("ravi", Role.REGISTRAR, Home(force="Kent"))
NATIONAL_ANALYST = Actor("ann", Role.ANALYST, Home(unit="SCAS"))
KENT_ANALYST = Actor("ann", Role.ANALYST, Home(force="Kent"))
SURREY_ADMIN = Actor("ada", Role.ADMIN, Home(force="Surrey"))
KENT_ADMIN = Actor("ada", Role.ADMIN, Home(force="Kent"))
WHY = "checking a possible link to our series"


@pytest.fixture
def two_forces(ctx: Context, officer: Actor, tmp_path: Path) -> Context:
    """K1 of Kent and S1 of Surrey, imported by a national officer."""
    rows = [report("K1"), report("S1", force="Surrey")]
    import_file(ctx, officer, Kind.REPORTS, write_reports(tmp_path / "r.csv", rows))
    return dataclasses.replace(ctx, clock=lambda: NOW)


def test_a_force_acts_only_on_its_own_reports(two_forces: Context) -> None:
    ctx = two_forces
    with pytest.raises(NotPermitted, match="may not change Surrey's reports"):
        recording.classify(ctx, KENT_OFFICER, "Surrey", "S1", offence_code="19C")
    with pytest.raises(NotPermitted, match="may not change Surrey's reports"):
        recording.cancel(
            ctx,
            KENT_OFFICER,
            "Surrey",
            "S1",
            code=CancellationCode.C2,
            rationale="Alibi verified",
            evidence="CCTV from the venue shows the complainant was elsewhere",
        )
    with pytest.raises(NotPermitted, match="may not change Surrey's reports"):
        journey.record_step(
            ctx, KENT_OFFICER, "Surrey", "S1", "attended", at=datetime(2024, 3, 8, tzinfo=UTC)
        )
    with pytest.raises(NotPermitted, match="may not change Surrey's reports"):
        report_views.record_report(
            ctx,
            KENT_OFFICER,
            report_views.NewReport(
                force="Surrey", reference="S2", reported_at=datetime(2024, 6, 1, tzinfo=UTC)
            ),
        )
    changed = recording.classify(ctx, SURREY_OFFICER, "Surrey", "S1", offence_code="19D")
    assert changed.offence_code == "19D"


def test_an_import_refuses_another_forces_rows(two_forces: Context, tmp_path: Path) -> None:
    rows = [report("K2"), report("S2", force="Surrey")]
    with pytest.raises(ImportRefused) as refused:
        import_file(two_forces, KENT_OFFICER, Kind.REPORTS, write_reports(tmp_path / "x.csv", rows))
    assert [e.line for e in refused.value.errors] == [3]
    assert "records only for their own force" in refused.value.errors[0].reason
    summary = import_file(
        two_forces, KENT_OFFICER, Kind.REPORTS, write_reports(tmp_path / "k.csv", [report("K2")])
    )
    assert summary.imported == 1


@pytest.mark.parametrize("workers", [0, 2])
def test_another_forces_rows_are_rejected_with_their_cells(
    two_forces: Context, tmp_path: Path, workers: int
) -> None:
    # In worker processes, reports, persons and steps are made ready there and come back
    # without their cells: the rejects file must hold the refused row's cells all the same.
    person = {"role": "suspect", "forename": "Sam", "surname": "Hart", "source_id": "p1"}
    step = {"step": "attended", "at": "2024-03-08T01:00:00Z", "actor": "pc-1", "details": "{}"}
    kent, surrey = {"force": "Kent", "reference": "K1"}, {"force": "Surrey", "reference": "S1"}
    header = ("force", "reference", "step", "at", "actor", "details")
    files = {
        Kind.REPORTS: write_reports(
            tmp_path / "r.csv", [report("K3"), report("S3", force="Surrey")]
        ),
        Kind.PERSONS: write_persons(tmp_path / "p.csv", [person | kent, person | surrey]),
        Kind.JOURNEY: write_csv(tmp_path / "j.csv", header, [step | kent, step | surrey]),
    }
    for kind, path in files.items():
        rejects = tmp_path / f"{kind.value}-rejects.csv"
        summary = import_file(
            two_forces,
            KENT_OFFICER,
            kind,
            path,
            skip_invalid=True,
            rejects=rejects,
            workers=workers,
            parallel_from_bytes=0,
        )
        assert (summary.imported, summary.rejected) == (1, 1), kind
        with rejects.open(newline="", encoding="utf-8") as handle:
            _, refused = list(csv.reader(handle))
        with path.open(newline="", encoding="utf-8") as handle:
            third_line = list(csv.reader(handle))[2]
        assert refused[0] == "3", kind
        assert "records only for their own force" in refused[1], kind
        assert refused[2:] == third_line, kind


def ask_to_transfer_k1_to_surrey(ctx: Context) -> None:
    """Kent's officer asks to transfer K1 to Surrey (C1); a Kent registrar must authorise it."""
    recording.cancel(
        ctx,
        KENT_OFFICER,
        "Kent",
        "K1",
        code=CancellationCode.C1,
        rationale="The offence happened in Surrey's area; Surrey investigates",
        evidence="Surrey Police",
    )


@pytest.mark.parametrize("workers", [0, 2])
def test_rows_for_a_handed_over_report_are_its_new_owners_to_import(
    two_forces: Context, tmp_path: Path, workers: int
) -> None:
    # K1 is Surrey's now: its journey, persons and offender label are Surrey's to add, under
    # the Kent reference it was recorded with, and no longer Kent's.
    ctx = two_forces
    ask_to_transfer_k1_to_surrey(ctx)
    recording.authorise(ctx, KENT_REGISTRAR, "Kent", "K1")
    recording.accept_transfer(ctx, SURREY_REGISTRAR, "Kent", "K1")
    k1 = {"force": "Kent", "reference": "K1"}
    person = {"role": "suspect", "forename": "Sam", "surname": "Hart", "source_id": "p9"}
    step = {"step": "attended", "at": "2024-03-08T01:00:00Z", "actor": "pc-1", "details": "{}"}
    files = {
        Kind.JOURNEY: write_csv(tmp_path / "j.csv", (*step, *k1), [step | k1]),
        Kind.PERSONS: write_persons(tmp_path / "p.csv", [person | k1]),
        Kind.OFFENDERS: write_csv(
            tmp_path / "o.csv", ("offender_id", *k1), [{"offender_id": "off-9"} | k1]
        ),
    }
    for kind, path in files.items():
        with pytest.raises(ImportRefused) as refused:
            import_file(ctx, KENT_OFFICER, kind, path, workers=workers, parallel_from_bytes=0)
        reason = refused.value.errors[0].reason
        assert "a Kent record handed to Surrey" in reason, kind
        assert "records only for their own force" in reason, kind
        summary = import_file(
            ctx, SURREY_OFFICER, kind, path, workers=workers, parallel_from_bytes=0
        )
        assert summary.imported == 1, kind
    assert history.verify(ctx).intact


def test_reading_another_force_needs_a_grant_from_its_registrar(two_forces: Context) -> None:
    ctx = two_forces
    assert recording.show(ctx, KENT_OFFICER, "Kent", "K1", why=WHY).report.reference == "K1"
    with pytest.raises(NotPermitted, match="Ask Surrey for access"):
        recording.show(ctx, KENT_OFFICER, "Surrey", "S1", why=WHY)
    with pytest.raises(NotPermitted, match="summary only"):
        journey.journey(ctx, KENT_OFFICER, "Surrey", "S1", why=WHY)

    asked = access_requests.request_access(ctx, KENT_OFFICER, "Surrey", "S1", why=WHY)
    assert asked.state == "pending"
    assert [r.id for r in access_requests.requests_for(ctx, SURREY_REGISTRAR)] == [asked.id]
    assert access_requests.requests_for(ctx, KENT_REGISTRAR) == []
    with pytest.raises(NotPermitted, match="only Surrey's registrars"):
        access_requests.decide(ctx, KENT_REGISTRAR, asked.id, grant=True)
    with pytest.raises(NotPermitted):
        access_requests.decide(ctx, SURREY_OFFICER, asked.id, grant=True)

    granted = access_requests.decide(ctx, SURREY_REGISTRAR, asked.id, grant=True, days=7)
    assert granted.state == "granted"
    assert granted.expires_at == NOW + timedelta(days=7)
    with pytest.raises(InvalidRequest, match="decided already"):
        access_requests.decide(ctx, SURREY_REGISTRAR, asked.id, grant=False, note="changed mind")
    assert recording.show(ctx, KENT_OFFICER, "Surrey", "S1", why=WHY).report.reference == "S1"
    with pytest.raises(InvalidRequest, match="may read Surrey S1 already"):
        access_requests.request_access(ctx, KENT_OFFICER, "Surrey", "S1", why=WHY)
    # Reading is not acting: the grant lets Kent read, never change, Surrey's report.
    with pytest.raises(NotPermitted, match="may not change"):
        recording.classify(ctx, KENT_OFFICER, "Surrey", "S1", offence_code="19D")

    later = dataclasses.replace(ctx, clock=lambda: NOW + timedelta(days=8))
    with pytest.raises(NotPermitted, match="summary only"):
        recording.show(later, KENT_OFFICER, "Surrey", "S1", why=WHY)

    surrey_report = report_views.access_log(ctx, SURREY_ADMIN)
    reads = [(e.actor, e.action, e.reference) for e in surrey_report]
    assert ("olive", "consult", "S1") in reads
    assert ("olive", access_requests.REQUEST_ACCESS, "S1") in reads
    assert all(e.force == "Surrey" for e in surrey_report)
    assert all(e.force == "Kent" for e in report_views.access_log(ctx, KENT_ADMIN))


def test_a_refusal_says_why_and_grants_nothing(two_forces: Context) -> None:
    ctx = two_forces
    asked = access_requests.request_access(ctx, KENT_ANALYST, "Surrey", "S1", why=WHY)
    with pytest.raises(InvalidRequest, match="say why"):
        access_requests.decide(ctx, SURREY_REGISTRAR, asked.id, grant=False)
    refused = access_requests.decide(
        ctx, SURREY_REGISTRAR, asked.id, grant=False, note="no link to Surrey's inquiry"
    )
    assert refused.state == "refused"
    with pytest.raises(NotPermitted):
        recording.show(ctx, KENT_ANALYST, "Surrey", "S1", why=WHY)


def test_national_readers_read_by_policy(two_forces: Context, inspector: Actor) -> None:
    ctx = two_forces
    assert not recording.show(ctx, NATIONAL_ANALYST, "Surrey", "S1", why=WHY).pseudonymised
    seen = recording.show(ctx, inspector, "Surrey", "S1", why=WHY)
    assert seen.pseudonymised
    with pytest.raises(InvalidRequest, match="may read"):
        access_requests.request_access(ctx, NATIONAL_ANALYST, "Surrey", "S1", why=WHY)


def test_a_force_exports_its_own_reports_only(two_forces: Context, tmp_path: Path) -> None:
    ctx = two_forces
    kent = exporting.export_jsonl(ctx, KENT_REGISTRAR, tmp_path / "kent.jsonl", why=WHY)
    lines = [json.loads(line) for line in (tmp_path / "kent.jsonl").read_text().splitlines()]
    assert kent.reports == 1
    assert {doc["force"] for doc in lines} == {"Kent"}
    national = Actor("nina", Role.REGISTRAR, Home(unit="national-data"))
    everyone = exporting.export_jsonl(ctx, national, tmp_path / "all.jsonl", why=WHY)
    assert everyone.reports == 2


def test_a_transfer_hands_the_report_over_once_the_receiving_force_accepts(
    two_forces: Context,
) -> None:
    ctx = two_forces
    step_at = datetime(2024, 3, 8, 1, 0, tzinfo=UTC)
    ask_to_transfer_k1_to_surrey(ctx)
    with pytest.raises(InvalidTransition, match="only a report transferred"):
        recording.accept_transfer(ctx, SURREY_REGISTRAR, "Kent", "K1")  # not yet authorised
    recording.authorise(ctx, KENT_REGISTRAR, "Kent", "K1")
    with pytest.raises(NotPermitted, match="may not change Kent's reports"):
        journey.record_step(ctx, SURREY_OFFICER, "Kent", "K1", "attended", at=step_at)
    with pytest.raises(InvalidTransition, match="is Kent's already"):
        recording.accept_transfer(ctx, KENT_REGISTRAR, "Kent", "K1")

    recording.accept_transfer(ctx, SURREY_REGISTRAR, "Kent", "K1")
    with pytest.raises(InvalidTransition, match="Surrey's already"):
        recording.accept_transfer(ctx, SURREY_REGISTRAR, "Kent", "K1")
    journey.record_step(ctx, SURREY_OFFICER, "Kent", "K1", "attended", at=step_at)
    with pytest.raises(NotPermitted, match="may not change Surrey's reports"):
        journey.record_step(ctx, KENT_OFFICER, "Kent", "K1", "attended", at=step_at)
    with pytest.raises(NotPermitted, match="summary only"):
        recording.show(ctx, KENT_OFFICER, "Kent", "K1", why=WHY)
    seen = recording.show(ctx, SURREY_OFFICER, "Kent", "K1", why=WHY)
    kinds = [h["kind"] for h in seen.history]
    assert "cancellation_authorised" in kinds
    assert "transfer_accepted" in kinds
    assert history.verify(ctx).intact

    # Kent now asks Surrey, the owner, to read the report it recorded; Surrey's registrar
    # sees the request, decides it, and the read shows on Surrey's access report.
    asked = access_requests.request_access(ctx, KENT_OFFICER, "Kent", "K1", why=WHY)
    assert [r.id for r in access_requests.requests_for(ctx, SURREY_REGISTRAR)] == [asked.id]
    assert access_requests.requests_for(ctx, KENT_REGISTRAR) == []
    access_requests.decide(ctx, SURREY_REGISTRAR, asked.id, grant=True)
    recording.show(ctx, KENT_OFFICER, "Kent", "K1", why=WHY)
    surrey_reads = [(e.actor, e.reference) for e in report_views.access_log(ctx, SURREY_ADMIN)]
    assert ("olive", "K1") in surrey_reads
