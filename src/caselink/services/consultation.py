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

# A reason is a few words a reader of the access log can judge, not a letter or a keystroke:
# the same bounds for the web form, the API's X-Justification header and the CLI's --why.
MIN_REASON = 5
MAX_REASON = 500

_ASK = {
    CONSULT: "say why you are consulting this record: it is logged (DPA 2018 s.62)",
    DISCLOSE: "say why you are disclosing this data: it is logged (DPA 2018 s.62)",
}


def stated_reason(why: str | None, *, action: str = CONSULT, default: str | None = None) -> str:
    """The reason given for using personal data, its white space collapsed; refused
    (``InvalidRequest``) when there is none, or when it is shorter than ``MIN_REASON`` or
    longer than ``MAX_REASON`` characters (``justification_text``). Where the work names its
    own purpose (an import, a resolution run, an audit verdict), ``default`` stands in for a
    blank reason."""
    text = " ".join((why or "").split())
    if not text:
        if default:
            return default
        raise InvalidRequest(_ASK.get(action, _ASK[CONSULT]))
    return justification_text(text)


def justification_text(why: str) -> str:
    """A justification as the access log keeps it: white space collapsed, at least
    ``MIN_REASON`` and at most ``MAX_REASON`` characters, else ``InvalidRequest``. The one rule
    for every way a reason arrives (web form, API header, CLI option)."""
    text = " ".join(why.split())
    if len(text) < MIN_REASON:
        raise InvalidRequest(
            f"say why you consult these records in a few words (at least {MIN_REASON} "
            "characters): it is logged (DPA 2018 s.62)"
        )
    if len(text) > MAX_REASON:
        raise InvalidRequest(
            f"a justification is at most {MAX_REASON} characters ({len(text)} given): "
            "say why in a sentence"
        )
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
