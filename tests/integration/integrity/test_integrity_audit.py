"""Audit samples, verdicts and compliance in the database, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import func, select

from caselink.domain.errors import InvalidRequest, NotFound, NotPermitted
from caselink.integrity import StratumAudit, compliance, sample_size
from caselink.services.context import Actor, Context
from caselink.services.integrity import audit as integrity_audit
from caselink.services.integrity import figures as integrity
from caselink.storage.tables import access_log, audit_verdicts


def test_a_sample_is_stratified_by_force_reproducible_and_stored(
    loaded: Context, registrar: Actor
) -> None:
    drawn = integrity_audit.draw_sample(loaded, registrar, seed=7, margin=0.1)
    again = integrity_audit.draw_sample(loaded, registrar, seed=7, margin=0.1)
    other = integrity_audit.draw_sample(loaded, registrar, seed=8, margin=0.1)
    assert again.sample_id != drawn.sample_id
    assert again.sample == drawn.sample  # the same seed and records redraw the same sample
    assert other.sample != drawn.sample
    table = integrity.rates(loaded, registrar)
    by_force = {f.force: f.counts for f in table.forces}
    for s in drawn.sample.strata:
        counts = by_force[s.stratum]
        # The population: applied write-offs under a rape code, and every N100.
        assert s.population == counts.written_off + counts.n100
        assert len(s.ids) == sample_size(0.1, population=s.population)
    stored = integrity_audit.sample_items(loaded, registrar, drawn.sample_id)
    assert [(i.force, i.reference) for i in stored] == [
        (s.stratum, ref) for s in drawn.sample.strata for ref in s.ids
    ]
    assert all(i.verdict is None for i in stored)


def test_verdicts_are_appended_logged_and_counted(loaded: Context, registrar: Actor) -> None:
    drawn = integrity_audit.draw_sample(loaded, registrar, seed=3, size=4, scope=_forces("Kent"))
    kent = drawn.sample.strata[0]
    first, second, third = kent.ids[:3]
    integrity_audit.record_verdict(
        loaded, registrar, drawn.sample_id, "Kent", first, correct=True, reason="AVI"
    )
    integrity_audit.record_verdict(
        loaded, registrar, drawn.sample_id, "kent", second, correct=True, reason="ok"
    )
    # A later verdict on the same report supersedes the first; both stay.
    integrity_audit.record_verdict(
        loaded,
        registrar,
        drawn.sample_id,
        "Kent",
        second,
        correct=False,
        reason="no AVI",
        why="second look",
    )
    integrity_audit.record_verdict(
        loaded, registrar, drawn.sample_id, "Kent", third, correct=False, reason="withdrawal"
    )
    result = integrity_audit.audit_compliance(loaded, registrar, drawn.sample_id)
    assert result.result == compliance([StratumAudit("Kent", kent.population, 3, 1)])
    with loaded.db.reader() as uow:
        conn = uow.connection
        assert conn.execute(select(func.count()).select_from(audit_verdicts)).scalar() == 4
        logged = conn.execute(
            select(access_log.c.reference, access_log.c.justification, access_log.c.actor)
            .where(access_log.c.action == "consult")
            .order_by(access_log.c.id)
        ).all()
    assert [r.reference for r in logged] == [first, second, second, third]
    assert logged[2].justification == "second look"
    assert logged[0].justification == f"integrity audit: verdict on sample {drawn.sample_id}"
    assert {r.actor for r in logged} == {"rita"}


def test_verdicts_are_refused_outside_the_sample_and_to_inspectors(
    loaded: Context, registrar: Actor, inspector: Actor
) -> None:
    drawn = integrity_audit.draw_sample(loaded, registrar, seed=3, size=2, scope=_forces("Kent"))
    ref = drawn.sample.strata[0].ids[0]
    with pytest.raises(NotPermitted):
        integrity_audit.record_verdict(
            loaded, inspector, drawn.sample_id, "Kent", ref, correct=True, reason="x"
        )
    with pytest.raises(NotPermitted):
        integrity_audit.draw_sample(loaded, inspector, seed=1, size=2)
    with pytest.raises(NotFound):
        integrity_audit.record_verdict(
            loaded, registrar, drawn.sample_id, "Kent", "KEN-0000", correct=True, reason="x"
        )
    with pytest.raises(NotFound):
        integrity_audit.record_verdict(
            loaded, registrar, 999, "Kent", ref, correct=True, reason="x"
        )
    with pytest.raises(InvalidRequest):
        integrity_audit.record_verdict(
            loaded, registrar, drawn.sample_id, "Kent", ref, correct=True, reason=" "
        )
    # Inspectors may read the compliance figures: they name no one.
    result = integrity_audit.audit_compliance(loaded, inspector, drawn.sample_id)
    assert result.result.national.audited == 0
    assert result.result.national.unaudited_population == drawn.sample.strata[0].population


def _forces(*names: str) -> integrity.Scope:
    return integrity.make_scope(forces=names)
