"""A complainant's anonymity is for the person, not the record (Sexual Offences (Amendment) Act
1992): whoever is a complainant in one report is withheld in every report from roles that may
not see complainants, on SQLite and PostgreSQL."""

import json
from pathlib import Path
from typing import Any

import pytest

from caselink.domain.person import Person, PersonRole
from caselink.domain.roles import Role
from caselink.interchange.pseudonymise import pseudonym
from caselink.services import exporting, persons, recording
from caselink.services.context import Actor, Context
from support import complainant_elsewhere as k

KEY = b"k" * 32


def _person(view: recording.ReportView, role: PersonRole) -> list[Person]:
    return [p for p in view.report.persons if p.role is role]


def _bare(p: Person) -> bool:
    return p == Person(role=p.role)


def test_an_inspector_sees_a_complainants_suspect_record_reduced_to_its_role(
    ctx: Context, inspector: Actor, registrar: Actor, officer: Actor, tmp_path: Path
) -> None:
    k.record(ctx, tmp_path)
    k.person_run(ctx, ("S1", "S4"), ("S2", "S5"))
    view = recording.show(ctx, inspector, "Kent", "K2", why="inspection")
    (suspect,) = _person(view, PersonRole.SUSPECT)
    assert _bare(suspect)  # no name, alias, date of birth, address, postcode, phone
    (witness,) = _person(view, PersonRole.WITNESS)
    assert (witness.forename, witness.surname) == ("Robert", "Quill")  # no complainant
    assert all(_bare(p) for p in _person(view, PersonRole.COMPLAINANT))
    for reader in (registrar, officer):
        full = recording.show(ctx, reader, "Kent", "K2", why="investigation")
        (suspect,) = _person(full, PersonRole.SUSPECT)
        assert (suspect.forename, suspect.surname, suspect.phone) == (
            "Ally",
            "Moreton",
            "+447700900123",
        )
        assert suspect.aliases == ("Ally Mo",)


def test_persons_show_tells_an_inspector_neither_who_nor_where_she_is_the_complainant(
    ctx: Context, inspector: Actor, officer: Actor, tmp_path: Path
) -> None:
    k.record(ctx, tmp_path)
    entity = k.person_run(ctx, ("S1", "S4"))["S4"]
    hidden = persons.show(ctx, inspector, entity, why="inspection")
    assert hidden.withheld
    assert [r.reference for r in hidden.records] == ["K2"]  # not K1, where she complained
    assert hidden.not_shown == 1
    text = json.dumps(hidden.to_dict(), default=str)
    assert not [v for v in k.ALICE if v in text]
    assert "K1" not in text

    full = persons.show(ctx, officer, entity, why="enquiry")
    assert not full.withheld
    assert sorted(r.reference for r in full.records) == ["K1", "K2"]
    assert {r.forename for r in full.records} == {"Alice", "Ally"}

    quill = k.person_run(ctx, ("S1", "S4"), ("S2", "S5"))["S2"]
    shown = persons.show(ctx, inspector, quill, why="inspection")
    assert not shown.withheld
    assert {r.surname for r in shown.records} == {"Quill"}


def _exported(ctx: Context, actor: Actor, path: Path) -> dict[str, dict[str, Any]]:
    exporting.export_pseudonymised(ctx, actor, path, KEY, why="inspection")
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {d["report"]: d for d in docs}


def test_the_pseudonymised_export_reduces_her_in_every_report_as_the_view_does(
    ctx: Context, inspector: Actor, tmp_path: Path
) -> None:
    k.record(ctx, tmp_path)
    k.person_run(ctx, ("S1", "S4"), ("S2", "S5"))
    docs = _exported(ctx, inspector, tmp_path / "p.jsonl")
    k1, k2 = (docs[str(pseudonym(KEY, "report", f"Kent\x1f{r}"))] for r in ("K1", "K2"))
    assert not [v for v in k.ALICE if v in json.dumps([k1, k2])]
    assert [p for p in k2["persons"] if p["role"] == "suspect"] == [{"role": "suspect"}]
    # Robert Quill, a complainant nowhere, keeps one pseudonym across his two reports
    (quill1,) = [p for p in k1["persons"] if p["role"] == "suspect"]
    (quill2,) = [p for p in k2["persons"] if p["role"] == "witness"]
    for field in ("forename", "surname", "date_of_birth"):
        assert quill1[field] == quill2[field] is not None
    # the inspector's view and the export reduce the same persons
    for reference, doc in (("K1", k1), ("K2", k2)):
        view = recording.show(ctx, inspector, "Kent", reference, why="inspection")
        assert [(p.role.value, _bare(p)) for p in view.report.persons] == [
            (p["role"], set(p) == {"role"}) for p in doc["persons"]
        ]


def test_where_the_run_kept_two_records_apart_the_run_decides(
    ctx: Context, inspector: Actor, tmp_path: Path
) -> None:
    # Same name and date of birth, both covered by the run, in different entities: not one human.
    k.record(
        ctx,
        tmp_path,
        [
            {
                "reference": "K2",
                "force": "Kent",
                "role": "other",
                "source_id": "S6",
                "forename": "alice",
                "surname": "MORETON",
                "date_of_birth": "1990-05-17",
            }
        ],
    )
    k.person_run(ctx, ("S1", "S4"))
    view = recording.show(ctx, inspector, "Kent", "K2", why="inspection")
    (other,) = _person(view, PersonRole.OTHER)
    assert other.surname == "MORETON"


def test_records_no_run_covers_are_withheld_on_the_same_name_and_date_of_birth(
    ctx: Context, inspector: Actor, officer: Actor, tmp_path: Path
) -> None:
    same = {
        "reference": "K2",
        "force": "Kent",
        "role": "other",
        "forename": " alice ",
        "surname": "MORETON",
    }
    k.record(
        ctx,
        tmp_path,
        [
            {**same, "source_id": "S6", "date_of_birth": "1990-05-17"},  # same date of birth
            {**same, "source_id": "S7"},  # no date of birth to contradict it
            {**same, "source_id": "S8", "date_of_birth": "1991-05-17"},  # another date: not her
        ],
    )
    view = recording.show(ctx, inspector, "Kent", "K2", why="inspection")  # no run at all
    others = _person(view, PersonRole.OTHER)
    assert [_bare(p) for p in others] == [True, True, False]
    (suspect,) = _person(view, PersonRole.SUSPECT)
    assert suspect.forename == "Ally"  # another forename, and no run says she is Alice

    # a run that covers them all and keeps each apart decides; a record since is compared again
    k.person_run(ctx)
    recording.add_person(
        ctx,
        officer,
        "Kent",
        "K2",
        Person(role=PersonRole.OTHER, forename="Alice", surname="Moreton"),
    )
    view = recording.show(ctx, inspector, "Kent", "K2", why="inspection")
    assert [_bare(p) for p in _person(view, PersonRole.OTHER)] == [False, False, False, True]


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.ANALYST])
def test_roles_that_may_see_complainants_export_her_pseudonymised_like_anyone(
    ctx: Context, role: Role, tmp_path: Path
) -> None:
    k.record(ctx, tmp_path)
    k.person_run(ctx, ("S1", "S4"))
    docs = _exported(
        ctx, Actor({Role.REGISTRAR: "rita", Role.ANALYST: "ann"}[role], role), tmp_path / "p.jsonl"
    )
    assert not [v for v in k.ALICE if v in json.dumps(list(docs.values()))]
