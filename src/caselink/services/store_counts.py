"""How much the store holds: reports by status and force, persons, labels, events.

Counts only, with no personal data: every role may ask (it is what an operator checks after an
import or a migration), but only a known, active user.
"""

from caselink.domain.roles import Action
from caselink.services.context import Actor, Context
from caselink.storage.queries import Stats


def store_counts(ctx: Context, actor: Actor) -> Stats:
    """Counts of reports (by status and force), pending cancellations, persons, offender
    labels and events, read in one transaction so they agree with each other."""
    actor.require(Action.VIEW_COUNTS)
    with ctx.db.reader() as uow:
        return uow.queries.stats()
