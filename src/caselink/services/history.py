"""Checking the event log: the whole hash chain, first broken link named."""

from collections.abc import Callable

from caselink.services.context import Context
from caselink.storage.event_log import ChainReport


def verify(ctx: Context, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk every event in order and report the first that does not follow from the one before."""
    with ctx.db.reader() as uow:
        return uow.events.verify(progress)
