"""An audit sample's page: a registrar's free-text reason may name people, so an inspector sees
the verdict with the reason withheld, and every reading of the page is logged."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from caselink.bootstrap import App
from caselink.domain.errors import InvalidRequest
from caselink.domain.roles import Role
from caselink.domain.rules.cancellation import CancellationCode
from caselink.services import recording
from caselink.services.context import Actor
from caselink.services.integrity import audit as integrity_audit
from caselink.storage.tables import access_log

COMPLAINANT = ("Jessamy", "Quartermaine")  # the complainant of K1 in the web tests' store

REGISTRAR = Actor("rita", Role.REGISTRAR)
REASON = f"{' '.join(COMPLAINANT)} withdrew only after the suspect's family visited her."


@pytest.fixture
def judged(store: App) -> int:
    """K1 written off and judged wrong by a registrar, with a reason that names the complainant."""
    ctx = store.context
    recording.cancel(
        ctx,
        Actor("olive", Role.OFFICER),
        "Kent",
        "K1",
        code=CancellationCode.C4,
        rationale="Recorded in error.",
        evidence="Keying error in the control room.",
    )
    recording.authorise(ctx, REGISTRAR, "Kent", "K1")
    sample_id = integrity_audit.draw_sample(ctx, REGISTRAR, seed=1, size=5).sample_id
    integrity_audit.record_verdict(
        ctx, REGISTRAR, sample_id, "Kent", "K1", correct=False, reason=REASON
    )
    return sample_id


def _page_reads(store: App, who: str) -> list[tuple[str | None, str | None, str]]:
    with store.context.db.reader() as uow:
        rows = uow.connection.execute(
            select(access_log.c.reference, access_log.c.detail, access_log.c.justification)
            .where(access_log.c.actor == who, access_log.c.detail.like("audit sample %:%"))
            .order_by(access_log.c.id)
        ).all()
    return [(r.reference, r.detail, r.justification) for r in rows]


def test_an_inspector_sees_the_verdict_but_not_the_registrars_reason(
    store: App, judged: int, signed_in: Callable[..., Any]
) -> None:
    inspector = signed_in("inspector", why="inspection of write-offs")
    page = inspector.get(f"/integrity/audits/{judged}")
    assert page.status_code == 200
    [item] = page.context["view"].items
    assert (item.reference, item.verdict) == ("K1", "wrong")
    assert item.reason == integrity_audit.REASON_WITHHELD
    assert COMPLAINANT[1] not in page.text
    assert 'data-testid="reasons-withheld"' in page.text
    assert _page_reads(store, "ian") == [
        ("K1", f"audit sample {judged}: verdicts, reasons withheld", "inspection of write-offs")
    ]


def test_a_registrar_reads_the_reason_and_the_read_is_logged(
    store: App, judged: int, signed_in: Callable[..., Any]
) -> None:
    page = signed_in("registrar", why="audit of write-offs").get(f"/integrity/audits/{judged}")
    [item] = page.context["view"].items
    assert item.reason == REASON
    assert COMPLAINANT[1] in page.text
    assert _page_reads(store, "rita") == [
        ("K1", f"audit sample {judged}: verdicts with reasons", "audit of write-offs")
    ]


def test_the_page_asks_why_before_it_shows_anything(
    store: App, judged: int, signed_in: Callable[..., Any]
) -> None:
    page = signed_in("inspector", why=None).get(
        f"/integrity/audits/{judged}", follow_redirects=False
    )
    assert page.status_code == 303
    assert page.headers["location"].startswith("/justification?next=")
    with pytest.raises(InvalidRequest):
        integrity_audit.sample_view(store.context, Actor("ian", Role.INSPECTOR), judged, " ")
    assert _page_reads(store, "ian") == []
