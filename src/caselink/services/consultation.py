"""Consulting personal data: the reason a person gives, and the access-log entry that records
it (Data Protection Act 2018 s.62).

Every service that reads, discloses, combines or collects personal data on a person's behalf
calls ``log_consultation``: the reason is checked and the entry written together, so no path
shows a record without saying who read it, when and why. A service that must refuse a missing
reason before it reads anything checks it first with ``stated_reason``, the same check.
"""

from collections.abc import Iterable

from caselink.domain.errors import InvalidRequest
from caselink.services.context import Actor, Context
from caselink.storage.access_log import AccessEntry
from caselink.storage.unit_of_work import UnitOfWork

# What the person did with the data, as the access log names it.
CONSULT = "consult"  # read a record
DISCLOSE = "disclose"  # sent it out of caselink (an export)
COMBINE = "combine"  # put records together (a person resolution run)
COLLECT = "collect"  # brought records in (an import)

NO_RECORD: tuple[tuple[None, None]] = ((None, None),)  # one entry naming no single record

_ASK = {
    CONSULT: "say why you are consulting this record: it is logged (DPA 2018 s.62)",
    DISCLOSE: "say why you are disclosing this data: it is logged (DPA 2018 s.62)",
}


def stated_reason(why: str | None, *, action: str = CONSULT, default: str | None = None) -> str:
    """The reason given for using personal data, trimmed; refused (``InvalidRequest``) when
    there is none. Where the work names its own purpose (an import, a resolution run, an audit
    verdict), ``default`` stands in for a blank reason."""
    text = (why or "").strip() or (default or "")
    if not text:
        raise InvalidRequest(_ASK.get(action, _ASK[CONSULT]))
    return text


def log_consultation(
    ctx: Context,
    actor: Actor,
    records: Iterable[tuple[str | None, str | None]],
    why: str | None,
    detail: str,
    *,
    action: str = CONSULT,
    default: str | None = None,
    uow: UnitOfWork | None = None,
) -> None:
    """Check the reason (``stated_reason``) and write one access-log entry per record (force,
    reference) for ``actor``, all stamped with one time; ``NO_RECORD`` for one entry naming no
    single record (an export, an import, a resolution run). ``detail`` says what was shown.

    Inside ``uow`` when given, so the entry commits (or not) with the work it records.
    Otherwise in a short write of its own, committed before this returns, so the entry exists
    before anything is shown: writers take turns, and a turn held while a record is read and
    built would keep every other page waiting.
    """
    reason = stated_reason(why, action=action, default=default)
    at = ctx.clock()
    entries = [
        AccessEntry(at, actor.name, action, force, reference, reason, detail)
        for force, reference in records
    ]
    if uow is not None:
        uow.access_log.write(entries)
        return
    with ctx.db.unit_of_work() as own:
        own.access_log.write(entries)
        own.commit()
